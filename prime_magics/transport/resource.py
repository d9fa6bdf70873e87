"""What every resource object (``client.pods``, ``client.disks`` …) shares.

Each resource is a small object over the client's one ``Transport`` and one page
fetcher, like the anthropic SDK's resources over its base client: it returns models and
leaves DataFrames to the ``Client`` facade. Here live the two mechanisms more than one
resource needs: reading every page of an offset/limit listing, and sending a create once
and reconciling when its answer is lost.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import datetime, timezone
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter

from ..config import Settings
from ..errors import OutcomeUnknownError, PrimeError, ResponseFormatError
from ..models import Listing
from ..responses import parse, read, tallied
from .http import Params, Transport
from .paging import PageFetcher

M = TypeVar("M", bound=BaseModel)


class APIResource:
    """One part of the API (pods, disks, offers, account) over the client's transport."""

    def __init__(self, transport: Transport, settings: Settings, pages: PageFetcher[Any]) -> None:
        self._transport = transport
        self._settings = settings
        self._pages = pages

    def _get(self, model: type[M], path: str, params: Params | None = None, *, what: str) -> M:
        return read(model, self._transport.get(path, params, what=what), what)

    def _list(self, path: str, model: type[M], limit: int, params: Params | None = None) -> list[M]:
        """Every item of an offset/limit listing, pages fetched as the availability ones."""
        adapter: TypeAdapter[Listing[M]] = TypeAdapter(Listing[model])  # type: ignore[valid-type]
        extra = dict(params or {})
        what = f"GET {path}"

        def fetch_page(path: str, page: int) -> bytes:
            query: Params = {**extra, "offset": (page - 1) * limit, "limit": limit}
            return self._transport.get_bytes(path, query, what=what)

        with tallied(what) as tally:

            def parse_page(_path: str, content: bytes) -> tuple[list[M], int]:
                listing: Listing[M] = parse(adapter, content, what, tally)
                total = listing.total_count
                return listing.data, len(listing.data) if total is None else total

            key: Hashable = ("list", path, tuple(sorted((k, str(v)) for k, v in extra.items())))
            pages = self._pages.fetch([path], fetch_page, parse_page, key, limit, 1)
        return pages[path]

    def _create_once(
        self,
        path: str,
        body: dict[str, Any],
        model: type[M],
        kind: str,
        name: str | None,
        find: Callable[[str, str], list[Any]],
    ) -> M:
        """POST once; a lost or unreadable answer is looked for, then ``OutcomeUnknownError``."""
        what = f"Creating {kind} {name!r}"
        since = datetime.now(timezone.utc).isoformat(timespec="seconds")
        try:
            answer = self._transport.send_once("POST", path, body, what=what, creates=(kind, name))
            with tallied(what) as tally:
                created: M = parse(TypeAdapter(model), answer, what, tally)
            return created
        except ResponseFormatError as unreadable:
            # A 2xx whose body we cannot read: the API most likely did create it.
            lost = OutcomeUnknownError(
                f"{what}: the API accepted the request but its answer could not be read "
                f"({unreadable.message}); it was NOT retried.",
                kind=kind,
                name=name,
                since=since,
            )
            _reconcile(lost, find)
            raise lost from unreadable
        except OutcomeUnknownError as exc:
            _reconcile(exc, find)
            raise


def _reconcile(exc: OutcomeUnknownError, find: Callable[[str, str], list[Any]]) -> None:
    if not exc.name:
        return
    try:
        exc.found = find(exc.name, exc.since)
    except PrimeError as lookup:
        exc.message += f"\nLooking for it failed too ({lookup.message}); check by hand."
        return
    if exc.found:
        ids = ", ".join(f"{f.id} ({f.status})" for f in exc.found)
        exc.message += f"\nFound {exc.kind} {exc.name!r} created since then: {ids}. It exists."
    else:
        exc.message += f"\nNo {exc.kind} named {exc.name!r} exists yet; it may still appear."
