"""The official `prime` CLI (0.18.0) against the sandbox: a second, independent client.

prime_magics and the sandbox were written together, so they can agree on a mistake; the
official CLI was not, so every command here exiting 0 with sensible output says the
sandbox speaks the real API's dialect (paths, bodies, nulls the CLI sends or reads).
The CLI lives in its own venv (`scripts/_cli_venv.sh`), never in the project's; without
it the module is skipped. Each command runs with a throwaway HOME, no stdin (a prompt
fails at once instead of hanging) and a timeout.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from prime_magics.sandbox import SandboxConfig, SandboxServer, start_sandbox

REPO = Path(__file__).resolve().parents[1]
PRIME = REPO / ".venv-prime-cli" / "bin" / "prime"
TIMEOUT_S = 60
KEY = {"Authorization": "Bearer any"}

pytestmark = pytest.mark.skipif(
    not PRIME.exists(),
    reason=f"official CLI not installed at {PRIME}: run scripts/_cli_venv.sh",
)

# The guide's H100 offer, created over plain HTTP without a name (the CLI always names).
UNNAMED_POD = {
    "pod": {
        "cloudId": "n3-H100x1",
        "gpuType": "H100_80GB",
        "socket": "PCIe",
        "gpuCount": 1,
        "image": "ubuntu_22_cuda_12",
        "dataCenterId": "CANADA-1",
        "country": "CA",
        "security": "secure_cloud",
    },
    "provider": {"type": "hyperstack"},
}


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with start_sandbox(SandboxConfig(provision_seconds=0.3, disk_provision_seconds=0.2)) as made:
        yield made


@pytest.fixture(scope="module")
def api(server: SandboxServer) -> Iterator[httpx.Client]:
    base = server.url + "/api/v1"
    with httpx.Client(base_url=base, headers=KEY, timeout=10, follow_redirects=True) as client:
        yield client


@pytest.fixture(scope="module")
def cli_env(server: SandboxServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """What the CLI sees: a fresh HOME, the sandbox as its API, no colour or wrapping.

    The base URL is given without `/api/v1`: the CLI strips that suffix and adds it
    back itself, so both forms work; the bare one is what `prime config` stores.
    """
    home = tmp_path_factory.mktemp("prime-cli-home")
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LC_ALL": "C.UTF-8",
        "TERM": "dumb",
        "NO_COLOR": "1",
        "COLUMNS": "200",
        "PRIME_API_KEY": "any",
        "PRIME_API_BASE_URL": server.url,
        "PRIME_DISABLE_VERSION_CHECK": "1",
    }


@pytest.fixture(autouse=True)
def _fresh(server: SandboxServer) -> None:
    server.reset()


def prime(env: dict[str, str], *args: str) -> str:
    """Run one CLI command; fail with its output unless it exits 0."""
    done = subprocess.run(
        [str(PRIME), *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, (
        f"prime {' '.join(args)} exited {done.returncode}\n"
        f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    )
    return done.stdout


def prime_json(env: dict[str, str], *args: str) -> Any:
    return json.loads(prime(env, *args, "-o", "json"))


def created_id(output: str, kind: str) -> str:
    match = re.search(rf"Successfully created {kind} (\S+)", output)
    assert match, output
    return match.group(1)


def all_gpu_offers(api: httpx.Client) -> list[dict[str, Any]]:
    offers: list[dict[str, Any]] = []
    for path in ("/availability/gpus", "/availability/multi-node"):
        page = 1
        while True:
            body = api.get(path, params={"page": page, "page_size": 100}).json()
            offers += body["items"]
            if len(body["items"]) < 100:
                break
            page += 1
    return offers


def _twin_key(offer: dict[str, Any]) -> tuple[Any, ...]:
    return (offer["cloudId"], offer["provider"], offer["dataCenter"], offer["gpuCount"])


def cli_row(rows: list[dict[str, Any]], offer: dict[str, Any]) -> dict[str, Any] | None:
    """The CLI's listing row for a raw offer, if exactly one row can be it."""
    label = "community" if offer["security"] == "community_cloud" else "datacenter"
    found = [
        r
        for r in rows
        if r["cloud_id"] == offer["cloudId"]
        and r["provider"] == offer["provider"]
        and r["gpu_count"] == offer["gpuCount"]
        and r["security"] == label
        and r["location"] == (offer["country"] or "N/A")
    ]
    return found[0] if len(found) == 1 else None


