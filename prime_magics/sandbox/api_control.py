"""`/_sandbox/*`: steer a sandbox running in another process (faults, log, reset, pods,
offers that appear, change price or sell out, now or later on the sandbox's clock).

No auth and not logged: these are the test harness's own controls, not part of the API
being simulated, and they must not show up in the request log a test asserts on.
"""

from dataclasses import asdict

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from .catalog import OfferSelector
from .context import SandboxContext
from .errors import ApiError
from .market import watch_offer
from .schemas import FaultSpec, OfferAdd, OfferChange, Reason


def _selector(body: OfferChange) -> OfferSelector:
    return OfferSelector(body.cloudId, body.dataCenter, body.gpuCount, body.security, body.provider)


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
            drop_after_handling=spec.drop_after_handling,
            answer_after_handling=spec.answer_after_handling,
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

    @api.post("/pods/{pod_id}/fail-installation")
    def fail_installation(pod_id: str, body: Reason | None = None) -> JSONResponse:
        if body is not None and body.reason is not None:
            return JSONResponse(ctx.state.fail_installation(pod_id, body.reason))
        return JSONResponse(ctx.state.fail_installation(pod_id))

    @api.post("/pods/{pod_id}/stop")
    def stop(pod_id: str) -> JSONResponse:
        return JSONResponse(ctx.state.stop_pod(pod_id))

    @api.post("/pods/{pod_id}/error")
    def error(pod_id: str, body: Reason | None = None) -> JSONResponse:
        if body is not None and body.reason is not None:
            return JSONResponse(ctx.state.error_pod(pod_id, body.reason))
        return JSONResponse(ctx.state.error_pod(pod_id))

    @api.get("/pods/{pod_id}")
    def pod_facts(pod_id: str) -> JSONResponse:
        return JSONResponse(ctx.state.pod_facts(pod_id))

    @api.post("/offers/price")
    def reprice(body: OfferChange) -> JSONResponse:
        """Move the matching offers' price now (a quote taken before is then stale)."""
        if body.price is None:
            raise ApiError(422, "price is required")
        if body.afterS:
            ctx.market.reprice(_selector(body), body.price, body.afterS)
            return JSONResponse({"scheduled": True, "afterS": body.afterS})
        changed = ctx.catalog.reprice(_selector(body), body.price)
        if not changed:
            raise ApiError(404, f"no offer matches cloudId={body.cloudId!r}")
        return JSONResponse({"changed": changed, "price": body.price})

    @api.post("/offers/remove")
    def remove(body: OfferChange) -> JSONResponse:
        """Take the matching offers away now (sold out between quote and create)."""
        if body.afterS:
            ctx.market.remove(_selector(body), body.afterS)
            return JSONResponse({"scheduled": True, "afterS": body.afterS})
        removed = ctx.catalog.remove(_selector(body))
        if not removed:
            raise ApiError(404, f"no offer matches cloudId={body.cloudId!r}")
        return JSONResponse({"removed": removed})

    @api.post("/offers/add")
    def add(body: OfferAdd) -> JSONResponse:
        """Make the 8×H100 a watch waits for appear (now or `afterS` s later)."""
        offer = watch_offer(body.cloudId, body.price, body.stockStatus, body.dataCenter)
        ctx.market.add(offer, body.afterS)
        return JSONResponse({"offer": offer.json, "afterS": body.afterS})

    @api.post("/reset")
    def reset() -> JSONResponse:
        ctx.reset()
        return JSONResponse({"status": "reset"})

    return api
