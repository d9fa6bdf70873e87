"""``df.prime``: the availability frame's verbs, derived from its columns alone.

pandas builds a new accessor on every attribute access, so nothing is stored here: each
method reads the frame it was reached from. Rows are addressed by index label, the
number shown at the left of the displayed table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:  # imported when a verb runs: ``import prime_magics`` stays light
    from ..client import Client
    from ..models import GpuOffer
    from ..pricing import Quote
    from ..widgets import AvailabilityExplorer, ProvisionForm

REQUIRED = ("cloud_id", "gpu_type", "gpu_count", "total_hr", "price_per_gpu_hr")
HISTORY = ("seen_at", "gpu_type", "gpu_count", "offers", "best_price_per_gpu_hr")
"""The columns of ``availability_history()``: the frame's kind, read in one place
(``PrimeAccessor.kind``), so each verb knows what it was reached from."""


@pd.api.extensions.register_dataframe_accessor("prime")
class PrimeAccessor:
    """Available on frames from ``availability()`` (or any frame with its columns), and
    ``plot`` on ``availability_history()`` frames too."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.kind = kind_of(frame)
        if self.kind is None:
            missing = [c for c in REQUIRED if c not in frame.columns]
            raise AttributeError(
                f"df.prime needs an availability frame; missing columns: {', '.join(missing)}"
            )
        self._frame = frame

    def _offers(self, verb: str) -> pd.DataFrame:
        """The frame, when it is one of offers (what every verb but ``plot`` needs)."""
        if self.kind != "offers":
            raise AttributeError(f"df.prime.{verb} needs an availability frame, not a history")
        return self._frame

    def cheapest(self, n: int = 5, per_gpu: bool = False) -> pd.DataFrame:
        """The ``n`` cheapest priced offers, by total or by price per GPU-hour; USD offers
        first, others after them (no price is compared across currencies)."""
        column = "price_per_gpu_hr" if per_gpu else "total_hr"
        frame = self._offers("cheapest")
        priced = frame[frame[column].notna()]
        if "currency" in priced.columns:
            foreign = priced["currency"].fillna("USD").ne("USD").astype(bool)
            order = priced.assign(_foreign=foreign).sort_values(["_foreign", column], kind="stable")
            priced = order.drop(columns="_foreign")
        else:
            priced = priced.sort_values(column, kind="stable")
        cheapest: pd.DataFrame = priced.head(n)
        return cheapest

    def offer(self, i: Any) -> GpuOffer:
        """The offer of row ``i``, rebuilt from its columns."""
        from ..offers import gpu_offer

        return gpu_offer(self._offers("offer").loc[i])

    def quote(
        self,
        i: Any,
        disk_gb: int | None = None,
        vcpus: int | None = None,
        memory_gb: int | None = None,
    ) -> Quote:
        """``pm.quote`` for row ``i`` with the chosen resources."""
        from ..pricing import quote

        return quote(self._offers("quote").loc[i], disk_gb, vcpus, memory_gb)

    def provision(self, i: Any, **options: Any) -> ProvisionForm:
        """A ``ProvisionForm`` for row ``i``; nothing is rented until you confirm in it."""
        from ..widgets import ProvisionForm

        return ProvisionForm(self.offer(i), **options)

    def explore(self, client: Client | None = None, **options: Any) -> AvailabilityExplorer:
        """An ``AvailabilityExplorer`` starting from this frame, its row labels kept.

        Nothing is asked of the API until a server-side filter (GPU type or count,
        regions, security, socket) changes; then the explorer queries ``client`` (default:
        ``pm.get_client()``) with those filters alone. ``options``: ``max_rows`` and the
        explorer's filter presets."""
        from ..widgets import AvailabilityExplorer

        return AvailabilityExplorer(client, frame=self._offers("explore"), **options)

    def plot(self, ax: Any = None, cap: float | None = None) -> Any:
        """The frame's chart, by its kind: for offers, which GPU is cheapest per GPU-hour
        and where (``plot_offers``); for an availability history, the price and capacity
        timeline (``widgets.timeline.draw_timeline``: the best $/GPU-hour of each shape at
        each poll, shaded while in stock, ``cap`` as a dashed line). Returns the matplotlib
        ``Axes`` (end the cell with ``;`` to show only the chart)."""
        if self.kind == "history":
            from ..widgets.timeline import draw_timeline

            return draw_timeline(self._frame, ax, cap)
        return self.plot_offers(ax)

    def plot_offers(self, ax: Any = None) -> Any:
        """Which GPU is cheapest per GPU-hour, and where: one bar per GPU type at its best
        USD price, labelled with the price and the provider offering it, cheapest on top.

        CPU-only offers (no GPU to divide by) and offers in other currencies are left
        out, so every bar compares the same thing."""
        from ..display.primitives import usd
        from ..pricing import CPU_NODE

        frame = self._offers("plot_offers")
        in_usd = frame["currency"].fillna("USD").eq("USD") if "currency" in frame else True
        keep = frame["price_per_gpu_hr"].notna() & frame["gpu_type"].ne(CPU_NODE) & in_usd
        priced = frame[keep.fillna(False).astype(bool)]
        best = priced.loc[priced.groupby("gpu_type")["price_per_gpu_hr"].idxmin()]
        best = best.sort_values("price_per_gpu_hr", ascending=False)
        prices = best["price_per_gpu_hr"].astype(float)
        if ax is None:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots(figsize=(8, max(2.5, 0.4 * len(best) + 1.2)))
        bars = ax.barh(list(best["gpu_type"]), list(prices), color="#4c72b0")
        pairs = zip(prices, best["provider"], strict=True)
        labels = [f"{usd(price)}  {provider}" for price, provider in pairs]
        ax.bar_label(bars, labels=labels, padding=3, fontsize="small")
        ax.set_xlim(0, float(prices.max()) * 1.35 if len(prices) else 1)
        ax.set_xlabel("USD per GPU-hour (cheapest offer of each GPU type)")
        ax.set_title("Cheapest price per GPU-hour, and who offers it")
        ax.spines[["top", "right"]].set_visible(False)
        return ax


def kind_of(frame: pd.DataFrame) -> str | None:
    """``offers`` (an availability frame), ``history`` (``availability_history()``), or
    None: what ``df.prime`` was reached from, judged by the columns alone."""
    columns = set(frame.columns)
    if columns.issuperset(REQUIRED):
        return "offers"
    if columns.issuperset(HISTORY):
        return "history"
    return None
