"""Budgets against the sandbox: the guard's rounds (``client.guard_round()``, the same
round the guard process takes every period) run on the sandbox's fake clock (no sleep
decides anything), so a budget warns at 80 %, is spent at 100 % exactly when the
arithmetic says, refuses creates from then on, and with ``hard`` ends what it counts
itself after a final warning. Budgets and rentals live in the local store, so every
kernel over it (and the guard process) keeps the same ones."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

import prime_magics as pm
from prime_magics import inputs
from prime_magics.rentals import daemon
from prime_magics.rentals.budgets import (
    Budget,
    Budgets,
    budget_state,
    refusal,
)
from prime_magics.rentals.guard import Guard, budget_marks, guarded
from prime_magics.rentals.records import SESSION, Book, Kind, Rental, State
from prime_magics.rentals.store import Store, StoreError
from prime_magics.sandbox import SandboxConfig, SandboxServer, start_sandbox
from prime_magics.widgets import budget as budget_widget
from tests.magic_fixtures import FAKE_KEY, WAIT_S, Cell, requests
from tests.rentals_fixtures import (
    DISK_HR,
    POD_HR,
    canada_disk,
    findings,
    guide_request,
    kernel,
    sandbox_now,
)
from tests.test_resources import StillClock


@pytest.fixture(scope="module")
def clock() -> StillClock:
    return StillClock()


@pytest.fixture(scope="module")
def slow_server(clock: StillClock) -> Iterator[SandboxServer]:
    server = start_sandbox(SandboxConfig(provision_seconds=60), monotonic=clock)
    yield server
    server.stop()


@pytest.fixture
def client(slow_server: SandboxServer, clock: StillClock, tmp_path: Path) -> Iterator[pm.Client]:
    """A kernel's client over a store of its own, on the sandbox's clock."""
    slow_server.reset()
    with kernel(slow_server, clock, Store(tmp_path / "s.sqlite3")) as made:
        yield made
    slow_server.faults.clear()


# -- the arithmetic ---------------------------------------------------------------------------

NOW = 1_800_000_000.0


def rental(
    kind: Kind = "pod",
    price: float | None = 2.0,
    hours_ago: float = 1.5,
    *,
    ended: float | None = None,
    prepaid_h: float | None = None,
    session: str = SESSION,
    state: State | None = None,
) -> Rental:
    """A settled rental started ``hours_ago`` before ``NOW`` (ended at ``ended``, if)."""
    started = NOW - hours_ago * 3600
    ident = f"{kind}-{hours_ago}"
    return Rental(
        ref=f"ref-{ident}",
        base_url="https://api",
        kind=kind,
        state=state or ("live" if ended is None else "ended"),
        session=session,
        name=ident,
        offer=None,
        cap_hr=None,
        price_hr=price,
        prepaid_h=prepaid_h,
        max_hours=None,
        intended=started,
        since=None,
        id=ident,
        created_at=f"t{hours_ago}",
        started=started,
        ready_at=None,
        seen=None,
        missing=None,
        ending=None,
        ending_at=None,
        ended=ended,
        end_reason=None if ended is None else "terminated",
        checks=0,
    )


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
    assert state.level == "ok" and refusal(state) is None


def test_an_unknown_outcome_counts_from_when_it_was_sent_and_a_void_one_never() -> None:
    sent = rental("pod", 2.0, 2.0, state="unknown")
    unknown = replace(sent, id=None, created_at=None, started=None)
    void = rental("pod", 5.0, 3.0, state="void")
    state = budget_state(Budget(10.0), [unknown, void], NOW)
    assert state.spent_usd == pytest.approx(4.0)  # too much rather than too little
    assert state.burn_hr == pytest.approx(2.0) and state.counted == (unknown,)


def test_the_day_scope_counts_only_the_last_24_hours() -> None:
    old = rental("pod", 2.0, 25.0, ended=NOW - 23 * 3600, prepaid_h=48.0)  # 1 h inside
    day = budget_state(Budget(10.0, day=True), [old, rental("disk", 0.5, 30.0)], NOW)
    # prepaid hours were charged before the window: only the hour inside counts
    assert day.spent_usd == pytest.approx(2.0 * 1 + 0.5 * 24)
    gone = budget_state(
        Budget(10.0, day=True), [rental("pod", 2.0, 30.0, ended=NOW - 25 * 3600)], NOW
    )
    assert gone.counted == () and gone.spent_usd == 0


def test_the_session_scope_counts_only_its_kernel() -> None:
    mine, theirs = rental("pod", 2.0, 1.0, session="k1"), rental("disk", 1.0, 2.0, session="k2")
    state = budget_state(Budget(10.0, session="k1"), [mine, theirs], NOW)
    assert state.counted == (mine,) and state.spent_usd == pytest.approx(2.0)
    day = budget_state(Budget(10.0, day=True, session="k1"), [mine, theirs], NOW)
    assert day.counted == (mine, theirs) and day.spent_usd == pytest.approx(4.0)


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
    assert (refusal(state) is not None) == (level == "reached")


def test_the_guard_wakes_for_the_next_threshold() -> None:
    near = budget_state(Budget(10.0, hard=True), [rental("pod", 3600.0, 9.9 / 3600)], NOW)
    assert near.reached_in_s == pytest.approx(0.1) and budget_marks(near) == [pytest.approx(0.1)]
    hard = budget_state(Budget(10.0, hard=True), [rental("pod", 36.0, 9.0 / 36)], NOW)
    # 100 s to 100 %: the final warning (300 s before) and the 80 % mark are past
    assert budget_marks(hard) == [pytest.approx(100.0)]
    soon = budget_state(Budget(10.0), [rental("pod", 36.0, 7.9 / 36)], NOW)
    assert budget_marks(soon) == [pytest.approx(210.0), pytest.approx(10.0)]  # 80 % in 10 s
    early = budget_state(Budget(10.0, hard=True), [rental("pod", 3.6, 1.0)], NOW)
    assert budget_marks(early) == [pytest.approx(m) for m in (6400.0, 6100.0, 4400.0)]
    still = budget_state(Budget(10.0), [rental("pod", 2.0, 2.0, ended=NOW - 3600)], NOW)
    assert budget_marks(still) == []  # nothing burns: nothing to wake for


def test_a_budget_is_a_positive_amount() -> None:
    for bad in (0, -5, float("nan"), float("inf"), inputs.MAX_USD * 2):
        with pytest.raises(pm.ConfigurationError):
            Budget(bad)


# -- the store --------------------------------------------------------------------------------


def _intend(book: Book, kind: Kind, session: str, base_url: str = "https://api") -> str:
    return book.intend(
        base_url, kind, name=f"{kind}-{session}", offer=None, cap_hr=None, price_hr=2.0,
        prepaid_h=None, max_hours=None, now=NOW, since="2027-01-15T08:00:00+00:00",
        session=session,
    )  # fmt: skip


def test_the_book_keeps_sessions_apart_and_ends_once(tmp_path: Path) -> None:
    book = Book(Store(tmp_path / "store.sqlite3"))
    mine, theirs = _intend(book, "pod", "k1"), _intend(book, "disk", "k2")
    assert book.get(mine).state == "intent"  # type: ignore[union-attr]
    assert book.settle(mine, "p-1", "2027-01-15T08:00:00Z", 2.0, NOW + 5)
    assert book.settle(theirs, "d-1", "2027-01-15T08:00:00Z", 0.1, NOW + 5)
    assert [r.id for r in book.all("https://api", "k1")] == ["p-1"]
    assert {r.id for r in book.all("https://api")} == {"p-1", "d-1"}
    assert book.get(mine).started == NOW  # type: ignore[union-attr]  # billing since createdAt
    assert book.end(mine, NOW, "terminated")
    assert not book.end(mine, NOW + 99, "gone")  # a later sighting keeps the first end
    ended = book.get(mine)
    assert ended is not None and (ended.ended, ended.end_reason) == (NOW, "terminated")
    assert book.all("https://elsewhere") == []
    # a second record of the same rental (another process's lookup) rents nothing more
    again = _intend(book, "disk", "k3")
    assert not book.settle(again, "d-1", "2027-01-15T08:00:00Z", 0.1, NOW)
    assert book.get(again).state == "void"  # type: ignore[union-attr]
    assert {r.id for r in book.all("https://api")} == {"p-1", "d-1"}


def test_a_level_is_said_once_until_the_budget_is_set_again(tmp_path: Path) -> None:
    budgets = Budgets(Store(tmp_path / "store.sqlite3"))
    budget = Budget(10.0, session="k1")
    budgets.keep("https://api", budget, NOW)
    assert budgets.say_once("https://api", budget, "warning")
    assert not budgets.say_once("https://api", budget, "warning")
    assert budgets.say_once("https://api", budget, "reached")
    budgets.keep("https://api", Budget(20.0, session="k1"), NOW)  # raised: said afresh
    assert budgets.say_once("https://api", budget, "warning")


def test_a_store_that_cannot_be_written_refuses_naming_the_file(tmp_path: Path) -> None:
    book = Book(Store(tmp_path))  # a directory: sqlite cannot open it as a file
    with pytest.raises(StoreError, match=re.escape(str(tmp_path))) as refused:
        _intend(book, "pod", "k1")
    assert "Nothing was sent" in str(refused.value)


# -- the guard on the sandbox's clock ------------------------------------------------------------


def test_a_budget_warns_at_80_then_is_spent_and_refuses_creates(
    client: pm.Client, slow_server: SandboxServer, clock: StillClock
) -> None:
    pod = client.create_pod(guide_request(client, name="counted"))
    state = client.set_budget(1.0)
    assert state is not None and state.level == "ok" and state.burn_hr == pytest.approx(POD_HR)
    assert state.reached_in_s == pytest.approx(1.0 / POD_HR * 3600, abs=1)
    assert client.guard_round().pause == 30.0  # the 80 % mark is ~25 min away
    assert findings(client) == []

    clock.sleep(0.8 / POD_HR * 3600 + 2)
    client.guard_round()
    [warned] = findings(client)
    assert warned.kind == "warning" and warned.level == "warning"
    assert "of your $1.00 budget is spent" in warned.text
    now = client.budget()
    assert now is not None and now.fraction >= 0.8 and now.reached_in_s is not None
    assert client.guard_round().pause == 30.0  # 100 % is ~6 min away
    assert findings(client) == []  # each threshold is said once

    clock.sleep(now.reached_in_s - 0.1)
    assert client.guard_round().pause == 0.5  # due in 0.1 s: the floor
    assert findings(client) == []
    clock.sleep(1.0)
    client.guard_round()
    [spent] = findings(client)
    assert spent.kind == "reached" and "Your $1.00 budget is spent" in spent.text
    assert pod.id in spent.text  # "Still billing: pod …"
    assert client.budget().spent_usd >= 1.0  # type: ignore[union-attr]
    assert slow_server.state.live_pod_ids() == [pod.id]  # soft: it asks, it does not end

    posts = len(requests(slow_server, "POST", "/api/v1/pods"))
    with pytest.raises(pm.BudgetSpentError, match="nothing was sent"):
        client.create_pod(guide_request(client, name="one-more"))
    assert len(requests(slow_server, "POST", "/api/v1/pods")) == posts


def _panel_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == "prime-budget-panel"}


def test_the_panel_ends_what_the_budget_counts_with_one_named_click(
    client: pm.Client, slow_server: SandboxServer, clock: StillClock
) -> None:
    pod = client.create_pod(guide_request(client, name="panel"))
    disk = canada_disk(client, "budgeted")
    client.set_budget(0.5)
    clock.sleep(0.5 / (POD_HR + DISK_HR) * 3600 + 1)
    before = _panel_threads()
    panel = pm.BudgetPanel(client)
    redraws = _panel_threads() - before
    assert len(redraws) == 1  # it follows the store by itself while open
    panel.load()
    assert panel.state.level == "reached"
    assert panel.end_button.description == "Terminate 1 pod, delete 1 disk"
    assert not panel.end_button.disabled
    assert "Still billing: pod" in panel.notice.value and pod.id in panel.notice.value
    panel.end_button.click()
    assert slow_server.state.live_pod_ids() == []
    assert client.disk(disk.id).status in {"DELETING", "TERMINATED"}
    assert panel.status_level == "success" and panel.end_button.layout.display == "none"
    assert all(not r.live for r in client.rentals.book.all(client.settings.base_url))
    panel.close()
    for thread in redraws:  # closing stops its redraws
        thread.join(WAIT_S)
        assert not thread.is_alive()


def test_the_panels_saved_output_follows_its_redraws(client: pm.Client, clock: StillClock) -> None:
    """The panel redraws from the store by itself; what a saved notebook keeps follows."""
    from IPython.display import display

    from tests.widget_fixtures import Published

    client.create_pod(guide_request(client, name="saved"))
    client.set_budget(1.0)
    panel = pm.BudgetPanel(client)
    with Published() as published:
        display(panel)  # type: ignore[no-untyped-call]
        (first,) = published.saved().values()
        assert "90%" not in first["text/plain"]
        clock.sleep(0.9 / POD_HR * 3600)
        panel._follow()  # one redraw, as its loop does every REDRAW_S
        (last,) = published.saved().values()
    assert "90% of your $1.00 budget is spent" in last["text/plain"]
    assert "90% of your $1.00 budget is spent" in last["text/html"]
    panel.close()
    client.set_budget(None)


def test_a_hard_budget_warns_last_then_ends_everything_it_counts(
    client: pm.Client, slow_server: SandboxServer, clock: StillClock
) -> None:
    pod = client.create_pod(guide_request(client, name="hard"))
    disk = canada_disk(client, "hard-disk")
    state = client.set_budget(1.0, hard=True)
    assert state is not None
    due = state.reached_in_s
    assert due is not None
    clock.sleep(due - 240)  # inside the last five minutes
    client.guard_round()
    events = findings(client)
    assert [e.kind for e in events] == ["final"]  # the 80 % warning folded into the last one
    assert "Final warning" in events[0].text and pod.id in events[0].text
    assert slow_server.state.live_pod_ids() == [pod.id]

    clock.sleep(241)
    done = client.guard_round()
    assert sorted(done.ended) == sorted((f"pod {pod.id}", f"disk {disk.id}"))
    [ended] = findings(client)
    assert ended.kind == "ended" and "as --hard says" in ended.text
    assert pod.id in ended.text and disk.id in ended.text
    assert slow_server.state.live_pod_ids() == []
    assert client.disk(disk.id).status in {"DELETING", "TERMINATED"}
    reasons = {r.end_reason for r in client.rentals.book.all(client.settings.base_url)}
    assert reasons == {"budget"}
    assert client.guard_round().ended == () and findings(client) == []  # said and done once
    with pytest.raises(pm.BudgetSpentError):  # spent stays spent: nothing new is sent
        canada_disk(client, "one-more")


def test_a_hard_budget_ends_a_pod_before_the_disk_attached_to_it(
    client: pm.Client, slow_server: SandboxServer, clock: StillClock
) -> None:
    disk = canada_disk(client, "attached")
    clock.sleep(3)  # the disk is ready: it can be attached
    pod = client.create_pod(guide_request(client, name="with-disk", disks=[disk.id]))
    assert client.disk(disk.id).pods == [pod.id]
    state = client.set_budget(1.0, hard=True)
    assert state is not None and state.reached_in_s is not None
    clock.sleep(state.reached_in_s + 1)
    done = client.guard_round()
    assert done.ended == (f"pod {pod.id}", f"disk {disk.id}")  # pods first: that frees disks
    assert done.errors == () and [f.kind for f in findings(client)] == ["ended"]
    assert slow_server.state.live_pod_ids() == []
    assert client.disk(disk.id).status in {"DELETING", "TERMINATED"}


def test_a_rental_ended_elsewhere_stops_counting(
    client: pm.Client, slow_server: SandboxServer, clock: StillClock
) -> None:
    pod = client.create_pod(guide_request(client, name="elsewhere"))
    client.set_budget(100.0)
    clock.sleep(3600)
    with pm.Client(api_key=slow_server.api_key, base_url=slow_server.url) as other:
        other._pods.terminate(pod.id, confirm=True)  # as the web app would: no record
    client.guard_round()
    state = client.budget()
    assert state is not None and state.burn_hr == 0 and state.live == ()
    spent = state.spent_usd
    assert spent == pytest.approx(POD_HR, rel=0.01)
    clock.sleep(3600)
    client.guard_round()
    later = client.budget()
    assert later is not None and later.spent_usd == pytest.approx(spent)


def test_a_rental_the_list_leaves_out_is_read_before_it_is_called_ended(
    client: pm.Client, slow_server: SandboxServer
) -> None:
    pod = client.create_pod(guide_request(client, name="unlisted"))
    client.set_budget(100.0)
    empty = {"data": [], "totalCount": 0, "offset": 0, "limit": 100}
    slow_server.faults.add("GET", "/api/v1/pods", status=200, body=empty, times=1)
    reads = len(requests(slow_server, "GET", f"/api/v1/pods/{pod.id}"))
    client.guard_round()  # the list forgot it (another team's view, say); the pod did not go
    state = client.budget()
    assert state is not None and [r.id for r in state.live] == [pod.id]
    assert len(requests(slow_server, "GET", f"/api/v1/pods/{pod.id}")) == reads + 1
    [record] = client.rentals.book.open(client.settings.base_url)
    assert record.missing is None  # seen on its own: no "not found" to confirm later


def test_the_session_scope_counts_this_kernel_and_the_day_scope_every_one(
    slow_server: SandboxServer, clock: StillClock, tmp_path: Path
) -> None:
    slow_server.reset()
    store = Store(tmp_path / "s.sqlite3")
    with (
        kernel(slow_server, clock, store, "k1") as mine,
        kernel(slow_server, clock, Store(store.path), "k2") as theirs,
    ):
        other = theirs.create_pod(guide_request(theirs, name="theirs"))
        own = mine.create_pod(guide_request(mine, name="mine"))
        clock.sleep(3600)
        session = mine.set_budget(50.0)
        assert session is not None and {r.id for r in session.counted} == {own.id}
        assert session.spent_usd == pytest.approx(POD_HR)
        assert theirs.budget() is None  # another kernel's session budget is not its own
        day = mine.set_budget(50.0, day=True)
        assert day is not None and {r.id for r in day.counted} == {own.id, other.id}
        assert day.spent_usd == pytest.approx(2 * POD_HR)
        seen = theirs.budget()  # the day budget holds for every kernel
        assert seen is not None and seen.budget.day and seen.spent_usd == day.spent_usd
        assert mine.set_budget(None) is None and mine.budget() is None
        assert theirs.budget() is None


def test_a_day_budget_is_taken_up_by_every_later_kernel_until_lifted(
    slow_server: SandboxServer, clock: StillClock, tmp_path: Path
) -> None:
    made: list[pm.Client] = []

    def later_kernel() -> pm.Client:
        """A new process, as far as budgets go: its own client over the same store file."""
        made.append(kernel(slow_server, clock, Store(tmp_path / "store.sqlite3"), f"k{len(made)}"))
        return made[-1]

    first = later_kernel()
    first.set_budget(20.0, day=True, hard=True)
    before = len(slow_server.requests)
    second = later_kernel()
    taken = second.budget()
    assert taken is not None and taken.budget == Budget(20.0, day=True, hard=True)
    assert len(slow_server.requests) == before  # taken up, not checked: nothing was sent
    second.set_budget(5.0)  # a session budget replaces it, here and for later kernels
    assert later_kernel().budget() is None
    second.set_budget(30.0, day=True)
    assert later_kernel().budget().budget.limit_usd == 30.0  # type: ignore[union-attr]
    second.set_budget(None)  # lifted: gone for later kernels too
    assert later_kernel().budget() is None
    for client in made:
        client.close()


def test_the_guard_keeps_a_hard_budget_after_the_kernel_is_gone(
    slow_server: SandboxServer, clock: StillClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The guard process's round, as it builds it (its key from its environment), over the
    store a closed kernel left: the budget is kept with no kernel and no cell."""
    slow_server.reset()
    store = Store(tmp_path / "s.sqlite3")
    with kernel(slow_server, clock, store) as mine:
        pod = mine.create_pod(guide_request(mine, name="unattended"))
        mine.set_budget(0.01, hard=True)
    monkeypatch.setenv("PRIME_API_KEY", slow_server.api_key)
    pods, disks, executor = daemon._resources(slow_server.url)
    try:
        guard = Guard(pods, disks, slow_server.url, Store(store.path),
                      clock=lambda: sandbox_now(slow_server, clock))  # fmt: skip
        book, budgets = Book(store), Budgets(store)
        assert guarded(book.open(slow_server.url), budgets.all(slow_server.url))
        clock.sleep(60)  # $0.03 at $1.90/h: past the $0.01
        assert guard.step().ended == (f"pod {pod.id}",)
        assert slow_server.state.live_pod_ids() == []
        # nothing left to guard: the process would exit by itself now
        assert not guarded(book.open(slow_server.url), budgets.all(slow_server.url))
    finally:
        executor.shutdown(wait=True)


