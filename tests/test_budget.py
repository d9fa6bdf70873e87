"""Budgets against the sandbox: the guard's rounds run on the sandbox's fake clock (no sleep
decides anything), so a budget warns at 80 %, is spent at 100 % exactly when the
arithmetic says, refuses creates from then on, and with ``hard`` ends what it counts
itself after a final warning. The ledger behind it lives in the local store."""

from __future__ import annotations

import re
import time
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

import prime_magics as pm
from prime_magics import budget_guard as guard_module
from prime_magics._display_budget import event_notice
from prime_magics.budget import Budget, budget_state
from prime_magics.budget_guard import BudgetGuard
from prime_magics.deadlines import Watchdog
from prime_magics.ledger import SESSION, Ledger, Rental
from prime_magics.sandbox import SandboxConfig, SandboxServer, start_sandbox
from prime_magics.store import Deadline, epoch
from tests.magic_fixtures import FAKE_KEY, Cell, requests
from tests.test_resources import StillClock
from tests.test_spend import canada_disk, guide_request

POD_HR = 1.9  # the guides' n3-H100x1 in CANADA-1, as the sandbox prices it
DISK_HR = 100 * 0.00015  # a 100 GB hyperstack disk there


@pytest.fixture(scope="module")
def clock() -> StillClock:
    return StillClock()


@pytest.fixture(scope="module")
def slow_server(clock: StillClock) -> Iterator[SandboxServer]:
    server = start_sandbox(SandboxConfig(provision_seconds=60), monotonic=clock)
    yield server
    server.stop()


@pytest.fixture
def guard(slow_server: SandboxServer, clock: StillClock) -> BudgetGuard:
    """A guard whose "now" is the sandbox's own wall time (its fake clock, as timestamps)."""
    return BudgetGuard(clock=lambda: sandbox_now(slow_server, clock), autostart=False)


def sandbox_now(server: SandboxServer, clock: StillClock) -> float:
    stamp = epoch(server.state.clock.iso(clock.now))
    assert stamp is not None
    return stamp


@pytest.fixture
def client(slow_server: SandboxServer, guard: BudgetGuard) -> Iterator[pm.Client]:
    slow_server.reset()
    with pm.Client(
        api_key=slow_server.api_key,
        base_url=slow_server.url,
        budget_guard=guard,
        watchdog=Watchdog(autostart=False),
    ) as made:
        yield made


# -- the arithmetic ---------------------------------------------------------------------------

NOW = 1_800_000_000.0


def rental(
    kind: Any = "pod", price: float | None = 2.0, hours_ago: float = 1.5, **kw: Any
) -> Rental:
    started = NOW - hours_ago * 3600
    return Rental(kind, f"{kind}-{hours_ago}", "https://api", f"t{hours_ago}", started, price, **kw)


def test_spend_is_price_times_hours_with_prepaid_hours_up_front() -> None:
    rentals = [
        rental("pod", 2.0, 1.5),  # 3.00
        rental("pod", 1.0, 0.5, prepaid_h=2.0),  # prepaid: 2 h charged, 2.00
        rental("disk", 0.01, 10.0, ended=NOW - 5 * 3600),  # 5 h then deleted: 0.05
        rental("pod", None, 1.0),  # unknown price: counted as nothing, and said
    ]
    state = budget_state(Budget(10.0), rentals, NOW)
    assert state.spent_usd == pytest.approx(3.0 + 2.0 + 0.05)
    assert state.burn_hr == pytest.approx(3.0)  # the deleted disk burns nothing
    assert state.unpriced == 1 and len(state.live) == 3
    assert state.fraction == pytest.approx(0.505)
    assert state.reached_in_s == pytest.approx((10 - 5.05) / 3.0 * 3600)
    assert state.projected_usd(2) == pytest.approx(5.05 + 6.0)
    assert state.level == "ok"


