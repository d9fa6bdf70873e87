"""Spend control against the sandbox: deadlines terminate pods (a round of the guard,
``client.guard_round()``, on the sandbox's fake clock — no sleep decides anything),
deadlines persist in the local store for a later process, and the sweep lists everything
still billing with its flags."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import prime_magics as pm
from prime_magics.frames.sweep import SWEEP_COLUMNS
from prime_magics.rentals.records import Book
from prime_magics.rentals.store import Store, default_store_path
from prime_magics.sandbox import SandboxConfig, SandboxServer, start_sandbox
from prime_magics.timestamps import epoch
from tests.rentals_fixtures import (
    canada_disk,
    findings,
    guide_request,
    kernel,
    sandbox_now,
)
from tests.test_resources import StillClock

EMPTY = {"data": [], "totalCount": 0, "offset": 0, "limit": 100}


@pytest.fixture(scope="module")
def clock() -> StillClock:
    return StillClock()


@pytest.fixture(scope="module")
def slow_server(clock: StillClock) -> Iterator[SandboxServer]:
    """Pods ready after 60 s of the fake clock, disks after 20 s: nothing moves by itself."""
    server = start_sandbox(
        SandboxConfig(provision_seconds=60, disk_provision_seconds=20), monotonic=clock
    )
    yield server
    server.stop()


@pytest.fixture
def slow_client(
    slow_server: SandboxServer, clock: StillClock, tmp_path: Path
) -> Iterator[pm.Client]:
    """A client over a store of its own, on the sandbox's clock."""
    slow_server.reset()
    with kernel(slow_server, clock, Store(tmp_path / "s.sqlite3")) as client:
        yield client
    slow_server.faults.clear()


# -- deadlines ---------------------------------------------------------------------------


def see_it_ready(client: pm.Client, clock: StillClock) -> None:
    """Rounds 59 s (still provisioning) and 61 s (ready) after the pod's creation: it counts
    as ready from 59 s, the last time it was seen not ready (a late round never lengthens
    what a pod may bill)."""
    clock.sleep(59)
    client.guard_round()
    clock.sleep(2)
    client.guard_round()


def test_a_deadline_of_seconds_terminates_the_pod_once_it_passed(
    slow_client: pm.Client, slow_server: SandboxServer, clock: StillClock
) -> None:
    pod = slow_client.create_pod(guide_request(slow_client, name="short", max_hours=0.02))
    assert list(slow_client.rentals.deadlines()) == [pod.id]
    stored = slow_client.deadline(pod.id)
    assert stored is not None and stored.max_hours == 0.02 and stored.ready_at is None
    created = epoch(pod.created_at)
    assert created is not None and stored.due == pytest.approx(created + 72)  # until ready
    clock.sleep(59)
    provisioning = slow_client.guard_round()  # still provisioning; 13 s left from creation
    assert slow_client.deadline(pod.id).ready_at is None  # type: ignore[union-attr]
    assert provisioning.ended == () and provisioning.pause == pytest.approx(13)
    clock.sleep(2)  # ready now: from 59 s at the latest, when it was last seen provisioning
    ready = slow_client.guard_round()
    started = slow_client.deadline(pod.id)
    assert started is not None and started.ready_at == pytest.approx(created + 59)
    assert started.due == pytest.approx(created + 59 + 72) and ready.ended == ()
    assert ready.pause == 30.0  # the deadline is 70 s away: one period first
    clock.sleep(69)
    last = slow_client.guard_round()
    assert slow_server.state.live_pod_ids() == [pod.id]  # 1 s left
    assert last.pause == pytest.approx(1)  # the next round comes for the deadline
    assert findings(slow_client) == []
    clock.sleep(2)
    done = slow_client.guard_round()
    assert slow_server.state.live_pod_ids() == []
    assert done.ended == (f"pod {pod.id}",)
    [ended] = findings(slow_client)
    assert ended.kind == "ended" and ended.ref == stored.ref
    assert f"Pod {pod.id} (short) was terminated at its deadline" in ended.text
    assert "(0.02 h after it was ready)" in ended.text
    record = slow_client.rentals.book.get(stored.ref)
    assert record is not None and (record.state, record.end_reason) == ("ended", "deadline")
    assert slow_client.deadline(pod.id) is None and slow_client.rentals.deadlines() == {}
    assert slow_client.guard_round().ended == () and findings(slow_client) == []  # once


