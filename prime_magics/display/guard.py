"""The guard process in words: what ``%prime guard`` shows, and the titles of the desktop
notifications that repeat its findings.

Part of the display, over its primitives: the guard's status (running
or not, its last round, its last error) and what it guards, one row a rental; a
finding's title by its kind, and the sentence for a deadline soon due.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

from .primitives import Table

if TYPE_CHECKING:
    from ..rentals.daemon import GuardStatus
    from ..rentals.records import Rental


def _when(epoch_s: float | None) -> str:
    if epoch_s is None:
        return "never"
    return datetime.fromtimestamp(epoch_s, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def rental_line(rental: Rental) -> str:
    """``pod abc (name): deadline 2026-12-07 14:00 UTC`` or ``… outcome unknown``."""
    if rental.state in ("intent", "unknown"):
        return f"{rental.label}: looked up until it is known"
    due = rental.due
    rule = f"deadline {_when(due)}" if due is not None else "no deadline"
    if rental.ready_at is None and due is not None:
        rule += " (not ready yet: counted from creation)"
    idle = rental.idle_due
    if idle is not None:
        rule += (
            f"; idle stop after {rental.idle_minutes:g} min without a remote cell ({_when(idle)})"
        )
    return f"{rental.label}: {rule}"


FINDING_TITLES = {
    "ended": "Ended by the guard",
    "reached": "Budget reached",
    "final": "Budget: last warning",
    "warning": "Warning from the guard",
    "found": "A lost create was found",
    "void": "A create never happened",
    "error": "The guard cannot enforce",
    "kept": "Kept by the guard",
}  # fmt: skip
"""A desktop notification's title for each kind of finding (``rentals.findings``); its
body is the finding's own sentence, the one the cell shows."""


def finding_title(kind: str) -> str:
    """The notification title for a finding of ``kind`` (any unknown kind: a plain one)."""
    return FINDING_TITLES.get(kind, "From the guard")


def deadline_soon(rental: Rental, now: float) -> str:
    """``pod abc (name) ends in 9.5 min, at its deadline 2026-12-07 14:00:00 UTC (…)``:
    what a notification says some minutes before the guard ends a pod."""
    due = rental.due if rental.due is not None else now
    left = max(due - now, 0.0) / 60
    label = rental.label[:1].upper() + rental.label[1:]
    return (
        f"{label} ends in {left:.1f} min, at its deadline {_when(due)} "
        "(%prime pods extend ID HOURS moves it)."
    )


def guard_table(status: GuardStatus) -> Table:
    state = f"running (pid {status.pid})" if status.running else "not running"
    rows: list[tuple[str, object]] = [
        ("API", status.base_url),
        ("guard", state),
        ("last round", _when(status.last_poll)),
        ("last error", status.last_error or "none"),
    ]
    rows += [(f"guards {i + 1}", rental_line(r)) for i, r in enumerate(status.guarded)]
    if not status.guarded:
        rows.append(("guards", "nothing: it stops by itself when nothing is left"))
    rows += [("found", f.text) for f in status.findings[-3:]]
    return Table(rows, "Guard", strong=("guard",))


__all__ = ["FINDING_TITLES", "deadline_soon", "finding_title", "guard_table", "rental_line"]
