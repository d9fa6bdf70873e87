"""``Guard``: one round of keeping every rental of one API to its rules.

The guard process (``daemon``) takes a round every period; a kernel may take one on
demand (a panel's Refresh, a test on an injected clock): it is the same code, and every
change it makes is one conditional statement of the store, so rounds taken at once by
several processes still end each pod once. A round:

1. reads the API politely: one pod list and one disk list (only what has open records);
2. settles unknown outcomes: a pod named as the lost create, made since it was sent and
   recorded nowhere else, is that rental (given up, as ``void``, after ``VOID_AFTER_S``);
3. follows each live rental: ready starts its ``max_hours``; gone means confirmed gone
   (the API's own status, or "not found" on two rounds in a row), never one 404;
4. ends every pod whose deadline passed, or whose idle stop passed with no remote cell
   run since (warned once a little before), once (a claim in the store), and every
   rental a spent hard budget counts;
5. says what it did and each budget threshold, once, as findings for the kernels.

Terminating at a deadline, an idle stop or a hard budget is the rule the user set: it
needs no further confirmation. Everything else still asks first.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from ..display.primitives import usd
from ..errors import APIConnectionError, AuthenticationError, NotFoundError, PrimeError
from ..lifecycle import Phase, disk_state, pod_state
from ..loops import backoff
from ..models import Disk, Pod
from ..timestamps import at_or_after
from .budgets import FINAL_WARNING_S, WARN_AT, Budget, Budgets, BudgetState, budget_state
from .findings import Findings
from .records import Book, Rental
from .store import Store

if TYPE_CHECKING:
    from ..transport.disks_api import Disks
    from ..transport.pods_api import Pods

INTENT_GRACE_S = 120.0  # an intent this old with no answer recorded: its kernel is gone
VOID_AFTER_S = 1800.0  # an unknown outcome with no pod after 30 min rented nothing
MIN_PAUSE_S = 0.5


def clock_text(epoch_s: float) -> str:
    return datetime.fromtimestamp(epoch_s, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True)
class Round:
    """What one round did: for the process's log and for tests."""

    ended: tuple[str, ...] = ()
    settled: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    pause: float = 30.0
    unreachable: bool = False  # the API did not answer at all


