"""Models → DataFrames: the contract's columns in order, nullable dtypes, NA (never inf or
"N/A") for what is unknown, cheapest first, and rows that rebuild their offer."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from pydantic import TypeAdapter

import prime_magics as pm
from prime_magics.frames import offer_frames as frames
from prime_magics.models import DiskOffer, GpuOffer, GpuSummary
from prime_magics.offers import gpu_offer

DATA = Path(__file__).parent / "data"

AVAILABILITY_CONTRACT = [
    # what a researcher decides on: shape, where, costs per hour, stock
    "gpu_type", "gpu_count", "gpu_memory_gb", "provider", "region", "data_center",
    "total_hr", "price_per_gpu_hr", "gpu_price_hr", "disk_cost_hr", "vcpu_cost_hr",
    "memory_cost_hr", "stock_status", "security", "socket",
    # default resources
    "disk_gb", "vcpus", "memory_gb",
    # identity
    "currency", "cloud_id", "country", "is_spot", "is_variable", "is_multinode", "images",
    "provisioning_time_min", "prepaid_time_h",
]  # fmt: skip
DISK_CONTRACT = [
    "provider", "data_center", "region", "country", "security", "stock_status",
    "is_multinode", "cloud_id", "min_gb", "max_gb", "step_gb", "price_per_gb_hr",
]  # fmt: skip
COST_COLUMNS = [
    "gpu_price_hr", "disk_cost_hr", "vcpu_cost_hr", "memory_cost_hr", "total_hr",
    "price_per_gpu_hr",
]  # fmt: skip


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text())


def captured_offers() -> list[GpuOffer]:
    return [GpuOffer.model_validate(item) for item in load("availability_response.json")["items"]]


def hand_offers() -> list[GpuOffer]:
    raw = load("offers.json")
    return [GpuOffer.model_validate(v) for k, v in raw.items() if not k.startswith("_")]


def disk_offers() -> list[DiskOffer]:
    return [DiskOffer.model_validate(item) for item in load("availability_disks.json")["items"]]


@pytest.fixture
def frame() -> pd.DataFrame:
    return frames.availability_frame(captured_offers() + hand_offers())


# -- the fixtures parse -------------------------------------------------------------------


def test_captured_gpu_page_parses_with_extras_kept():
    body = load("availability_response.json")
    offers = captured_offers()
    assert len(offers) == len(body["items"]) == 8
    first = offers[0]
    assert first.cloud_id == "NVIDIA A100 80GB PCIe"
    assert first.disk.min_count == 120 and first.disk.price_per_unit == pytest.approx(0.00014)
    assert first.shared_disk is not None  # sharedDisk is understood
    assert first.prices.on_demand == pytest.approx(1.6568)
    # round trip by alias keeps every field that came in
    again = GpuOffer.model_validate(first.model_dump(by_alias=True))
    assert again == first


def test_unknown_fields_are_kept_not_rejected():
    offer = next(o for o in hand_offers() if o.cloud_id == "h100x8-cluster")
    assert offer.model_extra == {"someFutureField": {"kept": True}}


def test_nulls_everywhere_parse():
    offer = next(o for o in hand_offers() if o.cloud_id == "no-price-no-security")
    assert offer.images == [] and offer.disk.default_count is None
    assert offer.prices.on_demand is None and offer.security is None


def test_captured_disk_page_parses():
    offers = disk_offers()
    assert len(offers) == 4
    assert {o.provider for o in offers} == {"runpod", "hyperstack", "crusoecloud", "dc_roan"}
    assert offers[0].spec.max_count == 8192 and offers[0].is_multinode is True


def test_captured_gpu_summary_parses():
    summary = TypeAdapter(GpuSummary).validate_python(load("availability_summary.json"))
    assert set(summary) == {"A100_80GB", "H100_80GB"}
    cheapest = summary["A100_80GB"]["1"]["cheapest"]  # type: ignore[index]
    assert cheapest is not None
    assert cheapest.on_demand == pytest.approx(0.99)
    assert cheapest.spot_price == pytest.approx(0.5748)


# -- availability frame ---------------------------------------------------------------------


def test_contract_columns_first_and_in_order(frame):
    assert list(frame.columns[: len(AVAILABILITY_CONTRACT)]) == AVAILABILITY_CONTRACT


def test_empty_frame_keeps_columns_and_dtypes():
    empty = frames.availability_frame([])
    assert empty.empty
    assert list(empty.columns[: len(AVAILABILITY_CONTRACT)]) == AVAILABILITY_CONTRACT
    assert str(empty["total_hr"].dtype) == "Float64"


@pytest.mark.parametrize(
    ("columns", "dtype"),
    [
        (["cloud_id", "provider", "gpu_type", "socket", "security", "region"], "string"),
        (["data_center", "country", "stock_status"], "string"),
        (["gpu_count", "gpu_memory_gb", "provisioning_time_min"], "Int64"),
        (["prepaid_time_h"], "Float64"),  # a number in the spec: fractional hours exist
        (["disk_gb", "vcpus", "memory_gb"], "Int64"),
        (["is_spot", "is_variable", "is_multinode"], "boolean"),
        (COST_COLUMNS, "Float64"),
    ],
)
def test_nullable_dtypes(frame, columns, dtype):
    for column in columns:
        assert str(frame[column].dtype) == dtype, column


def test_no_inf_and_no_na_strings(frame):
    numeric = frame.select_dtypes(include="number")
    assert not numeric.empty
    values = numeric.to_numpy(dtype=float, na_value=np.nan)
    assert not np.isinf(values).any()
    for column in frame.columns:
        if column == "images":
            continue
        as_text = frame[column].astype("string")
        assert not as_text.isin(["N/A", "n/a", "inf", "nan", "None"]).any(), column


def test_unpriced_offers_are_na_and_last(frame):
    unpriced = frame[frame["total_hr"].isna()]
    assert set(unpriced["cloud_id"]) == {"no-price", "no-price-no-security"}
    assert unpriced.index.min() == len(frame) - len(unpriced)  # at the end
    for column in ("gpu_price_hr", "total_hr", "price_per_gpu_hr"):
        assert unpriced[column].isna().all()
    # their resource costs are still known numbers
    assert unpriced["disk_cost_hr"].notna().all()


def test_sorted_by_total_ascending(frame):
    totals = frame["total_hr"].dropna().to_numpy(dtype=float)
    assert len(totals) == len(frame) - 2
    assert (np.diff(totals) >= 0).all()
    assert frame.index.tolist() == list(range(len(frame)))


def test_costs_and_flags_in_the_frame(frame):
    cluster = frame.set_index("cloud_id").loc["h100x8-cluster"]
    assert cluster["gpu_price_hr"] == pytest.approx(15.2)
    assert cluster["total_hr"] == pytest.approx(16.64)
    assert cluster["price_per_gpu_hr"] == pytest.approx(16.64 / 8)
    assert bool(cluster["is_variable"]) is True
    assert cluster["prepaid_time_h"] == 24
    assert cluster["images"] == ["ubuntu_22_cuda_12"]
    runpod = frame.set_index("cloud_id").loc["NVIDIA H100 PCIe"]
    guide = runpod[runpod["data_center"] == "US-KS-2"].iloc[0]
    assert guide["total_hr"] == pytest.approx(2.7012)
    assert guide["disk_cost_hr"] == pytest.approx(0.0112)


def test_multinode_flag_comes_from_the_model():
    offers = hand_offers()[:2]
    multi = offers[1].model_copy(update={"is_multinode": True})
    frame = frames.availability_frame([offers[0], multi])
    flags = dict(zip(frame["cloud_id"], frame["is_multinode"], strict=True))
    assert flags == {offers[0].cloud_id: False, multi.cloud_id: True}


def test_missing_values_are_na(frame):
    row = frame.set_index("cloud_id").loc["no-price-no-security"]
    for column in ("provider", "security", "is_spot", "disk_gb", "gpu_price_hr"):
        assert row[column] is pd.NA, column
    assert row["images"] == []


# -- rows rebuild their offer -------------------------------------------------------------------


def test_offer_from_row_round_trips(frame):
    for _, row in frame.iterrows():
        rebuilt = gpu_offer(row)
        assert isinstance(rebuilt, GpuOffer)
        assert pm.quote(rebuilt) == pm.quote(row)
        again = frames.availability_frame([rebuilt]).iloc[0]
        pd.testing.assert_series_equal(
            again[AVAILABILITY_CONTRACT], row[AVAILABILITY_CONTRACT], check_names=False
        )


def test_offer_from_row_keeps_what_provisioning_needs():
    guide = next(o for o in hand_offers() if o.cloud_id == "n3-H100x1")
    row = frames.availability_frame([guide]).iloc[0]
    rebuilt = gpu_offer(row)
    for field in ("cloud_id", "gpu_type", "socket", "gpu_count", "provider", "data_center"):
        assert getattr(rebuilt, field) == getattr(guide, field), field
    assert (rebuilt.country, rebuilt.security, rebuilt.images) == (
        guide.country,
        guide.security,
        guide.images,
    )
    assert rebuilt.disk == guide.disk.model_copy(update={"additional_info": None})
    assert rebuilt.vcpu.step == 2 and rebuilt.vcpu.default_included_in_price is True
    assert pm.quote(rebuilt, disk_gb=200, vcpus=20).total_hr == pytest.approx(2.83)
    with pytest.raises(pm.ConfigurationError):
        pm.quote(rebuilt, memory_gb=200)


# -- disk availability frame ---------------------------------------------------------------------


def test_disk_frame_columns_dtypes_and_order():
    frame = frames.disk_availability_frame(disk_offers(), None)
    assert list(frame.columns) == DISK_CONTRACT
    assert str(frame["price_per_gb_hr"].dtype) == "Float64"
    assert str(frame["max_gb"].dtype) == "Int64"
    assert str(frame["is_multinode"].dtype) == "boolean"
    assert frame["data_center"].isna().sum() == 1  # dc_roan has none: NA, not "None"
    prices = frame["price_per_gb_hr"].to_numpy(dtype=float)
    assert (np.diff(prices) >= 0).all()
    assert frame.iloc[0]["provider"] == "dc_roan"  # 7e-05, the cheapest


def test_disk_frame_with_size_has_cost():
    frame = frames.disk_availability_frame(disk_offers(), 500)
    assert list(frame.columns) == [*DISK_CONTRACT, "size_gb", "cost_hr"]
    assert (frame["size_gb"] == 500).all()
    assert str(frame["cost_hr"].dtype) == "Float64"
    for _, row in frame.iterrows():
        assert row["cost_hr"] == pytest.approx(500 * row["price_per_gb_hr"])
    hyperstack = frame.set_index("provider").loc["hyperstack"]
    assert hyperstack["cost_hr"] == pytest.approx(500 * 9.7e-05)


def test_disk_guide_example_in_a_frame():
    offer = DiskOffer.model_validate(
        {"provider": "hyperstack", "dataCenter": "US-1", "spec": {"pricePerUnit": 0.00015}}
    )
    unpriced = DiskOffer.model_validate({"provider": "nowhere", "spec": None})
    frame = frames.disk_availability_frame([unpriced, offer], 500)
    assert frame.iloc[0]["cost_hr"] == pytest.approx(0.075)
    assert frame.iloc[1]["cost_hr"] is pd.NA  # unknown, sorted last, never inf
    assert not math.isinf(float(frame["cost_hr"].fillna(0).sum()))