def test_a_pod_that_never_becomes_ready_ends_max_hours_after_creation(
    slow_client: pm.Client, slow_server: SandboxServer, clock: StillClock
) -> None:
    pod = slow_client.create_pod(guide_request(slow_client, name="stuck", max_hours=0.001))
    clock.sleep(3.0)
    assert slow_client.guard_round().ended == ()
    clock.sleep(1.0)  # 4 s after creation, still provisioning (ready only after 60 s)
    assert slow_client.guard_round().ended == (f"pod {pod.id}",)
    assert slow_server.state.live_pod_ids() == []
    [ended] = findings(slow_client)
    assert "after creation" in ended.text and pod.id in ended.text


def test_extend_moves_the_deadline(
    slow_client: pm.Client, slow_server: SandboxServer, clock: StillClock
) -> None:
    pod = slow_client.create_pod(guide_request(slow_client, name="longer", max_hours=0.02))
    see_it_ready(slow_client, clock)
    due = slow_client.deadline(pod.id).due  # type: ignore[union-attr]
    assert due is not None
    moved = slow_client.extend(pod.id, 1)
    assert moved.due == pytest.approx(due + 3600) and moved.max_hours == pytest.approx(1.02)
    assert slow_client.deadline(pod.id) == moved  # as stored
    clock.sleep(80)  # past the old deadline, not the moved one
    slow_client.guard_round()
    assert slow_server.state.live_pod_ids() == [pod.id]
    without = slow_client.create_pod(guide_request(slow_client, name="none-yet"))
    assert slow_client.deadline(without.id) is None
    clock.sleep(30)
    given = slow_client.extend(without.id, 2)
    assert given.due == pytest.approx(sandbox_now(slow_server, clock) + 7200)
    with pytest.raises(pm.ConfigurationError):
        slow_client.extend(pod.id, 0)
    # a pod being ended (a guard claimed it) is not extended behind the guard's back
    assert slow_client.rentals.book.claim(
        given.ref, "another-guard", sandbox_now(slow_server, clock)
    )
    with pytest.raises(pm.ConfigurationError, match="is being ended"):
        slow_client.extend(without.id, 1)


def test_a_pod_gone_meanwhile_is_forgotten(
    slow_client: pm.Client, slow_server: SandboxServer, clock: StillClock
) -> None:
    pod = slow_client.create_pod(guide_request(slow_client, name="gone", max_hours=1))
    slow_client.terminate_pod(pod.id, confirm=True)
    assert slow_client.guard_round().ended == ()
    assert slow_client.deadline(pod.id) is None and findings(slow_client) == []
    # ended elsewhere (the web app): the API's own status says it, and nothing is ended
    other = slow_client.create_pod(guide_request(slow_client, name="elsewhere", max_hours=1))
    ref = slow_client.deadline(other.id).ref  # type: ignore[union-attr]
    slow_client._pods.terminate(other.id, confirm=True)  # as the web app would: no record
    assert slow_client.guard_round().ended == ()
    record = slow_client.rentals.book.get(ref)
    assert record is not None and (record.state, record.end_reason) == ("ended", "gone")
    assert slow_client.deadline(other.id) is None and findings(slow_client) == []


def test_one_not_found_ends_nothing_two_rounds_of_it_confirm_the_pod_gone(
    slow_client: pm.Client, slow_server: SandboxServer, clock: StillClock
) -> None:
    pod = slow_client.create_pod(guide_request(slow_client, name="flaky", max_hours=1))
    ref = slow_client.deadline(pod.id).ref  # type: ignore[union-attr]
    book = slow_client.rentals.book
    missing = {"status": 404, "body": {"detail": "Pod not found"}}
    slow_server.faults.add("GET", "/api/v1/pods", status=200, body=EMPTY, times=1)
    slow_server.faults.add("GET", f"/api/v1/pods/{pod.id}", **missing, times=1)  # type: ignore[arg-type]
    first = sandbox_now(slow_server, clock)
    slow_client.guard_round()  # a transient 404: remembered, not believed
    record = book.get(ref)
    assert record is not None and record.state == "live" and record.missing == first
    clock.sleep(30)
    slow_client.guard_round()  # listed again: the 404 was transient
    record = book.get(ref)
    assert record is not None and record.state == "live" and record.missing is None
    # now it is gone for good (as far as the API says): two rounds confirm it
    slow_server.faults.add("GET", "/api/v1/pods", status=200, body=EMPTY, times=None)
    slow_server.faults.add("GET", f"/api/v1/pods/{pod.id}", **missing, times=None)  # type: ignore[arg-type]
    seen = sandbox_now(slow_server, clock)
    slow_client.guard_round()
    assert book.get(ref).state == "live"  # type: ignore[union-attr]
    clock.sleep(30)
    assert slow_client.guard_round().ended == ()  # gone is not ended by us: no terminate
    record = book.get(ref)
    assert record is not None and (record.state, record.end_reason) == ("ended", "gone")
    assert record.ended == seen  # it stopped billing when first missed
    assert slow_server.state.live_pod_ids() == [pod.id]  # nothing was sent to end it


