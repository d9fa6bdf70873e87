"""The capacity watch on the sandbox: offers appear, change price and sell out (by the
tests' own hand, or on the sandbox's fake clock with the seeded market), and the watch
reports each once, backs off after failures, shares identical queries, rents first at
most once under its caps, and writes what it saw to the history. Outcomes are decided by
``step()`` on fake clocks; nothing sleeps."""

from __future__ import annotations

import os
import stat
from typing import Any

import pytest

import prime_magics as pm
from prime_magics.capacity.history import AvailabilityHistory, ShapeSeen
from prime_magics.capacity.share import SharedQueries
from prime_magics.capacity.watcher import Watch
from prime_magics.filters import GpuFilters
from prime_magics.sandbox import SandboxConfig, SandboxServer, start_sandbox
from prime_magics.sandbox.market import WATCH_OFFER

SHAPE: dict[str, Any] = {"gpu_type": "H100_80GB", "gpu_count": 8, "data_center_id": "CANADA-1"}
WATCH_ID = WATCH_OFFER.cloud_id


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make(client: pm.Client, clock: FakeClock, **kwargs: Any) -> Watch:
    options: dict[str, Any] = {**SHAPE, "max_price_per_gpu": 2.5, "every": 15}
    options.update(kwargs)
    return pm.watch(client=client, clock=clock, sleep=clock.sleep, start=False, **options)


def h100_listings(sandbox: SandboxServer) -> int:
    """First pages of the H100 query sent (the client may ask for later pages at once)."""
    return sum(
        r.path == "/api/v1/availability/gpus"
        and ("gpu_type", "H100_80GB") in r.query
        and ("page", "1") in r.query
        for r in sandbox.requests
    )


# -- events ----------------------------------------------------------------------------


def test_a_match_that_appears_is_reported_once_with_its_offer(
    client: pm.Client, sandbox: SandboxServer, clock: FakeClock
) -> None:
    seen: list[pm.WatchEvent] = []
    watch = make(client, clock, on_event=seen.append)
    watch.step()
    assert watch.matches.empty and seen == []
    sandbox.add_offer()
    for _ in range(3):
        clock.now += 15
        watch.step()
    assert [e.kind for e in seen] == ["appeared"]
    event = seen[0]
    assert event.offer.cloud_id == WATCH_ID and event.per_gpu_hr == pytest.approx(2.2)
    assert event.total_hr == pytest.approx(pm.quote(event.offer).total_hr)
    assert "New match" in str(event) and "$17.6000/h" in str(event)
    assert list(watch.matches["cloud_id"]) == [WATCH_ID]
    table = watch.table
    assert table.loc[0, "times_seen"] == 3 and table.loc[0, "visible_s"] == 30


def test_a_price_change_and_a_sell_out_are_reported(
    client: pm.Client, sandbox: SandboxServer, clock: FakeClock
) -> None:
    sandbox.add_offer()
    watch = make(client, clock)
    watch.step()
    sandbox.reprice_offer(WATCH_ID, 16.0)
    clock.now += 15
    watch.step()
    sandbox.reprice_offer(WATCH_ID, 24.0)  # above the cap: gone from the matches
    clock.now += 15
    watch.step()
    sandbox.reprice_offer(WATCH_ID, 16.0)
    clock.now += 15
    watch.step()
    sandbox.remove_offer(WATCH_ID)
    clock.now += 15
    watch.step()
    kinds = [(e.kind, e.reason) for e in watch.events]
    assert kinds == [
        ("appeared", ""), ("price_changed", ""), ("gone", "above the cap per GPU"),
        ("appeared", ""), ("gone", "no longer listed"),
    ]  # fmt: skip
    assert watch.events[1].old_total_hr == pytest.approx(17.6)
    assert watch.events[1].total_hr == pytest.approx(16.0)
    assert watch.seen[next(iter(watch.seen))].appearances == 2


