"""What a capacity watch asks for, and how one poll's offers become its events.

``WatchQuery`` is the user's ``GpuFilters`` (``filters``) and a watch's own caps, split
in two: what the API takes (``api_filters``: sent once per period, and the key under
which identical watches share one query) and what is applied here (provider, price
caps, stock). ``diff`` compares the matches of two polls by the
offer's identity, so an offer is announced once when it appears, again only when its
price moves or it goes — and says why it went (sold out, above the cap, stock low).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import inputs
from ..display.primitives import usd
from ..errors import ConfigurationError
from ..filters import GpuFilters
from ..models import GpuOffer, OfferKey, offer_key
from ..pricing import Quote, quote, same_price, within_cap

STOCK_LEVELS = ("Low", "Medium", "High", "Available")
"""The spec's stock statuses, least first; ``Unavailable`` offers never match."""
APPEARED, PRICE_CHANGED, GONE = "appeared", "price_changed", "gone"


@dataclass(frozen=True)
class WatchQuery:
    """The filters of one watch: which offers (``filters``, checked there: the API's and
    ``provider``) and the watch's own caps and least stock, applied here."""

    filters: GpuFilters = field(default_factory=GpuFilters)
    max_price_per_gpu: float | None = None
    max_total: float | None = None
    min_stock: str | None = None

    def __post_init__(self) -> None:
        for name in ("max_price_per_gpu", "max_total"):
            cap = getattr(self, name)
            if cap is not None:  # finite, positive and a price: inf is no cap, nan none at all
                inputs.price_hr(name, cap)
        if self.min_stock is not None and self.min_stock not in STOCK_LEVELS:
            levels = ", ".join(STOCK_LEVELS)
            raise ConfigurationError(f"min_stock={self.min_stock!r}: one of {levels}")

    @property
    def capped(self) -> bool:
        return self.max_price_per_gpu is not None or self.max_total is not None

    @property
    def per_gpu(self) -> bool:
        """Matches compare by price per GPU-hour (else by total): unless only the total is
        capped, a cap per GPU or offers of any count make the total the wrong yardstick."""
        return self.max_price_per_gpu is not None or self.max_total is None

    @property
    def sort_column(self) -> str:
        """The availability frame's column the matches are sorted by (``per_gpu``)."""
        return "price_per_gpu_hr" if self.per_gpu else "total_hr"

    @property
    def sort_text(self) -> str:
        """How the matches are sorted, said (``cheapest per GPU-hour first``)."""
        return f"cheapest {'per GPU-hour' if self.per_gpu else 'in total'} first"

    @property
    def shape_text(self) -> str:
        """``8× H100_80GB``, ``H100_80GB, any count``, ``8× any GPU``, ``any GPU``."""
        f = self.filters
        gpu = f.gpu_type or "any GPU"
        if f.gpu_count:
            return f"{f.gpu_count}× {gpu}"
        return f"{gpu}, any count" if f.gpu_type else gpu

    @property
    def title(self) -> str:
        """``8× H100_80GB at most $2.5000/h per GPU (canada)``, ``H100_80GB, any count;
        at most $2.0000/h per GPU``: what a watch waits for."""
        f = self.filters
        shape = self.shape_text
        caps = []
        if self.max_price_per_gpu is not None:
            caps.append(f"at most {usd(self.max_price_per_gpu)} per GPU")
        if self.max_total is not None:
            caps.append(f"at most {usd(self.max_total)} in total")
        if self.min_stock is not None:
            caps.append(f"stock {self.min_stock} or more")
        where = [v for v in (f.provider, f.data_center_id, f.socket, f.security) if v]
        where += list(f.regions or ())
        if caps:  # "H100_80GB, any count; at most …": the shape's comma is not the caps'
            shape += ("; " if "," in shape else " ") + ", ".join(caps)
        return f"{shape} ({', '.join(where)})" if where else shape

    def api_filters(self) -> GpuFilters:
        """What one availability query sends: the filters without ``provider`` (applied
        here, with a reason), as ``Client.offer_models`` keywords via ``.keywords()``."""
        return self.filters.without_provider()

    def share_key(self) -> tuple[Any, ...]:
        """Identical API queries share one answer (``share``), whatever the local filters."""
        return (self.api_filters(),)

    def refusal(self, offer: GpuOffer, priced: Quote) -> str | None:
        """Why ``offer`` (quoted ``priced``) is not a match; None when it is one."""
        if not self.filters.keeps(offer.provider):
            return f"not provider {self.filters.provider}"
        stock = offer.stock_status
        if stock == "Unavailable":
            return "out of stock"
        if self.min_stock is not None:
            rank = STOCK_LEVELS.index(stock) if stock in STOCK_LEVELS else -1
            if rank < STOCK_LEVELS.index(self.min_stock):
                return f"stock {stock or 'unknown'}, below {self.min_stock}"
        if not self.capped:
            return None
        if priced.total_hr is None or math.isnan(priced.total_hr):
            return "no price"
        return self.over_caps(priced.total_hr, priced.per_gpu_hr or 0, priced.currency)

    def over_caps(self, total_hr: float, per_gpu_hr: float, currency: str) -> str | None:
        """Why a price is not under this watch's caps (``pricing.within_cap``); None when
        it is. What a poll's match and rent-first's last look both ask."""
        if currency != "USD":  # a cap in dollars cannot judge another currency
            return f"priced in {currency}"
        if not within_cap(per_gpu_hr, self.max_price_per_gpu):
            return "above the cap per GPU"
        if not within_cap(total_hr, self.max_total):
            return "above the total cap"
        return None


