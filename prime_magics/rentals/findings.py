"""What the rentals' keepers found and did, kept until a kernel has said it.

The guard process has no cell to print into, and a kernel's own act (a lookup that found
the pod a lost answer rented) may happen in a thread. So each finding — a pod ended at
its deadline or by a budget, an unknown outcome settled, a budget's threshold, an error
that stops enforcement — is a row of the store's ``findings`` table, and every kernel
alive says the ones not yet said after its next cell (``take``: one statement marks them,
so two kernels never both say one). A finding for one kernel (its session budget's
warning) names that session; the others are for whichever kernel runs next.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .records import SESSION
from .store import Store

Level = Literal["info", "success", "warning", "error"]


@dataclass(frozen=True)
class Finding:
    seq: int
    base_url: str
    at: float
    kind: str  # ended, found, void, warning, final, reached, error
    level: Level
    text: str
    session: str | None = None
    ref: str | None = None


class Findings:
    """The ``findings`` table (see the module)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def add(
        self,
        base_url: str,
        at: float,
        kind: str,
        text: str,
        *,
        session: str | None = None,
        ref: str | None = None,
    ) -> None:
        self.store.change(
            "INSERT INTO findings (base_url, at, kind, session, ref, text)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (base_url, at, kind, session, ref, text),
        )

    def take(self, session: str = SESSION) -> list[Finding]:
        """The findings not said yet that are for this kernel (or for any), now said."""
        with self.store.read() as db:
            if db is None:
                return []
            pending = db.execute(
                "SELECT seq FROM findings WHERE shown = 0 AND (session IS NULL OR session = ?)",
                (session,),
            ).fetchone()
        if pending is None:  # the usual case, after every cell: one read, no write lock
            return []
        with self.store.write() as db:
            rows = db.execute(
                "SELECT seq, base_url, at, kind, text, session, ref FROM findings"
                " WHERE shown = 0 AND (session IS NULL OR session = ?) ORDER BY seq",
                (session,),
            ).fetchall()
            db.execute(
                "UPDATE findings SET shown = 1 WHERE shown = 0"
                " AND (session IS NULL OR session = ?)",
                (session,),
            )
        return [_finding(*row) for row in rows]

    def recent(self, base_url: str, limit: int = 20) -> list[Finding]:
        """The latest findings for ``base_url``, said or not (``%prime guard``)."""
        with self.store.read() as db:
            if db is None:
                return []
            rows = db.execute(
                "SELECT seq, base_url, at, kind, text, session, ref FROM findings"
                " WHERE base_url = ? ORDER BY seq DESC LIMIT ?",
                (base_url, limit),
            ).fetchall()
        return [_finding(*row) for row in reversed(rows)]


LEVELS: dict[str, Level] = {
    "ended": "warning", "found": "warning", "void": "info", "warning": "warning",
    "final": "warning", "reached": "error", "error": "error", "kept": "success",
}  # fmt: skip


def _finding(
    seq: int, base_url: str, at: float, kind: str, text: str, session: str | None, ref: str | None
) -> Finding:
    return Finding(seq, base_url, at, kind, LEVELS.get(kind, "info"), text, session, ref)


__all__ = ["Finding", "Findings", "Level"]
