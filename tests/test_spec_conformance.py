"""The sandbox against the real service's own OpenAPI spec, with schemathesis.

Every operation of `../shared/openapi/compute.yml` the sandbox implements is called with
data generated from the spec and its answers are checked: no server errors, the
response body valid against the operation's response schema, the declared content type,
and every request the spec calls valid accepted (not a 400/422). Bounded and
reproducible: derandomized Hypothesis, a few examples per operation, no coverage or
stateful phases. Requests go over HTTP to a sandbox started on 127.0.0.1.

Random ids never name a real pod or disk, so the sandbox is first seeded (on a fake
clock) with pods and disks in every state it can show, and their real answers are
validated against the same spec by `test_seeded_answers_conform_to_the_spec`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    positive_data_acceptance,
    response_schema_conformance,
)

from prime_magics.sandbox import SandboxConfig, SandboxServer, start_sandbox  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SPEC = REPO / ".." / "shared" / "openapi" / "compute.yml"
if not SPEC.is_file():
    pytest.skip(f"the real API's spec is not at {SPEC.resolve()}", allow_module_level=True)

AUTH = {"Authorization": "Bearer conformance-test"}
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    content_type_conformance,
    positive_data_acceptance,
]
# Every operation of compute.yml is served; none is excluded.
NOT_IMPLEMENTED: tuple[str, ...] = ()
# A body the spec calls valid still names an offer (cloudId, provider, data centre) or a
# disk location that must exist in the catalogue; random ones do not, and the sandbox
# refuses them with a 422 as the real server does. So these two skip the "positive data
# accepted" check here; test_sandbox.py creates pods and disks from real offers instead.
# The same for an SSH key: a schema-valid string is rarely an OpenSSH public key, which
# the sandbox (like the real service) checks.
CATALOGUE_BOUND = (
    "create_pod_api_v1_pods__post",
    "create_disk_api_v1_disks__post",
    "upload_ssh_key_api_v1_ssh_keys__post",
)

schema = schemathesis.openapi.from_path(SPEC)
schema.config.phases.update(phases=["examples", "fuzzing"])
schema = schema.exclude(operation_id=list(NOT_IMPLEMENTED))


class FakeClock:
    """The sandbox's monotonic clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


GUIDE_POD = {
    "name": "conformance",
    "cloudId": "n3-H100x1",
    "gpuType": "H100_80GB",
    "socket": "PCIe",
    "gpuCount": 1,
    "dataCenterId": "CANADA-1",
    "security": None,
}
PROVIDER = {"type": "hyperstack"}


def _seed(api: httpx.Client, state: Any, clock: FakeClock) -> dict[str, str]:
    """Pods and disks in every state, by name (provisioning takes 10 s, disks 5 s)."""
    made: dict[str, str] = {}

    def pod(name: str, **extra: Any) -> str:
        r = api.post(
            "/pods/", json={"pod": {**GUIDE_POD, "name": name}, "provider": PROVIDER, **extra}
        )
        assert r.status_code == 200, r.text
        made[name] = r.json()["id"]
        return made[name]

    def disk(name: str) -> str:
        body = {
            "disk": {"size": 50, "name": name, "dataCenterId": "CANADA-1"},
            "provider": PROVIDER,
        }
        r = api.post("/disks/", json=body)
        assert r.status_code == 200, r.text
        made[name] = r.json()["id"]
        return made[name]

    disk("disk-attached")
    disk("disk-deleted")
    clock.now += 6  # disks ACTIVE (5 s)
    pod("finished", disks=[made["disk-attached"]])
    for name in ("stopped", "install-failed", "errored", "terminated"):
        pod(name)
    api.delete(f"/disks/{made['disk-deleted']}").raise_for_status()
    clock.now += 5
    state.stop_pod(made["stopped"])
    state.fail_installation(made["install-failed"], "disk full")
    state.error_pod(made["errored"])
    api.delete(f"/pods/{made['terminated']}").raise_for_status()
    clock.now += 4
    pod("installing")  # 6 s before the end: ACTIVE, installing
    clock.now += 2
    pod("pending")  # 4 s: PENDING
    clock.now += 3
    pod("provisioning")  # 1 s: PROVISIONING
    disk("disk-provisioning")
    clock.now += 1
    return made


@pytest.fixture(scope="module")
def seeded() -> Iterator[tuple[SandboxServer, dict[str, str]]]:
    clock = FakeClock()
    config = SandboxConfig(provision_seconds=10, disk_provision_seconds=5)
    with start_sandbox(config, monotonic=clock) as made:
        with httpx.Client(base_url=made.url + "/api/v1", headers=AUTH, timeout=10) as api:
            ids = _seed(api, made.state, clock)
        yield made, ids


@pytest.fixture(scope="module")
def server(seeded: tuple[SandboxServer, dict[str, str]]) -> SandboxServer:
    return seeded[0]


