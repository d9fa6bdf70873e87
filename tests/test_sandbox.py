"""The sandbox over real HTTP: paths, availability, catalogue, errors, server and CLI.

One server per module (starting one per test would dominate the run time), on a fake
clock that tests move by hand, reset through its own `/_sandbox/reset` before every
test. Pods and disks are in `test_sandbox_pods.py`, faults and the request log in
`test_sandbox_faults.py`; both reuse the fixtures and helpers defined here.
"""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from prime_magics.sandbox import SandboxConfig, SandboxServer, create_app, start_sandbox
from prime_magics.sandbox.__main__ import parse_args

REPO = Path(__file__).resolve().parents[1]
KEY = {"Authorization": "Bearer test-key"}
PROVISION_S = 10.0
DISK_PROVISION_S = 4.0
DISK_DELETE_S = 2.0
SPEC_REGIONS = {
    "africa",
    "asia_south",
    "asia_northeast",
    "australia",
    "canada",
    "eu_east",
    "eu_north",
    "eu_west",
    "middle_east",
    "south_america",
    "united_states",
}
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


class FakeClock:
    """The sandbox's monotonic clock: time passes only when a test says so."""

    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="module")
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="module")
def server(clock: FakeClock) -> Iterator[SandboxServer]:
    """This module's own sandbox (not conftest's), so these tests pin the sandbox alone."""
    config = SandboxConfig(
        provision_seconds=PROVISION_S,
        disk_provision_seconds=DISK_PROVISION_S,
        disk_delete_seconds=DISK_DELETE_S,
        fractional_prepaid=True,  # every shape the spec allows
    )
    with start_sandbox(config, monotonic=clock) as made:
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


def pod_body(disks: list[str] | None = None, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"pod": {**GUIDE_POD, **changes}, "provider": {"type": "hyperstack"}}
    if disks is not None:
        body["disks"] = disks
    return body


def active_disk(
    api: httpx.Client, clock: FakeClock, data_center: str = "CANADA-1", size: int = 500
) -> str:
    disk = {"size": size, "name": "data", "dataCenterId": data_center}
    r = api.post("/disks/", json={"disk": disk, "provider": {"type": "hyperstack"}})
    assert r.status_code == 200, r.text
    disk_id: str = r.json()["id"]
    clock.advance(DISK_PROVISION_S)
    assert api.get(f"/disks/{disk_id}").json()["status"] == "ACTIVE"
    return disk_id


def errors_of(r: httpx.Response) -> list[tuple[str, str]]:
    """(param, details) of a 422 in the spec's envelope."""
    assert r.status_code == 422, r.text
    return [(e["param"], e["details"]) for e in r.json()["errors"]]


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


@pytest.mark.parametrize(
    ("sent", "location"),
    [
        ("/pods", "/api/v1/pods/"),
        ("/disks?limit=3", "/api/v1/disks/?limit=3"),
        ("/availability", "/api/v1/availability/"),
        ("/availability/gpus/?page=2", "/api/v1/availability/gpus?page=2"),
        ("/pods/status/", "/api/v1/pods/status"),
    ],
)
def test_the_other_slash_spelling_is_redirected_307(
    server: SandboxServer, bare: httpx.Client, sent: str, location: str
) -> None:
    # Before authentication, as routing does it on the real FastAPI server.
    r = bare.get(server.url + "/api/v1" + sent)
    assert r.status_code == 307 and r.headers["location"] == server.url + location


def test_spec_paths_are_served_and_redirects_followed(api: httpx.Client) -> None:
    for path in ("/pods/", "/disks/", "/availability/", "/availability/gpus", "/pods/history"):
        r = api.get(path)
        assert r.status_code == 200 and not r.history, path
    followed = api.get("/pods", follow_redirects=True)
    assert followed.status_code == 200 and [h.status_code for h in followed.history] == [307]
    assert api.get("/no-such-thing").status_code == 404


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
    ("path", "params", "param"),
    [
        ("/availability/gpus", {"page_size": 101}, "page_size"),
        ("/availability/gpus", {"page_size": 0}, "page_size"),
        ("/availability/gpus", {"page": 0}, "page"),
        ("/availability/", {"page_size": 501}, "page_size"),
        ("/availability/gpus", {"regions": "mars"}, "regions.0"),
        ("/availability/gpus", {"security": "cheap_cloud"}, "security"),
        ("/availability/gpus", {"gpu_type": "H100"}, "gpu_type"),
        ("/availability/gpus", {"socket": "SXM9"}, "socket"),
        ("/pods/history", {"sort_by": "size"}, "sort_by"),
    ],
)
def test_values_the_spec_forbids_get_the_spec_422(
    api: httpx.Client, path: str, params: dict[str, Any], param: str
) -> None:
    ((got, details),) = errors_of(api.get(path, params=params))
    assert got == param and details