class Guard:
    """The rounds for one API (``base_url``) over the store; see the module."""

    def __init__(
        self,
        pods: Pods,
        disks: Disks,
        base_url: str,
        store: Store,
        *,
        clock: Callable[[], float] = time.time,
        period: float = 30.0,
        claimant: str | None = None,
    ) -> None:
        self.pods, self.disks = pods, disks
        self.base_url = base_url
        self.book = Book(store)
        self.budgets = Budgets(store)
        self.findings = Findings(store)
        self.clock = clock
        self.period = period
        self.claimant = claimant or f"guard-{os.getpid()}"

    def step(self) -> Round:
        """One round (see the module); errors reading the API are returned, not raised."""
        now = self.clock()
        ended: list[str] = []
        settled: list[str] = []
        errors: list[str] = []
        open_ = self.book.open(self.base_url)
        try:
            pods = self.pods.all() if any(r.kind == "pod" for r in open_) else []
            disks = self.disks.all() if any(r.kind == "disk" for r in open_) else []
        except PrimeError as err:
            unreachable = isinstance(err, APIConnectionError)
            return Round(errors=(self._failed(err, now),), pause=self._backoff(err),
                         unreachable=unreachable)  # fmt: skip
        settled += self._settle(open_, pods, disks, now)
        seen: set[str] = set()  # found this round as recorded: only these may be ended
        for rental in self.book.open(self.base_url):
            if rental.state == "live":
                try:
                    if self._follow(rental, pods, disks, now):
                        seen.add(rental.ref)
                except PrimeError as err:
                    errors.append(f"{rental.label}: {err.message}")
        for rental in self.book.open(self.base_url):
            if rental.ref not in seen or rental.kind != "pod":
                continue
            if _past(rental, now):  # whichever comes first: the deadline or the idle stop
                ended += self._end_at_deadline(rental, now, errors)
            elif _idle_past(rental, now):
                ended += self._end_when_idle(rental, now, errors)
            elif _idle_soon(rental, now):
                self._warn_idle(rental, now)
        ended += self._keep_budgets(now, errors, seen)
        return Round(tuple(ended), tuple(settled), tuple(errors), self._pause(now))

    # -- 2. unknown outcomes --------------------------------------------------------------

    def _settle(
        self, open_: Sequence[Rental], pods: Sequence[Pod], disks: Sequence[Disk], now: float
    ) -> list[str]:
        known = {(r.kind, r.id, r.created_at) for r in open_ if r.id}
        settled = []
        for rental in open_:
            waiting = rental.state == "unknown" or (
                rental.state == "intent" and now - rental.intended > INTENT_GRACE_S
            )
            if not waiting:
                continue
            listed: Sequence[Pod | Disk] = pods if rental.kind == "pod" else disks
            found = [
                m for m in listed
                if m.name == rental.name and (rental.kind, m.id, m.created_at) not in known
                and at_or_after(m.created_at, rental.since)
            ]  # fmt: skip
            if found and (rental.name is not None or len(found) == 1):  # unnamed: if unique
                made = min(found, key=lambda m: m.created_at or "")
                if self.book.settle(rental.ref, made.id, made.created_at, made.price_hr, now):
                    known.add((rental.kind, made.id, made.created_at))
                    settled.append(f"{rental.kind} {made.id}")
                    self._found(rental, made, now)
            elif not found and now - rental.intended > VOID_AFTER_S:
                self.book.void(rental.ref, "never appeared", now)
                self.findings.add(
                    self.base_url, now, "void",
                    f"The create of {rental.kind} {rental.name!r} sent at "
                    f"{clock_text(rental.intended)} never produced one (looked for "
                    f"{VOID_AFTER_S / 60:.0f} min): nothing of it bills.",
                    ref=rental.ref,
                )  # fmt: skip
            else:
                self.book.looked(rental.ref)
        return settled

    def _found(self, rental: Rental, made: Pod | Disk, now: float) -> None:
        price = f" at {usd(made.price_hr)}" if made.price_hr is not None else ""
        rule = f"; it ends {rental.max_hours:g} h after it is ready" if rental.max_hours else ""
        self.findings.add(
            self.base_url, now, "found",
            f"The {rental.kind} {rental.name!r} whose create got no answer exists: "
            f"{rental.kind} {made.id}, billing{price} since {made.created_at}{rule}. It is "
            "recorded and counted by the budget.",
            ref=rental.ref,
        )  # fmt: skip

    # -- 3. following ---------------------------------------------------------------------

    def _follow(
        self, rental: Rental, pods: Sequence[Pod], disks: Sequence[Disk], now: float
    ) -> bool:
        """Note what the API says of ``rental``; True if it is there and still bills (an
        id that now names another pod is not it: sandbox ids repeat)."""
        listed: Sequence[Pod | Disk] = pods if rental.kind == "pod" else disks
        model = next(
            (m for m in listed if m.id == rental.id and m.created_at == rental.created_at), None
        )
        if model is None:
            model = self._read(rental)  # a page the list left out, or another team's
        if model is None:
            first = self.book.missing(rental.ref, now)
            if first < now:  # not found on an earlier round too: confirmed gone
                self.book.end(rental.ref, first, "gone")
            return False
        if rental.missing is not None:
            self.book.present(rental.ref)
        state = pod_state(model) if isinstance(model, Pod) else disk_state(model)
        if state.phase is Phase.GONE:
            self.book.end(rental.ref, now, "gone")
            return False
        if rental.kind == "pod" and rental.ready_at is None:
            if state.phase is Phase.READY:
                earliest = rental.seen if rental.seen is not None else rental.started
                self.book.ready(rental.ref, earliest if earliest is not None else now)
            else:
                self.book.waiting(rental.ref, now)
        return True

    def _read(self, rental: Rental) -> Pod | Disk | None:
        """The rental as the API has it now; None once it says it does not exist (or the
        id now names another rental: sandbox ids repeat)."""
        assert rental.id is not None
        try:
            model: Pod | Disk = (
                self.pods.get(rental.id) if rental.kind == "pod" else self.disks.get(rental.id)
            )
        except NotFoundError:
            return None
        return model if model.created_at == rental.created_at else None

    # -- 4. ending ------------------------------------------------------------------------

    def _end_at_deadline(self, rental: Rental, now: float, errors: list[str]) -> list[str]:
        if not self.book.claim_due(rental.ref, self.claimant, now):
            return []  # extended meanwhile, or another guard has it
        due = rental.due
        reason = "its deadline" + (f" ({rental.max_hours:g} h" if rental.max_hours else "")
        reason += " after it was ready)" if rental.ready_at is not None else " after creation)"
        if self._end(rental, now, "deadline", errors):
            when = clock_text(due if due is not None else now)
            self.findings.add(
                self.base_url, now, "ended",
                f"Pod {rental.id}{_named(rental)} was terminated at {reason}, due {when}.",
                ref=rental.ref,
            )  # fmt: skip
            return [f"pod {rental.id}"]
        return []

    def _end_when_idle(self, rental: Rental, now: float, errors: list[str]) -> list[str]:
        if not self.book.claim_idle(rental.ref, self.claimant, now):
            return []  # a remote cell ran meanwhile, or another guard has it
        if self._end(rental, now, "idle", errors):
            self.findings.add(
                self.base_url, now, "ended",
                f"Pod {rental.id}{_named(rental)} was terminated after "
                f"{rental.idle_minutes:g} min without a remote cell (its idle stop).",
                ref=rental.ref,
            )  # fmt: skip
            return [f"pod {rental.id}"]
        return []

    def _warn_idle(self, rental: Rental, now: float) -> None:
        due = rental.idle_due
        if due is None or not self.book.warn_idle(rental.ref, due):
            return  # already said for this idle period
        left = max(due - now, 0.0) / 60
        self.findings.add(
            self.base_url, now, "warning",
            f"Pod {rental.id}{_named(rental)} has run no remote cell for "
            f"{(now - (due - (rental.idle_minutes or 0) * 60)) / 60:.0f} min: its idle stop "
            f"ends it in {left:.1f} min ({clock_text(due)}) unless a remote cell runs "
            "(%prime pods idle-stop ID none lifts it).",
            ref=rental.ref,
        )  # fmt: skip

    def _end(self, rental: Rental, now: float, reason: str, errors: list[str]) -> bool:
        """End a rental this guard has claimed; False (claim released) if the API refused."""
        assert rental.id is not None
        try:
            if rental.kind == "pod":
                self.pods.terminate(rental.id, confirm=True)
            else:
                self.disks.delete(rental.id, confirm=True)
        except NotFoundError:
            self.book.release(rental.ref, self.claimant)
            self.book.missing(rental.ref, now)  # gone, or a transient 404: the next round says
            return False
        except PrimeError as err:
            self.book.release(rental.ref, self.claimant)
            errors.append(f"ending {rental.label}: {err.message}")
            self._say_error(f"Could not end {rental.label} ({reason}): {err.message}", now)
            return False
        return self.book.end(rental.ref, now, reason)

    def _keep_budgets(self, now: float, errors: list[str], seen: set[str]) -> list[str]:
        ended: list[str] = []
        for budget in self.budgets.all(self.base_url):
            state = budget_state(budget, self.book.all(self.base_url), now)
            level = state.level
            if level == "reached" and budget.hard:
                # pods first: that frees the disks attached to them
                mine = sorted(
                    (r for r in state.live if r.ref in seen), key=lambda r: r.kind != "pod"
                )
                done = [
                    f"{r.kind} {r.id}" for r in mine
                    if self.book.claim(r.ref, self.claimant, now)
                    and self._end(r, now, "budget", errors)
                ]  # fmt: skip
                if done:
                    ended += done
                    # said to any kernel: the one that set the budget may be gone
                    self.findings.add(
                        self.base_url, now, "ended",
                        f"Your {usd(budget.limit_usd, '')} budget was reached: as --hard says, "
                        f"{', '.join(done)} {'was' if len(done) == 1 else 'were'} ended. New "
                        "rentals are refused until you raise it.",
                    )  # fmt: skip
                self.budgets.say_once(self.base_url, budget, level)
            elif level != "ok" and self.budgets.say_once(self.base_url, budget, level):
                from .budget_words import budget_notice

                self.findings.add(
                    self.base_url, now, level, budget_notice(state).message,
                    session=None if budget.day else budget.session,
                )  # fmt: skip
        return ended

    # -- pace and errors ------------------------------------------------------------------

    def _pause(self, now: float) -> float:
        """Seconds to the next round: the period, or sooner for a deadline, an idle stop
        (or its warning) or a budget threshold due before then."""
        marks = [self.period]
        for rental in self.book.open(self.base_url):
            due, idle = rental.due, rental.idle_due
            if due is not None and rental.state == "live":
                marks.append(due - now)
            if idle is not None and rental.state == "live":
                marks += [idle - now, idle - rental.idle_warning_s - now]
        for budget in self.budgets.all(self.base_url):
            marks += budget_marks(budget_state(budget, self.book.all(self.base_url), now))
        return max(MIN_PAUSE_S, min(m for m in marks if m > 0))  # the period is always ahead

    def _backoff(self, err: PrimeError) -> float:
        """After a failed read: the period again (a deadline must not wait longer), never
        sooner than the API's ``Retry-After``."""
        return backoff(0, self.period, self.period, err)

    def _failed(self, err: PrimeError, now: float) -> str:
        text = f"The guard cannot read your pods and disks: {err.message}"
        if isinstance(err, AuthenticationError):
            text += " Deadlines and budgets are NOT enforced until the key works (%prime login)."
        self._say_error(text, now)
        return err.message

    def _say_error(self, text: str, now: float) -> None:
        """An error is said once until it changes (a guard polling every 30 s against a
        revoked key must not fill every cell with the same line)."""
        last = self.findings.recent(self.base_url, 1)
        if not (last and last[0].kind == "error" and last[0].text == text):
            self.findings.add(self.base_url, now, "error", text)


