"""The question before a pod is rented: one composition for every panel that rents.

A person clicking Confirm should have read the same facts whichever panel asked: the
price and whether it is variable, the cap and the deadline the create carries (or that
there is none), what is charged up front, what it costs over the hours it may run and
how long the wallet pays for it, and where the budget stands. ``rent_confirmation``
says them once: the ``WatchPanel``, which has no cost table, passes ``forecast``; a form
that shows its forecast beside the question leaves it out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..rentals.budget_words import budget_notice
from .primitives import Confirmation, usd
from .sentences import cap_lines, forecast_table

if TYPE_CHECKING:
    from ..pricing import Forecast
    from ..provisioning import PodRequest
    from ..rentals.budgets import BudgetState

NO_DEADLINE = "No deadline: it bills until it is terminated."
NO_BUDGET = "Budget: none set."


def rent_confirmation(
    request: PodRequest,
    facts: Sequence[str] = (),
    *,
    forecast: Forecast | None = None,
    budget: BudgetState | None = None,
    with_disks_hr: str | None = None,
) -> Confirmation:
    """ "Rent 8× H100_80GB at $17.6000/h?" over what the create commits to (see the
    module). ``facts`` come first (where the offer is); ``with_disks_hr`` is the total
    with the attached disks, when there are any."""
    q, o = request.quote(), request.offer
    lines = [*facts, *(["The price is variable."] if q.is_variable else [])]
    lines += cap_lines(request)
    if not request.max_hours:
        lines.append(NO_DEADLINE)
    if q.prepaid_cost is not None:
        lines.append(f"{usd(q.prepaid_cost, '')} is charged up front.")
    if request.disks:
        lines.append(f"Attached disks ({with_disks_hr or '—'} with them) stay billed apart.")
    if forecast is not None:
        lines += repr(forecast_table(forecast)).splitlines()
    lines.append(NO_BUDGET if budget is None else budget_notice(budget).message)
    question = f"Rent {o.gpu_count or '?'}× {o.gpu_type} at {usd(q.total_hr)}?"
    return Confirmation(question, "\n".join(lines))