# -- the magics ---------------------------------------------------------------------------------


@pytest.fixture
def magic_client(slow_server: SandboxServer, clock: StillClock, ip: Any) -> Iterator[pm.Client]:
    """The client ``%prime`` uses: the slow sandbox on its clock, over the default store
    (under the test's HOME: where the after-cell hook reads what the guard found)."""
    slow_server.reset()
    made = pm.Client(
        api_key=FAKE_KEY, base_url=slow_server.url, clock=lambda: sandbox_now(slow_server, clock)
    )
    pm.set_client(made)
    yield made
    pm.set_client(None)
    made.close()
    slow_server.faults.clear()


def test_budget_magic_sets_shows_and_lifts(
    ip: Any, magic_client: pm.Client, clock: StillClock
) -> None:
    client = magic_client
    assert Cell(ip, "%prime budget").text.count("No budget is set") == 1
    client.create_pod(guide_request(client, name="magic"))
    cell = Cell(ip, "b = %prime budget 5 --hard")
    assert cell.error is None, cell.text
    table = ip.user_ns["b"]
    assert table["budget"] == "$5.00 (hard)" and table["billing now"] == "$1.9000/h (1 live)"
    assert "web app or with the prime CLI are not in it" in cell.text
    assert "terminates the pods and deletes the disks" in table["at 100 %"]
    kept = Budgets(Store()).all(client.settings.base_url)  # in the machine's store
    assert kept == [Budget(5.0, hard=True)] and client.rentals.budget() == kept[0]
    again = Cell(ip, "%prime budget")  # the clock has not moved since the pod was made
    assert "Budget: $0.00 of $5.00 spent (0%)." in again.text, again.text
    clock.sleep(3600)
    later = Cell(ip, "%prime budget")
    assert "Budget: $1.90 of $5.00 spent (38%)." in later.text, later.text
    bad = Cell(ip, "%prime budget --hard")
    assert bad.error is not None and "go with an amount" in str(bad.error)
    off = Cell(ip, "%prime budget --off")
    assert "No budget now" in off.text and client.budget() is None
    assert Budgets(Store()).all(client.settings.base_url) == []


