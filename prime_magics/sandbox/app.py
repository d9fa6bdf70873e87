"""`create_app`: the simulated Prime Intellect API as one FastAPI application.

Assembles the catalogue, the store, the fault plan and the request log for one config,
mounts the API under `/api/v1` and the harness controls under `/_sandbox`, and maps the
store's errors to the real API's bodies.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from . import api_account, api_availability, api_control, api_resources
from .config import DEFAULT_CONFIG, SandboxConfig
from .context import SandboxContext
from .errors import ApiError, BodyError
from .faults import API_PREFIX
from .middleware import SandboxMiddleware

DESCRIPTION = (
    "SANDBOX: a simulated Prime Intellect API with seeded, made-up offers. Nothing here "
    "rents a real GPU or costs money. Any non-empty bearer key is accepted."
)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status)


async def _body_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, BodyError)
    return JSONResponse({"detail": exc.errors}, status_code=422)


def build_app(config: SandboxConfig = DEFAULT_CONFIG) -> tuple[FastAPI, SandboxContext]:
    """The app and the live objects behind it (what `SandboxServer` exposes)."""
    ctx = SandboxContext.build(config)
    app = FastAPI(
        title="Prime Intellect API (sandbox)",
        description=DESCRIPTION,
        redirect_slashes=False,
    )
    app.state.sandbox = ctx
    app.include_router(api_availability.router(ctx), prefix=API_PREFIX)
    app.include_router(api_resources.router(ctx), prefix=API_PREFIX)
    app.include_router(api_account.router(ctx), prefix=API_PREFIX)
    app.include_router(api_control.router(ctx))
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(BodyError, _body_error)
    app.add_middleware(
        SandboxMiddleware, faults=ctx.faults, log=ctx.log, latency_s=config.latency_s
    )
    return app, ctx


def create_app(config: SandboxConfig = DEFAULT_CONFIG) -> FastAPI:
    """A fresh sandbox app; its live objects are at `app.state.sandbox`."""
    return build_app(config)[0]
