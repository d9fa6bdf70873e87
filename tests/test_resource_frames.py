"""Pods, disks, statuses and billing history as DataFrames: the contract's columns in
order, nullable dtypes, and what each pod has cost so far at a fixed ``now``."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pandas as pd
import pytest

from prime_magics.frames import rental_frames as resource_frames
from prime_magics.models import Disk, HistoryItem, Pod, PodStatus, first_address
from tests.contract_columns import DISK_COLUMNS, HISTORY_COLUMNS, POD_COLUMNS, STATUS_COLUMNS

NOW = datetime(2025, 11, 8, 1, 36, 36, 391000, tzinfo=timezone.utc)
DISK_ID = "clhxy6aw80000j8080gdf8kqv"


def pod(**fields: Any) -> Pod:
    """The provisioning guide's create response, with ``fields`` changed."""
    data: dict[str, Any] = {
        "id": "11de9260fb52451085f3936c20b0ffdb",
        "name": "Training instance with data",
        "providerType": "hyperstack",
        "status": "ACTIVE",
        "installationStatus": "FINISHED",
        "installationProgress": 100,
        "createdAt": "2025-11-07T23:36:36.391000",  # the API's naive UTC
        "gpuName": "H100_80GB",
        "gpuCount": 1,
        "priceHr": 1.9,
        "sshConnection": "root@203.0.113.7 -p 22",
        "ip": "203.0.113.7",
        "attachedResources": [
            {"resourceType": "DISK", "id": DISK_ID, "status": "MOUNTED", "isDetachable": True,
             "mountPath": "/data", "resourcePath": "/dev/vdc", "size": 500, "isShared": False},
            {"resourceType": "DISK", "id": "ephemeral", "status": "ATTACHED",
             "isDetachable": False, "mountPath": "/ephemeral", "resourcePath": "/dev/vdb",
             "size": 750, "isShared": False},
        ],
        "jupyterPassword": "hunter2",
    }  # fmt: skip
    data.update(fields)
    return Pod.model_validate(data)


def disk(**fields: Any) -> Disk:
    """The disks guide's disk, with ``fields`` changed."""
    data: dict[str, Any] = {
        "id": "fdb5205fd9b14c9d804d3f70b4c96da0",
        "name": "ml-training-data",
        "createdAt": "2025-11-07T21:07:15.183000",
        "updatedAt": "2025-11-07T21:08:01.934000",
        "terminatedAt": None,
        "status": "ACTIVE",
        "providerType": "hyperstack",
        "size": 500,
        "info": {"cloudId": None, "country": "US", "isMultinode": False, "dataCenterId": "US-1"},
        "priceHr": 0.075,
        "pods": [],
        "clusters": [],
    }
    data.update(fields)
    return Disk.model_validate(data)


def history(**fields: Any) -> HistoryItem:
    data: dict[str, Any] = {
        "id": "h1",
        "name": "finished",
        "providerType": "runpod",
        "type": "HOSTED",
        "createdAt": "2025-11-07T10:00:00.000000",
        "terminatedAt": "2025-11-07T13:30:00.000000",
        "gpuName": "H100_80GB",
        "gpuCount": 2,
        "priceHr": 5.38,
        "totalBilledPrice": 18.83,
        "userId": "u",
    }
    data.update(fields)
    return HistoryItem.model_validate(data)


# -- first_address ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("root@1.2.3.4 -p 22", "root@1.2.3.4 -p 22"),
        (["root@1.2.3.4 -p 22", "root@5.6.7.8 -p 22"], "root@1.2.3.4 -p 22"),
        ([None, "root@5.6.7.8 -p 22"], "root@5.6.7.8 -p 22"),
        ([None], None),
        ([], None),
        ("", None),
        (None, None),
    ],
)
def test_first_address(value: Any, expected: str | None) -> None:
    assert first_address(value) == expected


# -- pods ------------------------------------------------------------------------------


def test_pods_frame_columns_and_dtypes() -> None:
    frame = resource_frames.pods_frame([pod()], now=NOW)
    assert list(frame.columns) == POD_COLUMNS
    for column in ("id", "name", "status", "gpu_type", "provider", "ssh", "ip"):
        assert frame[column].dtype == "string", column
    assert frame["gpu_count"].dtype == "Int64"
    for column in ("price_hr", "hours_running", "cost_so_far", "installation_progress"):
        assert frame[column].dtype == "Float64", column
    assert str(frame["created_at"].dtype).endswith("UTC]")
    assert "hunter2" not in frame.to_string()  # the jupyter password is not a column


def test_hours_running_and_cost_so_far_at_a_fixed_now() -> None:
    row = resource_frames.pods_frame([pod()], now=NOW).iloc[0]
    assert row["created_at"] == pd.Timestamp("2025-11-07T23:36:36.391", tz="UTC")
    assert row["hours_running"] == pytest.approx(2.0)  # naive API times are UTC
    assert row["cost_so_far"] == pytest.approx(3.8)  # 2 h × $1.9/h
    assert row["ssh"] == "root@203.0.113.7 -p 22"
    assert row["ip"] == "203.0.113.7"
    assert row["disk_ids"] == [DISK_ID]  # the ephemeral disk is not a network disk
    assert row["installation_progress"] == 100