def test_the_day_scope_counts_only_the_last_24_hours() -> None:
    old = rental("pod", 2.0, 25.0, ended=NOW - 23 * 3600, prepaid_h=48.0)  # 1 h inside
    day = budget_state(Budget(10.0, day=True), [old, rental("disk", 0.5, 30.0)], NOW)
    # prepaid hours were charged before the window: only the hour inside counts
    assert day.spent_usd == pytest.approx(2.0 * 1 + 0.5 * 24)
    gone = budget_state(
        Budget(10.0, day=True), [rental("pod", 2.0, 30.0, ended=NOW - 25 * 3600)], NOW
    )
    assert gone.counted == () and gone.spent_usd == 0


@pytest.mark.parametrize(
    ("spent_h", "hard", "level"),
    [
        (3.9, False, "ok"),
        (4.0, False, "warning"),
        (4.9, False, "warning"),
        (4.95, True, "final"),
        (5.0, False, "reached"),
        (5.0, True, "reached"),
    ],
)
def test_levels(spent_h: float, hard: bool, level: str) -> None:
    state = budget_state(Budget(10.0, hard=hard), [rental("pod", 2.0, spent_h)], NOW)
    assert state.level == level


def test_the_guard_wakes_for_the_next_threshold() -> None:
    guard = BudgetGuard(autostart=False, max_pause=30.0)
    near = budget_state(Budget(10.0, hard=True), [rental("pod", 3600.0, 9.9 / 3600)], NOW)
    assert near.reached_in_s == pytest.approx(0.1) and guard.pause(near) == 0.5  # the floor
    hard = budget_state(Budget(10.0, hard=True), [rental("pod", 36.0, 9.0 / 36)], NOW)
    # 100 s to 100 %: the final warning (300 s before) is past, so wake for the end
    assert guard.pause(hard) == pytest.approx(30.0)
    soon = budget_state(Budget(10.0), [rental("pod", 36.0, 7.9 / 36)], NOW)
    assert guard.pause(soon) == pytest.approx(10.0)  # 10 s to the 80 % mark
    assert guard.pause(None) == 30.0


def test_a_budget_is_a_positive_amount() -> None:
    for bad in (0, -5, float("nan"), float("inf")):
        with pytest.raises(pm.ConfigurationError):
            Budget(bad)


# -- the ledger -------------------------------------------------------------------------------


def test_the_ledger_keeps_sessions_apart_and_ends_once(tmp_path: Any) -> None:
    ledger = Ledger(tmp_path / "store.sqlite3")
    mine, theirs = rental("pod", 2.0, 1.0), rental("disk", 0.1, 2.0, session="other-kernel")
    ledger.record(mine)
    ledger.record(theirs)
    assert [r.id for r in ledger.rentals("https://api", SESSION)] == [mine.id]
    assert {r.id for r in ledger.rentals("https://api")} == {mine.id, theirs.id}
    ledger.end(mine, NOW)
    ledger.end(mine, NOW + 99)  # a later sighting keeps the first end
    assert ledger.rentals("https://api", SESSION)[0].ended == NOW
    assert ledger.rentals("https://elsewhere") == []


def test_a_store_that_cannot_be_written_warns_and_loses_nothing(tmp_path: Any) -> None:
    ledger = Ledger(tmp_path)  # a directory: sqlite cannot open it as a file
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ledger.record(rental())
    assert any("could not be written" in str(w.message) for w in caught)


# -- the guard on the sandbox's clock ------------------------------------------------------------


def test_a_budget_warns_at_80_then_is_spent_and_refuses_creates(
    client: pm.Client, guard: BudgetGuard, slow_server: SandboxServer, clock: StillClock
) -> None:
    pod = client.create_pod(guide_request(client, name="counted"))
    state = client.set_budget(1.0)
    assert state is not None and state.level == "ok" and state.burn_hr == pytest.approx(POD_HR)
    assert state.reached_in_s == pytest.approx(1.0 / POD_HR * 3600, abs=1)
    assert guard.pause(state) == guard.max_pause  # the 80 % mark is ~25 min away
    assert guard.take_unshown() == []

    clock.sleep(0.8 / POD_HR * 3600 + 2)
    guard.step()
    [warned] = guard.take_unshown()
    assert warned.level == "warning" and warned.state.fraction >= 0.8
    assert guard.pause(warned.state) == guard.max_pause  # 100 % is ~6 min away
    guard.step()
    assert guard.take_unshown() == []  # each threshold is said once

    clock.sleep(0.2 / POD_HR * 3600)
    guard.step()
    [spent] = guard.take_unshown()
    assert spent.level == "reached" and spent.state.spent_usd >= 1.0
    assert slow_server.state.live_pod_ids() == [pod.id]  # soft: it asks, it does not end

    posts = len(requests(slow_server, "POST", "/api/v1/pods"))
    with pytest.raises(pm.BudgetSpentError, match="nothing was sent"):
        client.create_pod(guide_request(client, name="one-more"))
    assert len(requests(slow_server, "POST", "/api/v1/pods")) == posts