def test_a_later_kernel_enforces_a_deadline_an_earlier_one_set(
    slow_server: SandboxServer, clock: StillClock, tmp_path: Path
) -> None:
    slow_server.reset()
    store = Store(tmp_path / "d.sqlite3")
    with kernel(slow_server, clock, store, "first") as first:
        pod = first.create_pod(guide_request(first, name="inherited", max_hours=0.02))
        old = first.create_pod(guide_request(first, name="overdue", max_hours=1))
        old_ref = first.deadline(old.id).ref  # type: ignore[union-attr]
    # the first kernel is gone; the overdue pod was ready 2 h ago, its hour passed unguarded
    now = sandbox_now(slow_server, clock)
    assert Book(store).ready(old_ref, now - 7200)
    with kernel(slow_server, clock, Store(store.path), "second") as second:
        assert set(second.rentals.deadlines()) == {pod.id, old.id}
        assert second.deadline(old.id).due == pytest.approx(now - 3600)  # type: ignore[union-attr]
        swept = second.sweep(now=datetime.fromtimestamp(now, timezone.utc)).set_index("id")
        assert bool(swept.loc[old.id, "past_deadline"])
        assert not bool(swept.loc[pod.id, "past_deadline"])
        clock.sleep(59)
        enforced = second.guard_round()  # the overdue one ends; the other is provisioning
        assert enforced.ended == (f"pod {old.id}",)
        assert slow_server.state.live_pod_ids() == [pod.id]
        clock.sleep(2)
        second.guard_round()  # ready: its 72 s count from 59 s
        clock.sleep(69)
        assert second.guard_round().ended == ()
        clock.sleep(2)
        assert second.guard_round().ended == (f"pod {pod.id}",)
        assert slow_server.state.live_pod_ids() == []
        said = findings(second)
        assert [f.kind for f in said] == ["ended", "ended"]
        assert old.id in said[0].text and "(1 h after it was ready)" in said[0].text


def test_a_record_for_another_pod_with_the_same_id_ends_nothing(
    slow_client: pm.Client, slow_server: SandboxServer, clock: StillClock
) -> None:
    pod = slow_client.create_pod(guide_request(slow_client, name="new-pod"))
    book, base = slow_client.rentals.book, slow_client.settings.base_url
    # yesterday's sandbox pod had this id, with a deadline long past, and was never ended
    yesterday = "2020-01-01T00:00:00Z"
    then = epoch(yesterday)
    assert then is not None
    stale = book.intend(
        base, "pod", name="old-pod", offer=None, cap_hr=None, price_hr=1.9, prepaid_h=None,
        max_hours=0.001, now=then, since=yesterday, session=slow_client.rentals.session,
    )  # fmt: skip
    assert book.settle(stale, pod.id, yesterday, 1.9, then)
    assert slow_client.deadline(pod.id) is None  # the pod's own record has no deadline
    frame = slow_client.sweep(
        now=datetime.fromtimestamp(sandbox_now(slow_server, clock), timezone.utc)
    )
    assert not frame["past_deadline"].any()  # nor is the old deadline taken for this pod's
    clock.sleep(61)
    slow_client.guard_round()
    assert slow_server.state.live_pod_ids() == [pod.id]
    clock.sleep(30)
    assert slow_client.guard_round().ended == ()
    assert slow_server.state.live_pod_ids() == [pod.id] and findings(slow_client) == []
    record = book.get(stale)
    assert record is not None and (record.state, record.end_reason) == ("ended", "gone")


