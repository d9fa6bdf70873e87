"""Availability history: what every watch saw, kept in the local store across kernels.

A shape that sells out in minutes is rented by those who know *when* it tends to appear.
Each watch poll writes, per shape (GPU type × count) it listed, one compact row — when,
how many offers, the best $/GPU-hour and total with the cheapest provider — to the
``availability`` table of ``~/.prime/prime_magics.sqlite3`` (mode 0600, ``rentals.store``). A
poll that listed nothing of the watched shape writes a row with 0 offers, so gaps are
facts, not missing data. A row cap prunes the oldest rows, keeping the file small.
``timelines`` reads a history frame back as one price-and-stock timeline per shape
(what ``df.prime.plot()`` and the watch panel draw).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import cast

import pandas as pd

from ..display.primitives import usd
from ..rentals.store import Store

MAX_ROWS = 200_000  # ~20 MB at most; a 60 s watch of one shape fills it in ~4 months
PRUNE_TO = 0.9  # after the cap is passed, the oldest rows go until 90 % of it is left

COLUMNS = [
    "seen_at", "gpu_type", "gpu_count", "offers", "best_price_per_gpu_hr", "best_total_hr",
    "cheapest_provider", "cheapest_data_center",
]  # fmt: skip


@dataclass(frozen=True)
class ShapeSeen:
    """One poll's view of one shape: ``offers`` listed, the cheapest among them."""

    gpu_type: str
    gpu_count: int
    offers: int
    best_per_gpu_hr: float | None = None
    best_total_hr: float | None = None
    provider: str | None = None
    data_center: str | None = None


class AvailabilityHistory:
    """The ``availability`` table of the local store (see the module)."""

    def __init__(self, path: Path | str | None = None, max_rows: int = MAX_ROWS) -> None:
        self.store = Store(path)
        self.path = self.store.path
        self.max_rows = max_rows

    def __repr__(self) -> str:
        return f"AvailabilityHistory({str(self.path)!r})"

    def record(self, base_url: str, shapes: Sequence[ShapeSeen], at: float | None = None) -> None:
        """Write one poll (epoch seconds ``at``, default now); prune past the cap."""
        when = time.time() if at is None else at
        rows = [
            (base_url, when, s.gpu_type, s.gpu_count, s.offers, s.best_per_gpu_hr,
             s.best_total_hr, s.provider, s.data_center)
            for s in shapes
        ]  # fmt: skip
        if not rows:
            return
        with self.store.write() as db:
            db.executemany("INSERT INTO availability VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            (count,) = db.execute("SELECT COUNT(*) FROM availability").fetchone()
            if count > self.max_rows:
                drop = count - int(self.max_rows * PRUNE_TO)
                db.execute(
                    "DELETE FROM availability WHERE rowid IN "
                    "(SELECT rowid FROM availability ORDER BY seen_at LIMIT ?)",
                    (drop,),
                )

    def frame(
        self,
        base_url: str | None = None,
        gpu_type: str | None = None,
        gpu_count: int | None = None,
    ) -> pd.DataFrame:
        """The rows seen (oldest first), optionally for one API and one shape."""
        where, args = ["1 = 1"], []
        for column, value in (("base_url", base_url), ("gpu_type", gpu_type)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        if gpu_count is not None:
            where.append("gpu_count = ?")
            args.append(str(gpu_count))
        with self.store.read() as db:
            rows = [] if db is None else db.execute(
                "SELECT seen_at, gpu_type, gpu_count, offers, best_per_gpu, best_total, "
                f"provider, data_center FROM availability WHERE {' AND '.join(where)} "
                "ORDER BY seen_at",
                args,
            ).fetchall()  # fmt: skip
        frame = pd.DataFrame(rows, columns=COLUMNS)
        frame["seen_at"] = pd.to_datetime(
            [datetime.fromtimestamp(r[0], timezone.utc) for r in rows], utc=True
        )
        typed: pd.DataFrame = frame.astype(
            {
                "gpu_type": "string", "gpu_count": "Int64", "offers": "Int64",
                "best_price_per_gpu_hr": "Float64", "best_total_hr": "Float64",
                "cheapest_provider": "string", "cheapest_data_center": "string",
            }
        )  # fmt: skip
        return typed

    def clear(self) -> int:
        """Empty the history; how many rows went."""
        if not self.path.exists():
            return 0
        with self.store.write() as db:
            return int(db.execute("DELETE FROM availability").rowcount)


@dataclass(frozen=True)
class ShapeTimeline:
    """One shape across the polls that saw it: when, its best $/GPU-hour (None while
    nothing of it was offered) and whether it was in stock: what the timeline draws."""

    gpu_type: str
    gpu_count: int
    seen_at: tuple[datetime, ...]
    best_per_gpu_hr: tuple[float | None, ...]
    in_stock: tuple[bool, ...]

    @property
    def label(self) -> str:
        return f"{self.gpu_count}× {self.gpu_type}"

    def spans(self) -> list[tuple[datetime, datetime]]:
        """When it was in stock: from a poll that saw it to the first poll after that did
        not (the last poll, while it still is): what is known, between two looks."""
        spans: list[tuple[datetime, datetime]] = []
        start: datetime | None = None
        for at, stocked in zip(self.seen_at, self.in_stock, strict=True):
            if stocked and start is None:
                start = at
            elif not stocked and start is not None:
                spans.append((start, at))
                start = None
        if start is not None:
            spans.append((start, self.seen_at[-1]))
        return spans

    def summary(self) -> str:
        """``8× H100_80GB: in stock in 3 of 5 polls, best $2.1000/h per GPU``."""
        prices = [p for p in self.best_per_gpu_hr if p is not None]
        best = f", best {usd(min(prices))} per GPU" if prices else ""
        return f"{self.label}: in stock in {sum(self.in_stock)} of {len(self.in_stock)} polls{best}"


def timelines(frame: pd.DataFrame) -> list[ShapeTimeline]:
    """A history frame (``AvailabilityHistory.frame``) as one timeline per shape, the
    cheapest shape (per GPU-hour, ever) first, shapes never in stock last."""
    out: list[ShapeTimeline] = []
    for shape, rows in frame.groupby(["gpu_type", "gpu_count"], sort=True):
        gpu_type, gpu_count = cast("tuple[str, int]", shape)
        rows = rows.sort_values("seen_at", kind="stable")
        stocked = [bool(n) for n in rows["offers"].fillna(0).gt(0)]
        prices = [
            None if pd.isna(p) or not s else float(p)
            for p, s in zip(rows["best_price_per_gpu_hr"], stocked, strict=True)
        ]
        times = tuple(t.to_pydatetime() for t in rows["seen_at"])
        out.append(
            ShapeTimeline(str(gpu_type), int(gpu_count), times, tuple(prices), tuple(stocked))
        )

    def cheapest(line: ShapeTimeline) -> float:
        return min((p for p in line.best_per_gpu_hr if p is not None), default=float("inf"))

    return sorted(out, key=cheapest)
