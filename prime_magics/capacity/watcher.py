"""``pm.watch``: poll availability in the background and say when wanted GPUs appear.

A ``Watch`` makes one availability query per period for the filters the API takes and
applies the rest here (``match``); each poll (``step``) turns the difference
between two polls' matches into events (appeared / price changed / gone) for
``on_event``, the iterator and the panel. It is polite: jitter on the period, a floor
of 15 s against any API but the local sandbox, exponential backoff after a failed poll
(never sooner than a ``Retry-After`` asked: ``loops.backoff``), and watches in one
process with identical queries on one client share the answer (``share``). A
failed poll is recorded and the watch goes on. The thread is a ``loops.Loop`` (a daemon
that only waits on its stop event; a round that crashes is recorded as a failed poll and
backed off), so it ends with the kernel, on ``stop()``, or once ``duration`` has passed;
tests call ``step()`` on an injected clock instead of waiting for it.

A closed client (``%prime simulator restart`` and ``set_client`` close the one they replace)
is never polled: a watch started on the kernel's default client (``follow``) takes the
new default when it talks to the same API (another sandbox, or the same base URL), drops
the old matches (they are the old API's) and goes on; otherwise it stops and says why
(``ended``), its matches cleared.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

import pandas as pd

from ..config import is_loopback
from ..display.primitives import counted
from ..errors import ConfigurationError, PrimeError
from ..filters import GpuFilters
from ..loops import MAX_BACKOFF_S, Loop, backoff
from ..models import GpuOffer, OfferKey
from ..pricing import Quote
from .history import AvailabilityHistory
from .match import WatchEvent, WatchQuery, diff, split
from .share import SHARED, SharedQueries
from .state import Poll, Seen, shapes_seen

if TYPE_CHECKING:
    from ..client import Client
    from .rent_first import RentFirst

MIN_EVERY_S = 15.0  # the floor against the real API (the sandbox may be polled faster)
JITTER = 0.1  # each pause is the period ± 10 %
ORPHANED_POLLS = 3  # polls to wait for the kernel's next client before stopping
HISTORY_BEFORE_S = 6 * 3600.0  # how far back before its start a watch's timeline looks


class Watch:
    """A running (or stepped) capacity watch; see the module and ``pm.watch``."""

    def __init__(
        self,
        query: WatchQuery,
        client: Client,
        every: float = 60.0,
        duration: float | None = None,
        on_event: Callable[[WatchEvent], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        history: AvailabilityHistory | None = None,
        shared: SharedQueries = SHARED,
        rng: random.Random | None = None,
        follow: Callable[[], Client | None] | None = None,
    ) -> None:
        """``follow`` gives the kernel's default client (None while it has none): a watch
        started on it follows it once ``client`` is closed (see the module)."""
        local = client.is_sandbox or is_loopback(client.settings.base_url)
        if not local and every < MIN_EVERY_S:
            raise ConfigurationError(
                f"every={every:g}: at least {MIN_EVERY_S:g} s between polls of the real API"
            )
        if not every > 0:
            raise ConfigurationError(f"every={every!r}: a positive number of seconds")
        if duration is not None and not duration > 0:
            raise ConfigurationError(f"duration={duration!r}: a positive number of seconds")
        self.query, self.client, self.every, self.duration = query, client, every, duration
        self.clock, self.sleep = clock, sleep
        self.history_store = history or AvailabilityHistory()
        self.events: list[WatchEvent] = []
        self.polls: list[Poll] = []
        self.seen: dict[OfferKey, Seen] = {}
        self.failures = 0  # failed polls in a row (the backoff's exponent)
        self._current: dict[OfferKey, tuple[GpuOffer, Quote]] = {}
        self._listeners: list[Callable[[WatchEvent], None]] = [on_event] if on_event else []
        self._poll_listeners: list[Callable[[Poll], None]] = []
        self._shared, self._rng = shared, rng or random.Random()
        self._key = query.share_key()
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        name = f"prime-watch-{query.filters.gpu_type or 'any'}"
        self._loop = Loop(self.step, name, every, on_error=self._crashed)
        self.rent_first: RentFirst | None = None
        """Armed by ``rent_first=True`` (``--rent-first``): rents the first match once."""
        self.started_at = clock()
        self.started_wall = time.time()  # the history's clock (``availability``)
        self.next_at: float = self.started_at
        self.ended: str | None = None
        """Why the watch stopped on its own (its client closed), for the panel to say."""
        self.followed = 0  # how many times it took the kernel's new default client
        self._follow = follow
        self._orphaned = 0  # polls in a row with a closed client and none to follow yet

    def __repr__(self) -> str:
        state = "stopped" if self.stopped else ("running" if self.running else "idle")
        found = counted(len(self._current), "match", "matches")
        return f"<Watch {self.describe()} every {self.every:g}s {state}: {found}>"

    def describe(self) -> str:
        return self.query.title

    # -- one poll ------------------------------------------------------------------------

    def step(self) -> float | None:
        """Poll once; the seconds until the next poll is due, None once the watch ended."""
        if self.stopped:
            return None
        now = self.clock()
        if self.duration is not None and now - self.started_at >= self.duration:
            self.stop()
            return None
        if self.client.closed and not self._follow_default():
            return self._orphan(now)
        ask, client = self._ask, self.client
        try:
            answer = self._shared.get(client, self._key, self.clock, 0.9 * self.every, ask)
        except RuntimeError:  # closed under the poll ("cannot schedule new futures…")
            if not client.closed:
                raise
            return self._orphan(now)
        if answer.error is not None:
            pause = self._failed(now, answer.error)
        else:
            assert answer.offers is not None
            pause = self._seen(now, answer.offers)
        if self.duration is not None:
            pause = min(pause, max(self.started_at + self.duration - now, 0.0))
        self.next_at = now + pause
        return pause

    def _ask(self) -> list[GpuOffer]:
        return self.client.offer_models(**self.query.api_filters().keywords(), refresh=True)

    # -- a closed client -----------------------------------------------------------------

    def _follow_default(self) -> bool:
        """Take the kernel's new default client if it talks to the same API as the closed
        one; the old matches are dropped (they were the old API's) and rent-first, which
        must not move to another API unattended, is disarmed. False: none to take."""
        new = self._follow() if self._follow is not None else None
        if new is None or new is self.client or new.closed:
            return False
        if history_key(new) != history_key(self.client):
            self._end(
                f"its client was closed and the kernel's client now talks to another API "
                f"({history_key(new)}, not {history_key(self.client)}); start a new watch there"
            )
            return False
        with self._lock:
            self.client, self._current, self.seen = new, {}, {}
            self._orphaned, self.failures = 0, 0
            self.followed += 1
        if self.rent_first is not None and self.rent_first.armed:
            self.rent_first.disarm()
        return True

    def _orphan(self, now: float) -> float | None:
        """A poll with a closed client and no new one to follow: the matches are cleared;
        a watch that follows the default waits a few polls for the kernel's next client
        (``%prime simulator restart`` closes the old one before the new sandbox is up)."""
        with self._lock:
            self._current = {}
            for seen in self.seen.values():
                seen.lost()
        if self.stopped:  # ended by _follow_default: another API
            return None
        self._orphaned += 1
        if self._follow is None:
            self._end("its client was closed (it was not the kernel's default: nothing to follow)")
            return None
        if self._orphaned > ORPHANED_POLLS:
            self._end("its client was closed and the kernel has had no other since")
            return None
        return self._failed(now, PrimeError("its client was closed; waiting for the kernel's next"))

    def _end(self, why: str) -> None:
        with self._lock:
            self.ended, self._current = why, {}
            for seen in self.seen.values():
                seen.lost()
        self.stop()
        self._record(Poll(self.clock(), False, f"stopped: {why}", 0, 0, None, 0.0))

    def _failed(self, now: float, err: PrimeError) -> float:
        self.failures += 1
        jitter = self._rng.uniform(0, JITTER)
        pause = backoff(self.failures, self.every, MAX_BACKOFF_S, err, jitter)
        self._record(Poll(now, False, err.message, 0, len(self._current), None, pause))
        return pause

    def _seen(self, now: float, offers: list[GpuOffer]) -> float:
        self.failures = 0
        matched, refused = split(self.query, offers)
        events = diff(self._current, matched, refused, now)
        with self._lock:
            self._current = matched
            for key, (offer, priced) in matched.items():
                self.seen.setdefault(key, Seen(offer, now)).saw(offer, priced, now)
            for key, seen in self.seen.items():
                if key not in matched:
                    seen.lost()
            self.events.extend(events)
        best = min((q.per_gpu_hr for _, q in matched.values() if q.per_gpu_hr), default=None)
        pause = self.every * (1 + self._rng.uniform(-JITTER, JITTER))
        error = None
        try:  # before the poll is told: its listeners read the history (the panel's chart)
            whose = history_key(self.client)
            self.history_store.record(whose, shapes_seen(self.query, offers))
        except OSError as err:  # a full disk must not stop the watch
            error = f"history not saved: {err}"
        self._record(Poll(now, True, error, len(offers), len(matched), best, pause))
        for event in events:
            for listener in list(self._listeners):
                listener(event)
        return pause

    def _record(self, poll: Poll) -> None:
        with self._changed:
            self.polls.append(poll)
            self._changed.notify_all()
        for listener in list(self._poll_listeners):
            listener(poll)

    # -- what it saw ---------------------------------------------------------------------

    @property
    def offers(self) -> list[GpuOffer]:
        with self._lock:
            return [offer for offer, _ in self._current.values()]

    @property
    def matches(self) -> pd.DataFrame:
        """The current matches as an availability frame with its cost columns, cheapest
        first by the query's yardstick (``WatchQuery.sort_column``: per GPU-hour unless
        only the total is capped)."""
        from ..frames.offer_frames import availability_frame
        from .state import cheapest_first

        return cheapest_first(availability_frame(self.offers), self.query.sort_column)

    @property
    def table(self) -> pd.DataFrame:
        """``matches`` with what the watch knows of each: visible for, first seen, times
        seen, best price seen."""
        from .state import table

        with self._lock:
            return table(self.matches, self.seen, self.clock())

    @property
    def history(self) -> pd.DataFrame:
        """One row per poll: when, whether it worked (and why not), offers listed and
        matching, the best $/GPU-hour, the pause before the next."""
        from .state import polls_frame

        return polls_frame(self.polls, self.started_at)

    def availability(self, before_s: float = HISTORY_BEFORE_S) -> pd.DataFrame:
        """The availability history of this watch's shape(s), from ``before_s`` seconds
        before it started (what the store held then) to now: the panel's timeline."""
        f = self.query.filters
        frame = self.history_store.frame(history_key(self.client), f.gpu_type, f.gpu_count)
        since = pd.Timestamp(self.started_wall - before_s, unit="s", tz="UTC")
        recent: pd.DataFrame = frame[frame["seen_at"] >= since].reset_index(drop=True)
        return recent

    @property
    def last_error(self) -> str | None:
        return self.polls[-1].error if self.polls and not self.polls[-1].ok else None

    # -- listeners, iteration ------------------------------------------------------------

    def subscribe(
        self,
        on_event: Callable[[WatchEvent], None] | None = None,
        on_poll: Callable[[Poll], None] | None = None,
    ) -> None:
        if on_event is not None:
            self._listeners.append(on_event)
        if on_poll is not None:
            self._poll_listeners.append(on_poll)

    def __iter__(self) -> Iterator[WatchEvent]:
        """Each event as it is seen, until the watch ends. Without the thread running,
        the iterator polls itself, sleeping (``sleep``) between polls."""
        shown = 0
        while True:
            with self._changed:
                pending = self.events[shown:]
                shown = len(self.events)
            yield from pending
            if pending:
                continue
            if self.running:
                with self._changed:
                    self._changed.wait(timeout=self.every)
                continue
            pause = self.step()
            if pause is None:
                return
            if len(self.events) == shown:
                self.sleep(pause)

    # -- the thread ----------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._loop.running

    @property
    def stopped(self) -> bool:
        return self._loop.stopped

    def start(self) -> Watch:
        with self._lock:
            if not self.running and not self.stopped:
                self._loop.start()
        return self

    def stop(self) -> None:
        """Stop polling (immediately: the thread only waits on this)."""
        self._loop.stop()
        with self._changed:
            self._changed.notify_all()

    def wait(self, timeout: float) -> bool:
        """Block up to ``timeout`` s for the thread to end (after ``stop``); True if it has.
        For scripts and teardown; tests decide outcomes by calling ``step`` instead."""
        return self._loop.join(timeout)

    def _crashed(self, exc: BaseException) -> None:
        """A poll that raised (a bug): kept in the history as a failed poll with the
        backoff before the next; the watch goes on."""
        pause = self._loop.pause or 0.0
        self._record(Poll(self.clock(), False, f"internal error: {exc!r}", 0, 0, None, pause))


