"""The sandbox over real HTTP: the contract other modules' tests rely on.

One server for the module (starting one per test would dominate the run time), reset
through its own `/_sandbox/reset` before every test so tests stay independent. Lifecycle
tests poll with a bounded wait instead of sleeping a fixed time.
"""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from prime_magics.sandbox import SandboxConfig, SandboxServer, create_app, start_sandbox
from prime_magics.sandbox.__main__ import parse_args

REPO = Path(__file__).resolve().parents[1]
KEY = {"Authorization": "Bearer test-key"}
OFFER_KEYS = {
    "cloudId",
    "gpuType",
    "socket",
    "provider",
    "region",
    "dataCenter",
    "country",
    "gpuCount",
    "gpuMemory",
    "disk",
    "sharedDisk",
    "vcpu",
    "memory",
    "internetSpeed",
    "interconnect",
    "interconnectType",
    "provisioningTime",
    "stockStatus",
    "security",
    "prices",
    "images",
    "isSpot",
    "prepaidTime",
}
SPEC_KEYS = {
    "minCount",
    "defaultCount",
    "maxCount",
    "pricePerUnit",
    "step",
    "defaultIncludedInPrice",
    "additionalInfo",
}
GUIDE_POD = {
    "name": "My first pod",
    "cloudId": "n3-H100x1",
    "gpuType": "H100_80GB",
    "socket": "PCIe",
    "gpuCount": 1,
    "image": "ubuntu_22_cuda_12",
    "dataCenterId": "CANADA-1",
    "country": "CA",
    "security": "secure_cloud",
}


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    """This module's own sandbox (not conftest's), so these tests pin the sandbox alone."""
    with start_sandbox(SandboxConfig(provision_seconds=0.3, disk_provision_seconds=0.2)) as made:
        yield made


@pytest.fixture(scope="module")
def api(server: SandboxServer) -> Iterator[httpx.Client]:
    # Module-scoped: building an httpx client (its SSL context) costs more than a test.
    with httpx.Client(base_url=server.url + "/api/v1", headers=KEY, timeout=5) as client:
        yield client


@pytest.fixture(scope="module")
def bare() -> Iterator[httpx.Client]:
    """No key: for auth tests and the unauthenticated `/_sandbox` controls."""
    with httpx.Client(timeout=5) as client:
        yield client


@pytest.fixture(autouse=True)
def _fresh(server: SandboxServer, api: httpx.Client) -> None:
    api.post(server.url + "/_sandbox/reset").raise_for_status()


def wait_for(fetch: Callable[[], dict[str, Any]], done: Callable[[dict[str, Any]], bool]) -> Any:
    """Poll until `done` holds (at most 5 s), returning the last response."""
    deadline = time.monotonic() + 5
    while True:
        value = fetch()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.03)


def pod_body(disks: list[str] | None = None, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"pod": {**GUIDE_POD, **changes}, "provider": {"type": "hyperstack"}}
    if disks is not None:
        body["disks"] = disks
    return body


def active_disk(api: httpx.Client, data_center: str = "CANADA-1", size: int = 500) -> str:
    disk = {"size": size, "name": "data", "dataCenterId": data_center}
    r = api.post("/disks", json={"disk": disk, "provider": {"type": "hyperstack"}})
    assert r.status_code == 201, r.text
    disk_id: str = r.json()["id"]
    got = wait_for(lambda: api.get(f"/disks/{disk_id}").json(), lambda d: d["status"] == "ACTIVE")
    assert got["status"] == "ACTIVE"
    return disk_id


def all_offers(api: httpx.Client, path: str = "/availability/gpus", **params: Any) -> list[Any]:
    first = api.get(path, params={**params, "page_size": 100}).json()
    items: list[Any] = first["items"]
    page = 2
    while len(items) < first["totalCount"]:
        items += api.get(path, params={**params, "page": page, "page_size": 100}).json()["items"]
        page += 1
    return items


