"""The one owner of rentals under the faults a real network and real people bring.

Each test first makes the fault (a lost answer, a transient 404, a pod stuck in ERROR,
an extend racing a guard's round, a re-run rent-first cell, a client swap, a store that
cannot be written), then checks that nothing bills past its deadline or its budget. The
sandbox runs on a fake clock (``StillClock``): time moves only when a test moves it, and
the rentals' clock is the sandbox's own epoch time, so no sleep decides anything.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import prime_magics as pm
from prime_magics import api
from prime_magics.rentals.findings import Findings
from prime_magics.rentals.records import Book
from prime_magics.rentals.store import VERSION, Store, StoreError
from prime_magics.sandbox import SandboxConfig, SandboxServer, start_sandbox
from tests.magic_fixtures import Cell
from tests.rentals_fixtures import guide_request, kernel
from tests.test_resources import StillClock
from tests.widget_fixtures import calls

pytest_plugins = ("tests.magic_fixtures",)

HOUR = 3600.0


@pytest.fixture(scope="module")
def clock() -> StillClock:
    return StillClock()


@pytest.fixture(scope="module")
def slow_server(clock: StillClock) -> Iterator[SandboxServer]:
    """Pods ready after 60 s of the fake clock: nothing moves by itself."""
    server = start_sandbox(SandboxConfig(provision_seconds=60), monotonic=clock)
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
    slow_server.faults.clear()


def live(server: SandboxServer) -> list[str]:
    return server.state.live_pod_ids()


# -- write-ahead records and unknown outcomes --------------------------------------------------


def test_a_lost_answer_is_recorded_found_and_given_its_deadline(
    client: pm.Client, slow_server: SandboxServer, clock: StillClock
) -> None:
    slow_server.faults.add("POST", "/pods", drop_after_handling=True)
    with pytest.raises(pm.OutcomeUnknownError) as lost:
        client.create_pod(guide_request(client, name="lost", max_hours=1))
    [pod_id] = live(slow_server)
    text = str(lost.value)
    assert f"recorded now as pod {pod_id}, with its deadline (1 h)" in text
    assert len(calls(slow_server, "POST", "/pods")) == 1  # never sent twice
    deadline = client.deadline(pod_id)
    assert deadline is not None and deadline.max_hours == 1
    client.set_budget(100)
    state = client.budget()
    assert state is not None and [r.id for r in state.live] == [pod_id]
    clock.sleep(60)
    client.guard_round()  # ready: the hour starts now
    clock.sleep(HOUR + 1)
    client.guard_round()
    assert live(slow_server) == []


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_5xx_after_the_api_acted_is_found_recorded_and_kept_to_its_deadline(
    client: pm.Client, slow_server: SandboxServer, clock: StillClock, status: int
) -> None:
    slow_server.faults.add("POST", "/pods", status=status, answer_after_handling=True)
    with pytest.raises(pm.OutcomeUnknownError) as lost:
        client.create_pod(guide_request(client, name=f"gateway-{status}", max_hours=1))
    [pod_id] = live(slow_server)
    assert str(status) in str(lost.value) and "minute" not in str(lost.value)
    assert f"recorded now as pod {pod_id}, with its deadline (1 h)" in str(lost.value)
    assert len(calls(slow_server, "POST", "/pods")) == 1
    clock.sleep(HOUR + 61)
    client.guard_round()
    assert live(slow_server) == []


def test_an_unknown_outcome_the_lookup_missed_is_settled_by_a_later_round(
    client: pm.Client, slow_server: SandboxServer, clock: StillClock, store: Store
) -> None:
    slow_server.faults.add("POST", "/pods", drop_after_handling=True)
    slow_server.faults.add("GET", "/pods", status=503, times=None)  # the lookup fails too
    with pytest.raises(pm.OutcomeUnknownError) as lost:
        client.create_pod(guide_request(client, name="later", max_hours=2))
    assert "looks for it now and again" in str(lost.value)
    [record] = Book(store).open(slow_server.url)
    assert (record.state, record.id, record.max_hours) == ("unknown", None, 2)
    slow_server.faults.clear()
    client.guard_round()
    [pod_id] = live(slow_server)
    settled = client.deadline(pod_id)
    assert settled is not None and settled.state == "live" and settled.max_hours == 2
    [found] = [f for f in Findings(store).take("kernel-1") if f.kind == "found"]
    assert pod_id in found.text and "no answer" in found.text
    clock.sleep(60)
    client.guard_round()
    clock.sleep(2 * HOUR + 1)
    client.guard_round()
    assert live(slow_server) == []


def test_an_unwritable_store_sends_nothing(
    client: pm.Client, slow_server: SandboxServer, store: Store
) -> None:
    store.path.parent.mkdir(parents=True, exist_ok=True)
    store.path.mkdir()  # a folder where the file should be: no write can succeed (even as root)
    request = guide_request(client, name="nowhere", max_hours=1)
    with pytest.raises(StoreError) as refused:
        client.create_pod(request)
    assert str(store.path) in refused.value.message and "\n" not in refused.value.message
    assert calls(slow_server, "POST", "/pods") == []
    assert live(slow_server) == []
    assert not client.availability(gpu_type="H100_80GB").empty  # what needs no store works


def test_a_corrupt_store_is_one_line_and_reading_offers_still_works(
    slow_server: SandboxServer, clock: StillClock, store: Store
) -> None:
    slow_server.reset()
    store.path.parent.mkdir(parents=True, exist_ok=True)
    store.path.write_bytes(b"this is not a database" * 100)
    made = kernel(slow_server, clock, store, "kernel-1")  # constructing it needs no store
    assert not made.availability(gpu_type="H100_80GB").empty
    with pytest.raises(StoreError) as refused:
        made.create_pod(guide_request(made, name="nowhere", max_hours=1))
    assert str(store.path) in refused.value.message and "\n" not in refused.value.message
    assert calls(slow_server, "POST", "/pods") == []
    made.close()


# -- deadlines that always end the pod ----------------------------------------------------------


def test_a_pod_that_never_becomes_ready_ends_at_creation_plus_max_hours(
    client: pm.Client, slow_server: SandboxServer, clock: StillClock, store: Store
) -> None:
    pod = client.create_pod(guide_request(client, name="broken", max_hours=1))
    slow_server.state.error_pod(pod.id)
    client.guard_round()
    clock.sleep(HOUR - 5)
    client.guard_round()
    assert live(slow_server) == [pod.id]
    clock.sleep(10)
    done = client.guard_round()
    assert done.ended == (f"pod {pod.id}",) and live(slow_server) == []
    [ended] = [f for f in Findings(store).take() if f.kind == "ended"]
    assert pod.id in ended.text and "after creation" in ended.text


def test_one_transient_404_does_not_end_the_deadline(
    client: pm.Client, slow_server: SandboxServer, clock: StillClock
) -> None:
    pod = client.create_pod(guide_request(client, name="flaky", max_hours=1))
    clock.sleep(60)
    client.guard_round()  # ready
    empty = {"data": [], "total_count": 0, "offset": 0, "limit": 100}
    slow_server.faults.add("GET", "/pods", status=200, body=empty)  # the list leaves it out
    slow_server.faults.add("GET", f"/pods/{pod.id}", status=404, body={"detail": "not found"})
    client.guard_round()
    record = client.deadline(pod.id)
    assert record is not None and record.state == "live" and record.missing is not None
    client.guard_round()  # seen again: the 404 was transient
    record = client.deadline(pod.id)
    assert record is not None and record.missing is None
    flagged = client.sweep()
    assert bool(flagged.set_index("id").loc[pod.id, "deadline"] is not pd_nat())
    clock.sleep(HOUR + 1)
    client.guard_round()
    assert live(slow_server) == []


def pd_nat() -> object:
    import pandas as pd

    return pd.NaT


def test_gone_needs_two_rounds_or_the_apis_word(
    client: pm.Client, slow_server: SandboxServer, clock: StillClock, store: Store
) -> None:
    pod = client.create_pod(guide_request(client, name="vanishing", max_hours=1))
    slow_server.state.terminate_pod(pod.id)  # ended elsewhere (the web app)
    slow_server.faults.add("GET", f"/pods/{pod.id}", status=404, times=None)
    empty = {"data": [], "total_count": 0, "offset": 0, "limit": 100}
    slow_server.faults.add("GET", "/pods", status=200, body=empty, times=None)
    client.guard_round()
    [record] = Book(store).open(slow_server.url)
    assert record.state == "live"  # one "not found" is not "gone"
    clock.sleep(30)  # the next poll
    client.guard_round()
    assert Book(store).open(slow_server.url) == []
    [ended] = [r for r in Book(store).all(slow_server.url) if r.id == pod.id]
    assert ended.end_reason == "gone"


def test_an_extend_during_a_round_wins(
    client: pm.Client, slow_server: SandboxServer, clock: StillClock, monkeypatch: Any
) -> None:
    pod = client.create_pod(guide_request(client, name="extended", max_hours=1))
    clock.sleep(60)
    client.guard_round()
    clock.sleep(HOUR + 1)  # past the deadline: the next round would end it
    real_all = client._pods.all

    def list_then_extend() -> list[pm.Pod]:
        listed = real_all()
        client.extend(pod.id, 2)  # the user extends while the guard is mid-round
        return listed

    monkeypatch.setattr(client._pods, "all", list_then_extend)
    done = client.guard_round()
    assert done.ended == () and live(slow_server) == [pod.id]
    record = client.deadline(pod.id)
    assert record is not None and record.max_hours == 3


def test_two_guards_end_a_pod_once(
    client: pm.Client, slow_server: SandboxServer, clock: StillClock, store: Store
) -> None:
    pod = client.create_pod(guide_request(client, name="twice", max_hours=1))
    other = kernel(slow_server, clock, store, "kernel-2")
    clock.sleep(60)
    client.guard_round()
    clock.sleep(HOUR + 1)
    first, second = client.guard_round(), other.guard_round()
    assert first.ended == (f"pod {pod.id}",) and second.ended == ()
    assert len(calls(slow_server, "DELETE", f"/pods/{pod.id}")) == 1
    other.close()


# -- budgets belong to the store, not to a client ------------------------------------------------


def test_swapping_the_default_client_keeps_the_budget(
    client: pm.Client, slow_server: SandboxServer, clock: StillClock, store: Store
) -> None:
    api.set_client(client)
    client.set_budget(0.5, hard=True)
    pod = client.create_pod(guide_request(client, name="budgeted"))
    swapped = kernel(slow_server, clock, store, "kernel-1")  # %prime login, sandbox restart…
    api.set_client(swapped)
    state = swapped.budget()
    assert state is not None and state.budget.limit_usd == 0.5 and state.budget.hard
    clock.sleep(HOUR)  # $1.90/h: the $0.50 budget is spent
    with pytest.raises(pm.BudgetSpentError):
        swapped.create_pod(guide_request(swapped, name="refused"))
    swapped.guard_round()
    assert live(slow_server) == []
    assert [f.kind for f in Findings(store).take("kernel-1")].count("ended") == 1
    assert pod.id not in live(slow_server)
    api.set_client(None)


def test_a_budget_on_one_base_url_follows_a_swap_to_another(
    client: pm.Client, store: Store, tmp_path: Path
) -> None:
    api.set_client(client)
    client.set_budget(5, hard=True)
    other = pm.Client(api_key="k" * 20, base_url="http://127.0.0.1:9", store=store)
    other.rentals.session = "kernel-1"
    api.set_client(other)
    state = other.budget()
    assert state is not None and state.budget.limit_usd == 5 and state.budget.hard
    api.set_client(None)


# -- rent-first once per shape -----------------------------------------------------------------


def test_re_running_a_rent_first_watch_replaces_the_earlier_one(
    client: pm.Client, slow_server: SandboxServer
) -> None:
    options: dict[str, Any] = {
        "gpu_type": "H100_80GB", "gpu_count": 1, "data_center_id": "CANADA-1",
        "max_price_per_gpu": 5.0, "client": client, "start": False, "rent_first": True,
        "max_hours": 1.0, "every": 1.0,
    }  # fmt: skip
    first = pm.watch(**options)
    second = pm.watch(**options)  # the cell, run again
    assert first.rent_first is not None and not first.rent_first.armed
    assert second.rent_first is not None and "earlier" in (second.rent_first.replaced or "")
    first.step()
    second.step()
    assert len(live(slow_server)) == 1
    assert len(calls(slow_server, "POST", "/pods")) == 1


def test_two_kernels_with_the_same_rent_first_rent_once(
    slow_server: SandboxServer, clock: StillClock, store: Store
) -> None:
    slow_server.reset()
    one = kernel(slow_server, clock, store, "kernel-1")
    two = kernel(slow_server, clock, store, "kernel-2")
    options: dict[str, Any] = {
        "gpu_type": "H100_80GB", "gpu_count": 1, "data_center_id": "CANADA-1",
        "max_price_per_gpu": 5.0, "start": False, "rent_first": True, "max_hours": 1.0,
        "every": 1.0,
    }  # fmt: skip
    watches = [pm.watch(client=one, **options), pm.watch(client=two, **options)]
    for made in watches:
        made.step()
    assert len(live(slow_server)) == 1
    one.close()
    two.close()


def test_rent_first_refuses_unbounded_hours(client: pm.Client) -> None:
    for hours in (float("nan"), float("inf"), 1e308):
        with pytest.raises(pm.ConfigurationError):
            pm.watch(gpu_type="H100_80GB", max_price_per_gpu=5.0, client=client, start=False,
                     rent_first=True, max_hours=hours)  # fmt: skip


def test_max_hours_and_extend_refuse_unbounded_hours(
    client: pm.Client, slow_server: SandboxServer
) -> None:
    for hours in (float("nan"), float("inf"), 1e308):
        with pytest.raises(pm.ConfigurationError):
            client.create_pod(guide_request(client, name="endless", max_hours=hours))
    assert calls(slow_server, "POST", "/pods") == []
    pod = client.create_pod(guide_request(client, name="finite", max_hours=1))
    with pytest.raises(pm.ConfigurationError):
        client.extend(pod.id, float("inf"))
    record = client.deadline(pod.id)
    assert record is not None and record.max_hours == 1


# -- the store ---------------------------------------------------------------------------------


def test_a_store_of_the_old_shape_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(
        """
        CREATE TABLE deadlines (base_url TEXT NOT NULL, pod_id TEXT NOT NULL, created_at TEXT,
            max_hours REAL NOT NULL, ready_at REAL, deadline REAL, PRIMARY KEY (base_url, pod_id));
        CREATE TABLE rentals (base_url TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL,
            created_at TEXT NOT NULL, session TEXT NOT NULL, name TEXT, price_hr REAL,
            prepaid_h REAL, started REAL NOT NULL, ended REAL,
            PRIMARY KEY (base_url, kind, id, created_at));
        CREATE TABLE day_budget (base_url TEXT PRIMARY KEY, limit_usd REAL NOT NULL,
            hard INTEGER NOT NULL);
        INSERT INTO rentals VALUES ('https://api', 'pod', 'p1', '2026-12-01T00:00:00Z', 's',
            'old', 2.0, NULL, 1000.0, NULL);
        INSERT INTO deadlines VALUES ('https://api', 'p1', '2026-12-01T00:00:00Z', 3, 1100, 11900);
        INSERT INTO day_budget VALUES ('https://api', 40, 1);
        """
    )
    db.close()
    store = Store(path)
    [record] = Book(store).open("https://api")
    assert (record.id, record.state, record.max_hours, record.ready_at) == ("p1", "live", 3, 1100)
    assert record.due == 1100 + 3 * HOUR
    from prime_magics.rentals.budgets import Budgets

    [day] = Budgets(store).all("https://api")
    assert (day.limit_usd, day.day, day.hard) == (40, True, True)
    with sqlite3.connect(path) as check:
        assert check.execute("PRAGMA user_version").fetchone()[0] == VERSION


def test_the_store_is_private(client: pm.Client, store: Store) -> None:
    client.create_pod(guide_request(client, name="private", max_hours=1))
    assert store.path.stat().st_mode & 0o777 == 0o600
    store.path.chmod(0o644)
    client.set_budget(10)
    assert store.path.stat().st_mode & 0o777 == 0o600


def test_findings_are_said_once_across_kernels(store: Store) -> None:
    findings = Findings(store)
    findings.add("https://api", 1.0, "ended", "pod p1 was terminated at its deadline")
    findings.add("https://api", 2.0, "warning", "80 % of kernel-2's budget", session="kernel-2")
    assert [f.text for f in findings.take("kernel-1")] == ["pod p1 was terminated at its deadline"]
    assert findings.take("kernel-1") == []
    assert [f.kind for f in findings.take("kernel-2")] == ["warning"]


def test_an_error_that_stops_enforcement_is_said(
    client: pm.Client, slow_server: SandboxServer, store: Store
) -> None:
    client.create_pod(guide_request(client, name="keyless", max_hours=1))
    slow_server.faults.add("GET", "/pods", status=401, body={"detail": "bad key"}, times=None)
    client.guard_round()
    client.guard_round()
    errors = [f for f in Findings(store).take() if f.kind == "error"]
    assert len(errors) == 1  # said once, not every round
    assert "NOT enforced" in errors[0].text


# -- in the notebook -----------------------------------------------------------------------------


def test_an_end_at_a_deadline_is_said_in_the_next_cell_and_by_guard_status(
    ip: Any, slow_server: SandboxServer, clock: StillClock
) -> None:
    slow_server.reset()
    made = kernel(slow_server, clock, Store(), "kernel-1")  # the default store, as a kernel's
    pm.set_client(made)
    pod = made.create_pod(guide_request(made, name="overnight", max_hours=1))
    status = Cell(ip, "%prime guard").text
    assert f"pod {pod.id} (overnight): deadline" in status and "not running" in status
    clock.sleep(HOUR + 1)
    made.guard_round()  # what the guard process does while no cell runs
    said = Cell(ip, "x = 1").text
    assert f"Pod {pod.id} (overnight) was terminated at its deadline" in said
    assert "terminated at its deadline" not in Cell(ip, "x = 2").text  # said once
    assert "nothing: it stops by itself" in Cell(ip, "%prime guard").text
    pm.set_client(None)


def test_pods_extend_refuses_unbounded_hours_in_one_line(ip: Any) -> None:
    cell = Cell(ip, "%prime pods extend abc123 inf")
    assert cell.error is not None and "argument HOURS: inf: not a finite number" in str(cell.error)
