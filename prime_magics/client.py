"""``Client``: one method per endpoint, sync, and safe inside a running Jupyter kernel.

It never touches asyncio: concurrency comes from a small thread pool over one pooled
``httpx.Client``, so it works the same in a script, a kernel with a running event loop,
or a widget callback. Availability answers are cached for ``cache_ttl`` seconds per
identical query; ``refresh=True`` bypasses the cache.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pandas as pd
from pydantic import TypeAdapter, ValidationError

from . import frames
from ._http import Params, RetryPolicy, Transport
from ._paging import PAGE_SIZE, PageFetcher, cyclic_gc_paused
from ._resources import ResourcesMixin
from .config import Settings
from .errors import ResponseFormatError
from .models import DiskOffer, GpuOffer, GpuSummary, Page

GPU_PATH = "/availability/gpus"
MULTINODE_PATH = "/availability/multi-node"
DISK_PATH = "/availability/disks"
SUMMARY_PATH = "/availability/gpu-summary"

_PAGES: dict[str, TypeAdapter[Any]] = {
    "gpus": TypeAdapter(Page[GpuOffer] | list[GpuOffer]),
    "disks": TypeAdapter(Page[DiskOffer] | list[DiskOffer]),
}
_summary = TypeAdapter(GpuSummary)


def _as_list(value: str | Sequence[str] | None) -> list[str] | None:
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


class Client(ResourcesMixin):
    """Talks to the Prime Intellect API (or the sandbox) with resolved settings.

    ``api_key``/``base_url``/``team_id`` default to the environment, then the official
    CLI's ``~/.prime/config.json``. ``http_client`` is a seam for tests and proxies.
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float = 30.0,
        *,
        team_id: str | None = None,
        settings: Settings | None = None,
        retry: RetryPolicy | None = None,
        http_client: httpx.Client | None = None,
        max_concurrency: int = 24,
        cache_ttl: float = 60.0,
    ) -> None:
        self.settings = settings or Settings.resolve(api_key, base_url, team_id)
        self.timeout = timeout
        self._transport = Transport(
            self.settings, timeout=timeout, retry=retry, http_client=http_client
        )
        self._executor = ThreadPoolExecutor(max_concurrency, thread_name_prefix="prime-pages")
        self._pages: PageFetcher[Any] = PageFetcher(self._executor)
        self._cache_ttl = cache_ttl
        self._cache: dict[Hashable, tuple[float, Any]] = {}
        self._cache_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Client(base_url={self.settings.base_url!r}, api_key={self.settings.redacted_key})"

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        # Wait for pages still in flight (e.g. after another page failed): closing the
        # connection pool under a thread blocked in a read leaves it hanging until timeout.
        self._executor.shutdown(wait=True, cancel_futures=True)
        self._transport.close()

    @property
    def is_sandbox(self) -> bool:
        """True once the API answered as the embedded sandbox: its offers are not real."""
        return self._transport.is_sandbox

    def mark_sandbox(self) -> None:
        """Label this client's output as simulated before its first answer arrives."""
        self._transport.mark_sandbox()

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

    # -- availability ------------------------------------------------------------------

    def _all_pages(
        self, kind: str, paths: list[str], filters: dict[str, Any], refresh: bool
    ) -> dict[str, list[Any]]:
        """Every page of each path for these filters, from the cache when fresh."""
        params = {k: v for k, v in filters.items() if v is not None}
        key = (kind, tuple(sorted((k, str(v)) for k, v in params.items())))
        cached = self._cached(key, refresh)
        if cached is not None:
            return {path: list(items) for path, items in cached.items()}
        adapter = _PAGES[kind]

        def fetch_page(path: str, page: int) -> bytes:
            query: Params = {**params, "page": page, "page_size": PAGE_SIZE}
            return self._transport.get_bytes(path, query, what=f"GET {path} page {page}")

        def parse(path: str, content: bytes) -> tuple[list[Any], int]:
            page = _validated(adapter, content, f"GET {path}")
            if isinstance(page, list):  # one guide shows a bare list
                return page, len(page)
            total = page.total_count
            return page.items, len(page.items) if total is None else total

        with cyclic_gc_paused():
            by_path = self._pages.fetch(paths, fetch_page, parse, key)
        self._store(key, by_path)
        return {path: list(items) for path, items in by_path.items()}

    def gpu_offers(
        self,
        gpu_type: str | None = None,
        gpu_count: int | None = None,
        regions: str | Sequence[str] | None = None,
        socket: str | None = None,
        security: str | None = None,
        data_center_id: str | None = None,
        cloud_id: str | None = None,
        disks: str | Sequence[str] | None = None,
        refresh: bool = False,
    ) -> list[GpuOffer]:
        """Every single-node and multi-node offer matching the filters, as models."""
        filters: dict[str, Any] = {
            "gpu_type": gpu_type,
            "gpu_count": gpu_count,
            "regions": _as_list(regions),
            "socket": socket,
            "security": security,
            "data_center_id": data_center_id,
            "cloud_id": cloud_id,
            "disks": _as_list(disks),
        }
        by_path = self._all_pages("gpus", [GPU_PATH, MULTINODE_PATH], filters, refresh)
        multinode = [o.model_copy(update={"is_multinode": True}) for o in by_path[MULTINODE_PATH]]
        return by_path[GPU_PATH] + multinode

    def availability(self, **filters: Any) -> pd.DataFrame:
        """GPU offers as a DataFrame, cheapest first, with every cost column computed.

        Takes the filters of ``gpu_offers``: gpu_type, gpu_count, regions, socket,
        security, data_center_id, cloud_id, disks, refresh.
        """
        with cyclic_gc_paused():
            return frames.availability_frame(self.gpu_offers(**filters))

    def disk_offers(
        self,
        regions: str | Sequence[str] | None = None,
        data_center_id: str | None = None,
        cloud_id: str | None = None,
        refresh: bool = False,
    ) -> list[DiskOffer]:
        """Where network disks can be created, as models."""
        filters = {"regions": _as_list(regions), "data_center_id": data_center_id}
        filters["cloud_id"] = cloud_id
        offers: list[DiskOffer] = self._all_pages("disks", [DISK_PATH], filters, refresh)[DISK_PATH]
        return offers

    def disk_availability(
        self,
        regions: str | Sequence[str] | None = None,
        data_center_id: str | None = None,
        cloud_id: str | None = None,
        size_gb: int | None = None,
        refresh: bool = False,
    ) -> pd.DataFrame:
        """Disk offers as a DataFrame; with ``size_gb``, the hourly cost of that size."""
        offers = self.disk_offers(regions, data_center_id, cloud_id, refresh)
        return frames.disk_availability_frame(offers, size_gb)

    def gpu_summary(self, refresh: bool = False) -> GpuSummary:
        """Cheapest prices per GPU type, count and region."""
        cached = self._cached("summary", refresh)
        if cached is not None:
            return dict(cached)
        body = self._transport.get(SUMMARY_PATH)
        if not isinstance(body, dict):
            raise ResponseFormatError(f"GET {SUMMARY_PATH}: expected an object")
        return dict(self._store("summary", _validated(_summary, body, f"GET {SUMMARY_PATH}")))

    def gpu_types(self, refresh: bool = False) -> list[str]:
        """The GPU types the API knows, sorted."""
        return sorted(self.gpu_summary(refresh))


def _validated(adapter: TypeAdapter[Any], data: Any, what: str) -> Any:
    """Validate decoded JSON, or JSON bytes straight into models (no dicts in between)."""
    try:
        if isinstance(data, bytes):
            return adapter.validate_json(data)
        return adapter.validate_python(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        if first["type"] == "json_invalid":
            raise ResponseFormatError(f"{what}: the answer is not JSON ({first['msg']})") from exc
        where = ".".join(str(p) for p in first["loc"])
        raise ResponseFormatError(
            f"{what}: unexpected data at {where}: {first['msg']} ({exc.error_count()} errors)"
        ) from exc
