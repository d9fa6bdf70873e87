"""Helpers shared by the widget tests (tests/test_widgets_*.py).

The sandbox fixtures (``sandbox``: a fresh simulated API; ``client``: a ``pm.Client`` on
it) come from conftest.py. These helpers read the sandbox's request log, build the
guide's offers and disks, and reach a state without depending on timing: a panel's
``step``/``poll_once`` is called directly in a bounded loop, and a fixed pod (``pod_json``
served by ``mock_client``) gives the states the sandbox only passes through.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx
import pandas as pd

import prime_magics as pm
from prime_magics.sandbox import RecordedRequest, SandboxServer

CUSTOM_OFFER = "sandbox-H100-custom"  # hyperstack CANADA-1: disk 50–1000/10, vcpu 4–32/2
WAIT_S = 15.0  # an upper bound for reaching a state, never a timing assertion
TRIES = 1500  # × PAUSE_S ≥ WAIT_S: a bound for settle(), never a timing assertion
PAUSE_S = 0.01


def calls(sandbox: SandboxServer, method: str, path: str) -> list[RecordedRequest]:
    """Logged requests with this method whose path is ``/api/v1{path}`` (trailing / ignored)."""
    wanted = f"/api/v1{path}".rstrip("/")
    return [
        r for r in list(sandbox.requests) if r.method == method and r.path.rstrip("/") == wanted
    ]


def settle(step: Callable[[], float | None]) -> None:
    """Call a panel's ``step`` until it says there is nothing left to follow (bounded)."""
    pause = threading.Event()
    for _ in range(TRIES):
        if step() is None:
            return
        pause.wait(PAUSE_S)  # paces the loop; the outcome is the state, not the time
    raise AssertionError("the panel never settled")


def custom_row(client: pm.Client) -> pd.Series[Any]:
    """The guide's adjustable H100 offer, as a row of an availability frame."""
    frame = client.availability(cloud_id=CUSTOM_OFFER)
    assert len(frame) == 1
    row: pd.Series[Any] = frame.iloc[0]
    return row


def ready_pod(client: pm.Client, name: str = "status-pod") -> pm.Pod:
    """A pod on the guide's offer, waited for until ready (bounded by WAIT_S)."""
    pod = client.create_pod(pm.PodRequest.from_offer(custom_row(client), name=name))
    return client.wait_for_pod(pod.id, timeout=WAIT_S, poll_interval=0.02, progress=False)


def disk_row(client: pm.Client, data_center: str) -> pd.Series[Any]:
    frame = client.disk_availability()
    row: pd.Series[Any] = frame[frame["data_center"] == data_center].iloc[0]
    return row


def make_disk(client: pm.Client, data_center: str = "CANADA-1", size_gb: int = 50) -> pm.Disk:
    """An ACTIVE network disk, created through the plain API."""
    disk = client.create_disk(pm.DiskRequest.from_offer(disk_row(client, data_center), size_gb))
    return client.wait_for_disk(disk.id, timeout=WAIT_S, poll_interval=0.02)


def pod_json(**fields: Any) -> dict[str, Any]:
    """A pod as GET /pods/{id} answers, ``fields`` (API spelling) overriding."""
    pod: dict[str, Any] = {
        "id": "pod-1", "name": "fixed", "status": "PROVISIONING", "gpuName": "H100_80GB",
        "gpuCount": 1, "priceHr": 2.72, "installationStatus": "PENDING",
        "installationProgress": 40, "sshConnection": None, "primePortMapping": [],
    }  # fmt: skip
    pod.update(fields)
    return pod


def serving(pod: dict[str, Any]) -> Callable[[httpx.Request], httpx.Response]:
    """A ``mock_client`` handler answering every request with ``pod``."""
    return lambda request: httpx.Response(200, json=pod)


def rejecting(request: httpx.Request) -> httpx.Response:
    """A ``mock_client`` handler for a key the API rejects."""
    return httpx.Response(401, json={"detail": "Invalid API key"})


class Published:
    """What a panel published to the notebook (``display_data`` and its updates), through
    IPython's own display publisher: the outputs a saved notebook keeps, by display id."""

    def __init__(self, publisher: Any = None) -> None:
        from IPython.core.displaypub import CapturingDisplayPublisher
        from IPython.core.interactiveshell import InteractiveShell

        self.shell = InteractiveShell.instance()
        self.publisher = publisher or CapturingDisplayPublisher()  # type: ignore[no-untyped-call]
        self._before = self.shell.display_pub

    def __enter__(self) -> Published:
        self.shell.display_pub = self.publisher
        return self

    def __exit__(self, *_exc: object) -> None:
        self.shell.display_pub = self._before

    def saved(self) -> dict[str, dict[str, Any]]:
        """Each display id's last data, as nbclient (and a front end) keeps it."""
        outputs: dict[str, dict[str, Any]] = {}
        for out in self.publisher.outputs:
            ident = (out["transient"] or {}).get("display_id")
            if ident is not None and (not out["update"] or ident in outputs):
                outputs[ident] = out["data"]
        return outputs

    @property
    def updates(self) -> int:
        return sum(1 for out in self.publisher.outputs if out["update"])

    def updates_of(self, data: dict[str, Any]) -> int:
        """How many updates reached the output first shown with ``data``."""
        first = next(o for o in self.publisher.outputs if o["data"] is data)
        ident = (first["transient"] or {}).get("display_id")
        return sum(1 for o in self.publisher.outputs if o["update"] and ident is not None
                   and (o["transient"] or {}).get("display_id") == ident)  # fmt: skip