def create_args(row: dict[str, Any], offer: dict[str, Any], name: str) -> list[str]:
    """`pods create` with every choice given, so the CLI never prompts."""
    args = ["pods", "create", "--id", row["id"], "--name", name, "--yes"]
    for flag, spec in (("--disk-size", "disk"), ("--vcpus", "vcpu"), ("--memory", "memory")):
        default = (offer.get(spec) or {}).get("defaultCount")
        if default is not None:
            args += [flag, str(default)]
    images = offer.get("images") or ["ubuntu_22_cuda_12"]
    image = "ubuntu_22_cuda_12" if "ubuntu_22_cuda_12" in images else images[0]
    return [*args, "--image", image]


def pick_offer(
    api: httpx.Client, env: dict[str, str], *, secure_twin: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    """An in-stock offer and its CLI row: one with no twin, or the secure half of a pair
    whose other half is community cloud (the CLI's `security: null` is then ambiguous)."""
    everything = all_gpu_offers(api)
    offers = [o for o in everything if o["stockStatus"] != "Unavailable"]
    securities: dict[tuple[Any, ...], set[str]] = {}
    for o in everything:
        securities.setdefault(_twin_key(o), set()).add(str(o["security"]))
    rows = prime_json(env, "availability", "list")["gpu_resources"]
    for offer in sorted(offers, key=lambda o: str(o["cloudId"])):
        twinned = securities[_twin_key(offer)] == {"secure_cloud", "community_cloud"}
        if secure_twin != twinned or (secure_twin and offer["security"] != "secure_cloud"):
            continue
        if offer.get("isSpot") or offer["cloudId"] is None:
            continue
        row = cli_row(rows, offer)
        if row is not None:
            return offer, row
    pytest.fail(f"no {'secure twin' if secure_twin else 'ordinary'} offer the CLI lists once")


# ---- availability ----------------------------------------------------------------------------


def test_availability_list_shows_every_offer(api: httpx.Client, cli_env: dict[str, str]) -> None:
    listing = prime_json(cli_env, "availability", "list", "--no-group-similar")
    cloud_ids = {r["cloud_id"] for r in listing["gpu_resources"]}
    offers = all_gpu_offers(api)
    # The CLI shows a secure/community twin (same cloud id, place and shape) once, so it
    # lists between one row per shape and one per offer, and every shape.
    rows = listing["gpu_resources"]
    shapes = {(o["cloudId"], o["gpuCount"]) for o in offers}
    assert listing["total_count"] == len(rows)
    assert len(shapes) <= len(rows) <= len(offers)
    assert {(r["cloud_id"], r["gpu_count"]) for r in rows} == shapes
    assert cloud_ids == {o["cloudId"] for o in offers}
    prime(cli_env, "availability", "list")  # the table form renders too


def test_availability_gpu_types(api: httpx.Client, cli_env: dict[str, str]) -> None:
    types = prime_json(cli_env, "availability", "gpu-types")["gpu_types"]
    assert set(types) == {o["gpuType"] for o in all_gpu_offers(api)}


def test_availability_disks(api: httpx.Client, cli_env: dict[str, str]) -> None:
    disks = prime_json(cli_env, "availability", "disks")["disks"]
    total = api.get("/availability/disks", params={"page_size": 1}).json()["totalCount"]
    assert len(disks) == total > 0
    assert all(re.fullmatch(r"[0-9a-f]{6}", d["short_id"]) for d in disks)


# ---- disks -----------------------------------------------------------------------------------


def test_disk_create_list_get_update_terminate(cli_env: dict[str, str]) -> None:
    offer = next(
        d
        for d in prime_json(cli_env, "availability", "disks")["disks"]
        if d["stock_status"] != "Unavailable"
    )
    out = prime(
        cli_env,
        "disks",
        "create",
        "--id",
        offer["short_id"],
        "--size",
        "100",
        "--name",
        "cli-disk",
        "--yes",
    )
    disk_id = created_id(out, "disk")
    listed = prime_json(cli_env, "disks", "list")["disks"]
    assert [d["name"] for d in listed if d["id"] == disk_id] == ["cli-disk"]
    got = prime_json(cli_env, "disks", "get", disk_id)
    assert got["id"] == disk_id and got["size"] == 100

    prime(cli_env, "disks", "update", disk_id, "--name", "cli-renamed")
    assert prime_json(cli_env, "disks", "get", disk_id)["name"] == "cli-renamed"

    prime(cli_env, "disks", "terminate", disk_id, "--yes")
    assert disk_id not in {d["id"] for d in prime_json(cli_env, "disks", "list")["disks"]}


# ---- pods ------------------------------------------------------------------------------------


def test_pod_on_an_ordinary_offer_lives_and_ends_in_history(
    api: httpx.Client, cli_env: dict[str, str]
) -> None:
    offer, row = pick_offer(api, cli_env, secure_twin=False)
    pod_id = created_id(prime(cli_env, *create_args(row, offer, "cli-pod")), "pod")

    listed = prime_json(cli_env, "pods", "list")
    assert pod_id in {p["id"] for p in listed["pods"]}
    status = prime_json(cli_env, "pods", "status", pod_id)
    assert status["id"] == pod_id
    prime(cli_env, "pods", "list")  # the table form renders too

    prime(cli_env, "pods", "terminate", pod_id, "--yes")
    assert pod_id not in {p["id"] for p in prime_json(cli_env, "pods", "list")["pods"]}
    history = prime_json(cli_env, "pods", "history")["history"]
    assert [h["name"] for h in history if h["id"] == pod_id] == ["cli-pod"]


def test_pod_on_a_secure_offer_with_a_community_twin(
    api: httpx.Client, cli_env: dict[str, str], server: SandboxServer
) -> None:
    offer, row = pick_offer(api, cli_env, secure_twin=True)
    pod_id = created_id(prime(cli_env, *create_args(row, offer, "cli-secure")), "pod")
    # One POST, or two when `/pods` answers 307 to `/pods/` and the CLI follows it.
    sent = [r.json for r in server.requests if r.method == "POST" and "/pods" in r.path]
    assert sent and all(b["pod"]["security"] is None for b in sent)
    assert sent[-1]["pod"]["cloudId"] == offer["cloudId"]
    assert pod_id in {p["id"] for p in prime_json(cli_env, "pods", "list")["pods"]}
    prime(cli_env, "pods", "terminate", pod_id, "--yes")


def test_history_shows_a_pod_created_without_a_name(
    api: httpx.Client, cli_env: dict[str, str]
) -> None:
    created = api.post("/pods/", json=UNNAMED_POD)
    assert created.status_code == 200, created.text
    pod_id = created.json()["id"]
    assert api.delete(f"/pods/{pod_id}").status_code == 200
    history = prime_json(cli_env, "pods", "history")
    assert pod_id in {h["id"] for h in history["history"]}
    prime(cli_env, "pods", "history")  # the table form renders too


# ---- account ---------------------------------------------------------------------------------


def test_teams_list_shows_the_sandbox_teams(api: httpx.Client, cli_env: dict[str, str]) -> None:
    teams = prime_json(cli_env, "teams", "list")
    expected = [t["teamId"] for t in api.get("/user/teams").json()["data"]]
    assert [t["teamId"] for t in teams["teams"]] == expected and teams["total_count"] == len(
        expected
    )
    prime(cli_env, "teams", "list")  # the table form renders too (a null slug included)
