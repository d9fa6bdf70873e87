"""`/availability/*`: the catalogue, filtered and paged with the spec's parameters.

Query parameters use the spec's closed enums and bounds (page >= 1; page_size 1..100, or
1..500 on the legacy `/availability/` and `/availability/clusters`), so a value the spec
forbids gets a 422 and every value it allows is served (`gpu_count` is unbounded there:
a count no offer has simply matches nothing).
"""

# No `from __future__ import annotations`: FastAPI must evaluate these signatures,
# including `Depends` on functions local to `router()`.
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from .catalog import OfferQuery, page_of
from .context import SandboxContext
from .spec_enums import GpuType, Region, Security, Socket


class Paging:
    """`page` (from 1) and `page_size` (1..100), shared by the current lists."""

    def __init__(
        self,
        page: Annotated[int, Query(ge=1)] = 1,
        page_size: Annotated[int, Query(ge=1, le=100)] = 100,
    ) -> None:
        self.page = page
        self.page_size = page_size


class LegacyPaging(Paging):
    """The legacy lists page by up to 500 (default 500)."""

    def __init__(
        self,
        page: Annotated[int, Query(ge=1)] = 1,
        page_size: Annotated[int, Query(ge=1, le=500)] = 500,
    ) -> None:
        super().__init__(page, page_size)


def _regions(values: list[Region] | None) -> tuple[str, ...] | None:
    return tuple(values) if values else None


def _by_gpu_type(items: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The legacy shape: `{gpuType: [offer, ...]}` (`LegacyAvailabilityResponse`)."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        grouped.setdefault(item["gpuType"], []).append(item)
    return grouped


def router(ctx: SandboxContext) -> APIRouter:
    api = APIRouter(tags=["availability"])

    def offer_query(
        regions: Annotated[list[Region] | None, Query()] = None,
        gpu_count: int | None = None,
        gpu_type: GpuType | None = None,
        socket: Socket | None = None,
        security: Security | None = None,
        data_center_id: str | None = None,
        cloud_id: str | None = None,
        disks: Annotated[list[str] | None, Query()] = None,
    ) -> OfferQuery:
        # Unknown disk ids are a 404 (as fetching the disk would be), not an empty list.
        locations = ctx.state.disk_locations(disks) if disks else None
        return OfferQuery(
            _regions(regions),
            gpu_count,
            gpu_type,
            socket,
            security,
            data_center_id,
            cloud_id,
            locations,
        )

    Offers = Annotated[OfferQuery, Depends(offer_query)]

    def listing(query: OfferQuery, paging: Paging, *, multinode: bool) -> dict[str, Any]:
        return page_of(ctx.catalog.find(query, multinode=multinode), paging.page, paging.page_size)

    @api.get("/availability/gpus")
    def gpus(query: Offers, paging: Annotated[Paging, Depends()]) -> JSONResponse:
        return JSONResponse(listing(query, paging, multinode=False))

    @api.get("/availability/multi-node")
    def multi_node(query: Offers, paging: Annotated[Paging, Depends()]) -> JSONResponse:
        return JSONResponse(listing(query, paging, multinode=True))

    @api.get("/availability/")
    def legacy(query: Offers, paging: Annotated[LegacyPaging, Depends()]) -> JSONResponse:
        items = listing(query, paging, multinode=False)["items"]
        return JSONResponse(_by_gpu_type(items))

    @api.get("/availability/clusters")
    def legacy_clusters(query: Offers, paging: Annotated[LegacyPaging, Depends()]) -> JSONResponse:
        items = listing(query, paging, multinode=True)["items"]
        return JSONResponse(_by_gpu_type(items))

    @api.get("/availability/disks")
    def disks(
        paging: Annotated[Paging, Depends()],
        regions: Annotated[list[Region] | None, Query()] = None,
        data_center_id: str | None = None,
        cloud_id: str | None = None,
    ) -> JSONResponse:
        items = ctx.catalog.find_disks(_regions(regions), data_center_id, cloud_id)
        return JSONResponse(page_of(items, paging.page, paging.page_size))

    @api.get("/availability/gpu-summary")
    def gpu_summary() -> JSONResponse:
        ctx.catalog.catch_up()
        return JSONResponse(ctx.catalog.summary)

    @api.get("/availability/multi-node-summary")
    def multi_node_summary() -> JSONResponse:
        ctx.catalog.catch_up()
        return JSONResponse(ctx.catalog.multinode_summary)

    return api
