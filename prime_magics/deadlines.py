"""Deadlines: a pod created with ``max_hours=H`` is terminated H hours after it is ready.

One ``Watchdog`` per process (``shared_watchdog()``) follows every pod that has a
deadline, in a daemon thread that only sleeps on its stop event, so no cell ever waits
for it and it dies with the kernel. ``step()`` is one round — read each watched pod once,
fix its deadline when it is first seen ready, terminate it once the deadline passed —
and is what tests call, on an injected clock, instead of waiting for the thread.

The deadline is also written to the local store (``store``), so that a pod whose
deadline passed while no kernel watched is flagged by a later ``client.sweep()``. It is
enforced only while some process with prime_magics runs: nothing on Prime's side stops
the pod. Terminating at the deadline is the rule the user set, so it needs no further
confirmation; everything else still asks first.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import NotFoundError, PrimeError
from .lifecycle import Phase, pod_state
from .store import Deadline

if TYPE_CHECKING:
    from .client import Client

WARN_BEFORE_S = 600.0  # the panel's warning: ten minutes before
MAX_PAUSE_S = 5.0  # how long the thread sleeps at most between rounds
MIN_PAUSE_S = 0.2


@dataclass(frozen=True)
class Terminated:
    """What the watchdog did: for the log of a session (``Watchdog.terminated``)."""

    pod_id: str
    deadline: float
    at: float


class Watchdog:
    """Follows watched pods and terminates each at its deadline (see the module)."""

    def __init__(
        self,
        clock: Callable[[], float] = time.time,
        autostart: bool = True,
        max_pause: float = MAX_PAUSE_S,
    ) -> None:
        self.clock = clock
        self.autostart = autostart
        self.max_pause = max_pause
        self.terminated: list[Terminated] = []
        self.errors: list[str] = []
        self._watched: dict[tuple[int, str], tuple[Client, str]] = {}
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- what is watched -----------------------------------------------------------------

    def watch(self, client: Client, pod_id: str) -> None:
        with self._lock:
            self._watched[(id(client), pod_id)] = (client, pod_id)
        if self.autostart:
            self.start()

    def adopt(self, client: Client) -> list[str]:
        """Follow the deadlines the store holds for ``client``'s API that are still ahead,
        so a later kernel (or script) enforces what an earlier one set. One already past
        is not adopted: ``sweep()`` and ``%prime pods list`` flag it and ask first, since
        it passed while nothing watched. Returns the pod ids now followed."""
        now = self.clock()
        ahead = [
            d.pod_id
            for d in client.deadline_store.all(client.settings.base_url)
            if d.due is None or d.due > now
        ]
        for pod_id in ahead:
            self.watch(client, pod_id)
        return ahead

    def forget(self, client: Client, pod_id: str | None = None) -> None:
        """Stop following ``pod_id`` (every pod of ``client`` when None)."""
        with self._lock:
            for key in [k for k in self._watched if k[0] == id(client)]:
                if pod_id is None or key[1] == pod_id:
                    del self._watched[key]

    def watching(self, client: Client) -> list[str]:
        with self._lock:
            return [pod for (owner, pod) in self._watched if owner == id(client)]

    # -- one round -----------------------------------------------------------------------

    def step(self) -> float:
        """Check every watched pod once; the seconds until the next round is due."""
        with self._lock:
            watched = list(self._watched.values())
        pause = self.max_pause
        for client, pod_id in watched:
            try:
                due = self._check(client, pod_id)
            except PrimeError as err:  # transient: try again next round
                self.errors.append(f"pod {pod_id}: {err.message}")
                continue
            if due is not None:
                pause = min(pause, max(due - self.clock(), MIN_PAUSE_S))
        return pause

    def _check(self, client: Client, pod_id: str) -> float | None:
        """One pod: the epoch second its deadline is due, None once nothing is left."""
        deadline = client.deadline(pod_id)
        if deadline is None:
            self.forget(client, pod_id)
            return None
        try:
            pod = client.pod(pod_id)
        except NotFoundError:
            pod = None
        born = None if pod is None else pod.created_at
        if born and deadline.created_at and born != deadline.created_at:
            pod = None  # another pod with a reused (sandbox) id: this rule was not for it
        state = pod_state(pod)
        now = self.clock()
        if state.phase is Phase.GONE:
            client.deadline_store.delete(client.settings.base_url, pod_id)
            self.forget(client, pod_id)
            return None
        if deadline.deadline is None:
            if state.phase is not Phase.READY:
                return now + self.max_pause  # the clock starts when the pod is ready
            deadline = deadline.started(now)
            client.deadline_store.put(deadline)
        assert deadline.deadline is not None
        if now < deadline.deadline:
            return deadline.deadline
        client.terminate_pod(pod_id, confirm=True)  # the user's own rule: max_hours
        self.terminated.append(Terminated(pod_id, deadline.deadline, now))
        client.deadline_store.delete(client.settings.base_url, pod_id)
        self.forget(client, pod_id)
        return None

    # -- the thread ----------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        with self._lock:
            if self.running:
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="prime-deadlines", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                if not self._watched:
                    self._thread = None
                    return
            try:
                pause = self.step()
            except Exception as exc:  # a bug: keep guarding the other pods, keep it visible
                self.errors.append(f"internal error: {exc!r}")
                pause = self.max_pause
            self._stop.wait(pause)


_shared: Watchdog | None = None
_shared_lock = threading.Lock()


def shared_watchdog() -> Watchdog:
    """The process's one watchdog (every client in a kernel shares it)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Watchdog()
        return _shared


def remaining_s(deadline: Deadline, now: float) -> float | None:
    """Seconds until ``deadline`` is due (negative once past); None when unknown."""
    due = deadline.due
    return None if due is None else due - now


__all__ = ["WARN_BEFORE_S", "Deadline", "Terminated", "Watchdog", "remaining_s", "shared_watchdog"]
