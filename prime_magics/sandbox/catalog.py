"""The sandbox's offer catalogue: GPU, multi-node and disk offers, and queries over them.

Built once per app from the config's seed. Tests may move an offer's price or remove an
offer (`reprice`, `remove`, also under `/_sandbox/offers/...`) to play a price that
changed between quote and create; each change swaps in new tuples whole, so a reader
iterating the old tuple is never torn, and `restore` (on reset) brings the seeded ones
back. Offers may also appear and sell out over time: `market` applies its due
changes through `before_read`, called before each lookup. Filtering follows the real
API's query parameters; the summary is derived from the same offers so it can never
disagree with the lists.
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from .catalog_data import DISK_PRICE_OVERRIDES, DISK_PRODUCTS
from .config import SandboxConfig
from .generate import generate_offers
from .offers import JSON, DiskOffer, GpuOffer, Location, ResourceSpec
from .spec_enums import REGIONS


@dataclass(frozen=True)
class OfferQuery:
    """The availability filters; None means "don't filter on this"."""

    regions: tuple[str, ...] | None = None
    gpu_count: int | None = None
    gpu_type: str | None = None
    socket: str | None = None
    security: str | None = None
    data_center_id: str | None = None
    cloud_id: str | None = None
    locations: frozenset[Location] | None = None

    def accepts(self, o: GpuOffer) -> bool:
        return (
            (self.regions is None or o.region in self.regions)
            and (self.gpu_count is None or o.gpu_count == self.gpu_count)
            and (self.gpu_type is None or o.gpu_type.lower() == self.gpu_type.lower())
            and (self.socket is None or (o.socket or "").lower() == self.socket.lower())
            and (self.security is None or o.security == self.security)
            and (self.data_center_id is None or o.data_center == self.data_center_id)
            and (self.cloud_id is None or o.cloud_id == self.cloud_id)
            and (self.locations is None or o.location in self.locations)
        )


@dataclass(frozen=True)
class OfferSelector:
    """Which offers a test's price move or removal applies to (None: any)."""

    cloud_id: str
    data_center: str | None = None
    gpu_count: int | None = None
    security: str | None = None
    provider: str | None = None

    def matches(self, o: GpuOffer) -> bool:
        return (
            o.cloud_id == self.cloud_id
            and (self.data_center is None or o.data_center == self.data_center)
            and (self.gpu_count is None or o.gpu_count == self.gpu_count)
            and (self.security is None or o.security == self.security)
            and (self.provider is None or o.provider == self.provider)
        )


def page_of(items: Sequence[JSON], page: int, page_size: int) -> JSON:
    """One page in the availability envelope; totalCount counts every match."""
    start = (page - 1) * page_size
    return {"items": list(items[start : start + page_size]), "totalCount": len(items)}


def _disk_offers(seed: int, offers: Iterable[GpuOffer]) -> tuple[DiskOffer, ...]:
    """One disk offer per location of a disk-selling provider present in the catalogue."""
    rng = random.Random(seed + 1)
    seen: dict[Location, GpuOffer] = {}
    for o in offers:
        if o.provider in DISK_PRODUCTS:
            seen.setdefault(o.location, o)
    result = []
    for loc in sorted(seen, key=lambda k: (k[0], k[1] or "", k[2] or "")):
        o = seen[loc]
        product = DISK_PRODUCTS[o.provider]
        price = DISK_PRICE_OVERRIDES.get(o.data_center, product.price_per_gb)
        spec = ResourceSpec(
            min_count=product.min_gb,
            default_count=product.min_gb,
            max_count=product.max_gb,
            price_per_unit=price,
            step=1,
            default_included=False,
        )
        always_available = o.data_center == "CANADA-1"  # the guides' disk walkthrough
        result.append(
            DiskOffer(
                provider=o.provider,
                data_center=o.data_center,
                country=o.country,
                region=o.region,
                spec=spec,
                cloud_id=product.cloud_id,
                stock_status="Available"
                if always_available or rng.random() < 0.8
                else rng.choice(("High", "Medium", "Low")),
                security="secure_cloud",
                is_multinode=product.multinode,
            )
        )
    return tuple(result)


def _summary(offers: Iterable[GpuOffer]) -> dict[str, Any]:
    """gpu-summary: cheapest onDemand / community / spot price per type, count, region."""
    table: dict[str, dict[int, dict[str, dict[str, float | None]]]] = {}
    kinds = ("onDemand", "communityPrice", "spotPrice")
    for o in offers:
        prices: dict[str, float | None]
        if o.is_spot:
            spot = o.on_demand if o.on_demand is not None else o.community_price
            prices = {"onDemand": None, "communityPrice": None, "spotPrice": spot}
        else:
            prices = {
                "onDemand": o.on_demand,
                "communityPrice": o.community_price,
                "spotPrice": None,
            }
        by_count = table.setdefault(o.gpu_type, {}).setdefault(o.gpu_count, {})
        for where in ("cheapest", o.region):
            if where is None:
                continue
            cell = by_count.setdefault(where, dict.fromkeys(kinds))
            for kind in kinds:
                new, old = prices[kind], cell[kind]
                if new is not None and (old is None or new < old):
                    cell[kind] = new
    region_order = {r: i for i, r in enumerate(("cheapest", *REGIONS))}
    return {
        gpu_type: {
            str(count): {
                where: cells[where] for where in sorted(cells, key=region_order.__getitem__)
            }
            for count, cells in sorted(by_count.items())
        }
        for gpu_type, by_count in sorted(table.items())
    }


