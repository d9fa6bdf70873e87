"""Synchronous calls over asyncio, safe inside a Jupyter kernel that already runs a loop.

Every SSH connection of the process lives on one asyncio loop in one daemon thread
(`shared_loop`), started on first use and started anew in a forked child. The caller's
thread never runs a loop (no `asyncio.run`, so a kernel's running loop is never in the
way): it hands a coroutine to that thread and waits in `Job.wait`.

While it waits, the caller's thread handles the job's events (output, progress) in the
order they were emitted, so callbacks print into the right notebook cell and may raise.
Anything raised while waiting (a callback's exception, or `KeyboardInterrupt` when the
kernel is interrupted: the queue is polled every 0.2 s, and a real SIGINT wakes it at
once) cancels the coroutine and waits, a bounded time, for its cleanup (killing the
remote process) before it propagates.
"""

from __future__ import annotations

import asyncio
import os
import queue
import threading
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")
Emit = Callable[[Any], None]

POLL_S = 0.2
CANCEL_GRACE_S = 10.0


class _LoopThread:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._pid = 0

    def get(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            alive = self._thread is not None and self._thread.is_alive()
            if self._loop is None or not alive or self._pid != os.getpid():
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=loop.run_forever, name="prime-magics-ssh", daemon=True
                )
                thread.start()
                self._loop, self._thread, self._pid = loop, thread, os.getpid()
            return self._loop


_SHARED = _LoopThread()


def shared_loop() -> asyncio.AbstractEventLoop:
    """The process's SSH loop (its thread started on first use, and again after a fork)."""
    return _SHARED.get()


class _Finished:
    """Put on a job's queue after its last event."""


_FINISHED = _Finished()


class Job(Generic[T]):
    """One coroutine on the shared loop, with a queue of events for the caller's thread."""

    def __init__(self, start: Callable[[Emit], Awaitable[T]]) -> None:
        self.loop = shared_loop()
        self._events: queue.Queue[Any] = queue.Queue()
        self._done = threading.Event()
        self._task: asyncio.Future[T] | None = None
        self._cancelled = False
        self._result: T | None = None
        self._error: BaseException | None = None
        self.loop.call_soon_threadsafe(self._begin, start)

    def _emit(self, event: Any) -> None:
        self._events.put(event)

    def _begin(self, start: Callable[[Emit], Awaitable[T]]) -> None:
        if self._cancelled:
            self._finish(None, asyncio.CancelledError())
            return
        self._task = asyncio.ensure_future(start(self._emit))
        self._task.add_done_callback(self._settle)

    def _settle(self, task: asyncio.Future[T]) -> None:
        if task.cancelled():
            self._finish(None, asyncio.CancelledError())
        elif task.exception() is not None:
            self._finish(None, task.exception())
        else:
            self._finish(task.result(), None)

    def _finish(self, result: T | None, error: BaseException | None) -> None:
        self._result, self._error = result, error
        self._done.set()
        self._events.put(_FINISHED)

    def _cancel(self) -> None:
        self._cancelled = True
        if self._task is not None:
            self._task.cancel()

    def cancel(self, grace_s: float = CANCEL_GRACE_S) -> None:
        """Cancel the coroutine and wait up to ``grace_s`` for it to clean up."""
        self.loop.call_soon_threadsafe(self._cancel)
        self._done.wait(grace_s)

    def wait(self, on_event: Callable[[Any], None] | None = None) -> T:
        """Handle events until the coroutine ends; its result, or what it raised."""
        try:
            while True:
                try:
                    event = self._events.get(timeout=POLL_S)
                except queue.Empty:
                    continue
                if event is _FINISHED:
                    break
                if on_event is not None:
                    on_event(event)
        except BaseException:
            self.cancel()
            raise
        if self._error is not None:
            raise self._error
        return self._result  # type: ignore[return-value]


def call(start: Callable[[Emit], Awaitable[T]], on_event: Callable[[Any], None] | None = None) -> T:
    """Run ``start(emit)`` on the shared loop and wait for it in this thread."""
    return Job(start).wait(on_event)
