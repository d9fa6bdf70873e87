"""`create_app`: the simulated Prime Intellect API as one FastAPI application.

Assembles the catalogue, the store, the fault plan and the request log for one config,
mounts the API under `/api/v1` and the harness controls under `/_sandbox`, and maps
errors to the bodies compute.yml declares: 422s in the spec's envelope (or FastAPI's,
see `SandboxConfig.validation_errors`), everything else `{"detail": "..."}`.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from . import api_account, api_availability, api_control, api_resources
from .config import DEFAULT_CONFIG, SandboxConfig
from .context import SandboxContext
from .drop import SandboxApp
from .envelopes import validation_body
from .errors import ApiError, BodyError
from .faults import API_PREFIX
from .middleware import SandboxMiddleware

DESCRIPTION = (
    "SANDBOX: a simulated Prime Intellect API with seeded, made-up offers. Nothing here "
    "rents a real GPU or costs money. Any non-empty bearer key is accepted."
)


def build_app(
    config: SandboxConfig = DEFAULT_CONFIG, monotonic: Callable[[], float] | None = None
) -> tuple[FastAPI, SandboxContext]:
    """The app and the live objects behind it (what `SandboxServer` exposes).

    `monotonic` is the clock every lifecycle reads (default `time.monotonic`).
    """
    ctx = SandboxContext.build(config, monotonic)
    style = config.validation_errors
    app = SandboxApp(
        title="Prime Intellect API (sandbox)",
        description=DESCRIPTION,
        redirect_slashes=False,  # the middleware redirects, before auth, as the real one
    )
    app.state.sandbox = ctx

    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return JSONResponse({"detail": exc.detail}, status_code=exc.status)

    async def body_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, BodyError)
        return JSONResponse(validation_body(exc.errors, style), status_code=422)

    async def request_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        entries = jsonable_encoder(exc.errors())
        return JSONResponse(validation_body(entries, style), status_code=422)

    app.include_router(api_availability.router(ctx), prefix=API_PREFIX)
    app.include_router(api_resources.router(ctx), prefix=API_PREFIX)
    app.include_router(api_account.router(ctx), prefix=API_PREFIX)
    app.include_router(api_control.router(ctx))
    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(BodyError, body_error)
    app.add_exception_handler(RequestValidationError, request_error)
    app.add_middleware(
        SandboxMiddleware,
        faults=ctx.faults,
        log=ctx.log,
        latency_s=config.latency_s,
        routes=lambda: app.routes,
    )
    return app, ctx


def create_app(
    config: SandboxConfig = DEFAULT_CONFIG, monotonic: Callable[[], float] | None = None
) -> FastAPI:
    """A fresh sandbox app; its live objects are at `app.state.sandbox`."""
    return build_app(config, monotonic)[0]
