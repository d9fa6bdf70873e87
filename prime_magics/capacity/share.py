"""Watches in one process share their queries: the last answer per client and filters.

Several watches of the same shape (a panel, a script's ``pm.watch``, a re-run cell)
must not multiply the requests a rate-limited API sees. ``SharedQueries`` keeps, per
client (held weakly) and API filters, the last answer or failure; a watch whose period
is due takes one younger than 0.9 of its period, on the same clock, instead of asking.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import PrimeError
from ..models import GpuOffer

if TYPE_CHECKING:
    from ..client import Client


@dataclass
class _Answer:
    clock: Callable[[], float]
    at: float
    offers: list[GpuOffer] | None
    error: PrimeError | None


class SharedQueries:
    """The last answer per client and API filters: a watch whose period is due takes an
    answer younger than 0.9 of its period (on the same clock) instead of asking again,
    so two watches of one query cost one request per period between them. Held weakly
    by client, so a closed and dropped client takes its answers with it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._answers: weakref.WeakKeyDictionary[Client, dict[Any, _Answer]] = (
            weakref.WeakKeyDictionary()
        )
        self._locks: dict[Any, threading.Lock] = {}
        self.requests = 0  # how many queries were actually sent (for tests)

    def get(
        self,
        client: Client,
        key: tuple[Any, ...],
        clock: Callable[[], float],
        max_age: float,
        ask: Callable[[], list[GpuOffer]],
    ) -> _Answer:
        with self._lock:
            key_lock = self._locks.setdefault((id(client), key), threading.Lock())
            answers = self._answers.setdefault(client, {})
        with key_lock:  # a second watch due at the same moment waits for the first
            now = clock()
            hit = answers.get(key)
            if hit is not None and hit.clock is clock and 0 <= now - hit.at < max_age:
                return hit
            self.requests += 1
            try:
                answer = _Answer(clock, now, ask(), None)
            except PrimeError as err:
                answer = _Answer(clock, now, None, err)
            answers[key] = answer
            return answer


SHARED = SharedQueries()
