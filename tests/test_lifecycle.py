"""``lifecycle``: what each pod/disk status means, and waits decided on a fake clock.

The waits here never sleep: ``Follow`` takes the clock and the sleep, and the test's
sleep only advances the test's clock, so "within one poll period" is measured exactly.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import prime_magics as pm
from prime_magics.lifecycle import Phase, disk_state, pod_state
from prime_magics.models import Disk, Pod

SSH = "root@203.0.113.5 -p 22"


def pod(**fields: Any) -> Pod:
    return Pod.model_validate({"id": "p1", **fields})


@pytest.mark.parametrize(
    ("fields", "phase"),
    [
        ({"status": "PROVISIONING"}, Phase.PENDING),
        (
            {"status": "ACTIVE", "installationStatus": "PENDING", "sshConnection": SSH},
            Phase.PENDING,
        ),
        ({"status": "ACTIVE", "installationStatus": "FINISHED"}, Phase.PENDING),  # no SSH yet
        ({"status": "ACTIVE", "installationStatus": "FINISHED", "sshConnection": SSH}, Phase.READY),
        ({"status": "ACTIVE", "installationStatus": "ACTIVE", "sshConnection": SSH}, Phase.READY),
        ({"status": "ACTIVE", "sshConnection": [None, SSH]}, Phase.READY),
        ({"status": "ACTIVE", "installationStatus": "ERROR", "sshConnection": SSH}, Phase.FAILED),
        ({"status": "ERROR"}, Phase.FAILED),
        ({"status": "STOPPED"}, Phase.FAILED),
        ({"status": "TERMINATED"}, Phase.GONE),
        ({"status": "DELETING"}, Phase.GONE),
    ],
)
def test_pod_phases(fields: dict[str, Any], phase: Phase) -> None:
    assert pod_state(pod(**fields)).phase is phase


def test_a_pod_the_api_no_longer_knows_is_gone() -> None:
    assert pod_state(None).phase is Phase.GONE
    assert disk_state(None).phase is Phase.GONE


@pytest.mark.parametrize(
    ("status", "phase"),
    [
        ("PROVISIONING", Phase.PENDING),
        ("ACTIVE", Phase.READY),
        ("ERROR", Phase.FAILED),
        ("DELETING", Phase.GONE),
        ("TERMINATED", Phase.GONE),
    ],
)
def test_disk_phases(status: str, phase: Phase) -> None:
    assert disk_state(Disk.model_validate({"id": "d1", "status": status})).phase is phase


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def serving(answers: list[dict[str, Any]]) -> Any:
    """A handler answering GET /pods/p1 with each body in turn (the last one repeats)."""

    def handler(request: httpx.Request) -> httpx.Response:
        body = answers.pop(0) if len(answers) > 1 else answers[0]
        return httpx.Response(200, json={"id": "p1", **body})

    return handler


def test_a_failed_installation_raises_within_one_poll_with_its_reason(mock_client: Any) -> None:
    client = mock_client(
        serving(
            [
                {"status": "ACTIVE", "installationStatus": "PENDING"},
                {
                    "status": "ACTIVE",
                    "installationStatus": "ERROR",
                    "installationFailure": "pip install failed: no space left on device",
                    "sshConnection": SSH,
                },
            ]
        )
    )
    time = FakeTime()
    follow = client.follow_pod("p1", clock=time.clock, sleep=time.sleep)
    with pytest.raises(pm.ProvisioningError, match="no space left on device"):
        follow.wait(timeout=900, interval=2.0)
    assert time.now == 2.0  # one poll period, not the 900 s timeout


@pytest.mark.parametrize("installation", ["FINISHED", "ACTIVE"])
def test_ready_returns_at_once(mock_client: Any, installation: str) -> None:
    body = {"status": "ACTIVE", "installationStatus": installation, "sshConnection": SSH}
    client = mock_client(serving([body]))
    time = FakeTime()
    ready = client.follow_pod("p1", clock=time.clock, sleep=time.sleep).wait(900, 2.0)
    assert ready.ssh_connection == SSH and time.sleeps == []


def test_a_pod_terminated_while_waiting_stops_the_wait(mock_client: Any) -> None:
    client = mock_client(serving([{"status": "PROVISIONING"}, {"status": "TERMINATED"}]))
    time = FakeTime()
    with pytest.raises(pm.ProvisioningError, match="TERMINATED"):
        client.follow_pod("p1", clock=time.clock, sleep=time.sleep).wait(900, 5.0)
    assert time.now == 5.0


def test_the_timeout_is_measured_on_the_given_clock(mock_client: Any) -> None:
    client = mock_client(serving([{"status": "PROVISIONING"}]))
    time = FakeTime()
    with pytest.raises(pm.WaitTimeoutError, match="PROVISIONING"):
        client.follow_pod("p1", clock=time.clock, sleep=time.sleep).wait(10, 2.0)
    assert time.now == 10.0


def test_wait_for_pod_reports_the_failure_text(mock_client: Any) -> None:
    body = {"status": "ERROR", "installationFailure": "image pull failed"}
    client = mock_client(serving([body]))
    with pytest.raises(pm.ProvisioningError, match="image pull failed"):
        client.wait_for_pod("p1", progress=False)