def test_the_market_makes_the_8x_h100_appear_on_the_sandbox_clock(clock: FakeClock) -> None:
    """The issue's walkthrough: nothing at first, then the sandbox's own 8×H100."""
    server = start_sandbox(SandboxConfig(market=True), monotonic=clock)
    try:
        with pm.Client(api_key=server.api_key, base_url=server.url) as client:
            watch = pm.watch(
                gpu_type="H100_80GB", gpu_count=8, max_price_per_gpu=2.5, every=15,
                client=client, clock=clock, sleep=clock.sleep, start=False,
            )  # fmt: skip
            events = []
            for event in watch:
                events.append(event)
                if event.kind == "gone":
                    break
        kinds = [e.kind for e in events]
        assert kinds[0] == "appeared" and kinds[-1] == "gone" and "price_changed" in kinds
        assert events[0].offer.cloud_id == WATCH_ID and 45 <= events[0].at - 1000 <= 120
        assert watch.history["matched"].iloc[0] == 0  # nothing of the shape at start
    finally:
        server.stop()


# -- polite polling ----------------------------------------------------------------------


def test_a_failed_poll_is_recorded_and_the_watch_goes_on(
    client: pm.Client, sandbox: SandboxServer, clock: FakeClock
) -> None:
    sandbox.add_offer()
    watch = make(client, clock)
    sandbox.faults.add("GET", "/availability/gpus", status=503, times=None)
    pause = watch.step()
    sandbox.faults.clear()
    assert watch.last_error is not None and "503" in watch.last_error
    assert pause is not None and pause >= 2 * 15  # backed off
    clock.now += pause
    watch.step()
    assert watch.last_error is None and [e.kind for e in watch.events] == ["appeared"]
    history = watch.history
    assert list(history["ok"]) == [False, True] and "503" in str(history["error"].iloc[0])


def test_429_slows_it_down_honouring_retry_after(
    client: pm.Client, sandbox: SandboxServer, clock: FakeClock
) -> None:
    watch = make(client, clock)
    sandbox.faults.add(
        "GET", "/availability/gpus", status=429, times=None, headers={"Retry-After": "120"}
    )
    pause = watch.step()
    assert pause is not None and pause >= 120
    assert watch.next_at >= clock.now + 120


def test_every_has_a_floor_against_the_real_api() -> None:
    real = pm.Client(api_key="k", base_url="https://api.primeintellect.ai")
    with pytest.raises(pm.ConfigurationError, match="at least 15 s"):
        pm.watch(gpu_type="H100_80GB", every=5, client=real, start=False)
    assert pm.watch(gpu_type="H100_80GB", every=15, client=real, start=False).every == 15
    real.close()


def test_identical_watches_share_one_query_per_period(
    client: pm.Client, sandbox: SandboxServer, clock: FakeClock
) -> None:
    shared = SharedQueries()
    query = make(client, clock).query
    a = Watch(query, client, 15, clock=clock, shared=shared)
    b = Watch(query, client, 15, clock=clock, shared=shared)
    other_query = query.__class__(GpuFilters(gpu_type="A100_80GB"))
    other = Watch(other_query, client, 15, clock=clock, shared=shared)
    before = h100_listings(sandbox)
    for _ in range(3):
        a.step()
        clock.now += 5
        b.step()
        other.step()
        clock.now += 10
    assert shared.requests == 6  # 3 periods × 2 distinct queries
    assert h100_listings(sandbox) - before == 3


def test_the_watch_ends_after_its_duration_and_on_stop(client: pm.Client, clock: FakeClock) -> None:
    watch = make(client, clock, duration=40)
    assert watch.step() == pytest.approx(15, rel=0.11)
    clock.now += 45
    assert watch.step() is None and watch.stopped
    threaded = make(client, clock)
    threaded.start()
    assert threaded.running
    threaded.stop()
    assert threaded.wait(5) and not threaded.running


# -- rent first ----------------------------------------------------------------------------