def offer_id(o: dict[str, Any]) -> tuple[Any, ...]:
    return (o["provider"], o["cloudId"], o["gpuCount"], o["socket"], o["dataCenter"], o["security"])


# ---- auth, paths, pagination, validation ---------------------------------------------------


def test_api_needs_a_non_empty_bearer_key(server: SandboxServer, bare: httpx.Client) -> None:
    url = server.url + "/api/v1/availability/gpus"
    for headers in ({}, {"Authorization": "Bearer"}, {"Authorization": "Basic abc"}):
        r = bare.get(url, headers=headers)
        assert r.status_code == 401
        assert "Bearer" in r.json()["detail"]
    ok = bare.get(url, headers={"Authorization": "Bearer anything"})
    assert ok.status_code == 200 and ok.headers["x-prime-sandbox"] == "1"
    assert r.headers["x-prime-sandbox"] == "1"  # even refusals say they are simulated


def test_trailing_slash_is_served_without_redirect(api: httpx.Client) -> None:
    for path in ("/pods", "/pods/", "/disks/", "/availability/gpus/"):
        r = api.get(path)
        assert r.status_code == 200, path
        assert not r.history


def test_pages_concatenate_to_total_count_distinct_offers(api: httpx.Client) -> None:
    first = api.get("/availability/gpus", params={"page_size": 70}).json()
    assert first["totalCount"] == 320
    items = list(first["items"])
    page = 2
    while len(items) < first["totalCount"]:
        batch = api.get("/availability/gpus", params={"page": page, "page_size": 70}).json()
        assert batch["totalCount"] == 320 and batch["items"]
        items += batch["items"]
        page += 1
    assert len(items) == 320 and len({offer_id(o) for o in items}) == 320
    beyond = api.get("/availability/gpus", params={"page": page, "page_size": 70}).json()
    assert beyond == {"items": [], "totalCount": 320}


@pytest.mark.parametrize(
    ("params", "loc"),
    [
        ({"page_size": 101}, ["query", "page_size"]),
        ({"page_size": 0}, ["query", "page_size"]),
        ({"page": 0}, ["query", "page"]),
        ({"regions": "mars"}, ["query", "regions", 0]),
        ({"security": "cheap_cloud"}, ["query", "security"]),
    ],
)
def test_bad_query_values_get_fastapi_422(
    api: httpx.Client, params: dict[str, Any], loc: list[Any]
) -> None:
    r = api.get("/availability/gpus", params=params)
    assert r.status_code == 422
    (error,) = r.json()["detail"]
    assert error["loc"] == loc and error["msg"] and error["type"]


def test_filters_narrow_the_catalogue(api: httpx.Client) -> None:
    h100 = all_offers(api, gpu_type="H100_80GB")
    assert h100 and {o["gpuType"] for o in h100} == {"H100_80GB"}
    both = all_offers(api, regions=["canada", "eu_north"])
    assert {o["region"] for o in both} == {"canada", "eu_north"}
    community = all_offers(api, security="community_cloud")
    assert community and {o["security"] for o in community} == {"community_cloud"}
    eight = all_offers(api, gpu_count=8, socket="SXM5")
    assert eight and all(o["gpuCount"] == 8 and o["socket"] == "SXM5" for o in eight)
    assert len(h100) + len(all_offers(api, gpu_type="A100_80GB")) < 320


def test_disks_filter_keeps_offers_in_the_disks_location(api: httpx.Client) -> None:
    disk_id = active_disk(api)
    offers = all_offers(api, disks=disk_id)
    assert offers and {(o["provider"], o["dataCenter"]) for o in offers} == {
        ("hyperstack", "CANADA-1")
    }
    assert "n3-H100x1" in {o["cloudId"] for o in offers}
    r = api.get("/availability/gpus", params={"disks": "no-such-disk"})
    assert r.status_code == 404 and "no-such-disk" in r.json()["detail"]


