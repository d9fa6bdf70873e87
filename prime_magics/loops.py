"""Background loops, written once: ``Loop`` runs rounds until its stop event, with ONE
crash policy.

A round is a function returning the seconds until the next round, or None when there is
nothing left to do. When a round raises, the loop does not die and does not spin:

- the exception is kept (``last_error``; ``failures`` counts them in a row) and handed to
  ``on_error``, so whatever shows the loop shows it (a watch's poll history, a panel's
  status line, the guard process's ``last_error``);
- the loop backs off (``backoff``): from ``every`` doubling per failure in a row, capped
  at ``cap``, and never sooner than a ``retry_after`` the error carries (a 429's
  ``Retry-After``); a round that works resets it;
- it ends on its stop event (``stop()``), which is all it ever waits on, so stopping is
  immediate, or when a round says None.

It runs in a daemon thread (``start``) or in the caller's (``run``: the guard process).
Tests inject ``wait`` (a fake sleep) and call ``run`` or ``step``; nothing waits for real.
The capacity watch's thread, the guard process, the budget panel's redraw and the
panels' pollers all run on it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

MAX_BACKOFF_S = 900.0
"""The longest pause after failures (15 min), unless a ``Retry-After`` asks for more."""


def backoff(
    failures: int,
    every: float,
    cap: float = MAX_BACKOFF_S,
    error: BaseException | None = None,
    jitter: float = 0.0,
) -> float:
    """The pause after ``failures`` failed rounds in a row: ``every × 2^failures`` (0: the
    period itself), at most ``cap`` (never below ``every``), stretched by ``jitter``
    (a fraction drawn by the caller), and never sooner than the ``retry_after`` seconds
    ``error`` carries."""
    pause = min(every * 2.0**failures, max(cap, every)) * (1.0 + jitter)
    asked = getattr(error, "retry_after", None)
    return max(pause, float(asked)) if asked else pause


class Loop:
    """``step`` (one round) again and again in the background, under one crash policy."""

    def __init__(
        self,
        step: Callable[[], float | None],
        name: str,
        every: float,
        *,
        cap: float = MAX_BACKOFF_S,
        on_error: Callable[[BaseException], None] | None = None,
        wait: Callable[[float], object] | None = None,
    ) -> None:
        """``every``: the base of the backoff, the loop's usual period (1 s for a loop that
        has none, so a failing round never spins); ``on_error`` hears each failed round,
        after ``pause`` is set to the backoff; ``wait`` (tests) replaces waiting on the
        stop event."""
        self._step, self.name, self.cap = step, name, cap
        self.every = every if every > 0 else 1.0
        self.on_error = on_error
        self._stop = threading.Event()
        self._wait = wait or self._stop.wait
        self._thread: threading.Thread | None = None
        self.last_error: BaseException | None = None
        """The last exception a round raised (kept after later rounds work)."""
        self.failures = 0
        """Failed rounds in a row (0 once a round works)."""
        self.pause: float | None = None
        """The pause before the next round; None once the loop ended."""

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def start(self, delay: float = 0.0) -> None:
        """Run in a daemon thread (the first round after ``delay`` s), one at a time; after
        ``stop`` this starts it again."""
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self.run, args=(delay,), name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """End the loop: a waiting loop wakes at once; a round under way finishes first."""
        self._stop.set()

    def join(self, timeout: float) -> bool:
        """Block up to ``timeout`` s for the thread to end (after ``stop``); True if it has.
        For scripts and teardown; tests decide outcomes by calling ``step`` instead."""
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        return not self.running

    def run(self, delay: float = 0.0) -> None:
        """The loop itself, in this thread: rounds until the stop event or a round's None."""
        pause: float | None = delay
        while pause is not None:
            if pause > 0:
                self._wait(pause)
            if self.stopped:
                break
            pause = self.step()
        self.pause = None

    def step(self) -> float | None:
        """One round under the crash policy: the pause before the next, None when done."""
        try:
            pause = self._step()
        except Exception as exc:  # kept, said, backed off: never a dead or spinning loop
            self.failures += 1
            self.last_error = exc
            self.pause = backoff(self.failures, self.every, self.cap, exc)
            if self.on_error is not None:
                with contextlib.suppress(Exception):  # saying it failed: the loop goes on
                    self.on_error(exc)
            return self.pause
        self.failures = 0
        self.pause = pause
        return pause


__all__ = ["MAX_BACKOFF_S", "Loop", "backoff"]
