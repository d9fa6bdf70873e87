"""Idle stops, kept by the rentals guard on the sandbox's fake clock.

A pod with an idle stop of MINUTES ends once no remote cell ran on it for MINUTES (counted
from when it became ready before any ran); each remote cell (``note_activity``) starts the
count again; the kernels are warned once, 5 minutes before (a fifth of MINUTES when that
is shorter); a deadline and an idle stop end the pod at whichever comes first. As in
tests/test_rentals.py, time moves only when a test moves the ``StillClock`` and every end
is a guard round (``client.guard_round()``), never a sleep.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import prime_magics as pm
from prime_magics.rentals.guard import guarded
from prime_magics.rentals.records import Book
from prime_magics.rentals.store import Store
from prime_magics.sandbox import SandboxConfig, SandboxServer, start_sandbox
from tests.magic_fixtures import Cell
from tests.rentals_fixtures import findings, guide_request, kernel
from tests.test_resources import StillClock
from tests.widget_fixtures import calls

pytest_plugins = ("tests.magic_fixtures",)

MINUTE = 60.0
HOUR = 3600.0
READY_S = 60.0  # the sandbox below: a pod is ready after 60 s of the fake clock


@pytest.fixture(scope="module")
def clock() -> StillClock:
    return StillClock()


@pytest.fixture(scope="module")
def slow_server(clock: StillClock) -> Iterator[SandboxServer]:
    server = start_sandbox(SandboxConfig(provision_seconds=READY_S), monotonic=clock)
    yield server
    server.stop()


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "prime" / "store.sqlite3")


@pytest.fixture
def client(slow_server: SandboxServer, clock: StillClock, store: Store) -> Iterator[pm.Client]:
    slow_server.reset()
    made = kernel(slow_server, clock, store, "kernel-1")
    yield made
    made.close()


def live(server: SandboxServer) -> list[str]:
    return server.state.live_pod_ids()


def ready_pod(client: pm.Client, clock: StillClock, **options: Any) -> pm.Pod:
    """A pod created now and seen ready by a guard round 60 s later (READY_S): as it was
    not seen before, it counts as ready since its creation, so READY_S of an idle stop
    have passed when this returns."""
    pod = client.create_pod(guide_request(client, **options))
    clock.sleep(READY_S)
    client.guard_round()
    return pod


def ended_texts(client: pm.Client) -> list[str]:
    return [f.text for f in findings(client) if f.kind == "ended"]


def test_a_pod_ends_after_minutes_without_a_remote_cell(
    client: pm.Client, slow_server: SandboxServer, clock: StillClock
) -> None:
    pod = ready_pod(client, clock, name="idle")
    record = client.idle_stop(pod.id, 30)
    assert record.idle_minutes == 30 and record.idle_due is not None
    clock.sleep(30 * MINUTE - READY_S - 1)
    assert client.guard_round().ended == () and live(slow_server) == [pod.id]
    clock.sleep(2)
    assert client.guard_round().ended == (f"pod {pod.id}",)
    assert live(slow_server) == []
    assert len(calls(slow_server, "DELETE", f"/pods/{pod.id}")) == 1
    [said] = ended_texts(client)
    assert said == f"Pod {pod.id} (idle) was terminated after 30 min without a remote cell" + (
        " (its idle stop)."
    )
    assert client.guard_round().ended == ()  # once


def test_a_remote_cell_postpones_the_idle_stop(
    client: pm.Client, slow_server: SandboxServer, clock: StillClock
) -> None:
    pod = ready_pod(client, clock, name="busy")
    client.idle_stop(pod.id, 10)
    clock.sleep(9 * MINUTE)
    client.rentals.note_activity(pod.id)  # what every remote cell does
    clock.sleep(9 * MINUTE)  # 18 min since ready, 9 since the cell
    assert client.guard_round().ended == () and live(slow_server) == [pod.id]
    clock.sleep(1 * MINUTE + 1)
    assert client.guard_round().ended == (f"pod {pod.id}",)


def test_a_remote_cell_during_a_round_wins(
    client: pm.Client, slow_server: SandboxServer, clock: StillClock, monkeypatch: Any
) -> None:
    pod = ready_pod(client, clock, name="racing")
    client.idle_stop(pod.id, 10)
    clock.sleep(10 * MINUTE + 1)  # past the idle stop: the next round would end it
    real_all = client._pods.all

    def list_then_run_a_cell() -> list[pm.Pod]:
        listed = real_all()
        client.rentals.note_activity(pod.id)  # a remote cell starts while the round runs
        return listed

    monkeypatch.setattr(client._pods, "all", list_then_run_a_cell)
    assert client.guard_round().ended == () and live(slow_server) == [pod.id]


def test_the_warning_comes_once_before_the_stop(
    client: pm.Client, slow_server: SandboxServer, clock: StillClock
) -> None:
    pod = ready_pod(client, clock, name="warned")
    client.idle_stop(pod.id, 30)
    clock.sleep(25 * MINUTE - READY_S - 1)  # not yet within the 5 minutes
    client.guard_round()
    assert [f for f in findings(client) if f.kind == "warning"] == []
    clock.sleep(2)
    client.guard_round()
    [warning] = [f for f in findings(client) if f.kind == "warning"]
    assert f"Pod {pod.id} (warned) has run no remote cell for 25 min" in warning.text
    assert "ends it in 5.0 min" in warning.text and warning.level == "warning"
    clock.sleep(MINUTE)
    client.guard_round()
    assert [f for f in findings(client) if f.kind == "warning"] == []  # said once
    client.rentals.note_activity(pod.id)  # a new idle period: warned again before it ends
    clock.sleep(26 * MINUTE)
    client.guard_round()
    assert len([f for f in findings(client) if f.kind == "warning"]) == 1
    assert live(slow_server) == [pod.id]


def test_a_short_idle_stop_warns_a_fifth_of_it_before(
    client: pm.Client, slow_server: SandboxServer, clock: StillClock
) -> None:
    pod = ready_pod(client, clock, name="short")
    client.idle_stop(pod.id, 10)
    clock.sleep(8 * MINUTE - READY_S - 1)
    client.guard_round()
    assert [f for f in findings(client) if f.kind == "warning"] == []
    clock.sleep(2)
    client.guard_round()
    [warning] = [f for f in findings(client) if f.kind == "warning"]
    assert "ends it in 2.0 min" in warning.text


@pytest.mark.parametrize(
    ("max_hours", "idle_minutes", "first", "reason"),
    [
        (1.0, 90.0, HOUR, "terminated at its deadline"),
        (2.0, 30.0, 30 * MINUTE, "terminated after 30 min without a remote cell"),
    ],
)
def test_a_deadline_and_an_idle_stop_end_at_whichever_comes_first(
    client: pm.Client,
    slow_server: SandboxServer,
    clock: StillClock,
    max_hours: float,
    idle_minutes: float,
    first: float,
    reason: str,
) -> None:
    pod = ready_pod(client, clock, name="both", max_hours=max_hours)
    client.idle_stop(pod.id, idle_minutes)
    clock.sleep(first - READY_S - 1)
    assert client.guard_round().ended == ()
    clock.sleep(2)
    assert client.guard_round().ended == (f"pod {pod.id}",)
    assert live(slow_server) == []
    [said] = ended_texts(client)
    assert reason in said
    assert len(calls(slow_server, "DELETE", f"/pods/{pod.id}")) == 1


def test_an_idle_stop_from_the_request_is_in_the_write_ahead_intent(
    client: pm.Client, slow_server: SandboxServer, clock: StillClock, store: Store
) -> None:
    request = guide_request(client, name="intended", idle_stop_minutes=20)
    assert request.idle_stop_minutes == 20
    pod = client.create_pod(request)
    [record] = Book(store).open(slow_server.url)
    assert (record.id, record.idle_minutes) == (pod.id, 20)
    clock.sleep(READY_S)
    client.guard_round()
    clock.sleep(20 * MINUTE + 1)
    assert client.guard_round().ended == (f"pod {pod.id}",)


def test_an_idle_stop_alone_keeps_the_guard_and_wakes_it(
    client: pm.Client, clock: StillClock, store: Store, slow_server: SandboxServer
) -> None:
    pod = ready_pod(client, clock, name="paced")
    [record] = Book(store).open(slow_server.url)
    assert not guarded([record], [])  # nothing to keep yet
    client.rentals.note_activity(pod.id)
    client.idle_stop(pod.id, 0.5)
    [record] = Book(store).open(slow_server.url)
    assert guarded([record], [])
    pause = client.guard_round().pause  # sooner than the 30 s period: the warning at 24 s
    assert pause == pytest.approx(24, abs=1)
    clock.sleep(MINUTE)
    client.guard_round()
    assert live(slow_server) == []


def test_idle_stop_refuses_unbounded_and_lifts_with_none(
    client: pm.Client, clock: StillClock
) -> None:
    pod = ready_pod(client, clock, name="lifted")
    for bad in (float("inf"), float("nan"), 0, -5):
        with pytest.raises(pm.ConfigurationError):
            client.idle_stop(pod.id, bad)
    with pytest.raises(pm.ConfigurationError):
        guide_request(client, idle_stop_minutes=float("inf"))
    client.idle_stop(pod.id, 5)
    assert client.idle_stop(pod.id, None).idle_minutes is None
    clock.sleep(HOUR)
    assert client.guard_round().ended == ()


# -- the magic and the form ---------------------------------------------------------------------


def test_the_magic_sets_lifts_and_creates_with_an_idle_stop(
    ip: Any, slow_server: SandboxServer, clock: StillClock
) -> None:
    slow_server.reset()
    made = kernel(slow_server, clock, Store(), "kernel-1")  # the default store, as a kernel's
    pm.set_client(made)
    try:
        pod = made.create_pod(guide_request(made, name="magic"))
        cell = Cell(ip, f"%prime pods idle-stop {pod.id} 45")
        assert cell.error is None, cell.text
        assert "after 45 min without a remote cell" in cell.text
        record = Book(made.store).live(slow_server.url, "pod", pod.id)
        assert record is not None and record.idle_minutes == 45
        assert "idle stop after 45 min" in Cell(ip, "%prime guard").text
        Cell(ip, f"%prime pods idle-stop {pod.id} none")
        record = Book(made.store).live(slow_server.url, "pod", pod.id)
        assert record is not None and record.idle_minutes is None
        refused = Cell(ip, f"%prime pods idle-stop {pod.id} inf")
        assert refused.error is not None and "MINUTES" in str(refused.error)
        ip.user_ns["offers"] = made.availability(cloud_id="n3-H100x1", data_center_id="CANADA-1")
        created = Cell(ip, "%prime pods create --offer offers[0] --name c --idle-stop 15 --yes")
        assert created.error is None, created.text
        [made_by_magic] = [r for r in Book(made.store).open(slow_server.url) if r.name == "c"]
        assert made_by_magic.idle_minutes == 15
    finally:
        pm.set_client(None)
        made.close()