@schema.parametrize()  # type: ignore[untyped-decorator]  # schemathesis ships it untyped
@settings(
    max_examples=50,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_operation_conforms_to_the_spec(case: Any, server: SandboxServer) -> None:
    excluded = (
        [positive_data_acceptance]
        if case.operation.definition.raw.get("operationId") in CATALOGUE_BOUND
        else []
    )
    case.call_and_validate(
        base_url=server.url, headers=AUTH, checks=CHECKS, excluded_checks=excluded
    )


def test_every_implemented_operation_is_exercised() -> None:
    """The exclusions are by name: a renamed operation must not silently drop out."""
    ids = {op.ok().definition.raw["operationId"] for op in schema.get_all_operations()}
    assert len(ids) == 23
    assert not ids & set(NOT_IMPLEMENTED)
    assert set(CATALOGUE_BOUND) <= ids


def _check(path: str, method: str, response: httpx.Response) -> Any:
    """Validate against the spec's schema for this operation and status; the JSON."""
    schema[path][method].validate_response(response)  # raises when it does not conform
    return response.json()


def test_seeded_answers_conform_to_the_spec(
    seeded: tuple[SandboxServer, dict[str, str]],
) -> None:
    server, ids = seeded
    pods = {k: v for k, v in ids.items() if not k.startswith("disk")}
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=10) as api:
        seen = {}
        for name, pod_id in pods.items():
            pod = _check("/api/v1/pods/{pod_id}", "GET", api.get(f"/api/v1/pods/{pod_id}"))
            seen[name] = (
                pod["status"],
                pod["installationStatus"],
                pod["sshConnection"] is not None,
            )
            _check("/api/v1/pods/{pod_id}/log", "GET", api.get(f"/api/v1/pods/{pod_id}/log"))
        assert seen == {
            "finished": ("ACTIVE", "FINISHED", True),
            "stopped": ("STOPPED", "FINISHED", False),
            "install-failed": ("ACTIVE", "ERROR", True),
            "errored": ("ERROR", "ERROR", False),
            "terminated": ("TERMINATED", "TERMINATED", False),
            "installing": ("ACTIVE", "PENDING", True),
            "pending": ("PENDING", "PENDING", False),
            "provisioning": ("PROVISIONING", "PENDING", False),
        }
        listed = _check("/api/v1/pods/", "GET", api.get("/api/v1/pods/"))
        assert listed["total_count"] == len(pods) - 1  # all but the terminated one
        status = api.get("/api/v1/pods/status", params={"pod_ids": list(pods.values())})
        assert len(_check("/api/v1/pods/status", "GET", status)["data"]) == len(pods)
        history = _check("/api/v1/pods/history", "GET", api.get("/api/v1/pods/history"))
        assert [h["id"] for h in history["data"]] == [ids["terminated"]]
        disks = _check("/api/v1/disks/", "GET", api.get("/api/v1/disks/"))
        assert {d["status"] for d in disks["data"]} == {"ACTIVE", "PROVISIONING"}
        gone = api.get(f"/api/v1/disks/{ids['disk-deleted']}")
        assert _check("/api/v1/disks/{disk_id}", "GET", gone)["status"] == "TERMINATED"
        again = api.delete(f"/api/v1/pods/{ids['terminated']}")
        assert _check("/api/v1/pods/{pod_id}", "DELETE", again) == {"status": "TERMINATED"}
        clusters = api.get("/api/v1/availability/multi-node").json()["items"]
        multi = next(o for o in clusters if o["stockStatus"] != "Unavailable")
        body = {
            "pod": {
                "name": "cluster",
                "cloudId": multi["cloudId"],
                "gpuType": multi["gpuType"],
                "socket": multi["socket"],
                "gpuCount": multi["gpuCount"],
                "dataCenterId": multi["dataCenter"],
            },
            "provider": {"type": multi["provider"]},
        }
        created = _check("/api/v1/pods/", "POST", api.post("/api/v1/pods/", json=body))
        assert created["status"] == "PROVISIONING"


@pytest.mark.parametrize(
    "body",
    [
        {"pod": {**GUIDE_POD, "name": None}, "provider": PROVIDER},  # FastAPI's validation
        {"pod": {**GUIDE_POD, "diskSize": 5000}, "provider": PROVIDER},  # the catalogue's
    ],
)
def test_422_bodies_are_the_spec_envelope(server: SandboxServer, body: dict[str, Any]) -> None:
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=10) as api:
        r = api.post("/api/v1/pods/", json=body)
    assert r.status_code == 422
    (error,) = _check("/api/v1/pods/", "POST", r)["errors"]
    assert error["param"] in ("pod.name", "pod.diskSize") and error["details"]


def test_whole_catalogue_conforms_to_the_spec(server: SandboxServer) -> None:
    """Every offer, not only the first pages random queries happen to reach."""
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=10) as api:
        for path, expected in (
            ("/api/v1/availability/gpus", 320),
            ("/api/v1/availability/multi-node", 12),
            ("/api/v1/availability/disks", None),
        ):
            page, seen, total = 1, 0, -1
            while seen != total:
                r = api.get(path, params={"page": page, "page_size": 100})
                body = _check(path, "GET", r)
                total, seen, page = body["totalCount"], seen + len(body["items"]), page + 1
            assert expected in (None, total)
        legacy = _check("/api/v1/availability/", "GET", api.get("/api/v1/availability/"))
        assert sum(len(v) for v in legacy.values()) == 320
        clusters = api.get("/api/v1/availability/clusters")
        assert (
            sum(len(v) for v in _check("/api/v1/availability/clusters", "GET", clusters).values())
            == 12
        )
        for path in ("/api/v1/availability/gpu-summary", "/api/v1/availability/multi-node-summary"):
            assert _check(path, "GET", api.get(path))
