"""Spend control against the sandbox: deadlines terminate pods (the watchdog's step on the
sandbox's fake clock — no sleep decides anything), deadlines persist in the local store
for a later process, and the sweep lists everything still billing with its flags."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import prime_magics as pm
from prime_magics.deadlines import Watchdog
from prime_magics.provisioning import DiskRequest, PodRequest
from prime_magics.sandbox import SandboxConfig, SandboxServer, start_sandbox
from prime_magics.spend import SWEEP_COLUMNS
from prime_magics.store import Deadline, DeadlineStore, default_store_path
from tests.test_resources import StillClock


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
def watchdog(clock: StillClock) -> Watchdog:
    return Watchdog(clock=clock, autostart=False)


@pytest.fixture
def slow_client(slow_server: SandboxServer, watchdog: Watchdog) -> Iterator[pm.Client]:
    slow_server.reset()
    with pm.Client(
        api_key=slow_server.api_key, base_url=slow_server.url, watchdog=watchdog
    ) as client:
        yield client


def guide_request(client: pm.Client, **options: Any) -> PodRequest:
    frame = client.availability(cloud_id="n3-H100x1", data_center_id="CANADA-1")
    return PodRequest.from_offer(frame.iloc[0], **options)


def canada_disk(client: pm.Client, name: str, size_gb: int = 100) -> pm.Disk:
    offers = client.disk_availability(data_center_id="CANADA-1", size_gb=size_gb)
    row = offers[offers["provider"] == "hyperstack"].iloc[0]
    return client.create_disk(DiskRequest.from_offer(row, size_gb=size_gb, name=name))


# -- deadlines ---------------------------------------------------------------------------


def test_a_deadline_of_seconds_terminates_the_pod_once_it_passed(
    slow_client: pm.Client, slow_server: SandboxServer, watchdog: Watchdog, clock: StillClock
) -> None:
    pod = slow_client.create_pod(guide_request(slow_client, name="short", max_hours=0.001))
    assert watchdog.watching(slow_client) == [pod.id] and not watchdog.running
    stored = slow_client.deadline(pod.id)
    assert stored is not None and stored.max_hours == 0.001 and stored.deadline is None
    watchdog.step()  # still provisioning: the clock has not started
    assert slow_client.deadline(pod.id).deadline is None  # type: ignore[union-attr]
    clock.sleep(61)  # ready now
    watchdog.step()
    started = slow_client.deadline(pod.id)
    assert started is not None and started.deadline == pytest.approx(clock.now + 3.6)
    clock.sleep(3.0)
    watchdog.step()
    assert slow_server.state.live_pod_ids() == [pod.id]  # 0.6 s left
    clock.sleep(1.0)
    watchdog.step()
    assert slow_server.state.live_pod_ids() == []
    assert [t.pod_id for t in watchdog.terminated] == [pod.id]
    assert slow_client.deadline(pod.id) is None and watchdog.watching(slow_client) == []


def test_extend_moves_the_deadline(
    slow_client: pm.Client, slow_server: SandboxServer, watchdog: Watchdog, clock: StillClock
) -> None:
    pod = slow_client.create_pod(guide_request(slow_client, name="longer", max_hours=0.001))
    clock.sleep(61)
    watchdog.step()
    due = slow_client.deadline(pod.id).deadline  # type: ignore[union-attr]
    moved = slow_client.extend(pod.id, 1)
    assert moved.deadline == pytest.approx(due + 3600) and moved.max_hours == 1.001  # type: ignore[operator]
    clock.sleep(10)
    watchdog.step()
    assert slow_server.state.live_pod_ids() == [pod.id]
    without = slow_client.create_pod(guide_request(slow_client, name="none-yet"))
    assert slow_client.deadline(without.id) is None
    given = slow_client.extend(without.id, 2)
    assert given.deadline == pytest.approx(clock.now + 7200)
    with pytest.raises(pm.ConfigurationError):
        slow_client.extend(pod.id, 0)


def test_a_pod_gone_meanwhile_is_forgotten(
    slow_client: pm.Client, watchdog: Watchdog, clock: StillClock
) -> None:
    pod = slow_client.create_pod(guide_request(slow_client, name="gone", max_hours=1))
    slow_client.terminate_pod(pod.id, confirm=True)
    watchdog.step()
    assert slow_client.deadline(pod.id) is None and watchdog.terminated == []


def test_a_later_kernel_enforces_a_deadline_an_earlier_one_set(
    slow_server: SandboxServer, clock: StillClock, tmp_path: Path
) -> None:
    slow_server.reset()
    store, keys = DeadlineStore(tmp_path / "d.sqlite3"), slow_server.api_key
    first = pm.Client(api_key=keys, base_url=slow_server.url, deadline_store=store,
                      watchdog=Watchdog(clock=clock, autostart=False))  # fmt: skip
    with first:
        pod = first.create_pod(guide_request(first, name="inherited", max_hours=0.001))
        old = first.create_pod(guide_request(first, name="overdue", max_hours=1))
    # the first kernel is gone; one deadline is ahead, one has passed while nothing watched
    store.put(Deadline(old.id, slow_server.url, 1, old.created_at, clock.now - 7200, clock.now - 1))
    later = Watchdog(clock=clock, autostart=False)
    with pm.Client(
        api_key=keys, base_url=slow_server.url, deadline_store=DeadlineStore(store.path),
        watchdog=later,
    ) as second:  # fmt: skip
        assert later.watching(second) == [pod.id]  # the passed one is asked about, not enforced
        clock.sleep(61)
        later.step()  # ready now: its clock starts
        clock.sleep(4)
        later.step()
        assert slow_server.state.live_pod_ids() == [old.id]
        assert bool(second.pods().set_index("id").loc[old.id, "past_deadline"])


def test_a_record_for_another_pod_with_the_same_id_ends_nothing(
    slow_client: pm.Client, slow_server: SandboxServer, watchdog: Watchdog, clock: StillClock
) -> None:
    pod = slow_client.create_pod(guide_request(slow_client, name="new-pod"))
    stale = Deadline(pod.id, slow_server.url, 0.001, "2020-01-01T00:00:00Z", clock.now, clock.now)
    slow_client.deadline_store.put(stale)  # yesterday's sandbox pod had this id
    slow_client.watchdog.watch(slow_client, pod.id)
    clock.sleep(61)
    watchdog.step()
    assert slow_server.state.live_pod_ids() == [pod.id] and watchdog.terminated == []
    assert slow_client.deadline(pod.id) is None  # the stale record is gone


def test_the_store_is_private_and_next_to_the_cli_config(
    slow_client: pm.Client, clock: StillClock
) -> None:
    slow_client.create_pod(guide_request(slow_client, name="private", max_hours=2))
    path = default_store_path()
    assert path.parent == Path(os.environ["HOME"]) / ".prime" and path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert slow_client.deadline_store.path == path


# -- the sweep ------------------------------------------------------------------------------


def test_the_sweep_lists_a_forgotten_disk_with_its_cost(client: pm.Client) -> None:
    disk = canada_disk(client, "forgotten", 100)
    pod = client.create_pod(guide_request(client, name="running"))
    later = datetime.now(timezone.utc) + timedelta(hours=2)
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
    store = DeadlineStore(tmp_path / "deadlines.sqlite3")
    unwatched = Watchdog(autostart=False)  # nothing will ever step it: "no kernel ran"
    with pm.Client(
        api_key=sandbox.api_key, base_url=sandbox.url, deadline_store=store, watchdog=unwatched
    ) as first:
        pod = first.create_pod(guide_request(first, name="abandoned", max_hours=0.5))
    later = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()
    script = (
        "import json, sys, datetime\n"
        "import prime_magics as pm\n"
        "from prime_magics.store import DeadlineStore\n"
        "url, key, path, now = sys.argv[1:]\n"
        "client = pm.Client(api_key=key, base_url=url, deadline_store=DeadlineStore(path))\n"
        "frame = client.sweep(now=datetime.datetime.fromisoformat(now))\n"
        "rows = frame[frame['past_deadline']]\n"
        "print(json.dumps({'ids': list(rows['id']), 'deadline': str(rows['deadline'].iloc[0])}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(pm.__file__).parent.parent)}
    done = subprocess.run(
        [sys.executable, "-c", script, sandbox.url, sandbox.api_key, str(store.path), later],
        capture_output=True, text=True, timeout=60, env=env, check=True,
    )  # fmt: skip
    seen = json.loads(done.stdout)
    assert seen["ids"] == [pod.id] and seen["deadline"].startswith("20")
    # a fresh store object over the same file in this process says the same
    fresh = pm.Client(api_key=sandbox.api_key, base_url=sandbox.url,
                      deadline_store=DeadlineStore(store.path), watchdog=unwatched)  # fmt: skip
    with fresh:
        assert list(
            fresh.sweep(now=datetime.fromisoformat(later)).query("past_deadline")["id"]
        ) == [pod.id]
        assert not fresh.sweep()["past_deadline"].any()  # not yet, really


# -- the panels ------------------------------------------------------------------------------


def test_pod_status_shows_the_deadline_counts_down_warns_and_extends(
    slow_client: pm.Client, slow_server: SandboxServer, watchdog: Watchdog, clock: StillClock
) -> None:
    from prime_magics.widgets import PodStatus

    pod = slow_client.create_pod(guide_request(slow_client, name="panel", max_hours=0.25))
    panel = PodStatus(pod.id, client=slow_client, autostart=False)
    panel.poll_once()
    assert "0.25 h after it is ready" in panel.deadline_view.value
    assert "only while some kernel" in panel.deadline_view.value
    clock.sleep(61)
    watchdog.step()  # ready: the 15 minutes start now
    panel.poll_once()
    assert (
        panel.deadline_left == pytest.approx(900) and "in 15 min 0 s" in panel.deadline_view.value
    )
    assert "prime-info" in panel.deadline_view.value
    clock.sleep(360)
    panel.poll_once()
    assert "less than 10 minutes left" in panel.deadline_view.value
    assert "prime-warning" in panel.deadline_view.value
    panel.extend_hours.value = 1
    panel.extend_button.click()
    assert panel.deadline_left == pytest.approx(540 + 3600)
    assert "prime-info" in panel.deadline_view.value
    clock.sleep(4200)
    watchdog.step()  # past the moved deadline: terminated by the rule, without asking
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
    assert "lost for good" in panel.confirm_area.children[0].value
    confirm = panel.confirm_area.children[1]
    confirm.confirm_button.click()
    assert first.id not in sandbox.state.live_pod_ids()
    panel.load()
    assert len(frame()) == 2 and panel.phrase == "terminate 2"
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
    assert "only while some kernel" in extended.text
    assert client.deadline(pod.id) is not None
    client.watchdog.forget(client)


pytest_plugins = ("tests.magic_fixtures",)
