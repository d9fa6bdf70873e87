"""Budgets: "spend at most $50 from this kernel" (or "in any 24 h"), as arithmetic, and
where they are kept: the store's ``budgets`` table, not a client object.

``Budget`` is the rule; ``budget_state`` applies it to the store's rentals (``records``):
what they cost so far (``pricing.billed``: price × hours, prepaid hours up front, the one
rule every cost so far uses), the $/h of those still live, and when the budget is reached
at that rate. The session scope counts the pods and disks created from one kernel
(``records.SESSION``); ``day`` counts everything the local store knows within the last
24 h, from any kernel. Rentals made elsewhere (the web app, the CLI) are in neither:
nothing on Prime's side says who made what, so the caveat is shown wherever a budget is.
Its levels: a warning at 80 %, with ``hard`` a final one ``FINAL_WARNING_S`` before
100 %, then reached. Because a budget lives in the store, swapping the default client
keeps it, a later kernel takes up a day budget, and the guard process keeps it when no
kernel runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from .. import inputs
from ..display.primitives import usd
from ..pricing import billed
from .records import SESSION, Rental
from .store import Store

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
    session: str = SESSION  # whose rentals the session scope counts

    def __post_init__(self) -> None:
        inputs.usd("usd", self.limit_usd)

    @property
    def key(self) -> str:
        """Its row in the ``budgets`` table: ``day``, or the session it counts."""
        return "day" if self.day else self.session

    def counts(self, rental: Rental) -> bool:
        return self.day or rental.session == self.session

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
        if not budget.counts(rental) or rental.state == "void":
            continue
        # an outcome not known yet counts as rented when it was sent: too much, never less
        started = rental.started if rental.started is not None else rental.intended
        end = now if rental.ended is None else min(rental.ended, now)
        start = started if since is None else max(started, since)
        if since is not None and end <= since:
            continue  # over before the window
        counted.append(rental)
        if rental.price_hr is None:
            unpriced += 1
            continue
        hours = max(end - start, 0.0) / 3600
        within = since is None or started >= since
        prepaid = rental.prepaid_h if within and rental.kind == "pod" else None
        spent += billed(rental.price_hr, hours, prepaid)
        burn += rental.price_hr if rental.live else 0.0
    return BudgetState(budget, spent, burn, now, tuple(counted), unpriced)


class Budgets:
    """The ``budgets`` table: at most one per API and scope, with the levels already said
    (so each is said once, whichever process notices it first)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def keep(self, base_url: str, budget: Budget, now: float) -> None:
        self.store.change(
            "INSERT OR REPLACE INTO budgets (base_url, scope, limit_usd, hard, set_at, said)"
            " VALUES (?, ?, ?, ?, ?, '')",
            (base_url, budget.key, budget.limit_usd, int(budget.hard), now),
        )

    def lift(self, base_url: str, scope: str) -> bool:
        return self.store.once(
            "DELETE FROM budgets WHERE base_url = ? AND scope = ?", (base_url, scope)
        )

    def all(self, base_url: str) -> list[Budget]:
        with self.store.read() as db:
            if db is None:
                return []
            rows = db.execute(
                "SELECT scope, limit_usd, hard FROM budgets WHERE base_url = ? ORDER BY scope",
                (base_url,),
            ).fetchall()
        return [_budget(str(scope), float(limit), bool(hard)) for scope, limit, hard in rows]

    def of(self, base_url: str, session: str = SESSION) -> Budget | None:
        """The budget a kernel answers to: its own, else the machine's day budget."""
        found = {b.key: b for b in self.all(base_url)}
        return found.get(session) or found.get("day")

    def say_once(self, base_url: str, budget: Budget, level: str) -> bool:
        """True for the first caller only: ``level`` is now said for this budget."""
        return self.store.once(
            "UPDATE budgets SET said = said || ? || ',' WHERE base_url = ? AND scope = ?"
            " AND instr(said, ? || ',') = 0",
            (level, base_url, budget.key, level),
        )


def _budget(scope: str, limit: float, hard: bool) -> Budget:
    if scope == "day":
        return Budget(limit, day=True, hard=hard)
    return Budget(limit, hard=hard, session=scope)


def refusal(state: BudgetState | None) -> str | None:
    """Why a create must not be sent now (the budget is spent), else None."""
    if state is None or state.fraction < 1:
        return None
    return (
        f"Your budget of {usd(state.budget.limit_usd, '')} is spent "
        f"({usd(state.spent_usd, '')} on {state.budget.scope}); nothing was sent."
    )


__all__ = [
    "DAY_S",
    "FINAL_WARNING_S",
    "WARN_AT",
    "Budget",
    "BudgetState",
    "Budgets",
    "Level",
    "budget_state",
    "refusal",
]  # fmt: skip