def test_the_panel_ends_what_the_budget_counts_with_one_named_click(
    client: pm.Client, guard: BudgetGuard, slow_server: SandboxServer, clock: StillClock
) -> None:
    pod = client.create_pod(guide_request(client, name="panel"))
    disk = canada_disk(client, "budgeted")
    client.set_budget(0.5)
    clock.sleep(0.5 / (POD_HR + DISK_HR) * 3600 + 1)
    panel = pm.BudgetPanel(client)
    panel.load()
    assert panel.state.level == "reached"
    assert panel.end_button.description == "Terminate 1 pod, delete 1 disk"
    assert not panel.end_button.disabled
    assert "Still billing: pod" in panel.notice.value and pod.id in panel.notice.value
    panel.end_button.click()
    assert slow_server.state.live_pod_ids() == []
    assert client.disk(disk.id).status in {"DELETING", "TERMINATED"}
    assert panel.status_level == "success" and panel.end_button.layout.display == "none"
    assert all(not r.live for r in client.ledger.rentals(client.settings.base_url))
    panel.close()
    assert panel._on_round not in guard.listeners


def test_a_hard_budget_warns_last_then_ends_everything_it_counts(
    client: pm.Client, guard: BudgetGuard, slow_server: SandboxServer, clock: StillClock
) -> None:
    pod = client.create_pod(guide_request(client, name="hard"))
    disk = canada_disk(client, "hard-disk")
    state = client.set_budget(1.0, hard=True)
    assert state is not None
    due = state.reached_in_s
    assert due is not None
    clock.sleep(due - 240)  # inside the last five minutes
    guard.step()
    events = guard.take_unshown()
    assert [e.level for e in events] == ["final"]  # the 80 % warning folded into the last one
    assert pod.id in str(event_notice(events[0]))
    assert slow_server.state.live_pod_ids() == [pod.id]

    clock.sleep(241)
    guard.step()
    [ended] = guard.take_unshown()
    assert ended.level == "ended" and ended.ended == (f"pod {pod.id}", f"disk {disk.id}")
    assert slow_server.state.live_pod_ids() == []
    assert client.disk(disk.id).status in {"DELETING", "TERMINATED"}
    assert "the client ended" in str(event_notice(ended))
    with pytest.raises(pm.BudgetSpentError):  # spent stays spent: nothing new is sent
        canada_disk(client, "one-more")


def test_a_rental_ended_elsewhere_stops_counting(
    client: pm.Client, guard: BudgetGuard, slow_server: SandboxServer, clock: StillClock
) -> None:
    pod = client.create_pod(guide_request(client, name="elsewhere"))
    client.set_budget(100.0)
    clock.sleep(3600)
    with pm.Client(api_key=slow_server.api_key, base_url=slow_server.url) as other:
        other._pods.terminate(pod.id, confirm=True)  # as the web app would: no ledger
    state = guard.step()
    assert state is not None and state.burn_hr == 0 and state.live == ()
    spent = state.spent_usd
    assert spent == pytest.approx(POD_HR, rel=0.01)
    clock.sleep(3600)
    later = guard.step()
    assert later is not None and later.spent_usd == pytest.approx(spent)


def test_a_rental_the_list_leaves_out_is_read_before_it_is_called_ended(
    client: pm.Client, guard: BudgetGuard, slow_server: SandboxServer
) -> None:
    pod = client.create_pod(guide_request(client, name="unlisted"))
    client.set_budget(100.0)
    empty = {"data": [], "totalCount": 0, "offset": 0, "limit": 100}
    slow_server.faults.add("GET", "/api/v1/pods", status=200, body=empty, times=1)
    state = guard.step()  # the list forgot it (another team's view, say); the pod did not go
    assert state is not None and [r.id for r in state.live] == [pod.id]
    assert requests(slow_server, "GET", f"/api/v1/pods/{pod.id}")  # it was read on its own


