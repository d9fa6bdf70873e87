"""`/pods` and `/disks`: thin routes over `SandboxState`, with the real API's limits.

Routes only parse and page; the store validates against the catalogue and renders. The
fixed paths (`/pods/status`, `/pods/history`) are declared before `/pods/{pod_id}` so
they are not taken for ids.
"""

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from .context import SandboxContext
from .schemas import CreateDisk, CreatePod, RenameDisk

Offset = Annotated[int, Query(ge=0)]


def router(ctx: SandboxContext) -> APIRouter:
    api = APIRouter()
    state = ctx.state

    @api.post("/pods", tags=["pods"])
    def create_pod(body: CreatePod) -> JSONResponse:
        return JSONResponse(state.create_pod(body))

    @api.get("/pods", tags=["pods"])
    def list_pods(
        offset: Offset = 0, limit: Annotated[int, Query(ge=1, le=100)] = 100
    ) -> JSONResponse:
        return JSONResponse(state.list_pods(offset, limit))

    @api.get("/pods/status", tags=["pods"])
    def pod_status(pod_ids: Annotated[list[str] | None, Query()] = None) -> JSONResponse:
        return JSONResponse(state.pod_statuses(pod_ids or []))

    @api.get("/pods/history", tags=["pods"])
    def pod_history(
        offset: Offset = 0,
        limit: Annotated[int, Query(ge=1, le=100)] = 100,
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

    @api.post("/disks", tags=["disks"], status_code=201)
    def create_disk(body: CreateDisk) -> JSONResponse:
        return JSONResponse(state.create_disk(body), status_code=201)

    @api.get("/disks", tags=["disks"])
    def list_disks(
        offset: Offset = 0, limit: Annotated[int, Query(ge=1, le=200)] = 50
    ) -> JSONResponse:
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
