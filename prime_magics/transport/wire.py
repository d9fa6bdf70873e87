"""The bulk path for availability pages: strict C decoding, or ``None`` for the lenient one.

Validating 2.4 MB of offers into pydantic models costs ~150 ms of CPU under the GIL, most
of the gap between a cold ``availability()`` and two bare round trips. ``msgspec`` decodes
the same bytes straight into typed structs in ~10 ms, with every type checked in C; that
is the reason for the dependency. It is strict on purpose: a value the pydantic models
would coerce, blank or drop (``"2"``, ``2.0`` for an int, a bool for a number, ``1e400``,
``NaN``, a missing ``cloudId``, an integer past 64 bits…) fails the whole page here, and
the caller reads that page again through ``responses.parse``, which keeps its per-field
leniency and its one ``UnreadValuesWarning``. So a page read here holds exactly the values
the models would have held, and a page with any oddity is read exactly as before.

The structs mirror ``models.GpuOffer``/``ResourceSpec``/``Prices`` field for field (same
snake_case names, camelCase on the wire, the same defaults), so ``offers.offer_columns``
reads either shape; ``tests/test_wire.py`` keeps the two in step. Unknown fields are
skipped (a frame never shows them). Only the availability frame uses these; the model
methods (``offer_models``, ``find_offer``, re-reads) still return pydantic models.

Cheap to build on purpose (issue 14, goal 2): no ``__post_init__`` (a Python call per
offer; the models' "null is an empty spec/price/list" is applied where the columns are
read, ``offers.offer_columns``), no cyclic-GC tracking (``gc=False``: a struct of scalars,
strings and lists of strings cannot form a cycle), and the models' ``FiniteFloat`` as a
bound checked in C (``Finite``) rather than a Python loop over every number. msgspec's
JSON reader already refuses ``NaN``/``Infinity`` (not JSON) and ``1e400`` (out of range);
the bound keeps that true whatever its version; ``tests/test_wire.py`` tries each spelling.
"""

from __future__ import annotations

import sys
from typing import Annotated

import msgspec

Int = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]
Total = Annotated[int, msgspec.Meta(ge=-(2**63), le=1_000_000)]  # models.Total
Finite = Annotated[float, msgspec.Meta(ge=-sys.float_info.max, le=sys.float_info.max)]


class WireSpec(msgspec.Struct, rename="camel", gc=False):
    min_count: Int | None = None
    default_count: Int | None = None
    max_count: Int | None = None
    price_per_unit: Finite | None = None
    step: Int | None = None
    default_included_in_price: bool | None = None
    additional_info: str | None = None


class WirePrices(msgspec.Struct, rename="camel", gc=False):
    on_demand: Finite | None = None
    community_price: Finite | None = None
    is_variable: bool | None = None
    currency: str | None = None


class WireGpuOffer(msgspec.Struct, rename="camel", gc=False):
    cloud_id: str
    gpu_type: str
    gpu_count: Int | None = 1
    socket: str | None = None
    provider: str | None = None
    region: str | None = None
    data_center: str | None = None
    country: str | None = None
    gpu_memory: Int | None = None
    disk: WireSpec | None = None
    shared_disk: WireSpec | None = None
    vcpu: WireSpec | None = None
    memory: WireSpec | None = None
    internet_speed: Finite | None = None
    interconnect: Finite | None = None
    interconnect_type: str | None = None
    provisioning_time: Int | None = None
    stock_status: str | None = None
    security: str | None = None
    prices: WirePrices | None = None
    images: list[str] | None = None
    is_spot: bool | None = None
    prepaid_time: Finite | None = None
    is_multinode: bool = False


class WirePage(msgspec.Struct, rename="camel", gc=False):
    items: list[WireGpuOffer]
    total_count: Total | None = None


_page = msgspec.json.Decoder(WirePage)
_list = msgspec.json.Decoder(list[WireGpuOffer])


def gpu_page(content: bytes) -> tuple[list[WireGpuOffer], int | None] | None:
    """``(items, totalCount)`` of a well-formed page (or bare list), else ``None``."""
    try:
        if content.lstrip()[:1] == b"[":  # one guide shows a bare list
            items = _list.decode(content)
            total: int | None = len(items)
        else:
            page = _page.decode(content)
            items, total = page.items, page.total_count
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    return items, total