def test_in_jupyter_the_budget_magic_returns_the_live_panel(
    ip: Any,
    magic_client: pm.Client,
    clock: StillClock,
    widgets_on: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = magic_client
    monkeypatch.setattr(budget_widget, "REDRAW_S", 0.02)
    client.create_pod(guide_request(client, name="panel-magic"))
    assert Cell(ip, "p = %prime budget 1").error is None
    panel = ip.user_ns["p"]
    assert isinstance(panel, pm.BudgetPanel) and panel.end_button.description == "Terminate 1 pod"
    clock.sleep(0.9 / POD_HR * 3600)
    # the panel redraws by itself from the store: no cell, no click, no round
    deadline = time.monotonic() + WAIT_S
    while "90% of your $1.00 budget is spent" not in panel.notice.value:
        assert time.monotonic() < deadline, panel.notice.value
        time.sleep(0.01)
    panel.close()
    client.set_budget(None)


def test_a_crossed_threshold_is_said_after_the_next_cell(
    ip: Any, magic_client: pm.Client, clock: StillClock, widgets_on: Any
) -> None:
    client = magic_client
    pod = client.create_pod(guide_request(client, name="after-cell"))
    client.set_budget(1.0)
    clock.sleep(0.85 / POD_HR * 3600)
    client.guard_round()  # as the guard process does between cells
    first = Cell(ip, "x = 1")
    assert "of your $1.00 budget is spent" in first.text
    assert "of your $1.00 budget" not in Cell(ip, "x = 2").text  # said once
    clock.sleep(0.2 / POD_HR * 3600)
    client.guard_round()
    spent = Cell(ip, "x = 3")
    assert "Your $1.00 budget is spent" in spent.text and pod.id in spent.text
    assert any(shown.startswith("Budget\n") for shown in spent.shown)  # the panel came too
    client.set_budget(None)


def test_pods_list_flags_a_pod_past_its_deadline_and_offers_to_end_it(
    ip: Any, prime_sandbox: SandboxServer, magics: Any
) -> None:
    client = pm.get_client()
    pod = client.create_pod(guide_request(client, name="overdue", max_hours=0.5))
    record = client.deadline(pod.id)
    assert record is not None
    passed = time.time() - 60
    # seen ready 31 min ago and its 30 min passed while no guard could end it
    assert client.rentals.book.ready(record.ref, passed - 1800)
    frame = client.pods().set_index("id")
    assert bool(frame.loc[pod.id, "past_deadline"])
    assert frame.loc[pod.id, "deadline"].timestamp() == pytest.approx(passed, abs=1)
    cell = Cell(ip, "%prime pods list")
    assert f"Pod {pod.id} passed its deadline" in cell.text
    assert f"%prime pods terminate {pod.id} --yes" in cell.text
    assert prime_sandbox.state.live_pod_ids() == [pod.id]  # listing ends nothing
    magics.widgets = True
    offered = Cell(ip, "%prime pods list")
    panels = [o for o in offered.shown if o.startswith(f"Terminate pod {pod.id}?\n")]
    assert len(panels) == 1, offered.text  # its ConfirmPanel, summarised as text
    assert offered.text.count("[simulator]") == 1  # the banner once per output
    assert prime_sandbox.state.live_pod_ids() == [pod.id]  # a button, not an act


pytest_plugins = ("tests.magic_fixtures",)
