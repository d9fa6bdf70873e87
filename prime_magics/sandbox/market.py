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
  still catalogue): the `MOVERS` — the sandbox's own 8×H100 SXM5 and 1×H100 PCIe in
  CANADA-1 and 8×A100 in US-1 — move every `MOVE_S` (60–120 s) of sandbox time: a new
  price between `LOW` and `HIGH` times their base ($2.20, $2.10 and $1.30 per GPU-hour,
  so an H100 dips below $2 about one move in three), a new stock level, or sold out
  for a move or two. Every other 8×H100 is sold out, and the sandbox's 8×H100 first
  appears 45–105 s after the start. Each mover draws from its own generator seeded
  from the sandbox's seed: the same seed and clock replay the same market.
"""

from __future__ import annotations

import heapq
import itertools
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial

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
MOVE_S = (60.0, 120.0)  # sandbox seconds between two moves of one mover
FIRST_S = (45.0, 105.0)  # when the (sold-out) 8×H100 first appears
LOW, HIGH = 0.80, 1.15  # a move's price, times the mover's base price
SELL_OUT = 0.2  # the chance a move sells a listed mover out
COME_BACK = 0.6  # the chance a move lists a sold-out mover again
STOCK = ("Low", "Medium", "High", "Available")
MOVERS = (
    WATCH_OFFER,
    replace(
        WATCH_OFFER, cloud_id="sandbox-H100x1-PCIe", socket="PCIe", gpu_count=1,
        disk=fixed(200), vcpu=fixed(24), memory=fixed(225), on_demand=2.10,
    ),
    replace(
        WATCH_OFFER, cloud_id="sandbox-A100x8-SXM4", gpu_type="A100_80GB", socket="SXM4",
        region="united_states", data_center="US-1", country="US", memory=fixed(1400),
        vcpu=fixed(128), on_demand=8 * 1.30,
    ),
)  # fmt: skip
"""The offers the seeded pattern moves: the common shapes a first watch asks for."""


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
        """No scheduled changes; with the pattern on, its movers from now."""
        with self._lock:
            self._queue.clear()
        if self.pattern:
            self.catalog.remove_where(_scarce)
            start = self.now()
            for index, mover in enumerate(MOVERS):
                rng = random.Random(self.seed * 31 + 5 + 1000 * index)
                if _scarce(mover):  # sold out at start, first seen a minute or so later
                    self._due(start + rng.uniform(*FIRST_S), partial(self._list, mover, rng))
                else:
                    self.catalog.add(mover)
                    self._due(start + rng.uniform(*MOVE_S), partial(self._move, mover, rng))

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

    def _due(self, when: float, apply: Callable[[float], None]) -> None:
        """Run ``apply(when)`` once the clock reaches ``when`` (a moment, not a delay: a
        chain of moves keeps its own times however late the catalogue is read)."""
        with self._lock:
            due = _Due(when, next(self._order), lambda: apply(when))
            heapq.heappush(self._queue, due)

    def _move(self, mover: GpuOffer, rng: random.Random, at: float) -> None:
        """One move of the pattern: sell out, stay away, or list at a new price and stock;
        then the next move, ``MOVE_S`` later."""
        listed = any(o.key == mover.key for o in self.catalog.gpu_offers)
        if listed and rng.random() < SELL_OUT:
            self.catalog.remove(OfferSelector(mover.cloud_id, mover.data_center))
            self._due(at + rng.uniform(*MOVE_S), partial(self._move, mover, rng))
        elif not listed and rng.random() >= COME_BACK:
            self._due(at + rng.uniform(*MOVE_S), partial(self._move, mover, rng))
        else:
            self._list(mover, rng, at)

    def _list(self, mover: GpuOffer, rng: random.Random, at: float) -> None:
        price = round((mover.on_demand or 0.0) * rng.uniform(LOW, HIGH), 4)
        self.catalog.add(replace(mover, on_demand=price, stock_status=rng.choice(STOCK)))
        self._due(at + rng.uniform(*MOVE_S), partial(self._move, mover, rng))


def _scarce(offer: GpuOffer) -> bool:
    return (offer.gpu_type, offer.gpu_count) == SCARCE