def test_multi_node_offers_are_clusters_on_their_own_endpoint(api: httpx.Client) -> None:
    multi = all_offers(api, "/availability/multi-node")
    assert len(multi) == 12
    assert all(o["isMultinode"] is True and o["gpuCount"] >= 16 for o in multi)
    assert all(o["interconnect"] and o["interconnectType"] == "InfiniBand" for o in multi)
    single = all_offers(api)
    assert all("isMultinode" not in o and o["gpuCount"] <= 8 for o in single)


def test_offers_have_the_real_api_shape_and_variety(api: httpx.Client) -> None:
    offers = all_offers(api)
    assert all(set(o) == OFFER_KEYS for o in offers)
    assert all(set(o[k]) == SPEC_KEYS for o in offers for k in ("disk", "vcpu", "memory"))
    assert {o["provider"] for o in offers} >= {"runpod", "hyperstack", "datacrunch", "nebius"}
    assert any(o["sharedDisk"] is None for o in offers)
    assert any(o["sharedDisk"] is not None for o in offers)
    assert any(o["isSpot"] is True for o in offers)
    assert any(o["prices"]["isVariable"] is True for o in offers)
    assert any(o["prices"]["onDemand"] is None and o["prices"]["communityPrice"] for o in offers)
    unpriced = [
        o for o in offers if o["prices"]["onDemand"] is o["prices"]["communityPrice"] is None
    ]
    assert unpriced
    assert any(o["disk"]["defaultIncludedInPrice"] is True for o in offers)
    assert any(
        o["disk"]["additionalInfo"] and len(o["disk"]["additionalInfo"]) > 100 for o in offers
    )


def test_guide_offers_are_served_verbatim(api: httpx.Client) -> None:
    (hyper,) = api.get(
        "/availability/gpus", params={"cloud_id": "n3-H100x1", "data_center_id": "CANADA-1"}
    ).json()["items"]
    assert hyper["prices"]["onDemand"] == 1.9 and hyper["provider"] == "hyperstack"
    assert hyper["disk"]["defaultCount"] == 100 and hyper["disk"]["minCount"] is None
    assert hyper["vcpu"]["defaultCount"] == 180 and hyper["memory"]["defaultCount"] == 180
    (runpod,) = api.get(
        "/availability/gpus", params={"cloud_id": "NVIDIA H100 PCIe", "data_center_id": "US-KS-2"}
    ).json()["items"]
    assert runpod["disk"] == {
        "minCount": 80,
        "defaultCount": 80,
        "maxCount": 1000,
        "pricePerUnit": 0.00014,
        "step": 1,
        "defaultIncludedInPrice": False,
        "additionalInfo": None,
    }
    assert runpod["prices"]["onDemand"] == 2.69 and runpod["stockStatus"] == "Low"
    (custom,) = api.get("/availability/gpus", params={"cloud_id": "sandbox-H100-custom"}).json()[
        "items"
    ]
    assert custom["disk"]["step"] == 10 and custom["disk"]["pricePerUnit"] == 0.0003
    assert custom["vcpu"]["defaultIncludedInPrice"] is True and custom["vcpu"]["maxCount"] == 32
    disks = api.get("/availability/disks", params={"data_center_id": "CANADA-1"}).json()["items"]
    assert [
        (d["provider"], d["spec"]["pricePerUnit"], d["spec"]["minCount"], d["spec"]["maxCount"])
        for d in disks
    ] == [("hyperstack", 0.00015, 1, 100000)]


def test_disk_offers_cover_most_gpu_data_centres(api: httpx.Client) -> None:
    disk_offers = all_offers(api, "/availability/disks")
    places = {(d["provider"], d["dataCenter"]) for d in disk_offers}
    gpu_places = {(o["provider"], o["dataCenter"]) for o in all_offers(api)}
    assert places <= gpu_places and len(places) > len(gpu_places) / 2
    assert {d["isMultinode"] for d in disk_offers} == {True, False}
    assert {d["cloudId"] is None for d in disk_offers} == {True, False}
    us = api.get("/availability/disks", params={"regions": "united_states"}).json()
    assert us["totalCount"] and {d["region"] for d in us["items"]} == {"united_states"}


