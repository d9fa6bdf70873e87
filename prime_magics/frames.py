"""Models → DataFrames: the contract's column order, nullable dtypes, NA for the unknown.

Each frame is built column by column from the models (no per-row dicts), the cost
columns come from ``pricing.cost_columns`` and nothing here does price arithmetic. An
availability row keeps each resource's range, step, unit price and the raw prices, so
``pm.quote(row)`` and ``PodRequest.from_offer(row)`` can rebuild the offer from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter
from typing import Any

import numpy as np
import pandas as pd

from .models import DiskOffer, GpuOffer, Prices, ResourceSpec, plain
from .pricing import RESOURCES, SPEC_PARTS, cost_columns, disk_cost_hr

IDENTITY_COLUMNS = [
    "cloud_id", "provider", "gpu_type", "gpu_count", "gpu_memory_gb", "socket", "security",
    "region", "data_center", "country", "stock_status", "is_spot", "is_variable",
    "is_multinode", "images", "provisioning_time_min", "prepaid_time_h",
]  # fmt: skip
RESOURCE_COLUMNS = ["disk_gb", "vcpus", "memory_gb"]
COST_COLUMNS = [
    "gpu_price_hr", "disk_cost_hr", "vcpu_cost_hr", "memory_cost_hr", "total_hr",
    "price_per_gpu_hr",
]  # fmt: skip
SPEC_COLUMNS = [r.column(p) for r in RESOURCES for p in SPEC_PARTS]
RAW_PRICE_COLUMNS = ["on_demand_hr", "community_hr"]
AVAILABILITY_COLUMNS = (
    IDENTITY_COLUMNS + RESOURCE_COLUMNS + COST_COLUMNS + SPEC_COLUMNS + RAW_PRICE_COLUMNS
)
DISK_AVAILABILITY_COLUMNS = [
    "provider", "data_center", "region", "country", "security", "stock_status",
    "is_multinode", "cloud_id", "min_gb", "max_gb", "step_gb", "price_per_gb_hr",
]  # fmt: skip

_STRING = {
    "cloud_id", "provider", "gpu_type", "socket", "security", "region", "data_center",
    "country", "stock_status",
}  # fmt: skip
_BOOLEAN = {"is_spot", "is_variable", "is_multinode"} | {r.column("included") for r in RESOURCES}
_INTEGER = {"gpu_count", "gpu_memory_gb", "provisioning_time_min", "prepaid_time_h"}
_INTEGER |= set(RESOURCE_COLUMNS) | {r.column(p) for r in RESOURCES for p in ("min", "max", "step")}
_INTEGER |= {"min_gb", "max_gb", "step_gb", "size_gb"}


def _dtype(column: str) -> str:
    if column in _STRING:
        return "string"
    if column in _BOOLEAN:
        return "boolean"
    if column in _INTEGER:
        return "Int64"
    return "Float64"


# frame column → attribute path on GpuOffer, for the columns copied as they are
_OFFER_FIELDS = {
    "cloud_id": "cloud_id", "provider": "provider", "gpu_type": "gpu_type",
    "gpu_count": "gpu_count", "gpu_memory_gb": "gpu_memory", "socket": "socket",
    "security": "security", "region": "region", "data_center": "data_center",
    "country": "country", "stock_status": "stock_status", "is_spot": "is_spot",
    "is_variable": "prices.is_variable", "is_multinode": "is_multinode", "images": "images",
    "provisioning_time_min": "provisioning_time", "prepaid_time_h": "prepaid_time",
    "on_demand_hr": "prices.on_demand", "community_hr": "prices.community_price",
}  # fmt: skip
_SPEC_FIELDS = {
    "min": "min_count", "max": "max_count", "step": "step",
    "unit_price_hr": "price_per_unit", "included": "default_included_in_price",
}  # fmt: skip


def _floats(values: Sequence[Any]) -> np.ndarray[Any, np.dtype[np.float64]]:
    return np.array(values, dtype=float)  # None becomes NaN


def _array(name: str, values: list[Any]) -> Any:
    """A nullable pandas array, built from numpy directly (``pd.array`` on lists is slow)."""
    kind = _dtype(name)
    if kind in ("Float64", "Int64"):
        numbers = _floats(values)
        mask = np.isnan(numbers)
        if kind == "Float64":
            return pd.arrays.FloatingArray(numbers, mask)
        return pd.arrays.IntegerArray(np.where(mask, 0, numbers).astype(np.int64), mask)
    if kind == "boolean":
        mask = np.array([v is None for v in values], dtype=bool)
        return pd.arrays.BooleanArray(np.array([v is True for v in values], bool), mask)
    return pd.array(values, dtype="string")


def _to_frame(
    columns: dict[str, list[Any]], names: list[str], rows: np.ndarray[Any, Any] | None = None
) -> pd.DataFrame:
    """Build the frame column by column, taking ``rows`` (an ordering) when given."""
    data = {}
    for name in names:
        array = (
            np.array(columns[name] + [None], dtype=object)[:-1]  # keeps lists as objects
            if name == "images"
            else _array(name, columns[name])
        )
        data[name] = array if rows is None else array[rows]
    frame: pd.DataFrame = pd.DataFrame(data)
    return frame


def availability_frame(offers: Sequence[GpuOffer]) -> pd.DataFrame:
    """One row per offer, cheapest first (unpriced offers last), every cost computed."""
    columns = {name: list(map(attrgetter(path), offers)) for name, path in _OFFER_FIELDS.items()}
    for resource in RESOURCES:
        specs = list(map(attrgetter(resource.key), offers))
        columns[resource.count_column] = [s.default_count for s in specs]
        for part, field in _SPEC_FIELDS.items():
            columns[resource.column(part)] = list(map(attrgetter(field), specs))
    numeric = ["gpu_count", *RESOURCE_COLUMNS, *RAW_PRICE_COLUMNS]
    numeric += [r.column("unit_price_hr") for r in RESOURCES]
    inputs: dict[str, Any] = {name: _floats(columns[name]) for name in numeric}
    inputs["security"] = np.array(columns["security"], dtype=object)
    for resource in RESOURCES:
        included = columns[resource.column("included")]
        inputs[resource.column("included")] = np.array([v is True for v in included], bool)
    costs = cost_columns(inputs)
    columns.update({name: list(values) for name, values in costs.items()})
    # Cheapest first, unpriced (NaN) last; numpy sorts faster than the finished frame.
    rows = np.lexsort(
        (np.array(columns["cloud_id"], dtype=str), costs["price_per_gpu_hr"], costs["total_hr"])
    )
    return _to_frame(columns, AVAILABILITY_COLUMNS, rows)


def offer_from_row(row: pd.Series[Any] | dict[str, Any]) -> GpuOffer:
    """Rebuild the offer an availability row was made from (enough to price and order it)."""
    get = {k: plain(v) for k, v in dict(row).items() if k != "images"}
    specs = {
        r.key: ResourceSpec(
            min_count=get.get(r.column("min")),
            default_count=get.get(r.count_column),
            max_count=get.get(r.column("max")),
            step=get.get(r.column("step")),
            price_per_unit=get.get(r.column("unit_price_hr")),
            default_included_in_price=get.get(r.column("included")),
        )
        for r in RESOURCES
    }
    images = dict(row).get("images")
    return GpuOffer(
        cloud_id=str(get["cloud_id"]),
        gpu_type=str(get["gpu_type"]),
        gpu_count=int(get.get("gpu_count") or 1),
        socket=get.get("socket"),
        provider=get.get("provider"),
        region=get.get("region"),
        data_center=get.get("data_center"),
        country=get.get("country"),
        gpu_memory=get.get("gpu_memory_gb"),
        disk=specs["disk"],
        vcpu=specs["vcpu"],
        memory=specs["memory"],
        provisioning_time=get.get("provisioning_time_min"),
        stock_status=get.get("stock_status"),
        security=get.get("security"),
        prices=Prices(
            on_demand=get.get("on_demand_hr"),
            community_price=get.get("community_hr"),
            is_variable=get.get("is_variable"),
        ),
        images=list(images) if isinstance(images, (list, tuple, np.ndarray)) else [],
        is_spot=get.get("is_spot"),
        prepaid_time=get.get("prepaid_time_h"),
        is_multinode=bool(get.get("is_multinode")),
    )


def disk_availability_frame(offers: Sequence[DiskOffer], size_gb: int | None) -> pd.DataFrame:
    """One row per place a disk can be created, cheapest per GB first."""
    fields = {name: name for name in DISK_AVAILABILITY_COLUMNS[:8]}
    fields |= {"min_gb": "spec.min_count", "max_gb": "spec.max_count", "step_gb": "spec.step"}
    fields["price_per_gb_hr"] = "spec.price_per_unit"
    columns = {name: list(map(attrgetter(path), offers)) for name, path in fields.items()}
    order = list(DISK_AVAILABILITY_COLUMNS)
    if size_gb is not None:
        columns["size_gb"] = [size_gb] * len(offers)
        columns["cost_hr"] = list(disk_cost_hr(size_gb, _floats(columns["price_per_gb_hr"])))
        order += ["size_gb", "cost_hr"]
    frame = _to_frame(columns, order)
    ordered: pd.DataFrame = frame.sort_values(
        ["price_per_gb_hr", "provider", "data_center"], na_position="last", kind="stable"
    )
    result: pd.DataFrame = ordered.reset_index(drop=True)
    return result