def test_the_store_is_private_and_next_to_the_cli_config(
    slow_server: SandboxServer, clock: StillClock
) -> None:
    slow_server.reset()
    with pm.Client(
        api_key=slow_server.api_key, base_url=slow_server.url,
        clock=lambda: sandbox_now(slow_server, clock),
    ) as client:  # fmt: skip
        pod = client.create_pod(guide_request(client, name="private", max_hours=2))
        path = default_store_path()
        assert path.parent == Path(os.environ["HOME"]) / ".prime" and path.exists()
        assert client.store.path == path
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        path.chmod(0o644)  # widened by something else: the next write makes it private again
        client.extend(pod.id, 1)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_store_that_cannot_be_read_stops_a_create_before_it_is_sent(
    slow_server: SandboxServer, clock: StillClock, tmp_path: Path
) -> None:
    slow_server.reset()
    with kernel(slow_server, clock, Store(tmp_path)) as client:  # a folder: not a database
        request = guide_request(client, name="unrecorded", max_hours=1)
        with pytest.raises(pm.PrimeError, match=re.escape(str(tmp_path))):
            client.create_pod(request)
    assert not [r for r in slow_server.requests if r.method == "POST"]
    assert slow_server.state.live_pod_ids() == []


# -- the sweep ------------------------------------------------------------------------------


def test_the_sweep_lists_a_forgotten_disk_with_its_cost(client: pm.Client) -> None:
    disk = canada_disk(client, "forgotten", 100)
    pod = client.create_pod(guide_request(client, name="running"))
    created = epoch(disk.created_at)
    assert created is not None
    later = datetime.fromtimestamp(created + 2 * 3600, timezone.utc)  # not the wall clock
    sweep = client.sweep(now=later)
    assert list(sweep.columns) == SWEEP_COLUMNS
    rows = sweep.set_index("id")
    assert list(sweep["kind"]) == ["pod", "disk"]  # most expensive first
    assert rows.loc[disk.id, "unattached_disk"] and not rows.loc[pod.id, "unattached_disk"]
    assert rows.loc[disk.id, "hours_running"] == pytest.approx(2, abs=0.01)
    assert rows.loc[disk.id, "cost_so_far"] == pytest.approx(100 * 0.00015 * 2, rel=0.01)
    assert rows.loc[pod.id, "price_hr"] == pytest.approx(1.9)
    assert not sweep["past_deadline"].any()
    burn = client.burn()
    assert burn.burn_hr == pytest.approx(1.9 + 100 * 0.00015)
    assert burn.runway_h == pytest.approx(burn.balance_usd / burn.burn_hr)  # type: ignore[operator]


