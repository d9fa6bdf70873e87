"""The sandbox's account operations over real HTTP: SSH keys, teams, whoami, wallet.

Each test pins one rule a client could rely on (one primary key, 404 for unknown ids, the
spec's 422 shape, a wallet that falls as resources bill). Time is the store's injected
clock, moved by hand: no test sleeps to decide its outcome.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from prime_magics.sandbox import SandboxServer
from prime_magics.sandbox.account import public_key_problem
from prime_magics.sandbox.views import Clock

KEY = {"Authorization": "Bearer test-key"}
# The guide's pod (1.90 $/h) and a 500 GB disk next to it (0.075 $/h).
GUIDE_POD = {
    "name": "billing-probe",
    "cloudId": "n3-H100x1",
    "gpuType": "H100_80GB",
    "socket": "PCIe",
    "gpuCount": 1,
    "image": "ubuntu_22_cuda_12",
    "dataCenterId": "CANADA-1",
    "country": "CA",
    "security": "secure_cloud",
}
POD_BODY = {"pod": GUIDE_POD, "provider": {"type": "hyperstack"}}
DISK_BODY = {"disk": {"size": 500, "dataCenterId": "CANADA-1"}, "provider": {"type": "hyperstack"}}


def openssh_line(kind: str = "ssh-ed25519", payload: bytes = b"\x01" * 32) -> str:
    def string(data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + data

    blob = string(kind.encode()) + string(payload)
    return f"{kind} {base64.b64encode(blob).decode()} me@laptop"


@pytest.fixture
def api(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.url + "/api/v1", headers=KEY, timeout=5) as client:
        yield client


class ManualClock:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> ManualClock:
    manual = ManualClock()
    monkeypatch.setattr(sandbox.state, "clock", Clock(manual))
    return manual


def keys(api: httpx.Client) -> list[dict[str, Any]]:
    r = api.get("/ssh_keys/")
    assert r.status_code == 200, r.text
    data: list[dict[str, Any]] = r.json()["data"]
    return data


def add_key(api: httpx.Client, name: str, payload: bytes) -> dict[str, Any]:
    r = api.post("/ssh_keys/", json={"name": name, "publicKey": openssh_line(payload=payload)})
    assert r.status_code == 200, r.text
    key: dict[str, Any] = r.json()
    return key


def primaries(api: httpx.Client) -> list[str]:
    return [k["id"] for k in keys(api) if k["isPrimary"]]


# ---- SSH keys ------------------------------------------------------------------------------


def test_sandbox_starts_with_one_valid_primary_key(api: httpx.Client) -> None:
    listing = api.get("/ssh_keys/").json()
    assert {"total_count", "offset", "limit", "data"} <= listing.keys()
    (key,) = listing["data"]
    assert listing["total_count"] == 1 and key["isPrimary"] is True
    assert {"id", "userId", "name", "publicKey", "isPrimary", "isUserKey"} <= key.keys()
    assert public_key_problem(key["publicKey"]) is None


def test_added_key_is_listed_and_primary_moves_to_exactly_one(api: httpx.Client) -> None:
    (seeded,) = primaries(api)
    added = add_key(api, "laptop", b"\x02" * 32)
    assert added["isPrimary"] is False and added["isUserKey"] is True
    assert [k["id"] for k in keys(api)] == [seeded, added["id"]]
    assert primaries(api) == [seeded]

    r = api.patch(f"/ssh_keys/{added['id']}", json={"isPrimary": True})
    assert r.status_code == 200, r.text
    assert r.json()["updated_fields"] == {"isPrimary": True} and "message" in r.json()
    assert primaries(api) == [added["id"]]
    api.patch(f"/ssh_keys/{seeded}", json={"isPrimary": True})
    assert primaries(api) == [seeded]


def test_is_primary_false_is_refused_in_the_specs_422_shape(api: httpx.Client) -> None:
    (seeded,) = primaries(api)
    r = api.patch(f"/ssh_keys/{seeded}", json={"isPrimary": False})
    assert r.status_code == 422
    assert r.json() == {
        "errors": [{"param": "isPrimary", "details": r.json()["errors"][0]["details"]}]
    }
    assert primaries(api) == [seeded]


def test_delete_removes_a_key_but_not_the_primary_while_others_exist(api: httpx.Client) -> None:
    (seeded,) = primaries(api)
    added = add_key(api, "laptop", b"\x03" * 32)
    assert api.delete(f"/ssh_keys/{seeded}").status_code == 409
    assert api.delete(f"/ssh_keys/{added['id']}").status_code == 200
    assert [k["id"] for k in keys(api)] == [seeded]
    # The last key may go; the next one added is then primary, so one is always primary.
    assert api.delete(f"/ssh_keys/{seeded}").status_code == 200
    assert keys(api) == []
    assert add_key(api, "fresh", b"\x04" * 32)["isPrimary"] is True


def test_unknown_key_is_404(api: httpx.Client) -> None:
    for r in (
        api.delete("/ssh_keys/nope"),
        api.patch("/ssh_keys/nope", json={"isPrimary": True}),
    ):
        assert r.status_code == 404 and "nope" in r.json()["detail"]


@pytest.mark.parametrize(
    ("public_key", "hint"),
    [
        ("not a key", "unsupported key type"),
        ("ssh-ed25519", "expected an OpenSSH public key"),
        ("ssh-ed25519 %%%notbase64%%% me", "base64"),
        (openssh_line("ssh-rsa").replace("ssh-rsa ", "ssh-ed25519 ", 1), "not a ssh-ed25519"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaA==\n-----END", "private key"),
    ],
)
def test_malformed_public_key_gets_the_specs_422(
    api: httpx.Client, public_key: str, hint: str
) -> None:
    r = api.post("/ssh_keys/", json={"name": "bad", "publicKey": public_key})
    assert r.status_code == 422, r.text
    (error,) = r.json()["errors"]
    assert error["param"] == "publicKey" and hint in error["details"]
    assert len(keys(api)) == 1


def test_same_key_twice_is_a_conflict(api: httpx.Client) -> None:
    add_key(api, "laptop", b"\x05" * 32)
    again = {"name": "again", "publicKey": openssh_line(payload=b"\x05" * 32)}
    assert api.post("/ssh_keys/", json=again).status_code == 409


def test_key_listing_pages(api: httpx.Client) -> None:
    for i in range(3):
        add_key(api, f"k{i}", bytes([16 + i]) * 32)
    page = api.get("/ssh_keys/", params={"offset": 1, "limit": 2}).json()
    assert page["total_count"] == 4 and (page["offset"], page["limit"]) == (1, 2)
    assert [k["name"] for k in page["data"]] == ["k0", "k1"]


def test_slashless_collection_redirects_to_the_slash_form(api: httpx.Client) -> None:
    for method in ("GET", "POST"):
        r = api.request(method, "/ssh_keys", params={"limit": 5})
        assert r.status_code == 307
        assert r.headers["location"].endswith("/api/v1/ssh_keys/?limit=5")


def test_reset_restores_the_seeded_key(api: httpx.Client, sandbox: SandboxServer) -> None:
    before = keys(api)
    add_key(api, "laptop", b"\x06" * 32)
    api.delete(f"/ssh_keys/{before[0]['id']}")
    sandbox.reset()
    assert keys(api) == before


# ---- identity and teams --------------------------------------------------------------------


def test_whoami_is_the_specs_envelope(api: httpx.Client) -> None:
    r = api.get("/user/whoami")
    assert r.status_code == 200 and r.headers["x-prime-sandbox"] == "1"
    me = r.json()["data"]
    assert me["name"] and me["email"] and me["role"] in {"ADMIN", "MANAGER", "USER"}
    first_team = api.get("/user/teams").json()["data"][0]["teamId"]
    members = api.get(f"/teams/{first_team}/members").json()["data"]
    assert me["id"] in {m["userId"] for m in members}


def test_teams_list_their_members_and_unknown_team_is_404(api: httpx.Client) -> None:
    teams = api.get("/user/teams").json()
    assert teams["total_count"] == len(teams["data"]) >= 1
    me = api.get("/user/whoami").json()["data"]["id"]
    for team in teams["data"]:
        assert team["role"] in {"ADMIN", "MEMBER"} and team["name"]
        members = api.get(f"/teams/{team['teamId']}/members").json()
        assert members["total_count"] == len(members["data"]) >= 2
        mine = [m for m in members["data"] if m["userId"] == me]
        assert [m["role"] for m in mine] == [team["role"]]
    r = api.get("/teams/no-such-team/members")
    assert r.status_code == 404 and "no-such-team" in r.json()["detail"]


def test_account_answers_need_a_key(sandbox: SandboxServer) -> None:
    with httpx.Client(base_url=sandbox.url + "/api/v1", timeout=5) as bare:
        for path in ("/ssh_keys/", "/user/whoami", "/user/teams", "/billing/wallet"):
            assert bare.get(path).status_code == 401


# ---- wallet ----------------------------------------------------------------------------------


def balance(api: httpx.Client) -> float:
    r = api.get("/billing/wallet")
    assert r.status_code == 200, r.text
    wallet = r.json()
    assert {"wallet_id", "balance_usd", "currency", "total_billings", "recent_billings"} <= (
        wallet.keys()
    )
    value: float = wallet["balance_usd"]
    return value


def test_wallet_falls_as_a_pod_and_a_disk_bill(api: httpx.Client, clock: ManualClock) -> None:
    assert balance(api) == 100.0
    pod = api.post("/pods/", json=POD_BODY)
    assert pod.status_code == 200, pod.text
    clock.t += 1800  # half an hour at 1.90 $/h
    assert balance(api) == pytest.approx(100.0 - 0.95, abs=1e-6)
    assert api.delete(f"/pods/{pod.json()['id']}").status_code == 200
    clock.t += 3600  # a terminated pod bills no more
    assert balance(api) == pytest.approx(100.0 - 0.95, abs=1e-6)
    assert api.post("/disks/", json=DISK_BODY).status_code in (200, 201)  # spec: 200
    clock.t += 3600  # an hour of 500 GB at 0.075 $/h
    assert balance(api) == pytest.approx(100.0 - 0.95 - 0.075, abs=1e-6)


def test_reset_refills_the_wallet(
    api: httpx.Client, sandbox: SandboxServer, clock: ManualClock
) -> None:
    api.post("/pods/", json=POD_BODY).raise_for_status()
    clock.t += 600
    assert balance(api) < 100.0
    sandbox.reset()
    assert balance(api) == 100.0


def test_team_wallet_needs_a_known_team_and_limit_is_checked(api: httpx.Client) -> None:
    team = api.get("/user/teams").json()["data"][0]["teamId"]
    personal = api.get("/billing/wallet").json()
    wallet = api.get("/billing/wallet", params={"teamId": team}).json()
    assert wallet["team_id"] == team and wallet["wallet_id"] != personal["wallet_id"]
    assert api.get("/billing/wallet", params={"teamId": "nope"}).status_code == 404
    for bad in ({"limit": 0}, {"limit": 101}, {"offset": -1}):
        assert api.get("/billing/wallet", params=bad).status_code == 422
