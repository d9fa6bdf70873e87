"""A rental's record, from the intent written before its create left to its confirmed end.

Each pod or disk rented through this package is one row of the store's ``rentals`` table,
in one of these states::

    intent ──sent, answered──▶ live ──claimed, ended / confirmed gone──▶ ended
      │  └──no answer, 5xx, timeout──▶ unknown ──found by a lookup──▶ live
      └──refused before or by the API──▶ void      └──never appeared──▶ void

Every change is ONE conditional statement (``UPDATE … WHERE state = …``), so however many
kernels and guard processes act on the same row, each transition happens once and a
change made meanwhile (an extend) is never overwritten by a stale read: the statement's
own condition decides, not what its caller read before.

A pod's deadline is ``max_hours`` after it became ready and, until then, ``max_hours``
after it was created: a pod that never becomes ready (a failed installation, ERROR,
stuck) still ends by then. Rows carry the pod's ``createdAt``: sandbox ids repeat from
run to run, and a record must never be taken for a newer pod with the same id.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from dataclasses import dataclass
from typing import Literal

from ..timestamps import epoch
from .store import Store

Kind = Literal["pod", "disk"]
State = Literal["intent", "unknown", "live", "ended", "void"]
OPEN_STATES = ("intent", "unknown", "live")
SECONDS_PER_HOUR = 3600.0
IDLE_WARNING_S = 300.0  # an idle stop is announced this long before it ends the pod

SESSION = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
"""This process (a kernel): what "created from this kernel" means."""


@dataclass(frozen=True)
class Rental:
    """One row of the ``rentals`` table (times are epoch seconds)."""

    ref: str
    base_url: str
    kind: Kind
    state: State
    session: str
    name: str | None
    offer: str | None
    cap_hr: float | None
    price_hr: float | None
    prepaid_h: float | None
    max_hours: float | None
    intended: float
    since: str | None
    id: str | None
    created_at: str | None
    started: float | None
    ready_at: float | None
    seen: float | None
    missing: float | None
    ending: str | None
    ending_at: float | None
    ended: float | None
    end_reason: str | None
    checks: int
    idle_minutes: float | None = None
    active_at: float | None = None
    idle_warned: float | None = None
    """The ``idle_due`` the guard last warned of (said once per idle period)."""

    @property
    def live(self) -> bool:
        """Bills, or may: settled and not ended, or its outcome still unknown."""
        return self.state in OPEN_STATES

    @property
    def due(self) -> float | None:
        """When the pod must end (epoch s): ``max_hours`` after ready, or after creation
        while not ready; None without ``max_hours`` or before the pod is known."""
        if self.max_hours is None:
            return None
        start = self.ready_at if self.ready_at is not None else self.started
        return None if start is None else start + self.max_hours * SECONDS_PER_HOUR

    @property
    def idle_due(self) -> float | None:
        """When an idle pod must end (epoch s): ``idle_minutes`` after the last remote cell
        (or after it became ready, or was created, before any ran); None without one."""
        if self.idle_minutes is None:
            return None
        last = self.active_at or self.ready_at or self.started
        return None if last is None else last + self.idle_minutes * 60

    @property
    def idle_warning_s(self) -> float:
        """How long before ``idle_due`` the kernels are warned: 5 min, or a fifth of
        ``idle_minutes`` when that is shorter (a 10-minute idle stop warns at 8)."""
        return min(IDLE_WARNING_S, (self.idle_minutes or 0.0) * 60 / 5)

    @property
    def label(self) -> str:
        """``pod abc123 (name)`` or, before its id is known, ``pod 'name' (outcome unknown)``."""
        if self.id is None:
            return f"{self.kind} {self.name!r} (outcome unknown)"
        return f"{self.kind} {self.id}" + (f" ({self.name})" if self.name else "")


_COLUMNS = ", ".join(Rental.__dataclass_fields__)


def _rental(row: sqlite3.Row | tuple[object, ...]) -> Rental:
    return Rental(*row)


class Book:
    """The ``rentals`` table: every transition of a rental, each one statement."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- reading --------------------------------------------------------------------------

    def _select(self, where: str, args: tuple[object, ...]) -> list[Rental]:
        with self.store.read() as db:
            if db is None:
                return []
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM rentals WHERE {where} ORDER BY intended, ref", args
            ).fetchall()
        return [_rental(row) for row in rows]

    def get(self, ref: str) -> Rental | None:
        found = self._select("ref = ?", (ref,))
        return found[0] if found else None

    def open(self, base_url: str) -> list[Rental]:
        """Every rental against ``base_url`` that bills or may (intent, unknown, live)."""
        return self._select("base_url = ? AND state IN ('intent', 'unknown', 'live')", (base_url,))

    def all(self, base_url: str, session: str | None = None) -> list[Rental]:
        """Every rental against ``base_url`` ever recorded (only ``session``'s if given)."""
        if session is None:
            return self._select("base_url = ? AND state != 'void'", (base_url,))
        return self._select("base_url = ? AND state != 'void' AND session = ?", (base_url, session))

    def live(self, base_url: str, kind: Kind, ident: str) -> Rental | None:
        """The live rental with this id (the newest, should an id have been reused)."""
        found = self._select(
            "base_url = ? AND kind = ? AND id = ? AND state = 'live'", (base_url, kind, ident)
        )
        return found[-1] if found else None

    def base_urls(self) -> list[str]:
        """Every API with something open: what the guard processes are for."""
        with self.store.read() as db:
            if db is None:
                return []
            rows = db.execute(
                "SELECT DISTINCT base_url FROM rentals WHERE state IN ('intent','unknown','live')"
            ).fetchall()
        return [str(row[0]) for row in rows]

    # -- the transitions ------------------------------------------------------------------

    def intend(
        self,
        base_url: str,
        kind: Kind,
        *,
        name: str | None,
        offer: str | None,
        cap_hr: float | None,
        price_hr: float | None,
        prepaid_h: float | None,
        max_hours: float | None,
        now: float,
        since: str,
        session: str = SESSION,
        idle_minutes: float | None = None,
    ) -> str:
        """Write the intent of a create about to leave; its ``ref``. ``StoreError`` if the
        store cannot be written: then nothing may be sent."""
        ref = uuid.uuid4().hex
        self.store.change(
            "INSERT INTO rentals (ref, base_url, kind, state, session, name, offer, cap_hr,"
            " price_hr, prepaid_h, max_hours, intended, since, idle_minutes)"
            " VALUES (?, ?, ?, 'intent', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (ref, base_url, kind, session, name, offer, cap_hr, price_hr, prepaid_h,
             max_hours, now, since, idle_minutes),
        )  # fmt: skip
        return ref

    def settle(
        self, ref: str, ident: str, created_at: str | None, price_hr: float | None, now: float
    ) -> bool:
        """The create's answer (or a lookup) named the rental: it is live, billing since
        its ``createdAt``. Once: a row already settled (by another process's lookup) stays."""
        started = epoch(created_at) or now
        with self.store.write() as db:
            taken = db.execute(
                "SELECT 1 FROM rentals r, rentals me WHERE me.ref = ? AND r.ref != me.ref"
                " AND r.base_url = me.base_url AND r.kind = me.kind AND r.id = ?"
                " AND r.created_at IS ?",
                (ref, ident, created_at),
            ).fetchone()
            if taken:  # another record already holds this rental: this intent made nothing
                db.execute(
                    "UPDATE rentals SET state = 'void', end_reason = 'duplicate' WHERE ref = ?"
                    " AND state IN ('intent', 'unknown')",
                    (ref,),
                )
                return False
            cursor = db.execute(
                "UPDATE rentals SET state = 'live', id = ?, created_at = ?, started = ?,"
                " price_hr = COALESCE(?, price_hr) WHERE ref = ? AND state IN ('intent','unknown')",
                (ident, created_at, started, price_hr, ref),
            )
        return cursor.rowcount == 1

    def unknown(self, ref: str) -> None:
        """The create left and no answer says what happened: looked up until settled."""
        self.store.change(
            "UPDATE rentals SET state = 'unknown' WHERE ref = ? AND state = 'intent'", (ref,)
        )

    def void(self, ref: str, reason: str, now: float) -> None:
        """Nothing was rented: refused before sending, by the API, or never appeared."""
        self.store.change(
            "UPDATE rentals SET state = 'void', ended = ?, end_reason = ?"
            " WHERE ref = ? AND state IN ('intent', 'unknown')",
            (now, reason, ref),
        )

    def looked(self, ref: str) -> int:
        """One more lookup of an unknown outcome found nothing; how many so far."""
        with self.store.write() as db:
            db.execute("UPDATE rentals SET checks = checks + 1 WHERE ref = ?", (ref,))
            row = db.execute("SELECT checks FROM rentals WHERE ref = ?", (ref,)).fetchone()
        return int(row[0]) if row else 0

    def waiting(self, ref: str, at: float) -> None:
        """The pod was seen not ready yet at ``at``."""
        self.store.change(
            "UPDATE rentals SET seen = ? WHERE ref = ? AND ready_at IS NULL", (at, ref)
        )

    def ready(self, ref: str, at: float) -> bool:
        """The pod was first seen ready; it became so at ``at`` at the earliest (the last
        time it was seen not ready, or its creation): its ``max_hours`` count from then,
        so a round that comes late never lengthens what it may bill."""
        return self.store.once(
            "UPDATE rentals SET ready_at = ? WHERE ref = ? AND ready_at IS NULL AND state = 'live'",
            (at, ref),
        )

    def extend(self, ref: str, hours: float) -> bool:
        """Move the deadline ``hours`` later (one statement: a guard's check in flight
        cannot overwrite it). False if the pod is no longer live or is being ended."""
        return self.store.once(
            "UPDATE rentals SET max_hours = COALESCE(max_hours, 0) + ? WHERE ref = ?"
            " AND state = 'live' AND ending IS NULL",
            (hours, ref),
        )

    def limit(self, ref: str, max_hours: float) -> bool:
        """Give a pod without a deadline one of ``max_hours`` from its start."""
        return self.store.once(
            "UPDATE rentals SET max_hours = ? WHERE ref = ? AND state = 'live' AND ending IS NULL",
            (max_hours, ref),
        )

    def idle_stop(self, ref: str, minutes: float | None) -> bool:
        """End the pod once no remote cell ran for ``minutes`` (None: no idle stop)."""
        return self.store.once(
            "UPDATE rentals SET idle_minutes = ? WHERE ref = ? AND state = 'live'"
            " AND ending IS NULL",
            (minutes, ref),
        )

    def active(self, ref: str, at: float) -> None:
        """A remote cell ran (or runs) on the pod at ``at``: its idle clock starts again."""
        self.store.change(
            "UPDATE rentals SET active_at = MAX(COALESCE(active_at, 0), ?) WHERE ref = ?",
            (at, ref),
        )

    def claim_due(self, ref: str, claimant: str, now: float) -> bool:
        """Claim the right to end a pod whose deadline passed: true for one claimant only,
        and only if the deadline (as it stands in this statement) is still past."""
        return self.store.once(
            "UPDATE rentals SET ending = ?, ending_at = ? WHERE ref = ? AND state = 'live'"
            " AND ending IS NULL AND max_hours IS NOT NULL"
            " AND COALESCE(ready_at, started) + max_hours * 3600 <= ?",
            (claimant, now, ref, now),
        )

    def claim_idle(self, ref: str, claimant: str, now: float) -> bool:
        """Claim the right to end a pod whose idle stop passed: true for one claimant only,
        and only if no remote cell ran since (``active_at`` as it stands in this statement:
        a ``note_activity`` during the round wins)."""
        return self.store.once(
            "UPDATE rentals SET ending = ?, ending_at = ? WHERE ref = ? AND state = 'live'"
            " AND ending IS NULL AND idle_minutes IS NOT NULL"
            " AND COALESCE(NULLIF(active_at, 0), NULLIF(ready_at, 0), started)"
            " + idle_minutes * 60 <= ?",
            (claimant, now, ref, now),
        )

    def warn_idle(self, ref: str, due: float) -> bool:
        """True for the first caller only: the idle stop due at ``due`` is now announced
        (a remote cell that moves it makes the next one announced again)."""
        return self.store.once(
            "UPDATE rentals SET idle_warned = ? WHERE ref = ? AND state = 'live'"
            " AND idle_warned IS NOT ?",
            (due, ref, due),
        )

    def claim(self, ref: str, claimant: str, now: float) -> bool:
        """Claim the right to end a live rental (a budget's or a person's act)."""
        return self.store.once(
            "UPDATE rentals SET ending = ?, ending_at = ? WHERE ref = ? AND state = 'live'"
            " AND ending IS NULL",
            (claimant, now, ref),
        )

    def release(self, ref: str, claimant: str) -> None:
        """The ending failed: the claim goes, so the next round tries again."""
        self.store.change(
            "UPDATE rentals SET ending = NULL WHERE ref = ? AND ending = ?", (ref, claimant)
        )

    def end(self, ref: str, at: float, reason: str) -> bool:
        """The rental no longer bills (confirmed). Once: a later sighting keeps the first."""
        return self.store.once(
            "UPDATE rentals SET state = 'ended', ended = ?, end_reason = ? WHERE ref = ?"
            " AND state IN ('live', 'unknown', 'intent')",
            (at, reason, ref),
        )

    def missing(self, ref: str, at: float) -> float:
        """The API said it does not exist: the first time is remembered (a transient 404
        must not end anything), a later one confirms. The first sighting's time."""
        with self.store.write() as db:
            db.execute(
                "UPDATE rentals SET missing = ? WHERE ref = ? AND missing IS NULL", (at, ref)
            )
            row = db.execute("SELECT missing FROM rentals WHERE ref = ?", (ref,)).fetchone()
        return float(row[0]) if row and row[0] is not None else at

    def present(self, ref: str) -> None:
        """Seen again: an earlier "not found" was transient."""
        self.store.change(
            "UPDATE rentals SET missing = NULL WHERE ref = ? AND missing IS NOT NULL", (ref,)
        )


__all__ = ["IDLE_WARNING_S", "OPEN_STATES", "SESSION", "Book", "Kind", "Rental", "State", "epoch"]
