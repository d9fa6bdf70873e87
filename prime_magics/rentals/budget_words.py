"""The budget in words: its table and the notice for each level (text and HTML).

Built on the display's primitives (``Notice``, ``Table``, ``usd``) and kept beside the
budget rather than in ``display``: the guard process says a crossed threshold itself (a
finding), so these words are the rentals' own, and ``display`` never has to be imported
by the code it describes. The magic, the after-cell notices and ``BudgetPanel`` say a
budget through these functions too.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

from ..display.primitives import Notice, Table, usd

if TYPE_CHECKING:
    from .budgets import BudgetState
    from .records import Rental

BUDGET_CAVEAT = (
    "A budget counts the pods and disks created through prime_magics (written to "
    "~/.prime/prime_magics.sqlite3); rentals made in the web app or with the prime CLI "
    "are not in it. It is kept by the guard process, also when no kernel runs, while "
    "this machine is on (%prime guard)."
)


def duration_text(seconds: float) -> str:
    """``4 min 30 s``, ``2 h 10 min``, ``3.2 days``: how long until a budget is reached."""
    if seconds >= 72 * 3600:
        return f"{seconds / 86400:.1f} days"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min {secs} s"


def reached_text(state: BudgetState) -> str:
    """When the budget is reached at the current burn: ``in 2 h 10 min (at 14:05 UTC)``."""
    due = state.reached_in_s
    if due is None:
        return "never at this rate (nothing counted is billing)"
    if due <= 0:
        return "already: the budget is spent"
    when = datetime.fromtimestamp(state.now + due, timezone.utc).strftime("%H:%M UTC")
    return f"in {duration_text(due)} (at {when}) at this rate"


def rental_names(rentals: tuple[Rental, ...]) -> str:
    pods_first = sorted(rentals, key=lambda r: r.kind != "pod")
    return ", ".join(r.label for r in pods_first)


def at_limit_text(hard: bool) -> str:
    if hard:
        return (
            "the guard terminates the pods and deletes the disks counted (their data "
            "too), after a final warning 5 minutes before"
        )
    return "a notice with one button to end what is counted; new rentals are refused"


def budget_table(state: BudgetState, title: str | None = "Budget") -> Table:
    budget = state.budget
    live = state.live
    rows = [
        ("budget", f"{usd(budget.limit_usd, '')}{' (hard)' if budget.hard else ''}"),
        ("counts", budget.scope),
        ("spent", f"{usd(state.spent_usd, '')} ({state.fraction:.0%})"),
        ("billing now", f"{usd(state.burn_hr)} ({len(live)} live)"),
        ("in 1 h", usd(state.projected_usd(1), "")),
        ("reached", reached_text(state)),
        ("at 100 %", at_limit_text(budget.hard)),
    ]
    if budget.day:
        rows.append(("kept", "in this and every later kernel, until %prime budget --off"))
    if state.unpriced:
        unpriced = f"{state.unpriced} rental(s) with no known price, counted as {usd(0.0, '')}"
        rows.append(("unpriced", unpriced))
    return Table(rows, title, strong=("spent",))


def budget_notice(state: BudgetState) -> Notice:
    """The one line a budget's state deserves now."""
    limit, spent = usd(state.budget.limit_usd, ""), usd(state.spent_usd, "")
    level = state.level
    if level == "reached":
        still = rental_names(state.live)
        billing = f" Still billing: {still}." if still else " Nothing counted bills any more."
        return Notice(
            f"Your {limit} budget is spent ({spent}).{billing} New rentals are refused "
            "until you raise it.",
            "error",
        )
    if level == "final":
        return Notice(
            f"Final warning: your {limit} budget is reached {reached_text(state)}; then, as "
            f"--hard says, the guard ends {rental_names(state.live)}. Raise the budget to "
            "keep them.",
            "warning",
        )
    if level == "warning":
        return Notice(
            f"{state.fraction:.0%} of your {limit} budget is spent ({spent}); it is "
            f"reached {reached_text(state)}.",
            "warning",
        )
    return Notice(f"Budget: {spent} of {limit} spent ({state.fraction:.0%}).", "info")


__all__ = ["BUDGET_CAVEAT", "budget_notice", "budget_table"]
