"""``--rent-first``: rent the first match a watch sees, exactly once, never unbounded.

People refuse to let a watcher deploy on its own for fear of a runaway bill, so the
opt-in is narrow: it needs a price cap on the watch (the match is at or under it) and
``max_hours`` (the pod is terminated that long after it is ready, kept by the guard in
``rentals``). The request's ``maxPrice`` is the match's quote, the client re-reads the
offer before the create (``price_lock``), and at most one create is ever sent: a refusal
before sending (the offer went or got dearer) leaves it armed for the next match;
anything after sending disarms it, because the pod may exist.

Once per shape, on the whole machine: arming writes a claim in the store
(``rentals.claims``) for the API and the query, taking it from any earlier watch with
the same query: re-running the cell stops the earlier watch in this kernel (and says so),
and one armed in another kernel finds its claim gone and rents nothing. Before its one
create, the watch takes the claim in one statement, so two kernels that see the same
match at the same moment rent one pod.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..errors import (
    BalanceTooLowError,
    BudgetSpentError,
    ConfigurationError,
    PriceChangedError,
    PrimeError,
)
from ..models import Pod
from ..provisioning import PodRequest
from ..rentals.claims import Claims
from ..rentals.owner import check_hours
from ..rentals.records import SESSION
from .match import APPEARED, WatchEvent, WatchQuery

if TYPE_CHECKING:
    from ..client import Client


_armed: dict[tuple[str, str], RentFirst] = {}  # this process's armed watch per shape
_armed_lock = threading.Lock()


class RentFirst:
    """Armed on a watch: the first ``appeared`` event under the caps is rented once."""

    def __init__(
        self,
        query: WatchQuery,
        client: Client,
        max_hours: float | None,
        name: str | None = None,
        stop: Callable[[], None] = lambda: None,
    ) -> None:
        """Armed for ``query`` through ``client``; ``stop`` ends the watch it is armed on
        (a later rent-first for the same query replaces it). The watch hands it each
        event (``consider``)."""
        if max_hours is None:
            raise ConfigurationError(
                "rent-first needs max_hours (--max-hours H): a pod rented unattended must "
                "end on its own.",
                field="max_hours",
            )
        max_hours = check_hours(max_hours)
        if not query.capped:
            raise ConfigurationError(
                "rent-first needs a price cap (--max-price-per-gpu P or --max-total P)."
            )
        assert max_hours is not None
        self.query, self.client, self.max_hours, self.name = query, client, max_hours, name
        self._stop_watch = stop
        self.armed = True
        self.sent = False
        self.pod: Pod | None = None
        self.error: PrimeError | None = None
        self.request: PodRequest | None = None
        self.replaced: str | None = None
        """What arming took over: said where the watch is shown."""
        self._lock = threading.Lock()
        self._claims = Claims(client.store)
        self._base = client.settings.base_url
        self._shape = repr(query)
        self._owner = f"{SESSION}/{uuid.uuid4().hex[:8]}"
        self._arm()

    def _arm(self) -> None:
        """Hold the shape's claim; stop an earlier watch of this kernel that held it."""
        key = (self._base, self._shape)
        with _armed_lock:
            earlier = _armed.get(key)
            _armed[key] = self
        taken = self._claims.arm(self._base, self._shape, self._owner, time.time())
        if earlier is not None and earlier is not self and earlier.armed:
            earlier.disarm()
            earlier._stop_watch()
            self.replaced = (
                "An earlier rent-first watch for the same query in this kernel was stopped: "
                "one rents at most one pod per query."
            )
        elif taken is not None:
            self.replaced = (
                "A rent-first watch for the same query in another kernel was disarmed: this "
                "one rents instead (at most one pod per query on this machine)."
            )

    def disarm(self) -> None:
        self.armed = False
        self._claims.release(self._base, self._shape, self._owner)
        with _armed_lock:
            if _armed.get((self._base, self._shape)) is self:
                del _armed[(self._base, self._shape)]

    def consider(self, event: WatchEvent) -> None:
        """Rent ``event``'s offer if armed, nothing was sent yet, and it is under the caps."""
        if event.kind != APPEARED or not self._under_caps(event):
            return
        with self._lock:
            if not self.armed or self.sent:
                return
            if not self._claims.take(self._base, self._shape, self._owner, time.time()):
                self.armed = False  # another watch (re-run, another kernel) holds the shape
                return
            self.sent = True
        client = self.client
        try:
            self.request = PodRequest.from_offer(
                event.offer, name=self.name, max_hours=self.max_hours
            )
            self.pod = client.create_pod(self.request)
        except (PriceChangedError, BalanceTooLowError, BudgetSpentError, ConfigurationError) as err:
            # refused before sending (a PriceCapRefusedError was sent: below, as before)
            self.error, self.sent = err, False
            self._claims.give_back(self._base, self._shape, self._owner, time.time())
            return
        except PrimeError as err:  # sent, or maybe: never again
            self.error = err
        self.armed = False

    def _under_caps(self, event: WatchEvent) -> bool:
        total, per_gpu = event.total_hr, event.per_gpu_hr
        if total is None or per_gpu is None:
            return False
        return self.query.over_caps(total, per_gpu, event.currency) is None
