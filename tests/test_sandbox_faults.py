"""Fault injection and the request log of the sandbox, over real HTTP.

Fixtures and helpers are `test_sandbox.py`'s. The drop-after-handling fault is checked
with a plain `httpx.Client`: the client must see a real connection drop, and the pod
must exist anyway, which is what a client's "outcome unknown -> reconcile" path needs.
A delayed fault is held by the test (`FaultPlan.hold`) rather than raced against the
clock: the client's timeout is certain, and the test says when the server goes on.
"""

from __future__ import annotations

import time

import httpx
import pytest

from prime_magics.sandbox import SandboxServer
from prime_magics.sandbox.faults import normalize_path
from tests.test_sandbox import (
    _fresh,
    api,
    bare,
    clock,
    pod_body,
    server,
)

# The shared module's fixtures, used here by parameter name.
FIXTURES = (_fresh, api, bare, clock, server)
WAIT_S = 10.0  # a bound for the server to get on with a request, never a timing assertion


def test_fault_answers_once_then_normal_service(api: httpx.Client, server: SandboxServer) -> None:
    server.faults.add(status=503, headers={"Retry-After": "1"})
    failed = api.get("/availability/gpus")
    assert failed.status_code == 503 and failed.headers["retry-after"] == "1"
    assert "detail" in failed.json()
    assert api.get("/availability/gpus").status_code == 200


@pytest.mark.parametrize("fault_path", ["/pods", "/pods/", "/api/v1/pods/", "pods"])
def test_fault_paths_match_both_slash_spellings(
    api: httpx.Client, server: SandboxServer, fault_path: str
) -> None:
    assert normalize_path(fault_path) == "/api/v1/pods"
    server.faults.add("GET", fault_path, status=200, body="not json{")
    r = api.get("/pods/")
    assert r.status_code == 200 and r.text == "not json{"
    with pytest.raises(ValueError):
        r.json()
    assert api.get("/pods/").json()["total_count"] == 0


def test_redirect_does_not_use_up_a_fault(api: httpx.Client, server: SandboxServer) -> None:
    server.faults.add("GET", "/pods", status=500)
    r = api.get("/pods", follow_redirects=True)  # 307, then the fault on the slash form
    assert r.status_code == 500 and [h.status_code for h in r.history] == [307]


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
    gate = server.faults.hold()  # the delayed POST waits for the test, not for its delay_s
    server.faults.add("POST", "/api/v1/pods/", status=None, delay_s=0.6)
    with pytest.raises(httpx.TimeoutException):
        api.post("/pods/", json=pod_body(), timeout=0.15)  # nothing answers before release
    assert gate.wait_held(1, timeout=WAIT_S)  # the server has it, unanswered
    assert server.state.live_pod_ids() == []
    gate.release()
    # The delayed request finishes on the server after the client gave up: a bounded
    # wait for it (the outcome does not depend on how long it takes).
    deadline = time.monotonic() + WAIT_S
    while not server.state.live_pod_ids() and time.monotonic() < deadline:
        time.sleep(0.01)
    listed = api.get("/pods/").json()
    assert listed["total_count"] == 1 and listed["data"][0]["name"] == "My first pod"
    assert [r.method for r in server.requests].count("POST") == 1


def test_a_fault_delay_goes_through_the_plans_sleep(
    api: httpx.Client, server: SandboxServer
) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    server.faults.sleep = sleep  # cleared by the next reset, as a hold() is
    server.faults.add("GET", "/pods", status=None, delay_s=42.0)
    assert api.get("/pods/").status_code == 200  # at once: 42 s never passed
    assert slept == [42.0]
    server.faults.add("GET", "/pods", status=None)  # no delay: nothing slept
    assert api.get("/pods/").status_code == 200 and slept == [42.0]
    server.faults.clear()
    assert server.faults.sleep is not sleep


def test_a_released_gate_stays_open_and_clear_ends_a_hold(
    api: httpx.Client, server: SandboxServer
) -> None:
    gate = server.faults.hold()
    gate.release()  # before anything arrives: delayed requests then go straight on
    server.faults.add("GET", "/pods", status=503, delay_s=60.0)
    assert api.get("/pods/").status_code == 503 and gate.held == 1
    held = server.faults.hold()
    server.faults.add("GET", "/pods", status=None, delay_s=60.0)
    with pytest.raises(httpx.TimeoutException):
        api.get("/pods/", timeout=0.1)  # held: no answer
    assert held.wait_held(1, timeout=WAIT_S)
    server.faults.clear()  # releases the held request and restores the real sleep
    assert server.faults.sleep is not held
    server.faults.add("GET", "/pods", status=200, body={"slow": False}, delay_s=0.001)
    assert api.get("/pods/").json() == {"slow": False}  # a real (tiny) delay again


def test_drop_after_handling_creates_then_drops_the_connection(
    server: SandboxServer,
) -> None:
    fault = server.faults.add("POST", "/pods", drop_after_handling=True)
    assert fault.drop_after_handling and fault.status is None
    with httpx.Client(base_url=server.url, headers={"Authorization": "Bearer k"}) as plain:
        with pytest.raises(httpx.RemoteProtocolError):
            plain.post("/api/v1/pods/", json=pod_body())
        listed = plain.get("/api/v1/pods/").json()  # the create happened anyway
        assert listed["total_count"] == 1 and listed["data"][0]["name"] == "My first pod"
        again = plain.post("/api/v1/pods/", json=pod_body(name="second"))  # fault used up
        assert again.status_code == 200
    assert [r.method for r in server.requests].count("POST") == 2


def test_drop_after_handling_over_http_still_authenticates(
    server: SandboxServer, bare: httpx.Client
) -> None:
    spec = {"method": "POST", "path": "/pods/", "drop_after_handling": True, "times": 2}
    added = bare.post(server.url + "/_sandbox/faults", json=spec)
    assert added.status_code == 201 and added.json()["drop_after_handling"] is True
    with pytest.raises(httpx.RemoteProtocolError):
        bare.post(server.url + "/api/v1/pods/", json=pod_body())  # no key: a 401, dropped
    assert server.state.live_pod_ids() == []
    with pytest.raises(httpx.RemoteProtocolError):
        bare.post(
            server.url + "/api/v1/pods/", json=pod_body(), headers={"Authorization": "Bearer k"}
        )
    assert len(server.state.live_pod_ids()) == 1


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
    api.get("/availability/gpus", params=[("regions", "canada"), ("regions", "eu_north")])
    body = pod_body()
    api.post("/pods/", json=body)
    bare.get(server.url + "/api/v1/pods")  # unauthenticated and redirected: logged too
    get, post, anonymous = server.requests
    assert (get.method, get.path, get.json) == ("GET", "/api/v1/availability/gpus", None)
    assert get.query == [("regions", "canada"), ("regions", "eu_north")]
    assert (post.method, post.path, post.query, post.json) == ("POST", "/api/v1/pods/", [], body)
    assert anonymous.path == "/api/v1/pods" and get.time <= post.time <= anonymous.time
