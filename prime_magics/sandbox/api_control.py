"""`/_sandbox/*`: steer a sandbox running in another process (faults, log, reset).

No auth and not logged: these are the test harness's own controls, not part of the API
being simulated, and they must not show up in the request log a test asserts on.
"""

from dataclasses import asdict

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from .context import SandboxContext
from .schemas import FaultSpec


def router(ctx: SandboxContext) -> APIRouter:
    api = APIRouter(prefix="/_sandbox", tags=["sandbox controls"])

    @api.get("/info")
    def info() -> JSONResponse:
        return JSONResponse({"sandbox": True, "config": asdict(ctx.config)})

    @api.post("/faults", status_code=201)
    def add_fault(spec: FaultSpec) -> JSONResponse:
        fault = ctx.faults.add(
            spec.method,
            spec.path,
            status=spec.status,
            times=spec.times,
            delay_s=spec.delay_s,
            body=spec.body,
            headers=spec.headers,
            match_query=spec.match_query,
        )
        return JSONResponse(fault.as_json(), status_code=201)

    @api.get("/faults")
    def list_faults() -> JSONResponse:
        return JSONResponse([f.as_json() for f in ctx.faults.pending()])

    @api.delete("/faults")
    def clear_faults() -> JSONResponse:
        return JSONResponse({"cleared": ctx.faults.clear()})

    @api.get("/requests")
    def requests() -> JSONResponse:
        return JSONResponse([r.as_json() for r in ctx.log.snapshot()])

    @api.post("/reset")
    def reset() -> JSONResponse:
        ctx.reset()
        return JSONResponse({"status": "reset"})

    return api
