"""Models → DataFrames: the contract's column order, nullable dtypes, NA for the unknown.

Each frame is built column by column from the models (no per-row dicts), the cost
columns come from ``pricing.cost_columns`` and nothing here does price arithmetic. An
availability row keeps each resource's range, step, unit price and the raw prices, so
``pm.quote(row)`` and ``PodRequest.from_offer(row)`` can rebuild the offer from it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from .models import DiskOffer, GpuOffer, Prices, ResourceSpec
from .pricing import RESOURCES, SPEC_PARTS, cost_columns, disk_cost_hr

T = TypeVar("T")

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


def _column(items: Sequence[T], get: Callable[[T], Any]) -> list[Any]:
    return [get(item) for item in items]


def _floats(values: list[Any]) -> np.ndarray[Any, np.dtype[np.float64]]:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _spec_columns(offers: Sequence[GpuOffer]) -> dict[str, list[Any]]:
    columns: dict[str, list[Any]] = {}
    for resource in RESOURCES:
        specs: list[ResourceSpec] = [getattr(o, resource.key) for o in offers]
        columns[resource.count_column] = [s.default_count for s in specs]
        columns[resource.column("min")] = [s.min_count for s in specs]
        columns[resource.column("max")] = [s.max_count for s in specs]
        columns[resource.column("step")] = [s.step for s in specs]
        columns[resource.column("unit_price_hr")] = [s.price_per_unit for s in specs]
        columns[resource.column("included")] = [s.default_included_in_price for s in specs]
    return columns


def _to_frame(columns: dict[str, list[Any]], order: list[str]) -> pd.DataFrame:
    data = {}
    for name in order:
        values = columns[name]
        if name == "images":
            data[name] = pd.Series(values, dtype=object)
        elif _dtype(name) == "Float64":
            data[name] = pd.array(_floats(values), dtype="Float64")
        else:
            data[name] = pd.array(values, dtype=_dtype(name))  # type: ignore[call-overload]
    frame: pd.DataFrame = pd.DataFrame(data)
    return frame


def availability_frame(offers: Sequence[GpuOffer]) -> pd.DataFrame:
    """One row per offer, cheapest first (unpriced offers last), every cost computed."""
    prices: list[Prices] = [o.prices for o in offers]
    columns: dict[str, list[Any]] = {
        "cloud_id": _column(offers, lambda o: o.cloud_id),
        "provider": _column(offers, lambda o: o.provider),
        "gpu_type": _column(offers, lambda o: o.gpu_type),
        "gpu_count": _column(offers, lambda o: o.gpu_count),
        "gpu_memory_gb": _column(offers, lambda o: o.gpu_memory),
        "socket": _column(offers, lambda o: o.socket),
        "security": _column(offers, lambda o: o.security),
        "region": _column(offers, lambda o: o.region),
        "data_center": _column(offers, lambda o: o.data_center),
        "country": _column(offers, lambda o: o.country),
        "stock_status": _column(offers, lambda o: o.stock_status),
        "is_spot": _column(offers, lambda o: o.is_spot),
        "is_variable": [p.is_variable for p in prices],
        "is_multinode": _column(offers, lambda o: o.is_multinode),
        "images": _column(offers, lambda o: list(o.images)),
        "provisioning_time_min": _column(offers, lambda o: o.provisioning_time),
        "prepaid_time_h": _column(offers, lambda o: o.prepaid_time),
        "on_demand_hr": [p.on_demand for p in prices],
        "community_hr": [p.community_price for p in prices],
    }
    columns.update(_spec_columns(offers))
    numeric = ["gpu_count", *RESOURCE_COLUMNS, *RAW_PRICE_COLUMNS]
    numeric += [r.column("unit_price_hr") for r in RESOURCES]
    inputs: dict[str, Any] = {name: _floats(columns[name]) for name in numeric}
    inputs["security"] = np.array(columns["security"], dtype=object)
    for resource in RESOURCES:
        included = columns[resource.column("included")]
        inputs[resource.column("included")] = np.array([v is True for v in included], bool)
    costs = cost_columns(inputs)
    columns.update({name: list(values) for name, values in costs.items()})
    frame = _to_frame(columns, AVAILABILITY_COLUMNS)
    ordered: pd.DataFrame = frame.sort_values(
        ["total_hr", "price_per_gpu_hr", "cloud_id"], na_position="last", kind="stable"
    )
    result: pd.DataFrame = ordered.reset_index(drop=True)
    return result


def _empty_to_none(value: Any) -> Any:
    return None if value is None or value is pd.NA or value != value else value


def offer_from_row(row: pd.Series[Any] | dict[str, Any]) -> GpuOffer:
    """Rebuild the offer an availability row was made from (enough to price and order it)."""
    get = {k: _empty_to_none(v) for k, v in dict(row).items() if k != "images"}
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
    columns: dict[str, list[Any]] = {
        "provider": _column(offers, lambda o: o.provider),
        "data_center": _column(offers, lambda o: o.data_center),
        "region": _column(offers, lambda o: o.region),
        "country": _column(offers, lambda o: o.country),
        "security": _column(offers, lambda o: o.security),
        "stock_status": _column(offers, lambda o: o.stock_status),
        "is_multinode": _column(offers, lambda o: o.is_multinode),
        "cloud_id": _column(offers, lambda o: o.cloud_id),
        "min_gb": _column(offers, lambda o: o.spec.min_count),
        "max_gb": _column(offers, lambda o: o.spec.max_count),
        "step_gb": _column(offers, lambda o: o.spec.step),
        "price_per_gb_hr": _column(offers, lambda o: o.spec.price_per_unit),
    }
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
