"""`/availability/*`: the catalogue, filtered and paged exactly like the real API.

Query parameters are declared with FastAPI types so a bad value (an unknown region, a
page size over 100) gets FastAPI's own 422, which is what the real API returns and what
clients must report.
"""

# No `from __future__ import annotations`: FastAPI must evaluate these signatures,
# including `Depends` on functions local to `router()`.
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from .catalog import OfferQuery, page_of
from .catalog_data import Region
from .context import SandboxContext


class Paging:
    """`page` (from 1) and `page_size` (1..100), shared by every availability list."""

    def __init__(
        self,
        page: Annotated[int, Query(ge=1)] = 1,
        page_size: Annotated[int, Query(ge=1, le=100)] = 100,
    ) -> None:
        self.page = page
        self.page_size = page_size


def _regions(values: list[Region] | None) -> tuple[str, ...] | None:
    return tuple(r.value for r in values) if values else None


def router(ctx: SandboxContext) -> APIRouter:
    api = APIRouter(tags=["availability"])

    def offer_query(
        regions: Annotated[list[Region] | None, Query()] = None,
        gpu_count: Annotated[int | None, Query(ge=1)] = None,
        gpu_type: str | None = None,
        socket: str | None = None,
        security: Literal["secure_cloud", "community_cloud"] | None = None,
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

    @api.get("/availability/gpus")
    def gpus(
        query: Annotated[OfferQuery, Depends(offer_query)], paging: Annotated[Paging, Depends()]
    ) -> JSONResponse:
        items = ctx.catalog.find(query, multinode=False)
        return JSONResponse(page_of(items, paging.page, paging.page_size))

    @api.get("/availability/multi-node")
    def multi_node(
        query: Annotated[OfferQuery, Depends(offer_query)], paging: Annotated[Paging, Depends()]
    ) -> JSONResponse:
        items = ctx.catalog.find(query, multinode=True)
        return JSONResponse(page_of(items, paging.page, paging.page_size))

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
        return JSONResponse(ctx.catalog.summary)

    return api