def pod_posts(sandbox: SandboxServer) -> list[Any]:
    return [r for r in sandbox.requests if r.method == "POST" and r.path == "/api/v1/pods/"]


def test_rent_first_needs_max_hours_and_a_cap(client: pm.Client, clock: FakeClock) -> None:
    with pytest.raises(pm.ConfigurationError, match="max_hours"):
        make(client, clock, rent_first=True)
    with pytest.raises(pm.ConfigurationError, match="price cap"):
        make(client, clock, rent_first=True, max_hours=2, max_price_per_gpu=None)


def test_rent_first_rents_exactly_once_and_never_above_the_cap(
    client: pm.Client, sandbox: SandboxServer, clock: FakeClock
) -> None:
    watch = make(client, clock, rent_first=True, max_hours=2, name="first")
    sandbox.add_offer(price=24.0)  # $3/GPU-h: above the cap, not rented
    watch.step()
    assert pod_posts(sandbox) == [] and watch.rent_first and watch.rent_first.armed
    sandbox.add_offer(cloud_id="second-h100x8", price=17.6)
    sandbox.add_offer(cloud_id="third-h100x8", price=16.8)
    clock.now += 15
    watch.step()
    sandbox.remove_offer("second-h100x8")
    sandbox.add_offer(cloud_id="fourth-h100x8", price=16.0)
    clock.now += 15
    watch.step()
    posts = pod_posts(sandbox)
    assert len(posts) == 1 and not watch.rent_first.armed
    rented = watch.rent_first.pod
    assert rented is not None and rented.name == "first"
    body = posts[0].json
    assert body["pod"]["maxPrice"] <= 8 * 2.5 and body["pod"]["cloudId"] != WATCH_ID
    assert client.deadline(rented.id) is not None


# -- history -----------------------------------------------------------------------------


def test_the_history_reflects_what_was_seen(
    client: pm.Client, sandbox: SandboxServer, clock: FakeClock
) -> None:
    watch = make(client, clock)
    watch.step()
    sandbox.add_offer()
    clock.now += 15
    watch.step()
    frame = pm.availability_history(gpu_type="H100_80GB", gpu_count=8, client=client)
    assert list(frame["offers"]) == [0, 1]
    assert frame["best_price_per_gpu_hr"].iloc[1] == pytest.approx(2.2)
    assert frame["cheapest_provider"].iloc[1] == "hyperstack"
    path = AvailabilityHistory().path
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert AvailabilityHistory().clear() == 2
    assert pm.availability_history(client=client).empty


def test_the_history_is_pruned_past_its_cap(tmp_path: Any) -> None:
    store = AvailabilityHistory(tmp_path / "h.sqlite3", max_rows=10)
    for at in range(25):
        store.record("sandbox", [ShapeSeen("H100_80GB", 8, 1, 2.0, 16.0)], at=float(at))
    frame = store.frame("sandbox")
    assert len(frame) <= 10 and frame["seen_at"].iloc[-1].timestamp() == 24.0


def test_a_closed_client_with_no_default_yet_is_waited_for_then_the_watch_stops(
    client: pm.Client, sandbox: SandboxServer, clock: FakeClock
) -> None:
    """Between closing the old client and setting the new one (a sandbox restart) a
    following watch waits a few polls, never polling the closed client; then it stops."""
    from prime_magics.capacity.watcher import ORPHANED_POLLS, watch

    sandbox.add_offer()
    made = watch(
        **SHAPE, max_price_per_gpu=2.5, every=15, client=client, clock=clock, start=False,
        follow=lambda: None,
    )  # fmt: skip
    made.step()
    assert len(made.offers) == 1
    client.close()
    before = len(sandbox.requests)
    for _ in range(ORPHANED_POLLS):
        assert made.step() is not None and made.offers == []
        assert made.last_error is not None and "client was closed" in made.last_error
    assert made.step() is None and made.stopped and made.ended is not None
    assert len(sandbox.requests) == before
    assert not any("RuntimeError" in (p.error or "") for p in made.polls)