def test_gpu_summary_is_the_cheapest_listed_price(api: httpx.Client) -> None:
    summary = api.get("/availability/gpu-summary").json()
    offers = all_offers(api, gpu_type="H100_80GB", gpu_count=1)
    on_demand = [o["prices"]["onDemand"] for o in offers if not o["isSpot"]]
    cheapest = summary["H100_80GB"]["1"]["cheapest"]
    assert set(cheapest) == {"onDemand", "communityPrice", "spotPrice"}
    assert cheapest["onDemand"] == min(p for p in on_demand if p is not None)
    assert summary["H100_80GB"]["1"]["canada"]["onDemand"] == 1.9


def test_same_seed_gives_identical_bytes_and_ids() -> None:
    def snapshot(seed: int) -> list[bytes]:
        with start_sandbox(SandboxConfig(seed=seed)) as seeded:
            paths = [
                "/availability/gpus?page=2&page_size=100",
                "/availability/multi-node",
                "/availability/disks",
                "/availability/gpu-summary",
            ]
            with httpx.Client(base_url=seeded.url + "/api/v1", headers=KEY) as client:
                out = [client.get(p).content for p in paths]
                created = client.post("/pods", json=pod_body()).json()
                second = client.post("/pods", json=pod_body()).json()
            return [*out, created["id"].encode(), second["id"].encode()]

    first, again, other = snapshot(7), snapshot(7), snapshot(8)
    assert first == again
    assert re.fullmatch(rb"[0-9a-f]{32}", first[4])
    assert first[0] != other[0] and first[4] != other[4]


# ---- pods ----------------------------------------------------------------------------------


def test_pod_goes_active_with_ssh_and_its_disk_mounted(
    api: httpx.Client, server: SandboxServer
) -> None:
    disk_id = active_disk(api)
    r = api.post("/pods/", json=pod_body(disks=[disk_id]))
    assert r.status_code == 200, r.text
    pod = r.json()
    assert (pod["status"], pod["installationStatus"], pod["sshConnection"]) == (
        "PROVISIONING",
        "PENDING",
        None,
    )
    assert pod["priceHr"] == 1.9 and pod["gpuName"] == "H100_80GB"
    assert pod["attachedResources"][0]["status"] == "UNATTACHED"
    pod = wait_for(lambda: api.get(f"/pods/{pod['id']}").json(), lambda p: p["status"] == "ACTIVE")
    assert pod["status"] == "ACTIVE" and pod["installationStatus"] == "FINISHED"
    assert pod["installationProgress"] == 100
    assert re.fullmatch(r"root@[\d.]+ -p \d+", pod["sshConnection"])
    assert pod["ip"] in pod["sshConnection"]
    ports = {m["usedBy"]: m for m in pod["primePortMapping"]}
    assert ports["SSH"]["internal"] == "22" and pod["sshConnection"].endswith(
        ports["SSH"]["external"]
    )
    (mounted,) = [a for a in pod["attachedResources"] if a["id"] == disk_id]
    assert (mounted["status"], mounted["mountPath"], mounted["size"]) == ("MOUNTED", "/data", 500)
    assert api.get(f"/disks/{disk_id}").json()["pods"] == [pod["id"]]
    status = api.get("/pods/status", params={"pod_ids": [pod["id"], "unknown"]}).json()
    assert [(s["podId"], s["status"]) for s in status["data"]] == [(pod["id"], "ACTIVE")]
    listed = api.get("/pods").json()
    assert listed["total_count"] == 1 and listed["data"][0]["id"] == pod["id"]
    assert server.state.live_pod_ids() == [pod["id"]]

    assert api.delete(f"/pods/{pod['id']}").json() == {"status": "TERMINATED"}
    assert api.get(f"/disks/{disk_id}").json()["pods"] == []
    assert api.get(f"/pods/{pod['id']}").json()["status"] == "TERMINATED"
    assert api.get("/pods").json()["total_count"] == 0


