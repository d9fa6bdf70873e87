"""The ledger: every pod and disk this package rented, when, at what price, by which kernel.

A budget counts "what this kernel rented" or "everything rented in the last 24 h", and
neither can be read back from the API: its pod list has no creator and forgets ended
pods, and a kernel that stops forgets everything. So each create is written here, in the
local store (``~/.prime/prime_magics.sqlite3``, mode 0600, beside the deadlines), with
the price the API answered, the prepaid hours charged up front, and the process
(``SESSION``) that made it; an end is written when this package ends the rental or first
sees it gone. A rental whose end nobody saw is ended at the moment it is first noticed
gone, so the ledger errs towards counting too much, never too little.

Rows are keyed by the API's base URL, the kind, the id and ``createdAt``: sandbox ids
repeat from run to run, and one rental must never be taken for another.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from .store import connect, default_store_path, epoch

if TYPE_CHECKING:
    from .models import Disk, Pod

Kind = Literal["pod", "disk"]

SESSION = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
"""This process (a kernel): what "created from this kernel" means."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS rentals (
    base_url   TEXT NOT NULL,
    kind       TEXT NOT NULL,
    id         TEXT NOT NULL,
    created_at TEXT NOT NULL,
    session    TEXT NOT NULL,
    name       TEXT,
    price_hr   REAL,
    prepaid_h  REAL,
    started    REAL NOT NULL,
    ended      REAL,
    PRIMARY KEY (base_url, kind, id, created_at)
)
"""


@dataclass(frozen=True)
class Rental:
    """One pod or disk as rented: ``started``/``ended`` are epoch seconds (None: live)."""

    kind: Kind
    id: str
    base_url: str
    created_at: str
    started: float
    price_hr: float | None
    prepaid_h: float | None = None
    name: str | None = None
    session: str = SESSION
    ended: float | None = None

    @property
    def live(self) -> bool:
        return self.ended is None


def rental_of(
    kind: Kind,
    made: Pod | Disk,
    base_url: str,
    quoted_hr: float | None,
    now: float,
    prepaid_h: float | None = None,
) -> Rental:
    """The rental a create answered with: the API's price, else the quote it was sent at."""
    price = made.price_hr if made.price_hr is not None else quoted_hr
    started = epoch(made.created_at) or now
    created = made.created_at or ""
    return Rental(kind, made.id, base_url, created, started, price, prepaid_h, made.name)


_DAY_BUDGET_SCHEMA = """
CREATE TABLE IF NOT EXISTS day_budget (
    base_url  TEXT PRIMARY KEY,
    limit_usd REAL NOT NULL,
    hard      INTEGER NOT NULL
)
"""


class Ledger:
    """Rentals in the local SQLite store (created mode 0600 on first write), and the
    standing day budget over them: a rolling 24 h spans kernels, so its rule is kept
    here too and every later kernel's client takes it up (``day_budget``)."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else default_store_path()

    def __repr__(self) -> str:
        return f"Ledger({str(self.path)!r})"

    def record(self, rental: Rental) -> None:
        """Write ``rental`` down. Called right after a create succeeded, so a store that
        cannot be written warns instead of raising: the pod must not be lost over it."""
        try:
            self._record(rental)
        except (sqlite3.Error, OSError) as exc:
            warnings.warn(
                f"{rental.kind} {rental.id} was created but could not be written to "
                f"{self.path} ({exc}); budgets will not count it.",
                RuntimeWarning,
                stacklevel=3,
            )

    def _record(self, rental: Rental) -> None:
        with connect(self.path, _SCHEMA, write=True) as db:
            assert db is not None
            db.execute(
                "INSERT OR REPLACE INTO rentals VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    rental.base_url, rental.kind, rental.id, rental.created_at,
                    rental.session, rental.name, rental.price_hr, rental.prepaid_h,
                    rental.started, rental.ended,
                ),
            )  # fmt: skip

    def end(self, rental: Rental, at: float) -> None:
        """Mark ``rental`` ended at ``at`` (once: a later sighting keeps the first end)."""
        with connect(self.path, _SCHEMA) as db:
            if db is not None:
                db.execute(
                    "UPDATE rentals SET ended = ? WHERE base_url = ? AND kind = ? AND id = ?"
                    " AND created_at = ? AND ended IS NULL",
                    (at, rental.base_url, rental.kind, rental.id, rental.created_at),
                )

    def end_live(self, base_url: str, kind: Kind, ident: str, at: float) -> None:
        """Mark the live rental ``kind``/``ident`` ended (this package just ended it)."""
        with connect(self.path, _SCHEMA) as db:
            if db is not None:
                db.execute(
                    "UPDATE rentals SET ended = ? WHERE base_url = ? AND kind = ? AND id = ?"
                    " AND ended IS NULL",
                    (at, base_url, kind, ident),
                )

    def rentals(self, base_url: str, session: str | None = None) -> list[Rental]:
        """Every rental against ``base_url`` (only ``session``'s when given), oldest first."""
        with connect(self.path, _SCHEMA) as db:
            if db is None:
                return []
            query = "SELECT * FROM rentals WHERE base_url = ?"
            args: tuple[str, ...] = (base_url,)
            if session is not None:
                query, args = query + " AND session = ?", (base_url, session)
            rows = db.execute(query + " ORDER BY started", args).fetchall()
        return [_rental(row) for row in rows]

    def day_budget(self, base_url: str) -> tuple[float, bool] | None:
        """The standing day budget for ``base_url``: ``(limit_usd, hard)``, else None."""
        with connect(self.path, _DAY_BUDGET_SCHEMA) as db:
            if db is None:
                return None
            row = db.execute(
                "SELECT limit_usd, hard FROM day_budget WHERE base_url = ?", (base_url,)
            ).fetchone()
        return None if row is None else (float(row[0]), bool(row[1]))

    def keep_day_budget(self, base_url: str, limit: tuple[float, bool] | None) -> None:
        """Keep ``(limit_usd, hard)`` as the standing day budget; None drops it."""
        with connect(self.path, _DAY_BUDGET_SCHEMA, write=limit is not None) as db:
            if db is None:
                return
            db.execute("DELETE FROM day_budget WHERE base_url = ?", (base_url,))
            if limit is not None:
                db.execute("INSERT INTO day_budget VALUES (?, ?, ?)", (base_url, *limit))


def _rental(row: tuple[object, ...]) -> Rental:
    base_url, kind, ident, created_at, session, name, price, prepaid, started, ended = row
    return Rental(
        kind="pod" if kind == "pod" else "disk",
        id=str(ident),
        base_url=str(base_url),
        created_at=str(created_at),
        started=float(started),  # type: ignore[arg-type]
        price_hr=None if price is None else float(price),  # type: ignore[arg-type]
        prepaid_h=None if prepaid is None else float(prepaid),  # type: ignore[arg-type]
        name=None if name is None else str(name),
        session=str(session),
        ended=None if ended is None else float(ended),  # type: ignore[arg-type]
    )


__all__ = ["SESSION", "Kind", "Ledger", "Rental", "rental_of"]
