"""A create answered 500/502/503/504 may have happened: "outcome unknown", reconciled.

A gateway in front of the API can time out or fail after the API acted, so a 5xx to a
create is not "nothing happened, try again in a minute". It must surface as
``OutcomeUnknownError`` with the status in its message, be sent once, and look for what
it may have created. Other writes (terminate, delete) keep their plain ``ServerError``.
"""

from __future__ import annotations

import pytest

import prime_magics as pm
from prime_magics.provisioning import DiskRequest, PodRequest
from prime_magics.sandbox import SandboxServer
from tests.widget_fixtures import calls, custom_row, disk_row

STATUSES = [500, 502, 503, 504]


def pod_request(client: pm.Client, name: str) -> PodRequest:
    return PodRequest.from_offer(custom_row(client), name=name)


def disk_request(client: pm.Client, name: str) -> DiskRequest:
    return DiskRequest.from_offer(disk_row(client, "CANADA-1"), 50, name=name)


def send_create(client: pm.Client, request: PodRequest | DiskRequest) -> object:
    """The create as the resource layer sends it: once, reconciled when its outcome is
    unknown (``_resource._create_once``). The client's ``create_pod``/``create_disk`` add
    the price re-read, the budget and the local record on top of this call."""
    if isinstance(request, PodRequest):
        return client._pods.create(client.prepare(request))
    return client._disks.create(request.for_settings(client.settings))


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("kind", ["pod", "disk"])
def test_a_create_answered_5xx_is_an_unknown_outcome_sent_once(
    client: pm.Client, sandbox: SandboxServer, status: int, kind: str
) -> None:
    name = f"five-{status}"
    request = pod_request(client, name) if kind == "pod" else disk_request(client, name)
    sandbox.faults.add("POST", f"/{kind}s", status=status, body={"detail": "bad gateway"})
    with pytest.raises(pm.OutcomeUnknownError) as lost:
        send_create(client, request)
    error = lost.value
    text = str(error)
    assert (error.kind, error.name, error.status_code) == (kind, name, status)
    assert str(status) in error.message and "NOT retried" in text
    assert "minute" not in text  # never "try again in a minute"…
    assert error.__cause__ is None and error.__suppress_context__  # …not even in a cause
    assert "may or may not" in text  # the hint: look before trying again
    # reconciliation ran: it looked and says what it found (nothing, here)
    assert f"No {kind} named {name!r} exists yet" in text and error.found == []
    assert len(calls(sandbox, "POST", f"/{kind}s")) == 1


@pytest.fixture
def behind_gateway(client: pm.Client, sandbox: SandboxServer) -> pm.Client:
    """The API creates the pod; the gateway in between answers 502 instead of its 201."""
    html = "<html>502 Bad Gateway</html>"
    sandbox.faults.add("POST", "/pods", status=502, body=html, answer_after_handling=True)
    return client


def test_a_502_after_the_api_acted_finds_the_pod_it_created(
    behind_gateway: pm.Client, sandbox: SandboxServer
) -> None:
    with pytest.raises(pm.OutcomeUnknownError) as lost:
        send_create(behind_gateway, pod_request(behind_gateway, "acted"))
    error = lost.value
    assert error.status_code == 502 and "502" in str(error)
    assert len(error.found) == 1 and error.found[0].name == "acted"
    assert "It exists." in str(error) and "minute" not in str(error)
    assert sandbox.state.live_pod_ids() == [error.found[0].id]
    assert len(calls(sandbox, "POST", "/pods")) == 1


def test_the_clients_create_pod_reports_it_the_same_way(
    behind_gateway: pm.Client, sandbox: SandboxServer
) -> None:
    """Through the public ``create_pod`` (price re-read, local record): still unknown,
    still found, never "refused"."""
    with pytest.raises(pm.OutcomeUnknownError) as lost:
        behind_gateway.create_pod(pod_request(behind_gateway, "acted-too"))
    assert lost.value.status_code == 502 and "minute" not in str(lost.value)
    assert [p.name for p in lost.value.found] == ["acted-too"]
    assert len(calls(sandbox, "POST", "/pods")) == 1


def test_other_writes_answered_5xx_stay_server_errors(
    client: pm.Client, sandbox: SandboxServer
) -> None:
    pod = send_create(client, pod_request(client, "to-end"))
    assert isinstance(pod, pm.Pod)
    sandbox.faults.add("DELETE", f"/pods/{pod.id}", status=503)
    with pytest.raises(pm.ServerError) as failed:
        client.terminate_pod(pod.id, confirm=True)
    assert failed.value.status_code == 503
    assert not isinstance(failed.value, pm.OutcomeUnknownError)


def test_a_501_to_a_create_is_still_a_plain_server_error(
    client: pm.Client, sandbox: SandboxServer
) -> None:
    """Not implemented: the API did not act. Only the statuses a gateway gives are unknown."""
    sandbox.faults.add("POST", "/pods", status=501)
    with pytest.raises(pm.ServerError):
        send_create(client, pod_request(client, "not-implemented"))
