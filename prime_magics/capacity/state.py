"""What a watch remembers between polls, and the frames it shows it as.

Per offer (``Seen``): when first and last seen, in how many polls, since when it has been
visible without a gap, and the best price seen. Per poll (``Poll``): whether it worked
(and the reason it did not), how much was listed and matched, and the pause chosen
after it — so a 429's backoff is visible, not guessed at. ``shapes_seen`` condenses one
poll for the availability history.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import pandas as pd

from ..models import GpuOffer, OfferKey, offer_key
from ..pricing import Quote, quote
from .history import ShapeSeen
from .match import WatchQuery


class Poll(NamedTuple):
    at: float
    ok: bool
    error: str | None
    listed: int
    matched: int
    best_per_gpu_hr: float | None
    pause: float


@dataclass
class Seen:
    """One offer across the polls that matched it."""

    offer: GpuOffer
    first_seen: float
    last_seen: float | None = None
    since: float | None = None  # visible without a gap since (None: not visible now)
    times_seen: int = 0
    appearances: int = 0
    best_total_hr: float | None = None
    best_per_gpu_hr: float | None = None

    def saw(self, offer: GpuOffer, priced: Quote, at: float) -> None:
        self.offer, self.last_seen, self.times_seen = offer, at, self.times_seen + 1
        if self.since is None:
            self.since, self.appearances = at, self.appearances + 1
        total = priced.total_hr
        if total is not None and (self.best_total_hr is None or total < self.best_total_hr):
            self.best_total_hr, self.best_per_gpu_hr = total, priced.per_gpu_hr

    def lost(self) -> None:
        self.since = None


def cheapest_first(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """``frame`` (an availability frame) by ``column``, cheapest first: USD rows before
    other currencies (no price is compared across them), unpriced rows last, ties in the
    frame's own order."""
    currency = frame["currency"].fillna("USD") if "currency" in frame else "USD"
    foreign = pd.Series(currency, index=frame.index).ne("USD").astype(bool)
    keys = pd.DataFrame({"foreign": foreign, "price": frame[column]}, index=frame.index)
    order = keys.sort_values(["foreign", "price"], kind="stable", na_position="last").index
    ordered: pd.DataFrame = frame.loc[order].reset_index(drop=True)
    return ordered


def table(matches: pd.DataFrame, seen: Mapping[OfferKey, Seen], now: float) -> pd.DataFrame:
    """``matches`` (an availability frame) with what the watch knows of each row."""
    from ..offers import gpu_offer

    facts: dict[str, list[Any]] = {
        "visible_s": [], "first_seen_s_ago": [], "times_seen": [], "best_total_hr": [],
        "best_price_per_gpu_hr": [],
    }  # fmt: skip
    for _, row in matches.iterrows():
        known = seen.get(offer_key(gpu_offer(row)))
        since = None if known is None or known.since is None else now - known.since
        facts["visible_s"].append(since)
        facts["first_seen_s_ago"].append(None if known is None else now - known.first_seen)
        facts["times_seen"].append(None if known is None else known.times_seen)
        facts["best_total_hr"].append(None if known is None else known.best_total_hr)
        facts["best_price_per_gpu_hr"].append(None if known is None else known.best_per_gpu_hr)
    out: pd.DataFrame = matches.copy()
    for name, values in facts.items():
        out[name] = pd.Series(values, index=out.index, dtype=object).astype(
            "Int64" if name == "times_seen" else "Float64"
        )
    return out


def polls_frame(polls: Sequence[Poll], started_at: float) -> pd.DataFrame:
    frame = pd.DataFrame(list(polls), columns=list(Poll._fields))
    frame.insert(0, "after_s", frame["at"] - started_at)
    out: pd.DataFrame = frame.drop(columns=["at"]).astype(
        {"error": "string", "best_per_gpu_hr": "Float64", "ok": "boolean"}
    )
    return out


def shapes_seen(query: WatchQuery, offers: Sequence[GpuOffer]) -> list[ShapeSeen]:
    """One poll per shape for the history: the watched shape always (0 offers is a fact),
    every other shape listed too, each with its cheapest offer."""
    best: dict[tuple[str, int], tuple[int, GpuOffer | None, Quote | None]] = {}
    wanted = query.filters
    if wanted.gpu_type is not None and wanted.gpu_count is not None:
        best[(wanted.gpu_type, wanted.gpu_count)] = (0, None, None)
    for offer in offers:
        if offer.stock_status == "Unavailable" or offer.gpu_count is None:
            continue  # an unreadable count (NA) is no shape to keep a history of
        shape = (offer.gpu_type, offer.gpu_count)
        count, cheapest, priced = best.get(shape, (0, None, None))
        mine = quote(offer)
        cheaper = mine.total_hr is not None and mine.currency == "USD"
        if cheaper and (priced is None or (mine.total_hr or 0) < (priced.total_hr or 0)):
            cheapest, priced = offer, mine
        best[shape] = (count + 1, cheapest, priced)
    return [_shape(shape, *seen) for shape, seen in sorted(best.items())]


def _shape(
    shape: tuple[str, int], count: int, cheapest: GpuOffer | None, priced: Quote | None
) -> ShapeSeen:
    if cheapest is None or priced is None:
        return ShapeSeen(*shape, count)
    where = cheapest.data_center or cheapest.country
    return ShapeSeen(*shape, count, priced.per_gpu_hr, priced.total_hr, cheapest.provider, where)