def test_price_is_the_guides_quote(api: httpx.Client) -> None:
    changed = pod_body(cloudId="sandbox-H100-custom", diskSize=200, vcpus=20)
    assert api.post("/pods", json=changed).json()["priceHr"] == 2.83
    default = pod_body(cloudId="sandbox-H100-custom")
    assert api.post("/pods", json=default).json()["priceHr"] == 2.72


@pytest.mark.parametrize(
    ("changes", "loc"),
    [
        ({"cloudId": "sandbox-H100-custom", "diskSize": 1010}, ["body", "pod", "diskSize"]),
        ({"cloudId": "sandbox-H100-custom", "diskSize": 205}, ["body", "pod", "diskSize"]),
        ({"cloudId": "sandbox-H100-custom", "vcpus": 2}, ["body", "pod", "vcpus"]),
        ({"diskSize": 200}, ["body", "pod", "diskSize"]),  # fixed on n3-H100x1
        ({"cloudId": "n3-H100x9"}, ["body", "pod", "cloudId"]),
        ({"dataCenterId": "NOWHERE-1"}, ["body", "pod", "cloudId"]),
        ({"image": "windows_95"}, ["body", "pod", "image"]),
        ({"image": "custom_template"}, ["body", "pod", "customTemplateId"]),
        ({"gpuCount": "many"}, ["body", "pod", "gpuCount"]),
    ],
)
def test_invalid_pod_bodies_get_422_at_the_field(
    api: httpx.Client, changes: dict[str, Any], loc: list[Any]
) -> None:
    r = api.post("/pods", json=pod_body(**changes))
    assert r.status_code == 422
    assert [e["loc"] for e in r.json()["detail"]] == [loc]
    assert api.get("/pods").json()["total_count"] == 0


def test_sharing_needs_a_team(api: httpx.Client) -> None:
    r = api.post("/pods", json={**pod_body(), "sharedWithTeam": True})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "sharedWithTeam"]
    ok = api.post("/pods", json={**pod_body(), "sharedWithTeam": True, "team": {"teamId": "t1"}})
    assert ok.status_code == 200 and ok.json()["teamId"] == "t1"


def test_disk_elsewhere_or_not_ready_cannot_be_attached(api: httpx.Client) -> None:
    elsewhere = active_disk(api, data_center="US-1")
    r = api.post("/pods", json=pod_body(disks=[elsewhere]))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "disks", 0]
    assert "US-1" in r.json()["detail"][0]["msg"]
    fresh = api.post(
        "/disks",
        json={"disk": {"size": 10, "dataCenterId": "CANADA-1"}, "provider": {"type": "hyperstack"}},
    ).json()
    r = api.post("/pods", json=pod_body(disks=[fresh["id"]]))
    assert r.status_code == 422 and "PROVISIONING" in r.json()["detail"][0]["msg"]


def test_unknown_pod_is_404_with_its_id(api: httpx.Client) -> None:
    for r in (api.get("/pods/abc123"), api.delete("/pods/abc123")):
        assert r.status_code == 404 and r.json() == {"detail": "Pod abc123 not found"}


def test_history_bills_terminated_pods(api: httpx.Client) -> None:
    pod = api.post("/pods", json=pod_body()).json()
    time.sleep(0.05)
    api.delete(f"/pods/{pod['id']}")
    history = api.get("/pods/history", params={"sort_by": "createdAt", "sort_order": "asc"}).json()
    (item,) = history["data"]
    assert history["total_count"] == 1 and item["id"] == pod["id"]
    assert item["priceHr"] == 1.9 and item["terminatedAt"] >= item["createdAt"]
    assert 0 < item["totalBilledPrice"] < 1.9 * 60 / 3600  # under a minute's worth
    assert api.get("/pods/history", params={"sort_by": "size"}).status_code == 422


