"""Pods and disks against the sandbox, over real HTTP: the whole lifecycle, and money safety.

A create is sent once and never retried, even when its answer is lost or is a 5xx; a lost
answer is reported as "outcome unknown" and the pod can then be found by name. Nothing
is destroyed without ``confirm=True``. Every wait here is bounded by a timeout; nothing
asserts on wall-clock durations.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVar

import httpx
import pandas as pd
import pytest

import prime_magics as pm
from prime_magics.provisioning import DiskRequest, PodRequest
from prime_magics.sandbox import SandboxConfig, SandboxServer, start_sandbox
from prime_magics.sandbox.schemas import CreateDisk, CreatePod
from tests.contract_columns import DISK_COLUMNS, HISTORY_COLUMNS, POD_COLUMNS

T = TypeVar("T")


POLL = 0.02  # seconds between polls while waiting on the sandbox
WAIT = 10.0  # upper bound for any wait; the sandbox moves in fractions of a second


# -- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    """A sandbox whose pods are ACTIVE after 0.3 s and disks after 0.2 s."""
    sandbox = start_sandbox(SandboxConfig(provision_seconds=0.3, disk_provision_seconds=0.2))
    yield sandbox
    sandbox.stop()


class StillClock:
    """Time that moves only when a test (or a wait's ``sleep``) moves it."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="module")
def clock() -> StillClock:
    return StillClock()


@pytest.fixture(scope="module")
def slow_server(clock: StillClock) -> Iterator[SandboxServer]:
    """A sandbox on ``clock``: nothing moves unless the test moves time (no races)."""
    config = SandboxConfig(provision_seconds=60, disk_provision_seconds=20)
    sandbox = start_sandbox(config, monotonic=clock)
    yield sandbox
    sandbox.stop()


def _client(sandbox: SandboxServer, **kwargs: Any) -> Iterator[pm.Client]:
    sandbox.reset()  # no pods, disks, faults or logged requests (POST /_sandbox/reset)
    client = pm.Client(api_key=sandbox.api_key, base_url=sandbox.url, **kwargs)
    yield client
    client.close()
    sandbox.faults.clear()


@pytest.fixture
def client(server: SandboxServer) -> Iterator[pm.Client]:
    yield from _client(server)


@pytest.fixture
def slow_client(slow_server: SandboxServer) -> Iterator[pm.Client]:
    yield from _client(slow_server)


# -- helpers -------------------------------------------------------------------------------


def calls(sandbox: SandboxServer, method: str, path: str) -> list[Any]:
    """Logged requests with this method and path (``/pods`` and ``/pods/`` alike)."""
    wanted = "/api/v1" + path.rstrip("/")
    return [r for r in sandbox.requests if r.method == method and r.path.rstrip("/") == wanted]


def offer_row(client: pm.Client, cloud_id: str, **filters: Any) -> pd.Series[Any]:
    frame = client.availability(**filters)
    rows = frame[frame["cloud_id"] == cloud_id]
    assert len(rows) == 1, f"expected one {cloud_id} offer, got {len(rows)}"
    row: pd.Series[Any] = rows.iloc[0]
    return row


def guide_offer(client: pm.Client) -> pd.Series[Any]:
    """The provisioning guide's fixed hyperstack H100 in CANADA-1."""
    return offer_row(client, "n3-H100x1", data_center_id="CANADA-1")


def runpod_offer(client: pm.Client) -> pd.Series[Any]:
    """The availability guide's runpod H100 in US-KS-2."""
    return offer_row(client, "NVIDIA H100 PCIe", data_center_id="US-KS-2", security="secure_cloud")


def canada_disk_request(client: pm.Client, name: str, size_gb: int = 100) -> DiskRequest:
    offers = client.disk_availability(data_center_id="CANADA-1", size_gb=size_gb)
    rows = offers[offers["provider"] == "hyperstack"]
    assert len(rows) == 1
    return DiskRequest.from_offer(rows.iloc[0], size_gb=size_gb, name=name)


def active_canada_disk(client: pm.Client, name: str) -> pm.Disk:
    disk = client.create_disk(canada_disk_request(client, name))
    return client.wait_for_disk(disk.id, timeout=WAIT, poll_interval=POLL)


# -- the whole lifecycle -------------------------------------------------------------------


def test_lifecycle_disk_pod_terminate_delete(client: pm.Client, server: SandboxServer) -> None:
    # Where can a disk go, and what does it cost?
    disk_request = canada_disk_request(client, "lifecycle-data", size_gb=50)
    assert disk_request.quote_hr == pytest.approx(50 * 0.00015)
    disk = client.create_disk(disk_request)
    assert disk.status == "PROVISIONING"
    assert [r.json for r in calls(server, "POST", "/disks")] == [disk_request.body()]

    disk = client.wait_for_disk(disk.id, timeout=WAIT, poll_interval=POLL)
    assert disk.status == "ACTIVE"
    assert disk.info.data_center_id == "CANADA-1"

    # Only offers that can attach the disk: the same provider's CANADA-1.
    near = client.availability(disks=[disk.id])
    assert len(near) > 0
    assert set(near["data_center"]) == {"CANADA-1"}
    assert set(near["provider"]) == {"hyperstack"}
    assert any(("disks", disk.id) in r.query for r in calls(server, "GET", "/availability/gpus"))
    row = near[near["cloud_id"] == "n3-H100x1"].iloc[0]

    request = PodRequest.from_offer(row, name="lifecycle-pod", disks=[disk.id])
    assert request.quote().total_hr == pytest.approx(1.9)
    pod = client.create_pod(request)
    assert pod.status in ("PROVISIONING", "PENDING")
    assert [r.json for r in calls(server, "POST", "/pods")] == [request.body()]
    assert request.body()["disks"] == [disk.id]

    ready = client.wait_for_pod(pod.id, timeout=WAIT, poll_interval=POLL, progress=False)
    assert ready.status == "ACTIVE"
    assert ready.installation_status == "FINISHED"
    assert ready.ssh_connection
    ssh = client.ssh_command(ready)
    assert ssh is not None
    assert ssh.startswith("ssh -i ")
    assert ssh.endswith(str(ready.ssh_connection))
    assert ready.disk_ids == [disk.id]

    pods = client.pods()
    assert list(pods.columns) == POD_COLUMNS
    mine = pods[pods["id"] == pod.id]
    assert len(mine) == 1
    assert mine.iloc[0]["status"] == "ACTIVE"
    assert mine.iloc[0]["name"] == "lifecycle-pod"
    assert mine.iloc[0]["disk_ids"] == [disk.id]
    assert mine.iloc[0]["price_hr"] == pytest.approx(1.9)
    assert mine.iloc[0]["ssh"] == ready.ssh_connection

    status = client.pod_status([pod.id])
    assert list(status["pod_id"]) == [pod.id]
    assert list(status["status"]) == ["ACTIVE"]

    disks = client.disks()
    assert list(disks.columns) == DISK_COLUMNS
    assert disks.set_index("id").loc[disk.id, "pods"] == [pod.id]

    # A disk a live pod uses cannot be deleted: asked first, then refused by the API.
    with pytest.raises(pm.ConfirmationRequiredError, match=pod.id):
        client.delete_disk(disk.id)
    assert calls(server, "DELETE", f"/disks/{disk.id}") == []
    with pytest.raises((pm.ConflictError, pm.BadRequestError)):
        client.delete_disk(disk.id, confirm=True)
    assert client.disk(disk.id).status == "ACTIVE"

    # Terminating asks first, says what is lost and what is kept, and sends nothing.
    with pytest.raises(pm.ConfirmationRequiredError) as refused:
        client.terminate_pod(pod.id)
    assert pod.id in str(refused.value)
    assert disk.id in str(refused.value)  # the network disk is kept (and still billed)
    # What is lost is the offer's 100 GB, not resources.disk (150: it counts the 50 GB kept).
    assert "own disk (100 GB) is lost" in str(refused.value)
    assert "confirm=True" in str(refused.value)
    assert calls(server, "DELETE", f"/pods/{pod.id}") == []
    assert client.pod(pod.id).status == "ACTIVE"

    client.terminate_pod(pod.id, confirm=True)
    assert len(calls(server, "DELETE", f"/pods/{pod.id}")) == 1
    assert client.pod(pod.id).status == "TERMINATED"
    assert pod.id not in set(client.pods()["id"])

    history = client.pod_history()
    assert list(history.columns) == HISTORY_COLUMNS
    ended = history[history["id"] == pod.id]
    assert len(ended) == 1
    assert ended.iloc[0]["name"] == "lifecycle-pod"
    assert not pd.isna(ended.iloc[0]["total_billed"])
    assert ended.iloc[0]["total_billed"] >= 0

    assert client.disks().set_index("id").loc[disk.id, "pods"] == []
    with pytest.raises(pm.ConfirmationRequiredError, match="permanently"):
        client.delete_disk(disk.id)
    client.delete_disk(disk.id, confirm=True)
    assert len(calls(server, "DELETE", f"/disks/{disk.id}")) == 2  # the refused one + this

    assert client.pods().empty
    assert client.disks().empty
    assert list(client.disks().columns) == DISK_COLUMNS
    assert server.state.live_pod_ids() == []
    assert server.state.live_disk_ids() == []


# -- money safety: a create is sent once ---------------------------------------------------


@pytest.mark.parametrize(("path", "kind"), [("/pods", "pod"), ("/disks", "disk")])
def test_a_create_whose_answer_is_lost_is_found_and_never_resent(
    client: pm.Client, server: SandboxServer, path: str, kind: str
) -> None:
    """The sandbox creates it, then drops the connection: the client must not send it
    again, and its reconciliation must say that it exists (deterministic: no timing)."""
    server.faults.add("POST", path, status=None, drop_after_handling=True)
    with pytest.raises(pm.OutcomeUnknownError) as lost:
        if kind == "pod":
            client.create_pod(PodRequest.from_offer(guide_offer(client), name="lost-answer"))
        else:
            client.create_disk(canada_disk_request(client, "lost-answer"))
    error = lost.value
    assert (error.kind, error.name) == (kind, "lost-answer")
    assert "not retried" in str(error).lower()
    assert len(error.found) == 1 and error.found[0].name == "lost-answer"
    assert f"{error.found[0].id} " in str(error) and "It exists." in str(error)
    assert len(calls(server, "POST", path)) == 1
    live = server.state.live_pod_ids() if kind == "pod" else server.state.live_disk_ids()
    assert live == [error.found[0].id]


@pytest.mark.parametrize(("path", "kind"), [("/pods", "pod"), ("/disks", "disk")])
def test_create_answered_503_is_not_retried(
    client: pm.Client, server: SandboxServer, path: str, kind: str
) -> None:
    """Not retried, and not "failed" either: a 503 may come from a gateway after the API
    acted (tests/test_create_outcome.py)."""
    pod = PodRequest.from_offer(guide_offer(client), name="five-oh-three")
    disk = canada_disk_request(client, "five-oh-three")
    server.faults.add("POST", path, status=503, times=3)
    with pytest.raises(pm.OutcomeUnknownError) as failed:
        client.create_pod(pod) if kind == "pod" else client.create_disk(disk)
    assert failed.value.status_code == 503
    assert len(calls(server, "POST", path)) == 1
    assert server.state.live_pod_ids() == [] and server.state.live_disk_ids() == []


@pytest.mark.parametrize(("path", "kind"), [("/pods", "pod"), ("/disks", "disk")])
def test_an_unreadable_create_answer_is_an_unknown_outcome(
    client: pm.Client, server: SandboxServer, path: str, kind: str
) -> None:
    """A 2xx whose body is not JSON may well mean it exists: never "it failed, retry"."""
    pod = PodRequest.from_offer(guide_offer(client), name="garbled")
    disk = canada_disk_request(client, "garbled")
    server.faults.add("POST", path, status=200, body="<html>proxy</html>", times=1)
    with pytest.raises(pm.OutcomeUnknownError) as lost:
        client.create_pod(pod) if kind == "pod" else client.create_disk(disk)
    assert "answer could not be read" in str(lost.value) and "NOT retried" in str(lost.value)
    assert (lost.value.kind, lost.value.name) == (kind, "garbled")
    assert len(calls(server, "POST", path)) == 1


def test_reads_are_retried_where_creates_are_not(client: pm.Client, server: SandboxServer) -> None:
    """The contrast that makes the two tests above meaningful: a GET 503 is retried."""
    server.faults.add("GET", "/pods", status=503, times=1)
    assert client.pods().empty
    assert len(calls(server, "GET", "/pods")) == 2


# -- refused before sending ----------------------------------------------------------------


def test_disk_not_active_is_refused_without_a_post(
    slow_client: pm.Client, slow_server: SandboxServer
) -> None:
    disk = slow_client.create_disk(canada_disk_request(slow_client, "still-provisioning"))
    assert slow_client.disk(disk.id).status == "PROVISIONING"
    request = PodRequest.from_offer(guide_offer(slow_client), name="too-early", disks=[disk.id])
    with pytest.raises(pm.ConfigurationError, match="PROVISIONING"):
        slow_client.create_pod(request)
    assert calls(slow_server, "POST", "/pods") == []


def test_disk_in_another_data_center_is_refused_without_a_post(
    client: pm.Client, server: SandboxServer
) -> None:
    disk = active_canada_disk(client, "canada-data")
    request = PodRequest.from_offer(runpod_offer(client), name="wrong-place", disks=[disk.id])
    with pytest.raises(pm.ConfigurationError, match="CANADA-1"):
        client.create_pod(request)
    assert calls(server, "POST", "/pods") == []


def test_disk_of_another_provider_is_refused_without_a_post(
    client: pm.Client, server: SandboxServer
) -> None:
    """Offers and disks without a data centre (``dc_*``, massedcompute) are located by
    provider and country: a dc_roan disk cannot join a massedcompute pod."""
    disk_offers = client.disk_availability()
    roan = disk_offers[(disk_offers["provider"] == "dc_roan") & disk_offers["data_center"].isna()]
    assert len(roan) >= 1
    disk_row = roan.iloc[0]
    disk = client.create_disk(DiskRequest.from_offer(disk_row, size_gb=10, name="roan-data"))
    disk = client.wait_for_disk(disk.id, timeout=WAIT, poll_interval=POLL)
    offers = client.availability()
    other = offers[
        (offers["provider"] != "dc_roan")
        & offers["data_center"].isna()
        & (offers["country"] == disk_row["country"])
        & ~offers["is_multinode"]
        & (offers["stock_status"] != "Unavailable")
    ]
    assert len(other) >= 1
    request = PodRequest.from_offer(other.iloc[0], name="wrong-provider", disks=[disk.id])
    with pytest.raises(pm.ConfigurationError, match="dc_roan"):
        client.create_pod(request)
    assert calls(server, "POST", "/pods") == []


# -- errors, listing, renaming -------------------------------------------------------------


def test_unknown_pod_and_disk_are_not_found_by_id(client: pm.Client) -> None:
    with pytest.raises(pm.NotFoundError, match="no-such-pod") as missing:
        client.pod("no-such-pod")
    assert missing.value.status_code == 404
    with pytest.raises(pm.NotFoundError, match="no-such-disk"):
        client.disk("no-such-disk")
    with pytest.raises(pm.NotFoundError, match="no-such-pod"):
        client.terminate_pod("no-such-pod")  # describing it needs the pod: 404 first
    with pytest.raises(pm.NotFoundError, match="no-such-disk"):
        client.delete_disk("no-such-disk", confirm=True)


def test_listing_follows_offset_and_limit_past_one_page(
    client: pm.Client, server: SandboxServer
) -> None:
    # Made in the sandbox's store directly: creating 300 resources over HTTP is slow and
    # beside the point, which is how the client pages through GET /pods and GET /disks.
    for i in range(201):
        disk = {"size": 10, "name": f"bulk-{i}", "dataCenterId": "CANADA-1"}
        server.state.create_disk(
            CreateDisk.model_validate({"disk": disk, "provider": {"type": "hyperstack"}})
        )
    pod = PodRequest.from_offer(guide_offer(client), name="bulk").body()
    for _ in range(101):
        server.state.create_pod(CreatePod.model_validate(pod))

    disks = client.disk_models()
    assert len(disks) == 201
    assert len({d.id for d in disks}) == 201
    pages = [dict(r.query) for r in calls(server, "GET", "/disks")]
    assert sorted(pages, key=lambda q: int(q["offset"])) == [
        {"offset": str(offset), "limit": "100"} for offset in (0, 100, 200)
    ]

    pods = client.pods()
    assert len(pods) == 101
    assert pods["id"].is_unique
    pages = [dict(r.query) for r in calls(server, "GET", "/pods")]
    assert sorted(pages, key=lambda q: int(q["offset"])) == [
        {"offset": str(offset), "limit": "100"} for offset in (0, 100)
    ]


def test_rename_disk(client: pm.Client, server: SandboxServer) -> None:
    disk = client.create_disk(canada_disk_request(client, "old-name"))
    client.rename_disk(disk.id, "new-name")
    assert [r.json for r in calls(server, "PATCH", f"/disks/{disk.id}")] == [{"name": "new-name"}]
    assert client.disk(disk.id).name == "new-name"
    assert client.disks().set_index("id").loc[disk.id, "name"] == "new-name"


# -- waiting -------------------------------------------------------------------------------


def test_waits_run_on_the_sandboxs_clock(slow_client: pm.Client, clock: StillClock) -> None:
    """One fake clock drives the sandbox and the wait: a pod that needs 60 s times out
    after 30 s of it and is ready after 60, with no real second spent."""
    pod = slow_client.create_pod(PodRequest.from_offer(guide_offer(slow_client), name="slow"))
    follow = slow_client.follow_pod(pod.id, clock=clock, sleep=clock.sleep)
    start = clock.now
    with pytest.raises(pm.WaitTimeoutError, match=pod.id):
        follow.wait(timeout=30, interval=5)
    assert clock.now - start == 30
    ready = follow.wait(timeout=60, interval=5)
    assert ready.status == "ACTIVE" and ready.installation_status == "FINISHED"
    assert clock.now - start == 60


def test_wait_for_disk_on_the_sandboxs_clock(slow_client: pm.Client, clock: StillClock) -> None:
    disk = slow_client.create_disk(canada_disk_request(slow_client, "slow-disk"))
    follow = slow_client.follow_disk(disk.id, clock=clock, sleep=clock.sleep)
    start = clock.now
    with pytest.raises(pm.WaitTimeoutError, match=disk.id):
        follow.wait(timeout=10, interval=2)
    assert follow.wait(timeout=20, interval=2).status == "ACTIVE"
    assert clock.now - start == 20


def test_a_failed_installation_stops_the_wait_with_its_reason(
    slow_client: pm.Client, slow_server: SandboxServer, clock: StillClock
) -> None:
    pod = slow_client.create_pod(PodRequest.from_offer(guide_offer(slow_client), name="bad"))
    clock.sleep(40)  # installing
    slow_server.state.fail_installation(pod.id, "CUDA driver mismatch")
    follow = slow_client.follow_pod(pod.id, clock=clock, sleep=clock.sleep)
    start = clock.now
    with pytest.raises(pm.ProvisioningError, match="CUDA driver mismatch"):
        follow.wait(timeout=900, interval=2)
    assert clock.now == start  # the first poll saw it: no timeout waited out


def test_wait_for_pod_reports_error(client: pm.Client, server: SandboxServer) -> None:
    pod = client.create_pod(PodRequest.from_offer(guide_offer(client), name="doomed"))
    # The sandbox never fails a pod by itself; answer its GET with the pod in ERROR.
    failed = pod.model_dump(mode="json", by_alias=True)
    failed.update(status="ERROR", installationFailure="GPU fell off the bus")
    server.faults.add("GET", f"/pods/{pod.id}", status=200, body=failed, times=None)
    with pytest.raises(pm.ProvisioningError, match="GPU fell off the bus") as error:
        client.wait_for_pod(pod.id, timeout=WAIT, poll_interval=POLL, progress=False)
    assert "ERROR" in str(error.value)
    assert pod.id in str(error.value)


# -- what termination says is lost ---------------------------------------------------------


GUIDE_POD: dict[str, Any] = {
    "id": "11de9260fb52451085f3936c20b0ffdb",
    "name": "Training instance with data",
    "status": "ACTIVE",
    "gpuName": "H100_80GB",
    "gpuCount": 1,
    "priceHr": 1.9,
    "resources": {"memory": 180, "disk": 1250, "sharedDisk": None, "vcpus": 28},
    "attachedResources": [
        {"resourceType": "DISK", "id": "clhxy6aw80000j8080gdf8kqv", "status": "MOUNTED",
         "isDetachable": True, "mountPath": "/data", "size": 500},
        {"resourceType": "DISK", "id": "ephemeral", "status": "ATTACHED",
         "isDetachable": False, "mountPath": "/ephemeral", "size": 750},
    ],
}  # fmt: skip


@pytest.mark.parametrize("with_ephemeral_entry", [True, False])
def test_termination_counts_only_the_local_disk_as_lost(with_ephemeral_entry: bool) -> None:
    """The provisioning guide's pod: resources.disk 1250 = 500 network (kept) + 750 local."""
    pod = dict(GUIDE_POD)
    if not with_ephemeral_entry:
        pod["attachedResources"] = pod["attachedResources"][:1]

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.method == "GET"
        return httpx.Response(200, json=pod)

    mock = httpx.MockTransport(handler)
    with pm.Client(api_key="k", base_url="https://api.example", transport=mock) as client:
        text = client.describe_pod_termination(GUIDE_POD["id"])
        with pytest.raises(pm.ConfirmationRequiredError):
            client.terminate_pod(GUIDE_POD["id"])
    assert "own disk (750 GB) is lost for good" in text
    assert "Network disk clhxy6aw80000j8080gdf8kqv (500 GB) is detached and kept" in text