def test_the_session_scope_counts_this_kernel_and_the_day_scope_every_one(
    client: pm.Client, guard: BudgetGuard
) -> None:
    now = guard.clock()
    base = client.settings.base_url
    other = Rental("pod", "p-x", base, "t", now - 3600, 3.0, session="another-kernel")
    client.ledger.record(other)
    client.create_pod(guide_request(client, name="mine"))
    session = client.set_budget(50.0)
    day = client.set_budget(50.0, day=True)
    assert session is not None and day is not None
    assert {r.id for r in session.counted} != {r.id for r in day.counted}
    assert "p-x" in {r.id for r in day.counted} and "p-x" not in {r.id for r in session.counted}
    assert client.set_budget(None) is None and client.budget() is None


def test_a_day_budget_is_taken_up_by_every_later_kernel_until_lifted(
    slow_server: SandboxServer, tmp_path: Any
) -> None:
    made: list[pm.Client] = []

    def kernel() -> tuple[pm.Client, BudgetGuard]:
        """A new process, as far as budgets go: its own guard over the same store."""
        guard = BudgetGuard(autostart=False)
        made.append(pm.Client(
            api_key=slow_server.api_key, base_url=slow_server.url, budget_guard=guard,
            ledger=Ledger(tmp_path / "store.sqlite3"), watchdog=Watchdog(autostart=False),
        ))  # fmt: skip
        return made[-1], guard

    first, _ = kernel()
    first.set_budget(20.0, day=True, hard=True)
    before = len(slow_server.requests)
    second, guard = kernel()
    assert guard.budget == Budget(20.0, day=True, hard=True) and guard.client is second
    assert len(slow_server.requests) == before  # taken up, not checked: nothing was sent
    second.set_budget(5.0)  # a session budget replaces it, here and for later kernels
    assert kernel()[1].budget is None
    second.set_budget(30.0, day=True)
    second.set_budget(None)  # lifted: gone for later kernels too
    assert kernel()[1].budget is None
    for client in made:
        client.close()


def test_the_guard_thread_keeps_the_budget_without_any_cell(
    slow_server: SandboxServer, clock: StillClock
) -> None:
    """The daemon thread takes rounds by itself (the wait is only a bound, never a timing)."""
    slow_server.reset()
    offset = [0.0]
    guard = BudgetGuard(clock=lambda: sandbox_now(slow_server, clock) + offset[0], max_pause=0.05)
    with pm.Client(
        api_key=slow_server.api_key, base_url=slow_server.url, budget_guard=guard,
        watchdog=Watchdog(autostart=False),
    ) as mine:  # fmt: skip
        pod = mine.create_pod(guide_request(mine, name="threaded"))
        mine.set_budget(0.01, hard=True)
        assert guard.running
        offset[0] = 3600.0
        deadline = time.monotonic() + 20
        while pod.id in slow_server.state.live_pod_ids() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert pod.id not in slow_server.state.live_pod_ids()
        mine.set_budget(None)


# -- the magics ---------------------------------------------------------------------------------


@pytest.fixture
def shared(monkeypatch: pytest.MonkeyPatch) -> Iterator[BudgetGuard]:
    """The process's guard, on a clock the test moves, without its thread."""
    offset = [0.0]
    guard = BudgetGuard(clock=lambda: time.time() + offset[0], autostart=False)
    guard.offset = offset  # type: ignore[attr-defined]
    monkeypatch.setattr(guard_module, "_shared", guard)
    yield guard


