"""``df.prime``: the availability frame's verbs, derived from its columns alone.

pandas builds a new accessor on every attribute access, so nothing is stored here: each
method reads the frame it was reached from. Rows are addressed by index label, the
number shown at the left of the displayed table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from .models import GpuOffer
from .offers import gpu_offer
from .pricing import Quote, quote

if TYPE_CHECKING:
    from .client import Client
    from .widgets import AvailabilityExplorer, ProvisionForm

REQUIRED = ("cloud_id", "gpu_type", "gpu_count", "total_hr", "price_per_gpu_hr")


@pd.api.extensions.register_dataframe_accessor("prime")
class PrimeAccessor:
    """Available on frames from ``availability()`` (or any frame with its columns)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        missing = [c for c in REQUIRED if c not in frame.columns]
        if missing:
            raise AttributeError(
                f"df.prime needs an availability frame; missing columns: {', '.join(missing)}"
            )
        self._frame = frame

    def cheapest(self, n: int = 5, per_gpu: bool = False) -> pd.DataFrame:
        """The ``n`` cheapest priced offers, by total or by price per GPU-hour."""
        column = "price_per_gpu_hr" if per_gpu else "total_hr"
        priced = self._frame[self._frame[column].notna()]
        cheapest: pd.DataFrame = priced.sort_values(column, kind="stable").head(n)
        return cheapest

    def offer(self, i: Any) -> GpuOffer:
        """The offer of row ``i``, rebuilt from its columns."""
        return gpu_offer(self._frame.loc[i])

    def quote(
        self,
        i: Any,
        disk_gb: int | None = None,
        vcpus: int | None = None,
        memory_gb: int | None = None,
    ) -> Quote:
        """``pm.quote`` for row ``i`` with the chosen resources."""
        return quote(self._frame.loc[i], disk_gb, vcpus, memory_gb)

    def provision(self, i: Any, **options: Any) -> ProvisionForm:
        """A ``ProvisionForm`` for row ``i``; nothing is rented until you confirm in it."""
        from .widgets import ProvisionForm

        return ProvisionForm(self.offer(i), **options)

    def explore(self, client: Client | None = None, **options: Any) -> AvailabilityExplorer:
        """An ``AvailabilityExplorer`` starting from this frame, its row labels kept.

        Nothing is asked of the API until a server-side filter (GPU type or count,
        regions, security, socket) changes; then the explorer queries ``client`` (default:
        ``pm.get_client()``) with those filters alone. ``options``: ``max_rows`` and the
        explorer's filter presets."""
        from .widgets import AvailabilityExplorer

        return AvailabilityExplorer(client, frame=self._frame, **options)

    def plot(self, ax: Any = None) -> Any:
        """Cheapest price per GPU-hour for each GPU type, one bar per provider."""
        priced = self._frame[self._frame["price_per_gpu_hr"].notna()]
        table = priced.pivot_table(
            index="gpu_type", columns="provider", values="price_per_gpu_hr", aggfunc="min"
        ).astype(float)
        order = table.min(axis=1).sort_values(ascending=False).index
        axes = table.loc[order].plot.barh(
            ax=ax, figsize=(9, max(3.0, 0.45 * len(order) + 1.5)), width=0.8
        )
        axes.set_xlabel("USD per GPU-hour (cheapest offer)")
        axes.set_ylabel("GPU type")
        axes.set_title("Price per GPU-hour by GPU type and provider")
        axes.legend(title="provider", fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1))
        return axes
