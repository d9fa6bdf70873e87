"""Fault injection and the request log: how tests make the sandbox misbehave and watch.

A client's retry, timeout and "outcome unknown" paths only run when the server fails, so
the sandbox can be told to answer the next N matching requests with a status, a raw body
(malformed JSON, an HTML proxy page) and/or a delay, or to handle them normally and
then drop the connection unanswered (`drop_after_handling`). Both work across threads (the test
thread adds faults, uvicorn's thread consumes them) and, via `/_sandbox/*`, across
processes.

A fault's delay is awaited through `FaultPlan.sleep` (`asyncio.sleep` unless replaced), so
a test need not race the clock: `FaultPlan.hold()` makes every delayed request wait until
the test calls `release()` on the returned `DelayGate`, however long its `delay_s`.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any

from .offers import JSON

API_PREFIX = "/api/v1"

Sleep = Callable[[float], Awaitable[None]]
"""How the sandbox waits out a fault's `delay_s` (awaited on the server's event loop)."""


def normalize_path(path: str) -> str:
    """`/pods/` and `/pods` are the same resource; so are `pods` and `/api/v1/pods`."""
    if not path.startswith("/"):
        path = "/" + path
    if not path.startswith(("/api/", "/_sandbox")) and path != "/api":
        path = API_PREFIX + path
    return path.rstrip("/") or "/"


@dataclass
class Fault:
    """One injected misbehaviour. `status=None` means "delay, then answer normally"."""

    method: str | None
    path: str
    status: int | None
    times: int | None
    delay_s: float
    body: Any
    headers: dict[str, str] | None
    match_query: dict[str, str] | None
    drop_after_handling: bool = False
    answer_after_handling: bool = False

    def matches(self, method: str, path: str, query: list[tuple[str, str]]) -> bool:
        if self.method not in (None, "*") and self.method.upper() != method.upper():
            return False
        if self.path.endswith("*"):
            if not path.startswith(self.path[:-1]):
                return False
        elif self.path != path:
            return False
        wanted = (self.match_query or {}).items()
        return all((key, str(value)) in query for key, value in wanted)

    def as_json(self) -> JSON:
        return asdict(self)


class DelayGate:
    """A `FaultPlan.sleep` that holds each delayed request until `release()`, whatever its
    `delay_s`: the test, not the clock, decides when a slow answer goes out.

    `release()` may be called from any thread, before or after the requests arrive; once
    released the gate stays open. `wait_held(n)` waits until n delayed requests have
    reached it (that is, the server has them and has not answered).
    """

    def __init__(self) -> None:
        self._arrived = threading.Condition()
        self._open = False
        self._waiting: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []
        self.held = 0
        """How many delayed requests have reached the gate so far."""

    async def __call__(self, seconds: float) -> None:
        event = asyncio.Event()
        with self._arrived:
            self.held += 1
            self._arrived.notify_all()
            if self._open:
                return
            self._waiting.append((asyncio.get_running_loop(), event))
        await event.wait()

    def wait_held(self, count: int = 1, timeout: float | None = None) -> bool:
        """Block until `count` delayed requests have arrived; False if `timeout` passed."""
        with self._arrived:
            return self._arrived.wait_for(lambda: self.held >= count, timeout)

    def release(self) -> None:
        """Let every held request (and every later one) go on."""
        with self._arrived:
            self._open = True
            waiting, self._waiting = self._waiting, []
        for loop, event in waiting:
            with contextlib.suppress(RuntimeError):  # the server's loop is already closed
                loop.call_soon_threadsafe(event.set)


class FaultPlan:
    """The pending faults; the first matching one is consumed by each request.

    `sleep` waits out each fault's `delay_s` (default `asyncio.sleep`); `hold()` swaps in
    a `DelayGate` until `clear()`, which releases every gate it handed out.
    """

    def __init__(self, sleep: Sleep = asyncio.sleep) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._default_sleep = sleep
        self._gates: list[DelayGate] = []
        self.sleep: Sleep = sleep

    def add(
        self,
        method: str | None = "GET",
        path: str = "/api/v1/availability/gpus",
        *,
        status: int | None = 503,
        times: int | None = 1,
        delay_s: float = 0.0,
        body: Any = None,
        headers: dict[str, str] | None = None,
        match_query: dict[str, Any] | None = None,
        drop_after_handling: bool = False,
        answer_after_handling: bool = False,
    ) -> Fault:
        """Make the next `times` matching requests (None: all) fail or slow down.

        `path` may omit `/api/v1` and may end in `*` to match a prefix; `method` None or
        "*" matches any. `body` is sent as JSON, or verbatim when it is a string (use
        that for malformed JSON or HTML). `delay_s` is slept (through `self.sleep`) before
        the request is handled, so a delayed POST with `status=None` still creates its
        resource.
        `drop_after_handling=True` serves the request (a create really happens), then
        closes the connection without an answer (`status` and `body` are then unused).
        `answer_after_handling=True` serves the request (a create really happens), then
        answers with `status` and `body` instead: a gateway's 502 after the API acted.
        """
        if times is not None and times < 1:
            raise ValueError("times must be >= 1, or None for forever")
        if delay_s < 0:
            raise ValueError("delay_s must be >= 0")
        prefix = path.endswith("*")
        fault = Fault(
            method=method,
            path=normalize_path(path[:-1]) + "*" if prefix else normalize_path(path),
            status=None if drop_after_handling else status,
            times=times,
            delay_s=delay_s,
            body=body,
            headers=dict(headers) if headers else None,
            match_query={k: str(v) for k, v in match_query.items()} if match_query else None,
            drop_after_handling=drop_after_handling,
            answer_after_handling=answer_after_handling,
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def hold(self) -> DelayGate:
        """From now until `clear()`, delayed requests wait for the returned gate's
        `release()` instead of their `delay_s`."""
        gate = DelayGate()
        with self._lock:
            self._gates.append(gate)
            self.sleep = gate
        return gate

    def clear(self) -> int:
        """Drop every pending fault and end any `hold()` (what its gates held goes on, so
        nothing is stranded); returns how many faults there were."""
        with self._lock:
            count = len(self._faults)
            self._faults.clear()
            gates, self._gates = self._gates, []
            self.sleep = self._default_sleep
        for gate in gates:
            gate.release()
        return count

    def pending(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take(self, method: str, path: str, query: list[tuple[str, str]]) -> Fault | None:
        """The fault this request triggers, if any (counting it as used)."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path, query):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times == 0:
                            self._faults.remove(fault)
                    return fault
            return None


@dataclass(frozen=True)
class RecordedRequest:
    """One `/api/v1` request as received: path as sent, query pairs in order."""

    method: str
    path: str
    query: list[tuple[str, str]]
    json: Any
    time: float

    def as_json(self) -> JSON:
        return {
            "method": self.method,
            "path": self.path,
            "query": [list(pair) for pair in self.query],
            "json": self.json,
            "time": self.time,
        }


class RequestLog:
    """Every API request, in arrival order, in a plain list tests can read or clear."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.entries: list[RecordedRequest] = []

    def record(self, method: str, path: str, query: list[tuple[str, str]], body: Any) -> None:
        entry = RecordedRequest(method, path, query, body, time.time())
        with self._lock:
            self.entries.append(entry)

    def clear(self) -> None:
        with self._lock:
            self.entries.clear()  # in place: `SandboxServer.requests` is this very list

    def snapshot(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self.entries)
