"""The sandbox's market demo (``%prime simulator restart --market``, issue 21 item 8):
several common shapes move every minute or two of sandbox time, the H100s dip below
$2 per GPU-hour, stock comes and goes, and the same seed and clock replay the same
market. Driven by a fake clock: nothing sleeps."""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise

import pytest

import prime_magics as pm
from prime_magics.sandbox import SandboxConfig, start_sandbox
from prime_magics.sandbox.catalog import Catalog
from prime_magics.sandbox.market import MOVE_S, MOVERS, WATCH_OFFER, Market
from tests.test_watch import FakeClock

State = tuple[float, str] | None  # (price per GPU-hour, stock), None: not listed
SAMPLE_S, SPAN_S = 15.0, 1800.0


def trace(seed: int) -> dict[str, list[tuple[float, State]]]:
    """Each mover's state at every ``SAMPLE_S`` for ``SPAN_S`` seconds of a fake clock."""
    clock = FakeClock()
    catalog = Catalog(SandboxConfig(seed=seed))
    Market(catalog, clock, seed, pattern=True)
    seen: dict[str, list[tuple[float, State]]] = defaultdict(list)
    start = clock.now
    while clock.now - start <= SPAN_S:
        catalog.catch_up()
        for mover in MOVERS:
            listed = [o for o in catalog.gpu_offers if o.key == mover.key]
            state = None
            if listed:
                offer = listed[0]
                state = ((offer.on_demand or 0) / (offer.gpu_count or 1), offer.stock_status)
            seen[mover.cloud_id].append((clock.now - start, state))
        clock.now += SAMPLE_S
    return seen


def changes(samples: list[tuple[float, State]]) -> list[float]:
    return [at for (at, now), (_, was) in zip(samples[1:], samples, strict=False) if now != was]


def test_several_common_shapes_move_every_minute_or_two() -> None:
    seen = trace(seed=7)
    shapes = {(m.gpu_type, m.gpu_count) for m in MOVERS}
    assert {("H100_80GB", 8), ("H100_80GB", 1), ("A100_80GB", 8)} <= shapes
    for cloud_id, samples in seen.items():
        moved = changes(samples)
        assert len(moved) >= SPAN_S / MOVE_S[1] / 2, cloud_id  # at least one in two moves
        gaps = [b - a for a, b in pairwise(moved)]
        assert min(gaps) >= MOVE_S[0] - SAMPLE_S and sorted(gaps)[len(gaps) // 2] <= 4 * 60
        states = [state for _, state in samples]
        assert None in states and any(states), f"{cloud_id}: its stock comes and goes"
        assert len({state[1] for state in states if state}) >= 2, f"{cloud_id}: stock levels"
    for cloud_id in ("sandbox-H100x8-SXM5", "sandbox-H100x1-PCIe"):
        prices = [state[0] for _, state in seen[cloud_id] if state]
        assert min(prices) < 2.0 < max(prices), cloud_id


def test_the_same_seed_replays_the_same_market() -> None:
    assert trace(seed=7) == trace(seed=7)
    assert trace(seed=7) != trace(seed=8)


def test_a_watch_with_a_natural_two_dollar_cap_sees_a_match_within_minutes() -> None:
    clock = FakeClock()
    server = start_sandbox(SandboxConfig(market=True), monotonic=clock)
    try:
        with pm.Client(api_key=server.api_key, base_url=server.url) as client:
            watch = pm.watch(
                gpu_type="H100_80GB", gpu_count=8, max_price_per_gpu=2.0, every=15,
                client=client, clock=clock, sleep=clock.sleep, start=False,
            )  # fmt: skip
            first = next(iter(watch))
        assert first.kind == "appeared" and first.offer.cloud_id == WATCH_OFFER.cloud_id
        assert first.per_gpu_hr is not None and first.per_gpu_hr <= 2.0
        assert first.at - 1000 <= 6 * 60
    finally:
        server.stop()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_seed_dips_an_h100_below_two_dollars_within_ten_minutes(seed: int) -> None:
    seen = trace(seed)
    dips = [
        at
        for cloud_id in ("sandbox-H100x8-SXM5", "sandbox-H100x1-PCIe")
        for at, state in seen[cloud_id]
        if state and state[0] < 2.0
    ]
    assert dips and min(dips) <= 600
