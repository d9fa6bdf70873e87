"""``BudgetGuard``: the kernel's one budget, kept by a daemon thread.

One per process (``shared_guard()``): it follows the budget (``budget``) in a thread that
sleeps only on its stop event, waking early for the next threshold: a warning at 80 %,
with ``hard`` a final warning before 100 %, and at 100 % either a notice (the panel's
one click ends everything counted) or, with ``hard``, the ending itself: pods
terminated, disks deleted; the rule the user set is the confirmation. ``step()`` is one
round, and what tests call on an injected clock. Each threshold is said once per budget;
``take_unshown()`` hands the new ones to the magics' after-cell hook.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .budget import FINAL_WARNING_S, WARN_AT, Budget, BudgetState, Level, budget_state
from .errors import NotFoundError, PrimeError
from .ledger import SESSION, Rental
from .lifecycle import Phase, disk_state, pod_state
from .models import Disk, Pod
from .spend import end_items

if TYPE_CHECKING:
    from .client import Client

MAX_PAUSE_S = 30.0  # a round at least this often while a budget is set
MIN_PAUSE_S = 0.5


@dataclass(frozen=True)
class BudgetEvent:
    """A threshold crossed (said once per budget), with the state that crossed it."""

    level: Level
    state: BudgetState
    ended: tuple[str, ...] = ()  # with hard, at 100 %: "pod ID" / "disk ID" ended
    failed: tuple[str, ...] = ()


@dataclass
class BudgetGuard:
    """The process's budget and the thread that keeps it (see the module)."""

    clock: Callable[[], float] = time.time
    autostart: bool = True
    max_pause: float = MAX_PAUSE_S
    session: str = SESSION
    budget: Budget | None = None
    client: Client | None = None
    events: list[BudgetEvent] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    listeners: list[Callable[[BudgetEvent | None], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._said: set[Level] = set()
        self._failed: set[str] = set()  # hard endings that failed, already said
        self._shown = 0
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- the rule ------------------------------------------------------------------------

    def adopt(self, client: Client) -> Budget | None:
        """Take up the standing day budget the store keeps for ``client``'s API, unless this
        process keeps a budget already. Armed only: the thread takes the first round, so a
        client's constructor sends nothing."""
        if self.budget is not None:
            return None
        standing = client.ledger.day_budget(client.settings.base_url)
        if standing is None:
            return None
        budget = Budget(standing[0], day=True, hard=standing[1])
        self._arm(client, budget)
        return budget

    def set(self, client: Client, budget: Budget | None) -> BudgetState | None:
        """Keep ``budget`` over ``client``'s rentals from now on (None: no budget); the
        first round is taken now, so the state returned is the API's."""
        self._arm(client, budget)
        if budget is None:
            self._tell(None)
            return None
        return self.step()

    def _arm(self, client: Client, budget: Budget | None) -> None:
        """The new rule, said afresh, kept by a new thread (the old one ends)."""
        with self._lock:
            self.budget, self.client = budget, client if budget is not None else None
            self._said, self._failed = set(), set()
            self._stop.set()
            self._thread = None
        if budget is not None and self.autostart:
            self.start()

    def release(self, client: Client) -> None:
        """``client`` is closing: a budget kept through it ends with it."""
        if self.client is client:
            self.set(client, None)

    def rentals(self) -> list[Rental]:
        """What the budget counts from: this session's rentals, or (day) every one."""
        client, budget = self.client, self.budget
        if client is None or budget is None:
            return []
        session = None if budget.day else self.session
        return client.ledger.rentals(client.settings.base_url, session)

    def state(self) -> BudgetState | None:
        """The budget applied now to the ledger as it stands (no API request)."""
        budget = self.budget
        return None if budget is None else budget_state(budget, self.rentals(), self.clock())

    # -- one round -----------------------------------------------------------------------

    def step(self) -> BudgetState | None:
        """Notice what ended, apply the budget, say a crossed threshold, act if hard."""
        with self._lock:
            client, budget = self.client, self.budget
            if client is None or budget is None:
                return None
            try:
                self._notice_ended(client)
            except PrimeError as err:  # transient: the ledger as it stands, again next round
                self.errors.append(f"reading what still runs: {err.message}")
            state = budget_state(budget, self.rentals(), self.clock())
            level = state.level
            if level == "reached" and budget.hard and state.live:
                # the rule is the confirmation; a rental made after the ending ends too
                ended, failed = end_all(client, state)
                self._said.add(level)
                if ended or set(failed) - self._failed:  # a failure is said once, retried
                    self._say(BudgetEvent("ended", state, ended, failed))
                self._failed |= set(failed)
            elif level != "ok" and level not in self._said:
                self._said.add(level)
                self._say(BudgetEvent(level, state))
            else:
                self._tell(None)  # the state moved: panels redraw
            return state

    def refusal(self) -> str | None:
        """Why a create must not be sent now (the budget is spent), else None."""
        state = self.state()
        if state is None or state.fraction < 1:
            return None
        return (
            f"Your budget of ${state.budget.limit_usd:,.2f} is spent "
            f"(${state.spent_usd:,.2f} on {state.budget.scope}); nothing was sent."
        )

    def _notice_ended(self, client: Client) -> None:
        """A live rental that is gone ended now. One list request per kind; one missing
        from the list (another team's listing, a page the API left out) is read on its
        own before it is called ended, so the ledger never stops counting too early."""
        live = [r for r in self.rentals() if r.live]
        now = self.clock()
        for kind in ("pod", "disk"):
            mine = [r for r in live if r.kind == kind]
            if not mine:
                continue
            listed = client.pod_models() if kind == "pod" else client.disk_models()
            seen = {(m.id, m.created_at or ""): m for m in listed}
            for rental in mine:
                model = seen.get((rental.id, rental.created_at)) or _read(client, rental)
                if _gone(rental, model):
                    client.ledger.end(rental, now)

    def pause(self, state: BudgetState | None) -> float:
        """Seconds to the next round: the next threshold at this burn, at most max_pause."""
        due = None if state is None else state.reached_in_s
        if state is None or due is None or due <= 0:
            return self.max_pause
        spent, limit = state.spent_usd, state.budget.limit_usd
        marks = [due, due - FINAL_WARNING_S] if state.budget.hard else [due]
        marks.append((WARN_AT * limit - spent) / state.burn_hr * 3600)
        ahead = [m for m in marks if m > 0]
        return max(MIN_PAUSE_S, min([self.max_pause, *ahead]))

    # -- what is said --------------------------------------------------------------------

    def _say(self, event: BudgetEvent) -> None:
        self.events.append(event)
        self._tell(event)

    def _tell(self, event: BudgetEvent | None) -> None:
        for listener in list(self.listeners):
            listener(event)

    def take_unshown(self) -> list[BudgetEvent]:
        """The events not handed out before (the after-cell hook shows each once)."""
        with self._lock:
            new, self._shown = self.events[self._shown :], len(self.events)
            return new

    # -- the thread ----------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        with self._lock:
            if self.running or self.budget is None:
                return
            self._stop = threading.Event()
            self._thread = threading.Thread(
                target=self._loop, args=(self._stop,), name="prime-budget", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _loop(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                state = self.step()
            except Exception as exc:  # a bug: keep guarding, keep it visible
                self.errors.append(f"internal error: {exc!r}")
                state = None
            if state is None and self.budget is None:
                return
            stop.wait(self.pause(state))


def _read(client: Client, rental: Rental) -> Pod | Disk | None:
    """The rental as the API has it now; None once the API says it does not exist."""
    try:
        return client.pod(rental.id) if rental.kind == "pod" else client.disk(rental.id)
    except NotFoundError:
        return None


def _gone(rental: Rental, model: Pod | Disk | None) -> bool:
    """Whether ``rental`` no longer bills: not found, gone, or the id now names another."""
    if model is None or (model.created_at or "") != rental.created_at:
        return True
    state = pod_state(model) if isinstance(model, Pod) else disk_state(model)
    return state.phase is Phase.GONE


def end_all(client: Client, state: BudgetState) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """End every live rental the budget counts; ``(ended, failed)`` (``spend.end_items``)."""
    ended, failed = end_items(client, [(r.kind, r.id) for r in state.live])
    return tuple(ended), tuple(failed)  # one found gone is ended in the ledger next round


_shared: BudgetGuard | None = None
_shared_lock = threading.Lock()


def shared_guard() -> BudgetGuard:
    """The process's one budget guard (a kernel has one budget)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = BudgetGuard()
        return _shared


__all__ = ["BudgetEvent", "BudgetGuard", "end_all", "shared_guard"]