def test_explicit_utc_offsets_are_honoured() -> None:
    frame = resource_frames.pods_frame(
        [pod(createdAt="2025-11-08T00:36:36.391Z"), pod(createdAt="2025-11-08T02:06:36.391+01:00")],
        now=NOW,
    )
    assert sorted(frame["hours_running"]) == pytest.approx([0.5, 1.0])


def test_unknown_price_or_time_is_na_not_zero() -> None:
    frame = resource_frames.pods_frame(
        [pod(id="a", priceHr=None), pod(id="b", createdAt=None)], now=NOW
    )
    by_id = frame.set_index("id")
    assert pd.isna(by_id.loc["a", "cost_so_far"])
    assert by_id.loc["a", "hours_running"] == pytest.approx(2.0)
    assert pd.isna(by_id.loc["b", "hours_running"])
    assert pd.isna(by_id.loc["b", "cost_so_far"])


def test_addresses_in_the_frame_handle_str_list_and_null_list() -> None:
    pods = [
        pod(id="single", createdAt="2025-11-07T23:00:00"),
        pod(
            id="multi",
            createdAt="2025-11-07T22:00:00",
            sshConnection=["root@10.0.0.1 -p 22", "root@10.0.0.2 -p 22"],
            ip=["10.0.0.1", "10.0.0.2"],
        ),
        pod(id="none", createdAt="2025-11-07T21:00:00", sshConnection=[None], ip=[None]),
    ]
    frame = resource_frames.pods_frame(pods, now=NOW).set_index("id")
    assert frame.loc["single", "ssh"] == "root@203.0.113.7 -p 22"
    assert frame.loc["multi", "ssh"] == "root@10.0.0.1 -p 22"
    assert frame.loc["multi", "ip"] == "10.0.0.1"
    assert pd.isna(frame.loc["none", "ssh"])
    assert pd.isna(frame.loc["none", "ip"])


def test_pods_newest_first() -> None:
    pods = [pod(id="old", createdAt="2025-11-07T20:00:00"), pod(id="new")]
    assert list(resource_frames.pods_frame(pods, now=NOW)["id"]) == ["new", "old"]


def test_empty_frames_keep_their_columns() -> None:
    # No pods is the commonest state; it must not fail (it used to, on the time arithmetic).
    pods = resource_frames.pods_frame([], now=NOW)
    assert pods.empty and list(pods.columns) == POD_COLUMNS
    assert list(resource_frames.pods_frame([]).columns) == POD_COLUMNS
    assert list(resource_frames.disks_frame([]).columns) == DISK_COLUMNS
    assert list(resource_frames.history_frame([]).columns) == HISTORY_COLUMNS
    assert list(resource_frames.status_frame([]).columns) == STATUS_COLUMNS


# -- disks -----------------------------------------------------------------------------


def test_disks_frame() -> None:
    disks = [disk(), disk(id="d2", name="other", createdAt="2025-11-07T22:00:00", pods=["p1"])]
    frame = resource_frames.disks_frame(disks)
    assert list(frame.columns) == DISK_COLUMNS
    assert list(frame["id"]) == ["d2", "fdb5205fd9b14c9d804d3f70b4c96da0"]  # newest first
    row = frame.iloc[1]
    assert (row["data_center"], row["country"], row["provider"]) == ("US-1", "US", "hyperstack")
    assert row["size_gb"] == 500
    assert row["price_hr"] == pytest.approx(0.075)
    assert row["price_month"] == pytest.approx(54.75)  # 0.075 × 730 h: billed all month
    assert row["pods"] == []
    assert frame.iloc[0]["pods"] == ["p1"]
    assert frame["size_gb"].dtype == "Int64"
    assert frame["price_month"].dtype == "Float64"


def test_disk_without_price_has_na_monthly_price() -> None:
    frame = resource_frames.disks_frame([disk(priceHr=None)])
    assert pd.isna(frame.iloc[0]["price_month"])


# -- history and status ------------------------------------------------------------------


def test_history_frame() -> None:
    frame = resource_frames.history_frame([history(), history(id="h2", terminatedAt=None)])
    assert list(frame.columns) == HISTORY_COLUMNS
    by_id = frame.set_index("id")
    assert by_id.loc["h1", "hours"] == pytest.approx(3.5)
    assert by_id.loc["h1", "total_billed"] == pytest.approx(18.83)
    assert by_id.loc["h1", "gpu_count"] == 2
    assert pd.isna(by_id.loc["h2", "hours"])
    assert frame["total_billed"].dtype == "Float64"


def test_status_frame_accepts_both_price_names() -> None:
    statuses = [
        PodStatus.model_validate({"podId": "a", "status": "ACTIVE", "priceHr": 1.9}),
        PodStatus.model_validate(
            {"podId": "b", "status": "PROVISIONING", "costPerHr": 2.5, "sshConnection": [None]}
        ),
    ]
    frame = resource_frames.status_frame(statuses)
    assert list(frame.columns) == STATUS_COLUMNS
    assert list(frame["price_hr"]) == pytest.approx([1.9, 2.5])
    assert pd.isna(frame.iloc[1]["ssh"])