def test_values_the_spec_allows_are_served(api: httpx.Client) -> None:
    assert api.get("/availability/", params={"page_size": 500}).status_code == 200
    assert api.get("/availability/gpus", params={"gpu_count": 0}).json()["totalCount"] == 0
    for region in ("africa", "middle_east", "south_america"):
        assert all_offers(api, regions=region), region
    for socket in ("SXM2", "SXM3"):
        offers = all_offers(api, socket=socket)
        assert offers and {o["socket"] for o in offers} == {socket}
    # offset and limit are unbounded integers in the spec: clamped, never refused.
    listed = api.get("/pods/", params={"offset": -5, "limit": 1000}).json()
    assert (listed["offset"], listed["limit"]) == (0, 1000)
    assert api.get("/disks/", params={"limit": 201}).json()["limit"] == 201


def test_fastapi_422_shape_on_request(bare: httpx.Client) -> None:
    config = SandboxConfig(gpu_offers=5, multinode_offers=1, validation_errors="fastapi")
    with start_sandbox(config) as other:
        r = bare.get(other.url + "/api/v1/availability/gpus?page=0", headers=KEY)
        (error,) = r.json()["detail"]
        assert r.status_code == 422 and error["loc"] == ["query", "page"] and error["msg"]
        r = bare.post(other.url + "/api/v1/pods/", headers=KEY, json=pod_body(cloudId="nope"))
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "pod", "cloudId"]
    with pytest.raises(ValueError):
        SandboxConfig(validation_errors="xml")


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


def test_disks_filter_keeps_offers_in_the_disks_location(
    api: httpx.Client, clock: FakeClock
) -> None:
    disk_id = active_disk(api, clock)
    offers = all_offers(api, disks=disk_id)
    assert offers and {(o["provider"], o["dataCenter"]) for o in offers} == {
        ("hyperstack", "CANADA-1")
    }
    assert "n3-H100x1" in {o["cloudId"] for o in offers}
    r = api.get("/availability/gpus", params={"disks": "no-such-disk"})
    assert r.status_code == 404 and "no-such-disk" in r.json()["detail"]


def test_multi_node_offers_are_clusters_on_their_own_endpoints(api: httpx.Client) -> None:
    multi = all_offers(api, "/availability/multi-node")
    assert len(multi) == 12
    assert all(o["isMultinode"] is True and o["gpuCount"] >= 16 for o in multi)
    assert all(o["interconnect"] and o["interconnectType"] == "InfiniBand" for o in multi)
    single = all_offers(api)
    assert all("isMultinode" not in o and o["gpuCount"] <= 8 for o in single)
    clusters = api.get("/availability/clusters").json()
    assert sum(len(v) for v in clusters.values()) == 12
    summary = api.get("/availability/multi-node-summary").json()
    cheapest = min(o["prices"]["onDemand"] for o in multi if o["gpuType"] == "H100_80GB")
    assert min(c["cheapest"]["onDemand"] for c in summary["H100_80GB"].values()) == cheapest


def test_legacy_availability_groups_by_gpu_type(api: httpx.Client) -> None:
    legacy = api.get("/availability/", params={"gpu_count": 1}).json()
    flat = all_offers(api, gpu_count=1)
    assert {k: len(v) for k, v in legacy.items()} == {
        t: sum(1 for o in flat if o["gpuType"] == t) for t in {o["gpuType"] for o in flat}
    }


def test_offers_have_the_real_api_shape_and_variety(api: httpx.Client) -> None:
    offers = all_offers(api)
    assert all(set(o) == OFFER_KEYS for o in offers)
    keyed = ("disk", "sharedDisk", "vcpu", "memory")
    assert all(set(o[k]) == SPEC_KEYS for o in offers for k in keyed)
    assert {o["region"] for o in offers} - {None} == SPEC_REGIONS
    assert {o["provider"] for o in offers} >= {"runpod", "hyperstack", "datacrunch", "nebius"}
    assert "dc_kestrel" not in {o["provider"] for o in offers}  # not in the spec's enum
    assert {o["socket"] for o in offers} >= {"PCIe", "SXM2", "SXM3", "SXM4", "SXM5", "SXM6"}
    assert None not in {o["socket"] for o in offers}
    assert any(set(o["sharedDisk"].values()) == {None} for o in offers)
    assert any(o["sharedDisk"]["maxCount"] for o in offers)
    assert any(o["isSpot"] is True for o in offers)
    assert any(o["prices"]["isVariable"] is True for o in offers)
    assert {o["prices"]["currency"] for o in offers} == {"USD", "EUR"}
    assert any(o["prepaidTime"] is not None and o["prepaidTime"] % 1 for o in offers)
    assert any(
        o["security"] == "secure_cloud"
        and o["prices"]["onDemand"]
        and o["prices"]["communityPrice"]
        for o in offers
    )
    assert any(o["prices"]["onDemand"] is None and o["prices"]["communityPrice"] for o in offers)
    unpriced = [
        o for o in offers if o["prices"]["onDemand"] is o["prices"]["communityPrice"] is None
    ]
    assert unpriced
    assert any(o["disk"]["defaultIncludedInPrice"] is True for o in offers)
    assert any(
        o["disk"]["additionalInfo"] and len(o["disk"]["additionalInfo"]) > 100 for o in offers
    )
    cheap_h100 = [
        o
        for o in offers
        if o["gpuType"] == "H100_80GB"
        and o["gpuCount"] == 1
        and o["region"] in ("united_states", "canada")
        and (o["prices"]["onDemand"] or 99) < 2.7
    ]
    assert len(cheap_h100) >= 3  # what the notebooks pick from the frame