def test_budget_magic_sets_shows_and_lifts(
    ip: Any, sandbox: SandboxServer, shared: BudgetGuard
) -> None:
    client = pm.Client(api_key=FAKE_KEY, base_url=sandbox.url)
    pm.set_client(client)
    assert Cell(ip, "%prime budget").text.count("No budget is set") == 1
    client.create_pod(guide_request(client, name="magic"))
    cell = Cell(ip, "b = %prime budget 5 --hard")
    assert cell.error is None, cell.text
    table = ip.user_ns["b"]
    assert table["budget"] == "$5.00 (hard)" and table["billing now"] == "$1.9000/h (1 live)"
    assert "web app or with the prime CLI are not in it" in cell.text
    assert "terminates the pods and deletes the disks" in table["at 100 %"]
    assert shared.budget == Budget(5.0, hard=True)
    again = Cell(ip, "%prime budget")
    assert re.search(r"Budget: \$0\.0+ of \$5\.00 spent \(0%\)\.", again.text), again.text
    bad = Cell(ip, "%prime budget --hard")
    assert bad.error is not None and "go with an amount" in str(bad.error)
    off = Cell(ip, "%prime budget --off")
    assert "No budget now" in off.text and shared.budget is None


def test_in_jupyter_the_budget_magic_returns_the_live_panel(
    ip: Any, sandbox: SandboxServer, shared: BudgetGuard, widgets_on: Any
) -> None:
    client = pm.Client(api_key=FAKE_KEY, base_url=sandbox.url)
    pm.set_client(client)
    client.create_pod(guide_request(client, name="panel-magic"))
    assert Cell(ip, "p = %prime budget 1").error is None
    panel = ip.user_ns["p"]
    assert isinstance(panel, pm.BudgetPanel) and panel.end_button.description == "Terminate 1 pod"
    shared.offset[0] = 0.9 / POD_HR * 3600  # type: ignore[attr-defined]
    shared.step()  # a round of the guard redraws the panel, no cell needed
    assert "90% of your $1.00 budget is spent" in panel.notice.value
    panel.close()
    client.set_budget(None)


def test_a_crossed_threshold_is_said_after_the_next_cell(
    ip: Any, sandbox: SandboxServer, shared: BudgetGuard, widgets_on: Any
) -> None:
    client = pm.Client(api_key=FAKE_KEY, base_url=sandbox.url)
    pm.set_client(client)
    pod = client.create_pod(guide_request(client, name="after-cell"))
    client.set_budget(1.0)
    shared.offset[0] = 0.85 / POD_HR * 3600  # type: ignore[attr-defined]
    shared.step()
    first = Cell(ip, "x = 1")
    assert "of your $1.00 budget is spent" in first.text
    assert "of your $1.00 budget" not in Cell(ip, "x = 2").text  # said once
    shared.offset[0] = 1.05 / POD_HR * 3600  # type: ignore[attr-defined]
    shared.step()
    spent = Cell(ip, "x = 3")
    assert "Your $1.00 budget is spent" in spent.text and pod.id in spent.text
    assert any(shown.startswith("Budget\n") for shown in spent.shown)  # the panel came too
    client.set_budget(None)


def test_pods_list_flags_a_pod_past_its_deadline_and_offers_to_end_it(
    ip: Any, prime_sandbox: SandboxServer, magics: Any
) -> None:
    client = pm.get_client()
    pod = client.create_pod(guide_request(client, name="overdue"))
    passed = time.time() - 60
    record = Deadline(pod.id, client.settings.base_url, 0.5, pod.created_at, passed - 1800, passed)
    client.deadline_store.put(record)  # as a kernel that stopped watching left it
    frame = client.pods().set_index("id")
    assert bool(frame.loc[pod.id, "past_deadline"])
    assert frame.loc[pod.id, "deadline"].timestamp() == pytest.approx(passed, abs=1)
    cell = Cell(ip, "%prime pods list")
    assert f"Pod {pod.id} passed its deadline" in cell.text
    assert f"%prime pods terminate {pod.id} --yes" in cell.text
    assert prime_sandbox.state.live_pod_ids() == [pod.id]  # listing ends nothing
    magics.widgets = True
    offered = Cell(ip, "%prime pods list")
    panels = [o for o in offered.shown if o.startswith(f"Terminate pod {pod.id}\n")]
    assert len(panels) == 1, offered.text  # its ConfirmPanel, summarised as text
    assert offered.text.count("[sandbox]") == 1  # the banner once per output
    assert prime_sandbox.state.live_pod_ids() == [pod.id]  # a button, not an act


pytest_plugins = ("tests.magic_fixtures",)