def test_reset_restarts_the_id_sequence(api: httpx.Client, server: SandboxServer) -> None:
    first = api.post("/pods", json=pod_body()).json()["id"]
    server.reset()
    assert api.get("/pods").json()["total_count"] == 0
    assert api.post("/pods", json=pod_body()).json()["id"] == first


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
    assert r.status_code == 201 and disk["status"] == "PROVISIONING"
    assert disk["priceHr"] == 0.075 and disk["name"] and disk["info"]["dataCenterId"] == "CANADA-1"
    renamed = api.patch(f"/disks/{disk['id']}", json={"name": "renamed"})
    assert renamed.json()["name"] == "renamed"
    assert api.get("/disks").json()["data"][0]["name"] == "renamed"
    assert api.get("/disks", params={"limit": 201}).status_code == 422


@pytest.mark.parametrize(
    ("disk", "loc"),
    [
        ({"size": 0, "dataCenterId": "CANADA-1"}, ["body", "disk", "size"]),
        ({"size": 100001, "dataCenterId": "CANADA-1"}, ["body", "disk", "size"]),
        ({"size": 10, "dataCenterId": "MOON-1"}, ["body", "disk", "dataCenterId"]),
    ],
)
def test_invalid_disk_bodies_get_422(
    api: httpx.Client, disk: dict[str, Any], loc: list[Any]
) -> None:
    r = api.post("/disks", json={"disk": disk, "provider": {"type": "hyperstack"}})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == loc


def test_disk_delete_refused_while_attached_then_allowed(api: httpx.Client) -> None:
    disk_id = active_disk(api)
    pod = api.post("/pods", json=pod_body(disks=[disk_id])).json()
    refused = api.delete(f"/disks/{disk_id}")
    assert refused.status_code == 409 and pod["id"] in refused.json()["detail"]
    api.delete(f"/pods/{pod['id']}")
    assert api.delete(f"/disks/{disk_id}").json() == {"status": "TERMINATED"}
    assert api.get("/disks").json()["total_count"] == 0
    assert api.delete("/disks/nope").json() == {"detail": "Disk nope not found"}


# ---- faults and the request log ------------------------------------------------------------


def test_fault_answers_once_then_normal_service(api: httpx.Client, server: SandboxServer) -> None:
    server.faults.add(status=503, headers={"Retry-After": "1"})
    failed = api.get("/availability/gpus")
    assert failed.status_code == 503 and failed.headers["retry-after"] == "1"
    assert "detail" in failed.json()
    assert api.get("/availability/gpus").status_code == 200


def test_fault_can_send_malformed_json(api: httpx.Client, server: SandboxServer) -> None:
    server.faults.add("GET", "/pods", status=200, body="not json{")
    r = api.get("/pods")
    assert r.status_code == 200 and r.text == "not json{"
    with pytest.raises(ValueError):
        r.json()


def test_fault_can_match_one_page(api: httpx.Client, server: SandboxServer) -> None:
    server.faults.add(status=500, times=None, match_query={"page": 2})
    assert api.get("/availability/gpus", params={"page": 1}).status_code == 200
    assert api.get("/availability/gpus", params={"page": 2}).status_code == 500
    assert api.get("/availability/gpus", params={"page": 2}).status_code == 500
    server.faults.clear()
    assert api.get("/availability/gpus", params={"page": 2}).status_code == 200


