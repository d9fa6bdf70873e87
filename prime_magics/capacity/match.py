"""What a capacity watch asks for, and how one poll's offers become its events.

``WatchQuery`` splits the user's filters in two: those the API takes (sent once per
period, and the key under which identical watches share one query) and those applied
here (provider, price caps, stock). ``diff`` compares the matches of two polls by the
offer's identity, so an offer is announced once when it appears, again only when its
price moves or it goes — and says why it went (sold out, above the cap, stock low).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .. import inputs
from ..display.primitives import usd
from ..errors import ConfigurationError
from ..models import GpuOffer
from ..pricing import Quote, quote

STOCK_LEVELS = ("Low", "Medium", "High", "Available")
"""The spec's stock statuses, least first; ``Unavailable`` offers never match."""
APPEARED, PRICE_CHANGED, GONE = "appeared", "price_changed", "gone"
SLACK_HR = 1e-9  # prices equal up to float noise are the same price

OfferKey = tuple[Any, ...]


def offer_key(offer: GpuOffer) -> OfferKey:
    """What identifies an offer from poll to poll (the fields a create names)."""
    return (
        offer.provider, offer.cloud_id, offer.gpu_type, offer.gpu_count, offer.socket,
        offer.data_center, offer.country, offer.security, offer.is_multinode,
    )  # fmt: skip


@dataclass(frozen=True)
class WatchQuery:
    """The filters of one watch: the API's (``api_filters``) and the local ones."""

    gpu_type: str | None = None
    gpu_count: int | None = None
    regions: tuple[str, ...] | None = None
    socket: str | None = None
    security: str | None = None
    data_center_id: str | None = None
    provider: str | None = None
    max_price_per_gpu: float | None = None
    max_total: float | None = None
    min_stock: str | None = None

    def __post_init__(self) -> None:
        for name in ("max_price_per_gpu", "max_total"):
            cap = getattr(self, name)
            if cap is not None:  # finite, positive and a price: inf is no cap, nan none at all
                inputs.price_hr(name, cap)
        if self.gpu_count is not None:
            inputs.count("gpu_count", self.gpu_count, low=1)
        if self.min_stock is not None and self.min_stock not in STOCK_LEVELS:
            levels = ", ".join(STOCK_LEVELS)
            raise ConfigurationError(f"min_stock={self.min_stock!r}: one of {levels}")

    @property
    def capped(self) -> bool:
        return self.max_price_per_gpu is not None or self.max_total is not None

    @property
    def title(self) -> str:
        """``8× H100_80GB at most $2.5000/h per GPU (canada)``: what a watch waits for."""
        shape = f"{self.gpu_count or 'any'}× {self.gpu_type or 'any GPU'}"
        caps = []
        if self.max_price_per_gpu is not None:
            caps.append(f"at most {usd(self.max_price_per_gpu)} per GPU")
        if self.max_total is not None:
            caps.append(f"at most {usd(self.max_total)} in total")
        if self.min_stock is not None:
            caps.append(f"stock {self.min_stock} or more")
        where = [v for v in (self.provider, self.data_center_id, self.socket, self.security) if v]
        where += list(self.regions or ())
        return " ".join([shape, ", ".join(caps), f"({', '.join(where)})" if where else ""]).strip()

    def api_filters(self) -> dict[str, Any]:
        """What one availability query sends (``Client.gpu_offers``'s arguments)."""
        return {
            "gpu_type": self.gpu_type, "gpu_count": self.gpu_count,
            "regions": list(self.regions) if self.regions else None, "socket": self.socket,
            "security": self.security, "data_center_id": self.data_center_id,
        }  # fmt: skip

    def share_key(self) -> tuple[Any, ...]:
        return tuple(sorted((k, str(v)) for k, v in self.api_filters().items()))

    def refusal(self, offer: GpuOffer, priced: Quote) -> str | None:
        """Why ``offer`` (quoted ``priced``) is not a match; None when it is one."""
        if self.provider is not None and offer.provider != self.provider:
            return f"not provider {self.provider}"
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
        if priced.currency != "USD":  # a cap in dollars cannot judge another currency
            return f"priced in {priced.currency}"
        per_gpu = priced.per_gpu_hr
        if (
            self.max_price_per_gpu is not None
            and (per_gpu or 0) > self.max_price_per_gpu + SLACK_HR
        ):
            return "above the cap per GPU"
        if self.max_total is not None and priced.total_hr > self.max_total + SLACK_HR:
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


def offer_place(offer: GpuOffer) -> str:
    """``hyperstack CANADA-1 (sandbox-H100x8-SXM5)`` for a GPU offer."""
    where = " ".join(v for v in (offer.provider, offer.data_center or offer.country) if v)
    return f"{where} ({offer.cloud_id})"


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
        if old is not None and now.total_hr is not None and abs(old - now.total_hr) > SLACK_HR:
            events.append(_event(PRICE_CHANGED, offer, now, at, old_total_hr=old))
    return events


def _event(kind: str, offer: GpuOffer, priced: Quote, at: float, **extra: Any) -> WatchEvent:
    return WatchEvent(
        kind, offer, at, priced.total_hr, priced.per_gpu_hr, currency=priced.currency, **extra
    )