def budget_marks(state: BudgetState) -> list[float]:
    """Seconds until each of the budget's thresholds at the current burn (80 %, the final
    warning with ``hard``, 100 %); only those ahead."""
    due = state.reached_in_s
    if due is None or due <= 0:
        return []
    marks = [due, due - FINAL_WARNING_S] if state.budget.hard else [due]
    if state.burn_hr > 0:
        marks.append((WARN_AT * state.budget.limit_usd - state.spent_usd) / state.burn_hr * 3600)
    return [m for m in marks if m > 0]


def guarded(rentals: Sequence[Rental], budgets: Sequence[Budget]) -> bool:
    """Whether anything is left for a guard: an outcome not known yet, or a live rental
    with a deadline, an idle stop or counted by a budget."""
    for rental in rentals:
        if rental.state in ("intent", "unknown"):
            return True
        if rental.max_hours is not None or rental.idle_minutes is not None:
            return True
        if any(b.counts(rental) for b in budgets):
            return True
    return False


def _past(rental: Rental, now: float) -> bool:
    due = rental.due
    return due is not None and due <= now and rental.ending is None


def _idle_past(rental: Rental, now: float) -> bool:
    due = rental.idle_due
    return due is not None and due <= now and rental.ending is None


def _idle_soon(rental: Rental, now: float) -> bool:
    """Within the warning before the idle stop (and not warned of this one yet)."""
    due = rental.idle_due
    return (
        due is not None and due - rental.idle_warning_s <= now < due
        and rental.idle_warned != due and rental.ending is None
    )  # fmt: skip


def _named(rental: Rental) -> str:
    return f" ({rental.name})" if rental.name else ""


__all__ = ["Guard", "Round", "budget_marks", "guarded"]