def test_a_deadline_that_passed_with_no_kernel_is_flagged_in_a_new_process(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    store = Store(tmp_path / "rentals.sqlite3")
    with pm.Client(api_key=sandbox.api_key, base_url=sandbox.url, store=store) as first:
        pod = first.create_pod(guide_request(first, name="abandoned", max_hours=0.5))
        due = first.deadline(pod.id).due  # type: ignore[union-attr]
    later = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()
    script = (
        "import json, sys, datetime\n"
        "import prime_magics as pm\n"
        "from prime_magics.rentals.store import Store\n"
        "url, key, path, pod_id, now = sys.argv[1:]\n"
        "client = pm.Client(api_key=key, base_url=url, store=Store(path))\n"
        "frame = client.sweep(now=datetime.datetime.fromisoformat(now))\n"
        "rows = frame[frame['past_deadline']]\n"
        "record = client.deadline(pod_id)\n"
        "print(json.dumps({'ids': list(rows['id']), 'deadline': str(rows['deadline'].iloc[0]),\n"
        "                  'due': record.due, 'max_hours': record.max_hours}))\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(pm.__file__).parent.parent),
        "PRIME_MAGICS_GUARD": "off",  # the later process must not start a guard either
    }
    done = subprocess.run(
        [sys.executable, "-c", script, sandbox.url, sandbox.api_key, str(store.path), pod.id,
         later],
        capture_output=True, text=True, timeout=60, env=env, check=True,
    )  # fmt: skip
    seen = json.loads(done.stdout)
    assert seen["ids"] == [pod.id] and seen["deadline"].startswith("20")
    assert seen["due"] == pytest.approx(due) and seen["max_hours"] == 0.5
    # a fresh store object over the same file in this process says the same
    with pm.Client(api_key=sandbox.api_key, base_url=sandbox.url, store=Store(store.path)) as fresh:
        assert list(
            fresh.sweep(now=datetime.fromisoformat(later)).query("past_deadline")["id"]
        ) == [pod.id]
        assert not fresh.sweep()["past_deadline"].any()  # not yet, really


# -- the panels ------------------------------------------------------------------------------


def test_pod_status_shows_the_deadline_counts_down_warns_and_extends(
    slow_client: pm.Client, slow_server: SandboxServer, clock: StillClock
) -> None:
    from prime_magics.widgets import PodStatus

    pod = slow_client.create_pod(guide_request(slow_client, name="panel", max_hours=0.25))
    panel = PodStatus(pod.id, client=slow_client, autostart=False)
    clock.sleep(30)
    panel.poll_once()  # not ready: the 15 minutes count from its creation for now
    assert (
        panel.deadline_left == pytest.approx(870) and "in 14 min 30 s" in panel.deadline_view.value
    )
    assert "kept by the guard process" in panel.deadline_view.value
    clock.sleep(29)
    slow_client.guard_round()  # 59 s: still provisioning
    clock.sleep(2)
    slow_client.guard_round()  # ready: the 15 minutes count from 59 s
    panel.poll_once()
    assert (
        panel.deadline_left == pytest.approx(898) and "in 14 min 58 s" in panel.deadline_view.value
    )
    assert "prime-info" in panel.deadline_view.value
    clock.sleep(360)
    panel.poll_once()
    assert "less than 10 minutes left" in panel.deadline_view.value
    assert "prime-warning" in panel.deadline_view.value
    panel.extend_hours.value = 1
    panel.extend_button.click()
    assert panel.deadline_left == pytest.approx(538 + 3600)
    assert "prime-info" in panel.deadline_view.value
    clock.sleep(4200)
    slow_client.guard_round()  # past the moved deadline: terminated by the rule, without asking
    assert slow_server.state.live_pod_ids() == []
    panel.poll_once()
    assert panel.gone and panel.deadline_view.value == "" and panel.extend_button.disabled
    panel.close()


def test_the_sweep_panel_asks_per_row_and_needs_the_typed_phrase_for_all(
    client: pm.Client, sandbox: SandboxServer
) -> None:
    from prime_magics.widgets import SweepPanel

    disk = canada_disk(client, "loose", 50)
    first = client.create_pod(guide_request(client, name="one"))
    client.create_pod(guide_request(client, name="two"))
    panel = SweepPanel(client)

    def frame() -> Any:
        return panel.frame

    assert len(frame()) == 3 and "attached to nothing" in panel.rows.children[2].children[1].value
    panel.row_buttons[first.id].click()  # says what is lost; nothing sent yet
    assert sandbox.state.live_pod_ids().count(first.id) == 1
    assert "lost for good" in panel.confirm_text.value
    panel.confirm_button.click()
    assert first.id not in sandbox.state.live_pod_ids()
    assert len(frame()) == 2 and panel.phrase == "terminate 2"  # read again by itself
    assert panel.all_button.disabled
    panel.phrase_box.value = "terminate"
    panel.all_button.click()  # ignored: not the phrase
    assert len(sandbox.state.live_pod_ids()) == 1
    panel.phrase_box.value = "terminate 2"
    assert not panel.all_button.disabled
    panel.all_button.click()
    assert sandbox.state.live_pod_ids() == [] and len(frame()) == 0
    assert client.disk(disk.id).status in {"DELETING", "TERMINATED"}
    assert panel.status_level == "success"
    assert not [r for r in client.rentals.book.all(client.settings.base_url) if r.live]
    panel.close()


# -- the magics ------------------------------------------------------------------------------


def test_sweep_wallet_and_extend_magics(ip: Any, prime_sandbox: SandboxServer) -> None:
    from tests.magic_fixtures import Cell

    client = pm.get_client()
    pod = client.create_pod(guide_request(client, name="magic"))
    swept = Cell(ip, "s = %prime sweep")
    assert swept.error is None, swept.text
    assert list(ip.user_ns["s"]["id"]) == [pod.id] and "1 billing now" in swept.text
    assert Cell(ip, "w = %prime wallet").error is None
    table = ip.user_ns["w"]
    assert table["burn rate"] == "$1.9000/h" and table["runway"].endswith(" h")
    extended = Cell(ip, f"%prime pods extend {pod.id} 2")
    assert extended.error is None, extended.text
    assert "kept by the guard process" in extended.text
    record = client.deadline(pod.id)
    assert record is not None and record.max_hours is not None
    assert record.due is not None and record.due > client.rentals.clock() + 7000


pytest_plugins = ("tests.magic_fixtures",)
