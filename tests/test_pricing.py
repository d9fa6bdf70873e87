"""The cost model: the guides' worked examples to the cent, the price fallbacks, the
count checks, and one truth shared by ``quote`` (scalar) and ``cost_columns`` (frames)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import prime_magics as pm
from prime_magics import pricing
from prime_magics.frames import offer_frames as frames
from prime_magics.models import GpuOffer, ResourceSpec

DATA = Path(__file__).parent / "data"
OFFERS: dict[str, dict[str, Any]] = {
    name: raw
    for name, raw in json.loads((DATA / "offers.json").read_text()).items()
    if not name.startswith("_")
}
CAPTURED: list[dict[str, Any]] = json.loads((DATA / "availability_response.json").read_text())[
    "items"
]


def offer(name: str, **changes: Any) -> GpuOffer:
    return GpuOffer.model_validate({**OFFERS[name], **changes})


# -- the guides' worked examples ------------------------------------------------------------


@pytest.mark.parametrize(
    ("choice", "disk_hr", "vcpu_hr", "total"),
    [
        pytest.param({}, 0.03, 0.0, 2.72, id="defaults: 2.69 + 0.03 for the default disk"),
        pytest.param({"disk_gb": 200}, 0.06, 0.0, 2.75, id="disk 200"),
        pytest.param({"vcpus": 20}, 0.03, 0.08, 2.80, id="vcpus 20"),
        pytest.param({"vcpus": 10}, 0.03, 0.04, 2.76, id="vcpus 10: a reduction is charged"),
        pytest.param({"disk_gb": 200, "vcpus": 20}, 0.06, 0.08, 2.83, id="disk 200 + vcpus 20"),
        pytest.param({"vcpus": 16}, 0.03, 0.0, 2.72, id="vcpus at the included default"),
    ],
)
def test_modifying_instance_resources_guide(choice, disk_hr, vcpu_hr, total):
    q = pm.quote(offer("guide_modify"), **choice)
    assert q.gpu_hr == pytest.approx(2.69)
    assert q.disk_hr == pytest.approx(disk_hr)
    assert q.vcpu_hr == pytest.approx(vcpu_hr)
    assert q.memory_hr == 0.0
    assert q.total_hr is not None
    assert round(q.total_hr, 2) == total
    assert q.total_hr == pytest.approx(total, abs=1e-9)


def test_quote_reports_the_counts_it_priced():
    q = pm.quote(offer("guide_modify"), disk_gb=200)
    assert (q.disk_gb, q.vcpus, q.memory_gb, q.gpu_count) == (200, 16, 180, 1)
    assert [label for label, _ in q.lines()] == ["GPU", "Disk", "vCPU", "Memory", "Total"]
    assert q.lines()[-1][1] == q.total_hr


def test_check_gpu_availability_guide():
    q = pm.quote(offer("guide_runpod"))
    assert q.disk_hr == pytest.approx(0.0112)  # 80 units × $0.00014
    assert q.vcpu_hr == 0.0 and q.memory_hr == 0.0
    assert q.total_hr == pytest.approx(2.7012, abs=1e-9)


def test_disk_guide_500_gb():
    assert float(pricing.disk_cost_hr(500, 0.00015)) == pytest.approx(0.075, abs=1e-12)
    np.testing.assert_allclose(pricing.disk_cost_hr([500, 1000], [0.00015, 0.0001]), [0.075, 0.1])


def test_per_gpu_day_month_and_prepaid():
    q = pm.quote(offer("cluster_variable"))
    # memory 1440 GB × 0.001 is charged (not included); disk default included
    assert q.total_hr is not None
    assert q.total_hr == pytest.approx(15.2 + 1.44)
    assert q.per_gpu_hr == pytest.approx((15.2 + 1.44) / 8)
    assert q.per_day == pytest.approx(q.total_hr * 24)
    assert q.per_month == pytest.approx(q.total_hr * 730)
    assert q.is_variable is True
    assert q.prepaid_hours == 24
    assert q.prepaid_cost == pytest.approx(q.total_hr * 24)


def test_included_default_changed_is_charged_in_full():
    q = pm.quote(offer("cluster_variable"), disk_gb=900)  # below the included 1000
    assert q.disk_hr == pytest.approx(900 * 0.0001)


# -- refusing counts the API would refuse -----------------------------------------------------


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ({"disk_gb": 40}, ["disk_gb=40", "out of range", "50", "1000", "steps of 10"]),
        ({"disk_gb": 1010}, ["disk_gb=1010", "out of range", "50", "1000", "steps of 10"]),
        ({"disk_gb": 205}, ["disk_gb=205", "off its step", "steps of 10", "200", "210"]),
        ({"vcpus": 2}, ["vcpus=2", "out of range", "4", "32", "steps of 2"]),
        ({"vcpus": 33}, ["vcpus=33", "out of range", "4", "32"]),
        ({"vcpus": 17}, ["vcpus=17", "off its step", "steps of 2", "16", "18"]),
        ({"memory_gb": 200}, ["memory_gb=200", "fixed", "180"]),
    ],
)
def test_counts_outside_the_offer_are_refused(choice, expected):
    with pytest.raises(pm.ConfigurationError) as caught:
        pm.quote(offer("guide_modify"), **choice)
    message = str(caught.value)
    for part in expected:
        assert part in message
    assert isinstance(caught.value, ValueError)  # ConfigurationError is also a ValueError


@pytest.mark.parametrize(
    "choice", [{"disk_gb": 50}, {"disk_gb": 1000}, {"vcpus": 4}, {"vcpus": 32}]
)
def test_range_bounds_are_allowed(choice):
    assert pm.quote(offer("guide_modify"), **choice).total_hr is not None


def test_fixed_resource_at_its_default_is_allowed():
    assert pm.quote(offer("guide_modify"), memory_gb=180).memory_hr == 0.0


# -- which price is the base --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "gpu_hr"),
    [
        ("community_both", 1.1),  # community cloud → communityPrice
        ("community_only_on_demand", 0.9),  # … falls back to onDemand
        ("secure_both", 1.79),  # secure cloud → onDemand, even when community is cheaper
        ("secure_only_community", 1.25),  # … falls back to communityPrice
        ("no_security", 0.99),  # unknown security is treated as secure
        ("spot_included_unpriced", 0.33),
    ],
)
def test_base_price_by_security_with_fallback(name, gpu_hr):
    q = pm.quote(offer(name))
    assert q.gpu_hr == pytest.approx(gpu_hr)
    assert q.total_hr == pytest.approx(gpu_hr)


@pytest.mark.parametrize("name", ["unpriced", "unpriced_no_security"])
def test_no_price_is_unknown_not_inf(name):
    q = pm.quote(offer(name))
    assert q.gpu_hr is None
    assert q.total_hr is None
    assert q.per_gpu_hr is None and q.per_day is None and q.prepaid_cost is None


def test_unpriced_offer_still_prices_its_resources():
    q = pm.quote(offer("unpriced"), disk_gb=300)
    assert q.disk_hr == pytest.approx(0.06)
    assert q.total_hr is None


def test_included_resource_without_unit_price_costs_nothing():
    q = pm.quote(offer("spot_included_unpriced"), vcpus=12)
    assert q.vcpu_hr == 0.0


# -- one truth: rows, models and vectorised columns agree ------------------------------------


ALL_OFFERS = [GpuOffer.model_validate(raw) for raw in [*OFFERS.values(), *CAPTURED]]


def test_quote_of_a_row_equals_quote_of_the_offer():
    frame = frames.availability_frame(ALL_OFFERS)
    by_id = {o.cloud_id: o for o in ALL_OFFERS}
    assert len(by_id) < len(ALL_OFFERS)  # duplicate cloud ids exist; match on more than the id
    for _, row in frame.iterrows():
        candidates = [o for o in ALL_OFFERS if o.cloud_id == row["cloud_id"]]
        quotes = {pm.quote(o) for o in candidates}
        assert pm.quote(row) in quotes, row["cloud_id"]


@pytest.mark.parametrize("name", sorted(OFFERS))
def test_quote_of_a_row_with_choices_equals_quote_of_the_offer(name):
    model = offer(name)
    row = frames.availability_frame([model]).iloc[0]
    assert pm.quote(row) == pm.quote(model)
    assert pm.quote({str(k): v for k, v in row.items()}) == pm.quote(model)


def test_quote_of_a_row_keeps_variable_price_and_prepaid():
    row = frames.availability_frame([offer("cluster_variable")]).iloc[0]
    q = pm.quote(row, disk_gb=2000)
    assert q.is_variable is True
    assert q.prepaid_hours == 24
    assert q == pm.quote(offer("cluster_variable"), disk_gb=2000)


def test_row_quote_checks_counts_too():
    row = frames.availability_frame([offer("guide_modify")]).iloc[0]
    with pytest.raises(pm.ConfigurationError, match="steps of 10"):
        pm.quote(row, disk_gb=205)
    assert pm.quote(row, disk_gb=200, vcpus=20).total_hr == pytest.approx(2.83)


def _or_nan(value: float | None) -> float:
    return math.nan if value is None else value


def test_vectorised_cost_columns_equal_scalar_quote_for_every_offer():
    # unique ids so each sorted row can be matched to the model it came from
    models = [
        o.model_copy(update={"cloud_id": f"{o.cloud_id}#{i}"}) for i, o in enumerate(ALL_OFFERS)
    ]
    frame = frames.availability_frame(models).set_index("cloud_id")
    expected = {o.cloud_id: pm.quote(o) for o in models}
    parts: dict[str, Callable[[pm.Quote], float | None]] = {
        "gpu_price_hr": lambda q: q.gpu_hr,
        "disk_cost_hr": lambda q: q.disk_hr,
        "vcpu_cost_hr": lambda q: q.vcpu_hr,
        "memory_cost_hr": lambda q: q.memory_hr,
        "total_hr": lambda q: q.total_hr,
        "price_per_gpu_hr": lambda q: q.per_gpu_hr,
    }
    ids = list(frame.index)
    for column, part in parts.items():
        got = frame[column].to_numpy(dtype=float, na_value=np.nan)
        want = np.array([_or_nan(part(expected[i])) for i in ids], dtype=np.float64)
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12, err_msg=column)


def test_cost_columns_directly_on_arrays():
    nan = math.nan
    out = pricing.cost_columns(
        {
            "on_demand_hr": np.array([2.69, nan, 1.5]),
            "community_hr": np.array([nan, nan, 1.1]),
            "security": np.array(["secure_cloud", "secure_cloud", "community_cloud"], object),
            "gpu_count": np.array([1.0, 1.0, 2.0]),
            "disk_gb": np.array([100.0, 100.0, nan]),
            "disk_unit_price_hr": np.array([0.0003, 0.0003, nan]),
            "disk_included": np.array([False, False, False]),
            "vcpus": np.array([16.0, 16.0, nan]),
            "vcpu_unit_price_hr": np.array([0.004, 0.004, nan]),
            "vcpu_included": np.array([True, True, False]),
            "memory_gb": np.array([180.0, nan, nan]),
            "memory_unit_price_hr": np.array([nan, nan, nan]),
            "memory_included": np.array([False, False, False]),
        }
    )
    np.testing.assert_allclose(out["gpu_price_hr"], [2.69, nan, 1.1])
    np.testing.assert_allclose(out["total_hr"], [2.72, nan, 1.1])
    np.testing.assert_allclose(out["price_per_gpu_hr"], [2.72, nan, 0.55])
    assert not np.isinf(out["total_hr"]).any()


# -- issue 21, item 7: what a hint and a forecast may say ------------------------------


def test_count_cost_is_the_quotes_rule_at_and_off_an_included_default() -> None:
    """The form's hint prices vCPUs with ``count_cost``: free at the included default,
    every other count in full (14 → $0.056/h, 16 → $0, 18 → $0.072/h at $0.004)."""
    spec = ResourceSpec(
        min_count=4, default_count=16, max_count=32, price_per_unit=0.004, step=2,
        default_included_in_price=True,
    )  # fmt: skip
    assert pricing.neighbour_counts(spec) == [14, 18]
    costs = {c: pricing.count_cost(spec, c) for c in (14, 16, 18)}
    assert costs == pytest.approx({14: 0.056, 16: 0.0, 18: 0.072})
    edge = ResourceSpec(min_count=16, default_count=16, max_count=16, step=2)
    assert pricing.neighbour_counts(edge) == []  # nothing either side to show


def test_until_deadline_prices_nothing_beyond_it() -> None:
    until_deadline, FORECAST_HOURS = pricing.until_deadline, pricing.FORECAST_HOURS
    assert until_deadline(FORECAST_HOURS, 2) == (1, 2.0)
    assert until_deadline(FORECAST_HOURS, 0.5) == (0.5,)
    assert until_deadline(FORECAST_HOURS, 24) == (1, 8, 24.0)
    assert until_deadline(FORECAST_HOURS, None) == until_deadline(FORECAST_HOURS, 0)
    assert until_deadline(FORECAST_HOURS, None) == FORECAST_HOURS
