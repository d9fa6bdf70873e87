"""``client.offers``: what can be rented — GPU offers, disk offers, the price summary.

Every page of every endpoint is fetched at once (``paging``) and validated from bytes
straight into models (``responses``: one odd value becomes NA with a warning, never a
failed table). Answers are cached for ``cache_ttl`` seconds per identical query;
``refresh=True`` bypasses the cache. Lookups that need exactly one offer
(``find``/``find_disk``) say what matched when it is not exactly one.
"""

from __future__ import annotations

import difflib
import threading
import time
from collections.abc import Hashable, Sequence
from typing import Any

from pydantic import TypeAdapter

from ..config import Settings
from ..errors import ConfigurationError, ResponseFormatError, UnprocessableEntityError
from ..filters import GpuFilters
from ..models import DiskOffer, GpuOffer, GpuSummary, Page, offer_key
from ..responses import parse, tallied
from .http import Params, Transport
from .paging import PAGE_SIZE, PageFetcher, cyclic_gc_paused
from .resource import APIResource
from .wire import gpu_page

GPU_PATH = "/availability/gpus"
MULTINODE_PATH = "/availability/multi-node"
DISK_PATH = "/availability/disks"
SUMMARY_PATH = "/availability/gpu-summary"
_WHAT = {GPU_PATH: "GPU offers", MULTINODE_PATH: "multi-node offers", DISK_PATH: "disk offers"}

_PAGES: dict[str, TypeAdapter[Any]] = {
    "gpus": TypeAdapter(Page[GpuOffer]),
    "disks": TypeAdapter(Page[DiskOffer]),
}
_LISTS: dict[str, TypeAdapter[Any]] = {
    "gpus": TypeAdapter(list[GpuOffer]),
    "disks": TypeAdapter(list[DiskOffer]),
}
_summary: TypeAdapter[GpuSummary] = TypeAdapter(GpuSummary)


def as_list(value: str | Sequence[str] | None) -> list[str] | None:
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


def _describe(offers: Sequence[GpuOffer | DiskOffer]) -> str:
    lines = []
    for o in offers[:10]:
        if isinstance(o, GpuOffer):
            lines.append(
                f"  {o.cloud_id}  {o.gpu_count}× {o.gpu_type}  {o.provider}  {o.data_center}"
            )
        else:
            lines.append(f"  {o.provider}  {o.data_center}  {o.cloud_id or ''}")
    return "\n".join(lines) + ("\n  …" if len(offers) > 10 else "")


