"""``Rentals``: the one owner of everything that bills — the only code that creates,
records, extends and ends pods and disks.

A create is written ahead: its intent (name, offer, cap, ``max_hours``, the kernel whose
budget counts it) is in the store before the request leaves, and a store that cannot be
written stops it there (``StoreError``: nothing sent). The answer settles the record with
the id; a lost answer, a timeout after sending or a 5xx after sending leaves it
"unknown", looked up at once and then by the guard until it is known, so a pod that turns
up gets its deadline and its place in the budget however its answer was lost. Ending is
recorded once the API accepted it; extending is one statement (``records``).

It works on the API's resources (``pods``, ``disks``) and the store, never on the
``Client`` facade, which delegates here.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, TypeVar

from .. import inputs
from ..errors import (
    BudgetSpentError,
    ConfigurationError,
    NotFoundError,
    OutcomeUnknownError,
    PrimeError,
)
from .budgets import Budget, Budgets, BudgetState, budget_state, refusal
from .records import SESSION, Book, Kind, Rental
from .store import Store, StoreError

if TYPE_CHECKING:
    from ..models import Disk, Pod
    from ..provisioning import DiskRequest, PodRequest
    from ..transport.disks_api import Disks
    from ..transport.pods_api import Pods

Made = TypeVar("Made", "Pod", "Disk")


def check_hours(hours: float | None, field: str = "max_hours") -> float | None:
    """``hours`` if it is a finite positive number of hours a pod can bill, else a
    ``ConfigurationError`` naming ``field`` (inf, nan and 1e308 would be endless)."""
    return None if hours is None else inputs.hours(field, hours)


class Rentals:
    """The rentals of one API (``base_url``) on this machine; see the module.

    ``on_open`` is called whenever something is left to guard (a deadline, a budget, an
    unknown outcome): the client starts the guard process there."""

    def __init__(
        self,
        pods: Pods,
        disks: Disks,
        base_url: str,
        store: Store,
        *,
        clock: Callable[[], float] = time.time,
        session: str = SESSION,
        on_open: Callable[[], object] | None = None,
    ) -> None:
        self.pods, self.disks = pods, disks
        self.base_url = base_url
        self.store = store
        self.book = Book(store)
        self.budgets = Budgets(store)
        self.clock = clock
        self.session = session
        self._on_open = on_open or (lambda: None)

    def __repr__(self) -> str:
        return f"Rentals({self.base_url!r}, {self.store!r})"

    # -- budgets --------------------------------------------------------------------------

    def budget(self) -> Budget | None:
        """The budget this kernel answers to (its own, else the machine's day budget)."""
        return self.budgets.of(self.base_url, self.session)

    def budget_state(self) -> BudgetState | None:
        """The budget applied now to the rentals the store holds (no API request)."""
        budget = self.budget()
        if budget is None:
            return None
        return budget_state(budget, self.book.all(self.base_url), self.clock())

    def set_budget(self, budget: Budget | None) -> BudgetState | None:
        """Keep ``budget`` in the store (None lifts this kernel's and the day budget)."""
        if budget is None:
            self.budgets.lift(self.base_url, self.session)
            self.budgets.lift(self.base_url, "day")
            return None
        other = "day" if not budget.day else self.session
        self.budgets.lift(self.base_url, other)  # one budget per kernel at a time
        self.budgets.keep(self.base_url, budget, self.clock())
        self._on_open()
        return self.budget_state()

    def take_budget_from(self, other: Rentals) -> None:
        """Keep the budget this kernel set through ``other`` (another API, or the same one
        through another client) unless one is set here already."""
        kept = other.budget()
        if kept is not None and self.budget() is None and other.base_url != self.base_url:
            self.budgets.keep(self.base_url, kept, self.clock())
            self._on_open()

    def check_budget(self) -> None:
        """``BudgetSpentError`` if the budget this kernel answers to is spent."""
        reason = refusal(self.budget_state())
        if reason is not None:
            raise BudgetSpentError(reason)

    # -- creating -------------------------------------------------------------------------

    def create_pod(self, request: PodRequest) -> Pod:
        """Record the intent, send once, settle the record (see the module)."""
        max_hours = check_hours(request.max_hours)
        idle = _check_minutes(request.idle_stop_minutes)
        quoted = request.quote().total_hr
        offer = request.offer
        what = f"{offer.gpu_count}x {offer.gpu_type} {offer.cloud_id} in {offer.data_center}"
        ref = self._intend("pod", request.name, what, request.max_price, quoted,
                           offer.prepaid_time, max_hours, idle)  # fmt: skip
        return self._send(ref, "pod", lambda: self.pods.create(request))

    def create_disk(self, request: DiskRequest) -> Disk:
        what = f"{request.size_gb} GB disk in {request.data_center_id}"
        ref = self._intend("disk", request.name, what, None, request.quote_hr, None, None)
        return self._send(ref, "disk", lambda: self.disks.create(request))

    def _intend(
        self,
        kind: Kind,
        name: str | None,
        offer: str,
        cap: float | None,
        quoted: float | None,
        prepaid: float | None,
        max_hours: float | None,
        idle_minutes: float | None = None,
    ) -> str:
        self.check_budget()
        now = self.clock()
        since = datetime.now(timezone.utc).isoformat(timespec="seconds")
        return self.book.intend(
            self.base_url, kind, name=name, offer=offer, cap_hr=cap, price_hr=quoted,
            prepaid_h=prepaid, max_hours=max_hours, now=now, since=since,
            session=self.session, idle_minutes=idle_minutes,
        )  # fmt: skip

    def _send(self, ref: str, kind: Kind, create: Callable[[], Made]) -> Made:
        try:
            made = create()
        except OutcomeUnknownError as lost:
            self._unknown(ref, lost)
            raise
        except PrimeError:  # refused before sending or by the API (4xx): nothing rents
            self.book.void(ref, "refused", self.clock())
            raise
        except BaseException:  # an interrupt mid-request: an intent the guard looks up
            self._on_open()
            raise
        try:
            self.book.settle(ref, made.id, made.created_at, made.price_hr, self.clock())
        except StoreError as exc:  # created: it must not be lost over a record
            warnings.warn(
                f"{kind} {made.id} was created but its record could not be settled "
                f"({exc.message}); the guard will find it by its intent.",
                RuntimeWarning,
                stacklevel=4,
            )
        rental = self.book.get(ref)
        guarded = rental is not None and (
            rental.max_hours is not None or rental.idle_minutes is not None
        )
        if guarded or self.budget() is not None:
            self._on_open()
        return made

    def _unknown(self, ref: str, lost: OutcomeUnknownError) -> None:
        """Settle what the immediate lookup found, else leave it to the guard; say both."""
        self.book.unknown(ref)
        rental = self.book.get(ref)
        known = {(r.id, r.created_at) for r in self.book.open(self.base_url) if r.id}
        fresh = [f for f in lost.found if (f.id, f.created_at) not in known]
        if fresh:
            made = fresh[0]
            self.book.settle(ref, made.id, made.created_at, made.price_hr, self.clock())
            lost.message += f" It is recorded now as {lost.kind} {made.id}"
            if rental is not None and rental.max_hours is not None:
                lost.message += f", with its deadline ({rental.max_hours:g} h)"
            lost.message += ", and counted by the budget."
        else:
            lost.message += (
                " The guard looks for it now and again until it is known: if it appears, it "
                "gets its deadline and its place in the budget, and the next cell says so."
            )
        lost.hint = "Nothing was sent twice. %prime guard shows what is being looked for."
        self._on_open()

    # -- ending ---------------------------------------------------------------------------

    def terminate_pod(self, pod_id: str, *, confirm: bool = False) -> None:
        """Terminate a pod; refuses (saying what would be lost) unless ``confirm=True``."""
        self.pods.terminate(pod_id, confirm=confirm)
        self._ended("pod", pod_id, "terminated")

    def delete_disk(self, disk_id: str, *, confirm: bool = False) -> None:
        """Delete a disk and its data for good; refuses unless ``confirm=True``."""
        self.disks.delete(disk_id, confirm=confirm)
        self._ended("disk", disk_id, "deleted")

    def _ended(self, kind: Kind, ident: str, reason: str) -> None:
        rental = self.book.live(self.base_url, kind, ident)
        if rental is not None:
            self.book.end(rental.ref, self.clock(), reason)

    def end_items(self, items: Iterable[tuple[str, str]]) -> tuple[list[str], list[str]]:
        """Terminate each ``("pod", id)`` and delete each ``("disk", id)``, pods first (that
        frees their disks), for acts already confirmed (a typed phrase, a named button, a
        hard budget). ``(ended, failed)``: ``"pod ID"`` each, failures with the API's
        reason; one the API no longer has counts as ended (nothing of it bills)."""
        ended, failed = [], []
        for kind, ident in sorted(items, key=lambda item: item[0] != "pod"):
            try:
                if kind == "pod":
                    self.terminate_pod(ident, confirm=True)
                else:
                    self.delete_disk(ident, confirm=True)
            except NotFoundError:
                pass
            except PrimeError as err:
                failed.append(f"{kind} {ident}: {err.message}")
                continue
            ended.append(f"{kind} {ident}")
        return ended, failed

    # -- deadlines ------------------------------------------------------------------------

    def live_pods(self) -> dict[str, Rental]:
        """The live pods recorded here, by id, in one read of the store: their deadlines
        and prepaid hours (match ``created_at`` before trusting one: sandbox ids repeat)."""
        return {
            r.id: r
            for r in self.book.open(self.base_url)
            if r.kind == "pod" and r.id and r.state == "live"
        }

    def deadlines(self) -> dict[str, Rental]:
        """The live pods with a deadline, by id."""
        return {i: r for i, r in self.live_pods().items() if r.max_hours is not None}

    def deadline(self, pod_id: str) -> Rental | None:
        rental = self.book.live(self.base_url, "pod", pod_id)
        return rental if rental is not None and rental.max_hours is not None else None

    def set_idle_stop(self, pod_id: str, minutes: float | None) -> Rental:
        """End the pod once no remote cell has run on it for ``minutes`` (None lifts it);
        kept by the guard like a deadline. A pod made elsewhere gets a record first."""
        minutes = _check_minutes(minutes)
        rental = self.book.live(self.base_url, "pod", pod_id)
        if rental is None:
            rental = self._adopt(self.pods.get(pod_id), self.clock())
        if not self.book.idle_stop(rental.ref, minutes):
            raise ConfigurationError(f"pod {pod_id} is being ended: no idle stop was set.")
        self._on_open()
        updated = self.book.get(rental.ref)
        assert updated is not None
        return updated

    def note_activity(self, pod_id: str) -> None:
        """A remote cell runs on the pod now: its idle stop counts from here."""
        rental = self.book.live(self.base_url, "pod", pod_id)
        if rental is not None:
            self.book.active(rental.ref, self.clock())

    def extend(self, pod_id: str, hours: float) -> Rental:
        """Move the pod's deadline ``hours`` later; a pod without one gets one ``hours``
        from now. One statement: a guard checking meanwhile cannot undo it."""
        check_hours(hours, "hours")
        rental = self.book.live(self.base_url, "pod", pod_id)
        now = self.clock()
        if rental is None:
            rental = self._adopt(self.pods.get(pod_id), now)
        if rental.max_hours is None:
            start = rental.ready_at if rental.ready_at is not None else rental.started
            elapsed = max(now - (start if start is not None else now), 0.0) / 3600
            moved = self.book.limit(rental.ref, elapsed + hours)
        else:
            moved = self.book.extend(rental.ref, hours)
        if not moved:
            raise ConfigurationError(
                f"pod {pod_id} is being ended (its deadline or a budget): it was not extended."
            )
        self._on_open()
        extended = self.book.get(rental.ref)
        assert extended is not None
        return extended

    def _adopt(self, pod: Pod, now: float) -> Rental:
        """A pod made elsewhere (the web app, the CLI) gets a record here."""
        ref = self.book.intend(
            self.base_url, "pod", name=pod.name, offer=None, cap_hr=None,
            price_hr=pod.price_hr, prepaid_h=None, max_hours=None, now=now,
            since=pod.created_at or "", session="adopted",
        )  # fmt: skip
        self.book.settle(ref, pod.id, pod.created_at, pod.price_hr, now)
        rental = self.book.get(ref)
        if rental is None or rental.state != "live":  # already recorded: use that one
            found = self.book.live(self.base_url, "pod", pod.id)
            if found is None:
                raise StoreError(f"Cannot record pod {pod.id} in {self.store.path}.")
            return found
        return rental


def _check_minutes(minutes: float | None, field: str = "minutes") -> float | None:
    """``minutes`` of an idle stop if finite, positive and at most ``MAX_HOURS``."""
    if minutes is None:
        return None
    return inputs.finite(field, minutes, low=0.0, high=inputs.MAX_HOURS * 60,
                         low_open=True, unit="minutes")  # fmt: skip


__all__ = ["Rentals", "check_hours"]
