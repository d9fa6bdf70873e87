"""`/pods/` and `/disks/`: thin routes over `SandboxState`, with the spec's paths and limits.

Collections carry the trailing slash, items do not, as in compute.yml (the middleware
redirects the other spelling with a 307). `offset` and `limit` are unbounded integers in
the spec, so nothing here rejects them; the store clamps them instead. Routes only parse
and page; the store validates against the catalogue and renders. The fixed paths
(`/pods/status`, `/pods/history`) are declared before `/pods/{pod_id}`.
"""

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from .context import SandboxContext
from .schemas import CreateDisk, CreatePod, RenameDisk


def router(ctx: SandboxContext) -> APIRouter:
    api = APIRouter()
    state = ctx.state

    @api.post("/pods/", tags=["pods"])
    def create_pod(body: CreatePod) -> JSONResponse:
        return JSONResponse(state.create_pod(body))

    @api.get("/pods/", tags=["pods"])
    def list_pods(offset: int = 0, limit: int = 100) -> JSONResponse:
        return JSONResponse(state.list_pods(offset, limit))

    @api.get("/pods/status", tags=["pods"])
    def pod_status(pod_ids: Annotated[list[str] | None, Query()] = None) -> JSONResponse:
        return JSONResponse(state.pod_statuses(pod_ids or []))

    @api.get("/pods/history", tags=["pods"])
    def pod_history(
        offset: int = 0,
        limit: int = 100,
        sort_by: Literal["terminatedAt", "createdAt"] = "terminatedAt",
        sort_order: Literal["asc", "desc"] = "desc",
    ) -> JSONResponse:
        return JSONResponse(state.pod_history(offset, limit, sort_by, sort_order == "desc"))

    @api.get("/pods/{pod_id}", tags=["pods"])
    def get_pod(pod_id: str) -> JSONResponse:
        return JSONResponse(state.get_pod(pod_id))

    @api.delete("/pods/{pod_id}", tags=["pods"])
    def terminate_pod(pod_id: str) -> JSONResponse:
        return JSONResponse(state.terminate_pod(pod_id))

    @api.get("/pods/{pod_id}/log", tags=["pods"])
    def pod_log(pod_id: str, tail: int | None = None) -> JSONResponse:
        return JSONResponse(state.pod_logs(pod_id, tail))

    @api.post("/disks/", tags=["disks"])
    def create_disk(body: CreateDisk) -> JSONResponse:
        return JSONResponse(state.create_disk(body))

    @api.get("/disks/", tags=["disks"])
    def list_disks(offset: int = 0, limit: int = 100) -> JSONResponse:
        return JSONResponse(state.list_disks(offset, limit))

    @api.get("/disks/{disk_id}", tags=["disks"])
    def get_disk(disk_id: str) -> JSONResponse:
        return JSONResponse(state.get_disk(disk_id))

    @api.patch("/disks/{disk_id}", tags=["disks"])
    def rename_disk(disk_id: str, body: RenameDisk) -> JSONResponse:
        return JSONResponse(state.rename_disk(disk_id, body.name))

    @api.delete("/disks/{disk_id}", tags=["disks"])
    def delete_disk(disk_id: str) -> JSONResponse:
        return JSONResponse(state.delete_disk(disk_id))

    return api