class Offers(APIResource):
    def __init__(
        self,
        transport: Transport,
        settings: Settings,
        pages: PageFetcher[Any],
        cache_ttl: float = 60.0,
    ) -> None:
        super().__init__(transport, settings, pages)
        self._cache_ttl = cache_ttl
        self._cache: dict[Hashable, tuple[float, Any]] = {}
        self._cache_lock = threading.Lock()

    def clear_cache(self) -> None:
        with self._cache_lock:
            self._cache.clear()

    def _cached(self, key: Hashable, refresh: bool) -> Any | None:
        with self._cache_lock:
            hit = self._cache.get(key)
        if hit is None or refresh or hit[0] <= time.monotonic():
            return None
        return hit[1]

    def _store(self, key: Hashable, value: Any) -> Any:
        with self._cache_lock:
            self._cache[key] = (time.monotonic() + self._cache_ttl, value)
        return value

    def _all_pages(
        self, kind: str, paths: list[str], filters: dict[str, Any], refresh: bool
    ) -> dict[str, list[Any]]:
        """Every page of each path for these filters, from the cache when fresh.

        ``kind`` "rows" reads GPU pages through the strict bulk decoder (``_wire``) and
        falls back to the models, page by page, for any page it refuses; it is not cached
        here (the client caches the frame built from it)."""
        params = {k: v for k, v in filters.items() if v is not None}
        # the page count is remembered per query whatever the reader: the same pages
        shape = tuple(sorted((k, str(v)) for k, v in params.items()))
        key = (kind, shape)
        cached = None if kind == "rows" else self._cached(key, refresh)
        if cached is not None:
            return {path: list(items) for path, items in cached.items()}
        models = "gpus" if kind == "rows" else kind

        def fetch_page(path: str, page: int) -> bytes:
            query: Params = {**params, "page": page, "page_size": PAGE_SIZE}
            what = f"Listing {_WHAT[path]} (page {page})"  # what the user asked for
            return self._transport.get_bytes(path, query, what=what)

        what = " and ".join(_WHAT[p] for p in paths)
        with cyclic_gc_paused(), tallied(what) as tally:

            def parse_page(path: str, content: bytes) -> tuple[list[Any], int]:
                if kind == "rows":
                    fast = gpu_page(content)
                    if fast is not None:
                        rows, count = fast
                        if path == MULTINODE_PATH:
                            for row in rows:
                                row.is_multinode = True
                        return rows, len(rows) if count is None else count
                said = f"Reading {_WHAT[path]}"
                if content.lstrip()[:1] == b"[":  # one guide shows a bare list
                    items = parse(_LISTS[models], content, said, tally)
                    return items, len(items)
                page = parse(_PAGES[models], content, said, tally)
                total = page.total_count
                items = page.items
                if kind == "rows" and path == MULTINODE_PATH:
                    items = [o.model_copy(update={"is_multinode": True}) for o in items]
                return items, len(items) if total is None else total

            by_path = self._pages.fetch(paths, fetch_page, parse_page, (models, shape))
        if kind != "rows":
            self._store(key, by_path)
        return {path: list(items) for path, items in by_path.items()}

    def gpu(self, filters: GpuFilters, refresh: bool = False) -> list[GpuOffer]:
        """Every single-node and multi-node offer matching the filters the API takes
        (``filters.provider`` is the caller's to apply)."""
        by_path = self._gpu_pages("gpus", filters, refresh)
        multinode = [o.model_copy(update={"is_multinode": True}) for o in by_path[MULTINODE_PATH]]
        return by_path[GPU_PATH] + multinode

    def gpu_rows(self, filters: GpuFilters, refresh: bool = False) -> list[Any]:
        """What ``gpu`` returns, for building a frame: the same offers in the same order,
        as ``_wire`` structs (or, for a page the strict decoder refused, as models read
        leniently); ``offers.offer_columns`` reads both. Never from the cache."""
        by_path = self._gpu_pages("rows", filters, refresh)
        return by_path[GPU_PATH] + by_path[MULTINODE_PATH]

    def _gpu_pages(self, kind: str, filters: GpuFilters, refresh: bool) -> dict[str, list[Any]]:
        """Both GPU endpoints' pages; a GPU type the API refuses (its enum is closed) gets
        the known names closest to it."""
        try:
            return self._all_pages(kind, [GPU_PATH, MULTINODE_PATH], filters.query(), refresh)
        except UnprocessableEntityError as refused:
            hint = self.did_you_mean(filters.gpu_type)
            if hint:
                raise ConfigurationError(
                    hint, hint="See %prime availability gpu-types."
                ) from refused
            raise

    def disk(
        self,
        *,
        regions: str | Sequence[str] | None = None,
        data_center_id: str | None = None,
        cloud_id: str | None = None,
        refresh: bool = False,
    ) -> list[DiskOffer]:
        filters = {"regions": as_list(regions), "data_center_id": data_center_id}
        filters["cloud_id"] = cloud_id
        offers: list[DiskOffer] = self._all_pages("disks", [DISK_PATH], filters, refresh)[DISK_PATH]
        return offers

    def summary(self, refresh: bool = False) -> GpuSummary:
        """Cheapest prices per GPU type, count and region."""
        cached = self._cached("summary", refresh)
        if cached is not None:
            return dict(cached)
        body = self._transport.get(SUMMARY_PATH)
        if not isinstance(body, dict):
            raise ResponseFormatError(f"GET {SUMMARY_PATH}: expected an object")
        with tallied(f"GET {SUMMARY_PATH}") as tally:
            summary = parse(_summary, body, f"GET {SUMMARY_PATH}", tally)
        return dict(self._store("summary", summary))

    def did_you_mean(self, gpu_type: str | None) -> str | None:
        """For a GPU type the API does not know: the known names closest to it."""
        if not gpu_type:
            return None
        known = sorted(k for k in self.summary() if k)
        if gpu_type in known:
            return None
        close = difflib.get_close_matches(gpu_type.upper(), known, n=3, cutoff=0.4)
        close += [k for k in known if k.startswith(gpu_type.upper()) and k not in close]
        if not close:
            return f"{gpu_type!r} is not a GPU type the API knows (%prime availability gpu-types)."
        return f"{gpu_type!r} is not a GPU type the API knows; did you mean {', '.join(close[:3])}?"

    def find(
        self,
        cloud_id: str,
        *,
        data_center_id: str | None = None,
        gpu_type: str | None = None,
        gpu_count: int | None = None,
    ) -> GpuOffer:
        """The one offer with this cloud id (narrowed by the others); else say what matched."""
        found = self.gpu(
            GpuFilters(gpu_type, gpu_count, cloud_id=cloud_id, data_center_id=data_center_id)
        )
        wanted: dict[str, object] = {"cloud_id": cloud_id, "data_center_id": data_center_id}
        wanted |= {"gpu_type": gpu_type, "gpu_count": gpu_count}
        said = ", ".join(f"{k}={v}" for k, v in wanted.items() if v is not None)
        if len(found) == 1:
            return found[0]
        if not found:
            raise ConfigurationError(
                f"No offer matches {said}.", hint="See what exists: %prime availability list"
            )
        raise ConfigurationError(
            f"{len(found)} offers match {said}; narrow with --data-center, --gpu-type or "
            f"--gpu-count, or pick a row with --offer df[ROW]:\n{_describe(found)}"
        )

    def reread(self, offer: GpuOffer) -> GpuOffer | None:
        """``offer`` as the API lists it now (None: gone), with exactly one request: the
        one listing it belongs to, filtered down to it, never from the cache."""
        path = MULTINODE_PATH if offer.is_multinode else GPU_PATH
        query: dict[str, Any] = {"cloud_id": offer.cloud_id, "gpu_count": offer.gpu_count}
        query |= {"page": 1, "page_size": PAGE_SIZE}
        for key, value in (("data_center_id", offer.data_center), ("security", offer.security)):
            if value is not None:
                query[key] = value
        what = f"Re-reading offer {offer.cloud_id} before the create"
        content = self._transport.get_bytes(path, query, what=what)
        with tallied(what) as tally:
            if content.lstrip()[:1] == b"[":
                items: list[GpuOffer] = parse(_LISTS["gpus"], content, what, tally)
            else:
                items = parse(_PAGES["gpus"], content, what, tally).items
        if offer.is_multinode:  # the multi-node listing is one: its offers are
            items = [o.model_copy(update={"is_multinode": True}) for o in items]
        return next((o for o in items if offer_key(o) == offer_key(offer)), None)

    def find_disk(self, data_center_id: str, provider: str | None = None) -> DiskOffer:
        """The one disk offer in this data centre (of this provider); else say what matched."""
        found = [
            o for o in self.disk(data_center_id=data_center_id) if o.data_center == data_center_id
        ]
        said = f"data center {data_center_id}"
        if provider:
            found = [o for o in found if o.provider == provider]
            said += f" and provider {provider}"
        if len(found) == 1:
            return found[0]
        if not found:
            raise ConfigurationError(
                f"No disk offer in {said}.",
                hint="See where disks can go: %prime availability disks",
            )
        raise ConfigurationError(
            f"{len(found)} disk offers in {said}; pick --provider:\n{_describe(found)}"
        )
