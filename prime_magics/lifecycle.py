"""What a pod's or disk's status means to a person, and the one poll step that follows it.

The API reports a pod with two fields (``status`` and ``installationStatus``) and a disk
with one; callers only ever need four answers: still coming (``PENDING``), usable
(``READY``), broken and waiting for the user (``FAILED``), or no longer there (``GONE``).
``pod_state``/``disk_state`` are the only places that read raw statuses, so
``wait_for_pod``, ``wait_for_disk`` and every panel agree on what "ready" and "final" mean.

``Follow`` fetches once per ``step()``; ``Follow.wait`` repeats it on an injectable clock
and sleep, so tests run on a fake clock and a panel's thread can sleep on its stop event.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Generic, TypeVar

from .errors import NotFoundError, ProvisioningError, WaitTimeoutError
from .models import Disk, Pod

T = TypeVar("T", Pod, Disk)

GONE_POD = frozenset({"TERMINATED", "DELETING"})
GONE_DISK = frozenset({"TERMINATED", "DELETING"})
INSTALLED = frozenset({"FINISHED", "ACTIVE"})  # ACTIVE: the installed software is running
"""Installation states in which a pod with an SSH connection is usable."""


class Phase(str, Enum):
    PENDING = "pending"
    READY = "ready"
    FAILED = "failed"
    GONE = "gone"


@dataclass(frozen=True)
class State:
    """A phase, the API's own words for it, and why it failed (when it did)."""

    phase: Phase
    status: str
    reason: str | None = None

    @property
    def settled(self) -> bool:
        """Nothing will change without the user acting (ready, failed or gone)."""
        return self.phase is not Phase.PENDING


def pod_state(pod: Pod | None) -> State:
    """``None`` is a pod the API no longer knows (a 404): gone, like a terminated one."""
    if pod is None:
        return State(Phase.GONE, "NOT FOUND", "the API no longer knows this pod")
    status = pod.status or "UNKNOWN"
    install = pod.installation_status
    if status in GONE_POD:
        return State(Phase.GONE, status)
    if status == "ERROR" or install == "ERROR":
        why = pod.installation_failure or (
            "its installation failed" if install == "ERROR" else "the pod is in ERROR"
        )
        return State(Phase.FAILED, status if status == "ERROR" else "INSTALL ERROR", why)
    if status == "STOPPED":
        return State(Phase.FAILED, status, "the pod is stopped")
    if status == "ACTIVE" and (install is None or install in INSTALLED) and pod.ssh_connection:
        return State(Phase.READY, status)
    return State(Phase.PENDING, status if install is None else f"{status} · install {install}")


def disk_state(disk: Disk | None) -> State:
    if disk is None:
        return State(Phase.GONE, "NOT FOUND", "the API no longer knows this disk")
    status = disk.status or "UNKNOWN"
    if status in GONE_DISK:
        return State(Phase.GONE, status)
    if status == "ERROR":
        return State(Phase.FAILED, status, "the disk is in ERROR")
    if status == "ACTIVE":
        return State(Phase.READY, status)
    return State(Phase.PENDING, status)


@dataclass
class Follow(Generic[T]):
    """Follow one pod or disk: ``step()`` fetches it once (a 404 counts as gone)."""

    fetch: Callable[[], T]
    classify: Callable[[T | None], State]
    what: str
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    last: T | None = None

    def step(self) -> State:
        try:
            self.last = self.fetch()
        except NotFoundError:
            self.last = None
        return self.classify(self.last)

    def wait(
        self, timeout: float, interval: float, on_step: Callable[[State], None] | None = None
    ) -> T:
        """Step until ready (returned), failed or gone (``ProvisioningError``) or until
        ``timeout`` seconds passed (``WaitTimeoutError``); ``on_step`` sees each state."""
        deadline = self.clock() + timeout
        while True:
            state = self.step()
            if on_step is not None:
                on_step(state)
            if state.phase is Phase.READY and self.last is not None:
                return self.last
            if state.settled:
                why = f": {state.reason}" if state.reason else ""
                raise ProvisioningError(f"{self.what} is {state.status}{why}")
            if self.clock() + interval > deadline:
                raise WaitTimeoutError(
                    f"{self.what} not ready after {timeout:.0f} s (status {state.status})"
                )
            self.sleep(interval)
