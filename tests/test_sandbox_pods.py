"""Pods and disks in the sandbox over real HTTP, walked through their lives on a fake clock.

Fixtures and helpers are `test_sandbox.py`'s (one fake-clock server for this module).
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from prime_magics.sandbox import SandboxServer
from tests.test_sandbox import (
    DISK_DELETE_S,
    DISK_PROVISION_S,
    GUIDE_POD,
    PROVISION_S,
    FakeClock,
    _fresh,
    active_disk,
    api,
    bare,
    clock,
    errors_of,
    pod_body,
    server,
)

# The shared module's fixtures, used here by parameter name.
FIXTURES = (_fresh, api, bare, clock, server)

# ---- pod lifecycle -------------------------------------------------------------------------


def test_pod_provisions_then_installs_then_is_ready(
    api: httpx.Client, server: SandboxServer, clock: FakeClock
) -> None:
    disk_id = active_disk(api, clock)
    r = api.post("/pods/", json=pod_body(disks=[disk_id]))
    assert r.status_code == 200, r.text
    pod = r.json()
    pod_id = pod["id"]
    assert (pod["status"], pod["installationStatus"], pod["sshConnection"]) == (
        "PROVISIONING",
        "PENDING",
        None,
    )
    assert pod["priceHr"] == 1.9 and pod["gpuName"] == "H100_80GB"
    assert pod["attachedResources"][0]["status"] == "UNATTACHED"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", pod["createdAt"])

    def now() -> dict[str, Any]:
        got: dict[str, Any] = api.get(f"/pods/{pod_id}").json()
        return got

    clock.advance(0.4 * PROVISION_S)
    assert (now()["status"], now()["installationStatus"], now()["ip"]) == (
        "PENDING",
        "PENDING",
        None,
    )
    clock.advance(0.3 * PROVISION_S)  # ACTIVE, still installing: not ready yet
    installing = now()
    assert (installing["status"], installing["installationStatus"]) == ("ACTIVE", "PENDING")
    assert 0 < installing["installationProgress"] < 100
    assert re.fullmatch(r"[\w-]+@[\d.]+ -p \d+", installing["sshConnection"])
    clock.advance(0.3 * PROVISION_S)
    pod = now()
    assert (pod["status"], pod["installationStatus"], pod["installationProgress"]) == (
        "ACTIVE",
        "FINISHED",
        100,
    )
    assert pod["ip"] in pod["sshConnection"]
    ports = {m["usedBy"]: m for m in pod["primePortMapping"]}
    assert pod["sshConnection"].endswith(" -p " + ports["SSH"]["external"])
    (mounted,) = [a for a in pod["attachedResources"] if a["id"] == disk_id]
    assert (mounted["status"], mounted["mountPath"], mounted["size"]) == ("MOUNTED", "/data", 500)
    assert set(pod["resources"]) == {"memory", "disk", "shared_disk", "vcpus"}
    assert api.get(f"/disks/{disk_id}").json()["pods"] == [pod_id]
    status = api.get("/pods/status", params={"pod_ids": [pod_id, "unknown"]}).json()
    assert [(s["podId"], s["status"]) for s in status["data"]] == [(pod_id, "ACTIVE")]
    listed = api.get("/pods/").json()
    assert listed["total_count"] == 1 and listed["data"][0]["id"] == pod_id
    assert server.state.live_pod_ids() == [pod_id]

    assert api.delete(f"/pods/{pod_id}").json() == {"status": "TERMINATED"}
    assert api.delete(f"/pods/{pod_id}").json() == {"status": "TERMINATED"}  # idempotent
    assert api.get(f"/disks/{disk_id}").json()["pods"] == []
    gone = now()  # a terminated pod is not a 404
    assert (gone["status"], gone["installationStatus"], gone["sshConnection"]) == (
        "TERMINATED",
        "TERMINATED",
        None,
    )
    assert gone["terminatedAt"].endswith("Z")
    assert api.get("/pods/").json()["total_count"] == 0


def test_log_grows_while_the_pod_installs(api: httpx.Client, clock: FakeClock) -> None:
    pod_id = api.post("/pods/", json=pod_body()).json()["id"]
    counts = []
    for _ in range(4):
        log = api.get(f"/pods/{pod_id}/log").json()
        assert log["podId"] == pod_id
        counts.append(len(log["logs"]))
        clock.advance(PROVISION_S / 3)
    assert counts == sorted(counts) and counts[0] >= 1 and counts[-1] > counts[0]
    last = api.get(f"/pods/{pod_id}/log").json()["logs"]
    assert last[-1].endswith("Installation finished")
    assert api.get(f"/pods/{pod_id}/log", params={"tail": 2}).json()["logs"] == last[-2:]
    assert api.get(f"/pods/{pod_id}/log", params={"tail": 0}).json()["logs"] == []
    assert api.get("/pods/nope/log").status_code == 404


@pytest.mark.parametrize("over_http", [True, False])
def test_controls_reach_the_other_states(
    api: httpx.Client, server: SandboxServer, over_http: bool
) -> None:
    ids = [api.post("/pods/", json=pod_body()).json()["id"] for _ in range(3)]
    failing, stopping, erring = ids
    if over_http:
        control = server.url + "/_sandbox/pods/"
        api.post(control + failing + "/fail-installation", json={"reason": "disk full"})
        api.post(control + stopping + "/stop")
        api.post(control + erring + "/error")
    else:
        server.state.fail_installation(failing, "disk full")
        server.state.stop_pod(stopping)
        server.state.error_pod(erring)
    failed = api.get(f"/pods/{failing}").json()
    assert (failed["status"], failed["installationStatus"]) == ("ACTIVE", "ERROR")
    assert failed["installationFailure"] == "disk full"
    stopped = api.get(f"/pods/{stopping}").json()
    assert (stopped["status"], stopped["sshConnection"]) == ("STOPPED", None)
    errored = api.get(f"/pods/{erring}").json()
    assert errored["status"] == "ERROR" and errored["installationFailure"]
    assert "disk full" in api.get(f"/pods/{failing}/log").json()["logs"][-1]
    api.delete(f"/pods/{erring}")
    refused = api.post(server.url + f"/_sandbox/pods/{erring}/stop")
    assert refused.status_code == 409 and "terminated" in refused.json()["detail"]
    assert api.post(server.url + "/_sandbox/pods/nope/stop").status_code == 404


def test_history_bills_terminated_pods(api: httpx.Client, clock: FakeClock) -> None:
    pod = api.post("/pods/", json=pod_body()).json()
    clock.advance(60)
    api.delete(f"/pods/{pod['id']}")
    history = api.get("/pods/history", params={"sort_by": "createdAt", "sort_order": "asc"}).json()
    (item,) = history["data"]
    assert history["total_count"] == 1 and item["id"] == pod["id"]
    assert item["type"] == "Instance" and item["name"] == "My first pod"
    assert item["priceHr"] == 1.9 and item["terminatedAt"] > item["createdAt"]
    assert item["totalBilledPrice"] == round(1.9 * 60 / 3600, 10)


def test_reset_restarts_the_id_sequence(api: httpx.Client, server: SandboxServer) -> None:
    first = api.post("/pods/", json=pod_body()).json()["id"]
    server.reset()
    assert api.get("/pods/").json()["total_count"] == 0
    assert api.post("/pods/", json=pod_body()).json()["id"] == first


# ---- create pod: the spec's request schema ---------------------------------------------------


def test_price_is_the_guides_quote(api: httpx.Client) -> None:
    changed = pod_body(cloudId="sandbox-H100-custom", diskSize=200, vcpus=20)
    assert api.post("/pods/", json=changed).json()["priceHr"] == 2.83
    default = pod_body(cloudId="sandbox-H100-custom")
    assert api.post("/pods/", json=default).json()["priceHr"] == 2.72


def test_optional_fields_default_and_are_accepted(api: httpx.Client, server: SandboxServer) -> None:
    spec = {k: v for k, v in GUIDE_POD.items() if k not in ("name", "image")}
    extra = {"sshKeyId": "key-1", "jupyterPassword": "pw", "autoRestart": True, "prepaidForHr": 2.5}
    body = {"pod": {**spec, **extra}, "provider": {"type": "hyperstack"}, "unknownTopLevel": 1}
    r = api.post("/pods/", json=body)
    assert r.status_code == 200, r.text
    pod = r.json()
    assert pod["environmentType"] == "ubuntu_22_cuda_12" and pod["name"].startswith("pod-")
    assert pod["autoRestart"] is True
    facts = api.get(server.url + f"/_sandbox/pods/{pod['id']}").json()
    assert (facts["sshKeyId"], facts["prepaidForHr"]) == ("key-1", 2.5)


@pytest.mark.parametrize(
    ("changes", "param"),
    [
        ({"cloudId": "sandbox-H100-custom", "diskSize": 1010}, "pod.diskSize"),
        ({"cloudId": "sandbox-H100-custom", "diskSize": 205}, "pod.diskSize"),
        ({"cloudId": "sandbox-H100-custom", "vcpus": 2}, "pod.vcpus"),
        ({"diskSize": 200}, "pod.diskSize"),  # fixed on n3-H100x1
        ({"cloudId": "n3-H100x9"}, "pod.cloudId"),
        ({"dataCenterId": "NOWHERE-1"}, "pod.cloudId"),
        ({"image": "windows_95"}, "pod.image"),  # not in EnvironmentType
        ({"image": "hivemind"}, "pod.image"),  # in the enum, not offered here
        ({"image": "custom_template"}, "pod.customTemplateId"),
        ({"gpuCount": "many"}, "pod.gpuCount"),
        ({"gpuCount": 0}, "pod.gpuCount"),
        ({"name": None}, "pod.name"),
        ({"socket": None}, "pod.socket"),
        ({"favouriteColour": "blue"}, "pod.favouriteColour"),  # additionalProperties: false
    ],
)
def test_invalid_pod_bodies_get_422_at_the_field(
    api: httpx.Client, changes: dict[str, Any], param: str
) -> None:
    ((got, details),) = errors_of(api.post("/pods/", json=pod_body(**changes)))
    assert got == param and details
    assert api.get("/pods/").json()["total_count"] == 0


def test_missing_socket_is_a_422(api: httpx.Client) -> None:
    body = pod_body()
    del body["pod"]["socket"]
    assert errors_of(api.post("/pods/", json=body))[0][0] == "pod.socket"


@pytest.mark.parametrize(
    "sharing",
    [
        {"shared_with_team": True, "team_member_ids": ["u1", "u2"]},
        {"sharedWithTeam": True, "teamMemberIds": ["u1", "u2"]},
    ],
)
def test_sharing_is_recorded_in_either_spelling(
    api: httpx.Client, server: SandboxServer, sharing: dict[str, Any]
) -> None:
    refused = errors_of(api.post("/pods/", json={**pod_body(), **sharing}))
    assert {param for param, _ in refused} == set(sharing)
    assert all("team" in details for _, details in refused)
    body = {**pod_body(), **sharing, "team": {"teamId": "t1"}}
    ok = api.post("/pods/", json=body)
    assert ok.status_code == 200 and ok.json()["teamId"] == "t1"
    facts = api.get(server.url + f"/_sandbox/pods/{ok.json()['id']}").json()
    assert (facts["sharedWithTeam"], facts["teamMemberIds"]) == (True, ["u1", "u2"])


def test_security_null_is_resolved_on_the_twin_the_body_fits(api: httpx.Client) -> None:
    """The official CLI sends `security: null`; a secure/community twin must not trip it.

    The guide's runpod offer has a community twin with a fixed disk listed first: a
    diskSize only the secure twin allows must land there, not be checked against the twin.
    """
    twins = api.get(
        "/availability/gpus", params={"cloud_id": "NVIDIA H100 PCIe", "data_center_id": "US-KS-2"}
    ).json()["items"]
    assert [o["security"] for o in twins] == ["community_cloud", "secure_cloud"]
    spec = {
        "name": "cli",
        "cloudId": "NVIDIA H100 PCIe",
        "gpuType": "H100_80GB",
        "socket": "PCIe",
        "gpuCount": 1,
        "dataCenterId": "US-KS-2",
        "diskSize": 200,
        "security": None,
    }
    r = api.post("/pods/", json={"pod": spec, "provider": {"type": "runpod"}})
    assert r.status_code == 200, r.text
    assert r.json()["priceHr"] == round(2.69 + 200 * 0.00014, 10)  # the secure twin's quote
    plain = api.post(
        "/pods/", json={"pod": {**spec, "diskSize": None}, "provider": {"type": "runpod"}}
    )
    assert plain.status_code == 200 and plain.json()["priceHr"] == 2.19  # first twin that fits
    secure = {**spec, "diskSize": None, "security": "secure_cloud"}
    assert api.post("/pods/", json={"pod": secure, "provider": {"type": "runpod"}}).json()[
        "priceHr"
    ] == round(2.69 + 80 * 0.00014, 10)
    community = {**spec, "security": "community_cloud"}
    ((param, _),) = errors_of(
        api.post("/pods/", json={"pod": community, "provider": {"type": "runpod"}})
    )
    assert param == "pod.diskSize"


# ---- disks ---------------------------------------------------------------------------------


def test_disk_create_prices_and_names(api: httpx.Client) -> None:
    r = api.post(
        "/disks/",
        json={
            "disk": {"size": 500, "dataCenterId": "CANADA-1"},
            "provider": {"type": "hyperstack"},
        },
    )
    disk = r.json()
    assert r.status_code == 200 and disk["status"] == "PROVISIONING"
    assert disk["priceHr"] == 0.075 and disk["name"] and disk["info"]["dataCenterId"] == "CANADA-1"
    renamed = api.patch(f"/disks/{disk['id']}", json={"name": "renamed"})
    assert renamed.json()["name"] == "renamed"
    assert api.get("/disks/").json()["data"][0]["name"] == "renamed"
    only_size = api.post("/disks/", json={"disk": {"size": 10}, "provider": {"type": "hyperstack"}})
    assert only_size.status_code == 200 and only_size.json()["size"] == 10


@pytest.mark.parametrize(
    ("disk", "param"),
    [
        ({"size": 0, "dataCenterId": "CANADA-1"}, "disk.size"),
        ({"size": 100001, "dataCenterId": "CANADA-1"}, "disk.size"),
        ({"size": 10, "dataCenterId": "MOON-1"}, "disk.dataCenterId"),
        ({"size": 10, "name": "x" * 256}, "disk.name"),
        ({"size": 10, "name": None}, "disk.name"),
        ({"size": 10, "colour": "red"}, "disk.colour"),
    ],
)
def test_invalid_disk_bodies_get_422(api: httpx.Client, disk: dict[str, Any], param: str) -> None:
    r = api.post("/disks/", json={"disk": disk, "provider": {"type": "hyperstack"}})
    assert errors_of(r)[0][0] == param


def test_disk_delete_refused_while_attached_then_deleting_then_gone(
    api: httpx.Client, clock: FakeClock
) -> None:
    disk_id = active_disk(api, clock)
    pod = api.post("/pods/", json=pod_body(disks=[disk_id])).json()
    refused = api.delete(f"/disks/{disk_id}")
    assert refused.status_code == 409 and pod["id"] in refused.json()["detail"]
    api.delete(f"/pods/{pod['id']}")
    assert api.delete(f"/disks/{disk_id}").json() == {"status": "DELETING"}
    assert api.get("/disks/").json()["data"][0]["status"] == "DELETING"
    clock.advance(DISK_DELETE_S)
    gone = api.get(f"/disks/{disk_id}").json()
    assert gone["status"] == "TERMINATED" and gone["terminatedAt"].endswith("Z")
    assert api.delete(f"/disks/{disk_id}").json() == {"status": "TERMINATED"}
    assert api.get("/disks/").json()["total_count"] == 0
    assert api.delete("/disks/nope").json() == {"detail": "Disk nope not found"}


def test_disk_elsewhere_or_not_ready_cannot_be_attached(
    api: httpx.Client, clock: FakeClock
) -> None:
    elsewhere = active_disk(api, clock, data_center="US-1")
    ((param, details),) = errors_of(api.post("/pods/", json=pod_body(disks=[elsewhere])))
    assert param == "disks.0" and "US-1" in details
    fresh = api.post(
        "/disks/",
        json={"disk": {"size": 10, "dataCenterId": "CANADA-1"}, "provider": {"type": "hyperstack"}},
    ).json()
    ((param, details),) = errors_of(api.post("/pods/", json=pod_body(disks=[fresh["id"]])))
    assert "PROVISIONING" in details
    assert DISK_PROVISION_S > 0


def test_unknown_pod_is_404_with_its_id(api: httpx.Client) -> None:
    for r in (api.get("/pods/abc123"), api.delete("/pods/abc123")):
        assert r.status_code == 404 and r.json() == {"detail": "Pod abc123 not found"}