@dataclass(frozen=True)
class WatchEvent:
    """Something a watch saw: an offer ``appeared``, its price changed, or it is ``gone``.

    ``at`` is the watch's clock; ``total_hr`` the quote now (for ``gone``: when last
    seen); ``old_total_hr`` the price before, for a change; ``reason`` why it went."""

    kind: str
    offer: GpuOffer
    at: float
    total_hr: float | None
    per_gpu_hr: float | None
    old_total_hr: float | None = None
    reason: str = ""
    currency: str = "USD"

    def __str__(self) -> str:
        """One line: ``New match: 8× H100_80GB hyperstack CANADA-1 … at $17.60/h``."""
        o, cur = self.offer, self.currency
        what = f"{o.gpu_count}× {o.gpu_type} {offer_place(o)}"
        price = f"{usd(self.total_hr, currency=cur)} ({usd(self.per_gpu_hr, currency=cur)} per GPU)"
        if self.kind == "appeared":
            return f"New match: {what} at {price}"
        if self.kind == "price_changed":
            return f"Price changed: {what} from {usd(self.old_total_hr, currency=cur)} to {price}"
        return f"Gone: {what} ({self.reason}; last {usd(self.total_hr, currency=cur)})"


def offer_where(offer: GpuOffer) -> str:
    """``hyperstack CANADA-1``: who offers it, and where."""
    return " ".join(v for v in (offer.provider, offer.data_center or offer.country) if v)


def offer_place(offer: GpuOffer) -> str:
    """``hyperstack CANADA-1 (sandbox-H100x8-SXM5)`` for a GPU offer."""
    return f"{offer_where(offer)} ({offer.cloud_id})"


def quotes(offers: Sequence[GpuOffer]) -> list[Quote]:
    return [quote(o) for o in offers]


def split(
    query: WatchQuery, offers: Sequence[GpuOffer]
) -> tuple[dict[OfferKey, tuple[GpuOffer, Quote]], dict[OfferKey, str]]:
    """The matches of one poll by key, and why each other listed offer is not one."""
    matched: dict[OfferKey, tuple[GpuOffer, Quote]] = {}
    refused: dict[OfferKey, str] = {}
    for offer, priced in zip(offers, quotes(offers), strict=True):
        why = query.refusal(offer, priced)
        if why is None:
            matched[offer_key(offer)] = (offer, priced)
        else:
            refused[offer_key(offer)] = why
    return matched, refused


def diff(
    before: Mapping[OfferKey, tuple[GpuOffer, Quote]],
    after: Mapping[OfferKey, tuple[GpuOffer, Quote]],
    refused: Mapping[OfferKey, str],
    at: float,
) -> list[WatchEvent]:
    """The events between two polls' matches: gone first, then changes, then new ones."""
    events: list[WatchEvent] = []
    for key, (offer, was) in before.items():
        if key not in after:
            reason = refused.get(key, "no longer listed")
            events.append(_event(GONE, offer, was, at, reason=reason))
    for key, (offer, now) in after.items():
        if key not in before:
            events.append(_event(APPEARED, offer, now, at))
            continue
        old = before[key][1].total_hr
        if old is not None and now.total_hr is not None and not same_price(old, now.total_hr):
            events.append(_event(PRICE_CHANGED, offer, now, at, old_total_hr=old))
    return events


def _event(kind: str, offer: GpuOffer, priced: Quote, at: float, **extra: Any) -> WatchEvent:
    return WatchEvent(
        kind, offer, at, priced.total_hr, priced.per_gpu_hr, currency=priced.currency, **extra
    )