def test_delayed_post_still_creates_exactly_one_pod(
    api: httpx.Client, server: SandboxServer
) -> None:
    server.faults.add("POST", "/api/v1/pods", status=None, delay_s=0.6)
    with pytest.raises(httpx.TimeoutException):
        api.post("/pods", json=pod_body(), timeout=0.15)
    listed = wait_for(lambda: api.get("/pods").json(), lambda p: p["total_count"] > 0)
    assert listed["total_count"] == 1 and listed["data"][0]["name"] == "My first pod"
    assert [r.method for r in server.requests].count("POST") == 1


def test_faults_and_log_over_http(
    server: SandboxServer, api: httpx.Client, bare: httpx.Client
) -> None:
    added = bare.post(
        server.url + "/_sandbox/faults", json={"path": "/availability/disks", "status": 429}
    )
    assert added.status_code == 201 and added.json()["path"] == "/api/v1/availability/disks"
    assert api.get("/availability/disks").status_code == 429
    bare.post(server.url + "/_sandbox/faults", json={"path": "/availability/disks"})
    assert bare.delete(server.url + "/_sandbox/faults").json() == {"cleared": 1}
    assert api.get("/availability/disks").status_code == 200
    log = bare.get(server.url + "/_sandbox/requests").json()
    assert [(e["method"], e["path"]) for e in log] == [("GET", "/api/v1/availability/disks")] * 2


def test_request_log_keeps_query_pairs_and_json(
    api: httpx.Client, server: SandboxServer, bare: httpx.Client
) -> None:
    api.get("/availability/gpus/", params=[("regions", "canada"), ("regions", "eu_north")])
    body = pod_body()
    api.post("/pods", json=body)
    bare.get(server.url + "/api/v1/pods")  # unauthenticated requests are logged too
    get, post, anonymous = server.requests
    assert (get.method, get.path, get.json) == ("GET", "/api/v1/availability/gpus/", None)
    assert get.query == [("regions", "canada"), ("regions", "eu_north")]
    assert (post.method, post.path, post.query, post.json) == ("POST", "/api/v1/pods", [], body)
    assert anonymous.path == "/api/v1/pods" and get.time <= post.time <= anonymous.time


# ---- server and command line ---------------------------------------------------------------


def test_servers_bind_loopback_and_stop_idempotently(bare: httpx.Client) -> None:
    with start_sandbox(SandboxConfig(gpu_offers=5, multinode_offers=1)) as small:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", small.url) and small.api_key
        r = bare.get(small.url + "/api/v1/availability/gpus", headers=KEY)
        assert r.json()["totalCount"] == 5
    small.stop()
    with pytest.raises(httpx.ConnectError):
        bare.get(small.url + "/api/v1/pods", headers=KEY)


def test_config_and_arguments_are_validated() -> None:
    config, port = parse_args(
        [
            "--port",
            "0",
            "--seed",
            "3",
            "--latency",
            "100",
            "--gpu-offers",
            "50",
            "--provision-seconds",
            "1.5",
        ]
    )
    assert port == 0
    assert config == SandboxConfig(seed=3, gpu_offers=50, latency_s=0.1, provision_seconds=1.5)
    with pytest.raises(SystemExit):
        parse_args(["--gpu-offers", "-1"])
    with pytest.raises(ValueError):
        SandboxConfig(gpu_offers=-5)
    with pytest.raises(ValueError, match="at most"):
        create_app(SandboxConfig(gpu_offers=10**6))


def test_command_line_serves_and_says_it_is_a_sandbox(bare: httpx.Client) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-m", "prime_magics.sandbox", "--port", "0", "--gpu-offers", "9"]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env, cwd=REPO) as proc:
        try:
            assert proc.stdout is not None
            ready, _, _ = select.select([proc.stdout], [], [], 20)
            assert ready, "the sandbox printed nothing"
            url = proc.stdout.readline().strip()
            assert "SANDBOX" in proc.stdout.readline()
            r = bare.get(url + "/api/v1/availability/gpus", headers=KEY)
            assert r.json()["totalCount"] == 9
        finally:
            proc.terminate()
            assert proc.wait(timeout=10) == 0
