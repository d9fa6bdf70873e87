"""Offers that change over time: they appear, change price and sell out on the clock.

On the real API, scarce shapes (8×H100, B200) appear and sell out within minutes; a
watch can only be tested against a catalogue that does the same. `Market` keeps
changes scheduled at moments of the sandbox's own clock (the injectable `monotonic`
the lifecycles read) and applies the due ones whenever the catalogue is read
(`Catalog.before_read`), so a test that advances its fake clock sees offers move
without anything sleeping.

Two sources of changes:

- explicit ones for tests: `SandboxServer.add_offer` / `reprice_offer` /
  `remove_offer` with `after_s`, or `POST /_sandbox/offers/add|price|remove`;
- a seeded pattern (`SandboxConfig.market=True`, off so every other test sees a
  still catalogue): every 8×H100 is sold out at start, then `WATCH_OFFER` appears,
  gets cheaper, sells out, and the cycle repeats, at moments drawn from the seed.
"""

from __future__ import annotations

import heapq
import itertools
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from .catalog import Catalog, OfferSelector
from .catalog_data import IMAGES_GUIDE
from .offers import GpuOffer, fixed

# The 8×H100 a watch is tested with: absent from every seeded catalogue (its cloud id
# is the sandbox's own), $2.20 per GPU-hour, so a watch capped at $2.50 rents it.
WATCH_OFFER = GpuOffer(
    cloud_id="sandbox-H100x8-SXM5",
    gpu_type="H100_80GB",
    socket="SXM5",
    provider="hyperstack",
    region="canada",
    data_center="CANADA-1",
    country="CA",
    gpu_count=8,
    gpu_memory=80,
    disk=fixed(1000),
    vcpu=fixed(192),
    memory=fixed(1800),
    security="secure_cloud",
    on_demand=17.6,
    community_price=None,
    images=IMAGES_GUIDE,
    stock_status="Available",
    is_variable=False,
)
SCARCE = ("H100_80GB", 8)  # the shape the seeded pattern keeps scarce
CYCLE_S = 900.0  # one appear → cheaper → sold-out cycle of the seeded pattern


def watch_offer(
    cloud_id: str | None = None,
    price: float | None = None,
    stock_status: str | None = None,
    data_center: str | None = None,
) -> GpuOffer:
    """`WATCH_OFFER` with these changes (`price` is the whole instance's $/h)."""
    offer = WATCH_OFFER
    if cloud_id is not None:
        offer = replace(offer, cloud_id=cloud_id)
    if price is not None:
        offer = replace(offer, on_demand=price)
    if stock_status is not None:
        offer = replace(offer, stock_status=stock_status)
    if data_center is not None:
        offer = replace(offer, data_center=data_center)
    return offer


@dataclass(order=True)
class _Due:
    at: float
    order: int
    apply: Callable[[], None] = field(compare=False)


class Market:
    """Changes to the catalogue due at moments of `now`'s clock (see the module)."""

    def __init__(
        self, catalog: Catalog, now: Callable[[], float], seed: int, pattern: bool
    ) -> None:
        self.catalog = catalog
        self.now = now
        self.seed = seed
        self.pattern = pattern
        self._lock = threading.Lock()
        self._queue: list[_Due] = []
        self._order = itertools.count()
        catalog.before_read = self.tick
        self.reset()

    def reset(self) -> None:
        """No scheduled changes; with the pattern on, its first cycle from now."""
        with self._lock:
            self._queue.clear()
        if self.pattern:
            self.catalog.remove_where(_scarce)
            self._schedule_cycle(self.now(), random.Random(self.seed * 31 + 5))

    def at(self, after_s: float, apply: Callable[[], None]) -> None:
        """Run `apply` once the clock is `after_s` seconds later (0: now)."""
        if after_s <= 0:
            apply()
            return
        with self._lock:
            heapq.heappush(self._queue, _Due(self.now() + after_s, next(self._order), apply))

    def tick(self) -> None:
        """Apply every change that is due, in the order they were due."""
        now = self.now()
        while True:
            with self._lock:
                if not self._queue or self._queue[0].at > now:
                    return
                due = heapq.heappop(self._queue)
            due.apply()

    # ---- changes -----------------------------------------------------------------------

    def add(self, offer: GpuOffer, after_s: float = 0.0) -> None:
        self.at(after_s, lambda: self.catalog.add(offer))

    def reprice(self, selector: OfferSelector, price: float, after_s: float = 0.0) -> None:
        def apply() -> None:
            self.catalog.reprice(selector, price)

        self.at(after_s, apply)

    def remove(self, selector: OfferSelector, after_s: float = 0.0) -> None:
        def apply() -> None:
            self.catalog.remove(selector)

        self.at(after_s, apply)

    def _schedule_cycle(self, start: float, rng: random.Random) -> None:
        """One cycle of the seeded pattern: appear, get cheaper, sell out; then the next."""
        appear = 45.0 + rng.uniform(0, 60)
        cheaper = appear + 180.0 + rng.uniform(0, 120)
        gone = cheaper + 120.0 + rng.uniform(0, 180)
        selector = OfferSelector(WATCH_OFFER.cloud_id, WATCH_OFFER.data_center)
        price = round((WATCH_OFFER.on_demand or 0.0) - rng.uniform(0.4, 1.2), 4)
        offset = start - self.now()
        self.add(WATCH_OFFER, offset + appear)
        self.reprice(selector, price, offset + cheaper)
        self.remove(selector, offset + gone)
        self.at(offset + CYCLE_S, lambda: self._schedule_cycle(start + CYCLE_S, rng))


def _scarce(offer: GpuOffer) -> bool:
    return (offer.gpu_type, offer.gpu_count) == SCARCE
