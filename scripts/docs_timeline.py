"""Draw docs/timeline.png: what a watch on the simulator's market sees in an hour.

The market (``pm.use_sandbox(market=True)``) moves on its own clock; here a fake clock
steps it a minute at a time, each step recorded as a watch's poll of 8×H100 in
CANADA-1 would be, and the history is plotted with ``.prime.plot()``, as a user would.
Run: ``.venv/bin/python scripts/docs_timeline.py``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import matplotlib.pyplot as plt

from prime_magics.capacity.history import AvailabilityHistory, ShapeSeen
from prime_magics.sandbox import SandboxConfig
from prime_magics.sandbox.catalog import Catalog
from prime_magics.sandbox.market import Market

OUT = Path(__file__).resolve().parent.parent / "docs" / "timeline.png"
START = 1_796_000_000.0  # a fixed instant, so the figure only changes with the market
STEP_S, SPAN_S, CAP = 60.0, 3600.0, 2.0


class StepClock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


def main() -> None:
    clock = StepClock()
    catalog = Catalog(SandboxConfig(seed=7))
    Market(catalog, clock, 7, pattern=True)
    with tempfile.TemporaryDirectory() as folder:
        store = AvailabilityHistory(Path(folder) / "history.sqlite3")
        while clock.now - START <= SPAN_S:
            catalog.catch_up()
            listed = [
                o for o in catalog.gpu_offers
                if (o.gpu_type, o.gpu_count, o.data_center) == ("H100_80GB", 8, "CANADA-1")
                and o.stock_status != "Unavailable" and o.on_demand
            ]  # fmt: skip
            best = min(listed, key=lambda o: o.on_demand or 0.0, default=None)
            per_gpu = None if best is None else (best.on_demand or 0.0) / 8
            total = None if best is None else best.on_demand
            seen = ShapeSeen("H100_80GB", 8, len(listed), per_gpu, total, None, "CANADA-1")
            store.record("sandbox", [seen], at=clock.now)
            clock.now += STEP_S
        figure, ax = plt.subplots(figsize=(8, 3.6))
        store.frame("sandbox", "H100_80GB", 8).prime.plot(ax=ax, cap=CAP)
        figure.tight_layout()
        figure.savefig(OUT, dpi=110)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