def test_guide_offers_are_served_verbatim(api: httpx.Client) -> None:
    (hyper,) = api.get(
        "/availability/gpus", params={"cloud_id": "n3-H100x1", "data_center_id": "CANADA-1"}
    ).json()["items"]
    assert hyper["prices"]["onDemand"] == 1.9 and hyper["provider"] == "hyperstack"
    assert hyper["disk"]["defaultCount"] == 100 and hyper["disk"]["minCount"] is None
    assert hyper["vcpu"]["defaultCount"] == 180 and hyper["memory"]["defaultCount"] == 180
    (runpod,) = api.get(
        "/availability/gpus",
        params={
            "cloud_id": "NVIDIA H100 PCIe",
            "data_center_id": "US-KS-2",
            "security": "secure_cloud",
        },
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
    assert places <= gpu_places and len(places) > len(gpu_places) / 3
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
    canada = [
        o["prices"]["onDemand"] for o in offers if o["region"] == "canada" and not o["isSpot"]
    ]
    assert summary["H100_80GB"]["1"]["canada"]["onDemand"] == min(p for p in canada if p)


def test_same_seed_gives_identical_bytes_and_ids() -> None:
    def snapshot(seed: int) -> list[bytes]:
        with start_sandbox(SandboxConfig(seed=seed)) as seeded:
            paths = [
                "/availability/gpus?page=2&page_size=100",
                "/availability/multi-node",
                "/availability/disks",
                "/availability/gpu-summary",
                "/availability/multi-node-summary",
            ]
            with httpx.Client(base_url=seeded.url + "/api/v1", headers=KEY) as client:
                out = [client.get(p).content for p in paths]
                created = client.post("/pods/", json=pod_body()).json()
                second = client.post("/pods/", json=pod_body()).json()
            return [*out, created["id"].encode(), second["id"].encode()]

    first, again, other = snapshot(7), snapshot(7), snapshot(8)
    assert first == again
    assert re.fullmatch(rb"[0-9a-f]{32}", first[5])
    assert first[0] != other[0] and first[5] != other[5]


# ---- server and command line ---------------------------------------------------------------


def test_servers_bind_loopback_and_stop_idempotently(bare: httpx.Client) -> None:
    with start_sandbox(SandboxConfig(gpu_offers=5, multinode_offers=1)) as small:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", small.url) and small.api_key
        r = bare.get(small.url + "/api/v1/availability/gpus", headers=KEY)
        assert r.json()["totalCount"] == 5
    small.stop()
    with pytest.raises(httpx.ConnectError):
        bare.get(small.url + "/api/v1/pods/", headers=KEY)


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
            "--disk-delete-seconds",
            "2",
            "--validation-errors",
            "fastapi",
        ]
    )
    assert port == 0
    assert config == SandboxConfig(
        seed=3,
        gpu_offers=50,
        latency_s=0.1,
        provision_seconds=1.5,
        disk_delete_seconds=2.0,
        validation_errors="fastapi",
    )
    with pytest.raises(SystemExit):
        parse_args(["--gpu-offers", "-1"])
    with pytest.raises(ValueError):
        SandboxConfig(gpu_offers=-5)
    with pytest.raises(ValueError):
        SandboxConfig(disk_delete_seconds=-1)
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


def test_the_default_catalogue_keeps_prepaid_time_whole_for_the_official_cli() -> None:
    from prime_magics.sandbox.catalog import Catalog

    offers = Catalog(SandboxConfig()).gpu_offers
    prepaid = [o.prepaid_time for o in offers if o.prepaid_time]
    assert prepaid and all(float(p).is_integer() for p in prepaid)
    edges = Catalog(SandboxConfig(fractional_prepaid=True)).gpu_offers
    assert any(o.prepaid_time and not float(o.prepaid_time).is_integer() for o in edges)
