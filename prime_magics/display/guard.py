"""The guard process in words: what ``%prime guard`` shows.

Part of the display, over its primitives: the guard's status (running
or not, its last round, its last error) and what it guards, one row a rental.
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


__all__ = ["guard_table", "rental_line"]