def _whole_prepaid(offers: list[GpuOffer]) -> list[GpuOffer]:
    """Fractional prepaid hours rounded up (see `SandboxConfig.fractional_prepaid`)."""
    return [
        replace(o, prepaid_time=math.ceil(o.prepaid_time)) if o.prepaid_time else o for o in offers
    ]


class Catalog:
    """Everything `/availability/*` serves, plus the lookups provisioning needs."""

    def __init__(self, config: SandboxConfig) -> None:
        single, multi = generate_offers(config.seed, config.gpu_offers, config.multinode_offers)
        if not config.fractional_prepaid:
            single, multi = _whole_prepaid(single), _whole_prepaid(multi)
        self._seeded = (tuple(single), tuple(multi))
        self._lock = threading.Lock()
        self.gpu_offers: tuple[GpuOffer, ...] = tuple(single)
        self.multinode_offers: tuple[GpuOffer, ...] = tuple(multi)
        self.disk_offers = _disk_offers(config.seed, (*single, *multi))
        self.summary = _summary(single)
        self.multinode_summary = _summary(multi)
        self.before_read: Callable[[], None] | None = None
        """Called before every lookup: the market applies the changes that are due."""

    # ---- changes a test plays (the seeded offers come back with `restore`) ----------

    def _swap(self, single: tuple[GpuOffer, ...], multi: tuple[GpuOffer, ...]) -> None:
        self.gpu_offers, self.multinode_offers = single, multi
        self.summary, self.multinode_summary = _summary(single), _summary(multi)

    def _change(
        self, selector: OfferSelector, edit: Callable[[GpuOffer], GpuOffer | None]
    ) -> list[JSON]:
        """Apply `edit` (None: remove) to every offer `selector` matches; their old JSON."""
        with self._lock:
            hit: list[JSON] = []

            def apply(offers: tuple[GpuOffer, ...]) -> tuple[GpuOffer, ...]:
                kept = []
                for o in offers:
                    if not selector.matches(o):
                        kept.append(o)
                        continue
                    hit.append(o.json)
                    new = edit(o)
                    if new is not None:
                        kept.append(new)
                return tuple(kept)

            self._swap(apply(self.gpu_offers), apply(self.multinode_offers))
            return hit

    def reprice(self, selector: OfferSelector, price: float) -> list[JSON]:
        """Set the base price (the one `security` bills) of the matching offers."""

        def edit(o: GpuOffer) -> GpuOffer:
            if o.security == "community_cloud":
                return replace(o, community_price=price)
            return replace(o, on_demand=price)

        return self._change(selector, edit)

    def remove(self, selector: OfferSelector) -> list[JSON]:
        """Take the matching offers out of every listing (and out of reach of a create)."""
        return self._change(selector, lambda _o: None)

    def add(self, offer: GpuOffer) -> None:
        """List ``offer`` from now on (replacing an equal-keyed one): it appeared."""
        with self._lock:
            single = tuple(o for o in self.gpu_offers if o.key != offer.key)
            multi = tuple(o for o in self.multinode_offers if o.key != offer.key)
            if offer.is_multinode:
                self._swap(single, (*multi, offer))
            else:
                self._swap((*single, offer), multi)

    def remove_where(self, sold_out: Callable[[GpuOffer], bool]) -> None:
        """Take away every offer ``sold_out`` accepts (the market's scarce shapes)."""
        with self._lock:
            self._swap(
                tuple(o for o in self.gpu_offers if not sold_out(o)),
                tuple(o for o in self.multinode_offers if not sold_out(o)),
            )

    def catch_up(self) -> None:
        """Let the market apply what is due by now (the summary routes call this too)."""
        if self.before_read is not None:
            self.before_read()

    def restore(self) -> None:
        with self._lock:
            self._swap(*self._seeded)

    def find(self, query: OfferQuery, *, multinode: bool) -> list[JSON]:
        self.catch_up()
        offers = self.multinode_offers if multinode else self.gpu_offers
        return [o.json for o in offers if query.accepts(o)]

    def find_disks(
        self, regions: tuple[str, ...] | None, data_center_id: str | None, cloud_id: str | None
    ) -> list[JSON]:
        return [
            d.json
            for d in self.disk_offers
            if (regions is None or d.region in regions)
            and (data_center_id is None or d.data_center == data_center_id)
            and (cloud_id is None or d.cloud_id == cloud_id)
        ]

    def offers_matching(
        self, provider: str, cloud_id: str, gpu_type: str, gpu_count: int, socket: str | None
    ) -> list[GpuOffer]:
        """Offers a create-pod body may mean, before data centre and security narrow it."""
        self.catch_up()
        return [
            o
            for o in (*self.gpu_offers, *self.multinode_offers)
            if (o.provider, o.cloud_id, o.gpu_type, o.gpu_count, o.socket)
            == (provider, cloud_id, gpu_type, gpu_count, socket)
        ]

    def disk_offer_for(
        self, provider: str, data_center_id: str | None, country: str | None
    ) -> DiskOffer | None:
        """The disk offer a create-disk body means; without dataCenterId (the spec only
        requires `size`), the provider's first one (in `country` when given)."""
        for d in self.disk_offers:
            if d.provider != provider:
                continue
            if data_center_id is not None and d.data_center != data_center_id:
                continue
            if data_center_id is None and country is not None and d.country != country:
                continue
            if d.data_center is None and country is not None and d.country != country:
                continue
            return d
        return None
