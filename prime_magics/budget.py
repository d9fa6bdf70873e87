"""Budgets: "spend at most $50 from this kernel" (or "in any 24 h"), as arithmetic.

``Budget`` is the rule; ``budget_state`` applies it to the ledger's rentals (``ledger``):
what they cost so far (``pricing.billed``: price × hours, prepaid hours up front), the
$/h of those still live, and when the budget is reached at that rate. The session scope
counts the pods and disks created from this kernel (``ledger.SESSION``); ``day`` counts
everything the local store knows within the last 24 h, from any kernel. Rentals made
elsewhere (the web app, the CLI) are in neither: nothing on Prime's side says who made
what, so the caveat is shown wherever a budget is. Its levels: a warning at 80 %, with
``hard`` a final one ``FINAL_WARNING_S`` before 100 %, then reached. ``budget_guard``
keeps a budget in the kernel.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from .errors import ConfigurationError
from .ledger import Rental
from .pricing import billed

WARN_AT = 0.8
FINAL_WARNING_S = 300.0  # with --hard: the last word, five minutes before the ending
DAY_S = 24 * 3600.0

Level = Literal["ok", "warning", "final", "reached", "ended"]  # "ended": by --hard


@dataclass(frozen=True)
class Budget:
    """At most ``limit_usd`` for this kernel's rentals (``day``: any rental in 24 h);
    ``hard``: at 100 % the client ends them itself."""

    limit_usd: float
    day: bool = False
    hard: bool = False

    def __post_init__(self) -> None:
        if not (math.isfinite(self.limit_usd) and self.limit_usd > 0):
            raise ConfigurationError(f"budget ${self.limit_usd}: give a positive USD amount")

    @property
    def scope(self) -> str:
        if self.day:
            return "every rental the local store knows, over the last 24 h"
        return "the pods and disks created from this kernel"


@dataclass(frozen=True)
class BudgetState:
    """A budget applied at ``now`` (epoch seconds) to the rentals it counts."""

    budget: Budget
    spent_usd: float
    burn_hr: float
    now: float
    counted: tuple[Rental, ...]
    unpriced: int = 0  # rentals with no known price: counted as nothing (said where shown)

    @property
    def live(self) -> tuple[Rental, ...]:
        return tuple(r for r in self.counted if r.live)

    @property
    def fraction(self) -> float:
        return self.spent_usd / self.budget.limit_usd

    @property
    def left_usd(self) -> float:
        return max(self.budget.limit_usd - self.spent_usd, 0.0)

    @property
    def reached_in_s(self) -> float | None:
        """Seconds until 100 % at the current burn; 0 once reached, None if nothing burns."""
        if self.fraction >= 1:
            return 0.0
        if not self.burn_hr > 0:
            return None
        return self.left_usd / self.burn_hr * 3600

    def projected_usd(self, hours: float) -> float:
        """Spent by ``hours`` from now if everything live keeps running."""
        return self.spent_usd + self.burn_hr * hours

    @property
    def level(self) -> Level:
        if self.fraction >= 1:
            return "reached"
        due = self.reached_in_s
        if self.budget.hard and due is not None and due <= FINAL_WARNING_S:
            return "final"
        return "warning" if self.fraction >= WARN_AT else "ok"


def budget_state(budget: Budget, rentals: Sequence[Rental], now: float) -> BudgetState:
    """``budget`` over ``rentals`` at ``now``: the day scope clips each to the last 24 h
    (prepaid hours count only for a rental started within it)."""
    since = now - DAY_S if budget.day else None
    spent = burn = 0.0
    counted, unpriced = [], 0
    for rental in rentals:
        end = now if rental.ended is None else min(rental.ended, now)
        start = rental.started if since is None else max(rental.started, since)
        if since is not None and end <= since:
            continue  # over before the window
        counted.append(rental)
        if rental.price_hr is None:
            unpriced += 1
            continue
        hours = max(end - start, 0.0) / 3600
        within = since is None or rental.started >= since
        prepaid = rental.prepaid_h if within and rental.kind == "pod" else None
        spent += billed(rental.price_hr, hours, prepaid)
        burn += rental.price_hr if rental.live else 0.0
    return BudgetState(budget, spent, burn, now, tuple(counted), unpriced)


__all__ = [
    "DAY_S", "FINAL_WARNING_S", "WARN_AT", "Budget", "BudgetState", "Level", "budget_state",
]  # fmt: skip