def watch(
    gpu_type: str | None = None,
    gpu_count: int | None = None,
    regions: str | Sequence[str] | None = None,
    socket: str | None = None,
    security: str | None = None,
    data_center_id: str | None = None,
    provider: str | None = None,
    max_price_per_gpu: float | None = None,
    max_total: float | None = None,
    min_stock: str | None = None,
    every: float = 60.0,
    duration: float | None = None,
    on_event: Callable[[WatchEvent], None] | None = None,
    *,
    client: Client,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    start: bool = True,
    rent_first: bool = False,
    max_hours: float | None = None,
    name: str | None = None,
    follow: Callable[[], Client | None] | None = None,
) -> Watch:
    """Watch availability in the background; returns at once (see ``Watch``).

    ``max_price_per_gpu``/``max_total`` cap the quote ($/h), ``min_stock`` is the least
    stock level (Low, Medium, High, Available), ``duration`` seconds ends the watch.
    ``rent_first=True`` rents the first match once (``rent_first``; needs a cap and
    ``max_hours``). ``start=False`` leaves polling to ``step()`` or the iterator.
    ``follow`` gives the kernel's default client, followed once ``client`` is closed.
    ``pm.watch`` is this on the default client."""
    filters = GpuFilters.of(
        gpu_type, gpu_count, regions, socket, security, data_center_id, provider=provider
    )
    query = WatchQuery(filters, max_price_per_gpu, max_total, min_stock)
    made = Watch(query, client, every, duration, on_event, clock, sleep, follow=follow)
    if rent_first:
        from .rent_first import RentFirst

        made.rent_first = RentFirst(query, made.client, max_hours, name, stop=made.stop)
        made.subscribe(on_event=made.rent_first.consider)
    return made.start() if start else made


def history_key(client: Client) -> str:
    """Whose history: the API's base URL, or "sandbox" (its port changes every run)."""
    local = client.is_sandbox or is_loopback(client.settings.base_url)
    return "sandbox" if local else client.settings.base_url


def availability_history(
    gpu_type: str | None = None,
    gpu_count: int | None = None,
    *,
    client: Client,
    store: AvailabilityHistory | None = None,
) -> pd.DataFrame:
    """What watches saw of this shape, one row per poll (oldest first): when, how many
    offers, the best $/GPU-hour and total, and where the cheapest was."""
    key = history_key(client)
    return (store or AvailabilityHistory()).frame(key, gpu_type, gpu_count)
