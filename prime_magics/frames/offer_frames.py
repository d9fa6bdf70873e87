"""Models → DataFrames: the contract's column order, nullable dtypes, NA for the unknown.

Each frame is built column by column from the models, or from ``_wire``'s structs of the
same attribute paths (no per-row dicts), the cost
columns come from ``pricing.cost_columns`` and nothing here does price arithmetic. An
availability row keeps each resource's range, step, unit price and the raw prices, so
``pm.quote(row)`` and ``PodRequest.from_offer(row)`` can rebuild the offer from it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..models import DiskOffer, GpuOffer
from ..offers import (
    AVAILABILITY_COLUMNS,
    COST_COLUMNS,
    DECISION_COLUMNS,
    DISK_AVAILABILITY_COLUMNS,
    PARTS,
    RAW_PRICE_COLUMNS,
    RESOURCE_COLUMNS,
    disk_offer_columns,
    offer_columns,
)
from ..pricing import cost_columns, disk_cost_hr
from .view import View, view_of

OFFERS = View(
    "offer",
    (*DECISION_COLUMNS, *RESOURCE_COLUMNS),
    {column: "h" for column in COST_COLUMNS},
    "currency, ids, flags, each part's range, step and unit price, the raw prices",
)
DISK_OFFERS = View(
    "disk offer",
    (*DISK_AVAILABILITY_COLUMNS, "size_gb", "cost_hr"),
    {"price_per_gb_hr": "h", "cost_hr": "h"},
    decimals={"price_per_gb_hr": 6},  # per GB: a tiny rate, six digits to be readable
)

_STRING = {
    "cloud_id", "provider", "gpu_type", "socket", "security", "region", "data_center",
    "country", "stock_status", "currency",
}  # fmt: skip
_BOOLEAN = {"is_spot", "is_variable", "is_multinode"} | {p.column("included") for p in PARTS}
_INTEGER = {"gpu_count", "gpu_memory_gb", "provisioning_time_min"}
_INTEGER |= set(RESOURCE_COLUMNS) | {p.column(x) for p in PARTS for x in ("min", "max", "step")}
_INTEGER |= {"min_gb", "max_gb", "step_gb", "size_gb"}


def _dtype(column: str) -> str:
    if column in _STRING:
        return "string"
    if column in _BOOLEAN:
        return "boolean"
    if column in _INTEGER:
        return "Int64"
    return "Float64"


def _floats(values: Sequence[Any]) -> np.ndarray[Any, np.dtype[np.float64]]:
    return np.array(values, dtype=float)  # None becomes NaN


def _array(
    name: str,
    values: Sequence[Any],
    rows: np.ndarray[Any, Any] | None = None,
    floats: np.ndarray[Any, Any] | None = None,
) -> Any:
    """A nullable pandas array, built from numpy directly (``pd.array`` on lists is slow),
    reordered by ``rows`` (an ordering) at the numpy level, before any pandas wrapper.

    ``floats`` is ``values`` already as floats (NaN for None), when the caller has it.
    Masks come from that float view (one C pass) rather than a Python test per value."""
    if name == "images":  # lists stay objects: np.array would make a 2-D array of them
        objects = np.empty(len(values), dtype=object)
        objects[:] = values
        return objects if rows is None else objects[rows]
    kind = _dtype(name)
    if kind == "string":
        strings = pd.array(values, dtype="string")
        return strings if rows is None else strings[rows]
    if kind == "Int64":  # exact: the values as int64, never through float (which rounds
        ints: Any = np.array(values, dtype=object)  # past 2**53)
        if rows is not None:
            ints = ints[rows]
        mask = ints == None  # noqa: E711 - elementwise, in C
        ints[mask] = 0
        return pd.arrays.IntegerArray(ints.astype(np.int64), mask)
    numbers = _floats(values) if floats is None else floats
    if rows is not None:
        numbers = numbers[rows]
    mask = np.isnan(numbers)
    if kind == "Float64":
        return pd.arrays.FloatingArray(numbers, mask)
    return pd.arrays.BooleanArray(numbers == 1.0, mask)  # True/False/None: 1.0/0.0/NaN


def _to_frame(
    columns: Mapping[str, Sequence[Any]],
    names: list[str],
    rows: np.ndarray[Any, Any] | None = None,
    floats: dict[str, np.ndarray[Any, Any]] | None = None,
) -> pd.DataFrame:
    """Build the frame column by column, taking ``rows`` (an ordering) when given;
    ``floats`` holds columns already converted to floats (reused, not converted again)."""
    ready = floats or {}
    data = {name: _array(name, columns[name], rows, ready.get(name)) for name in names}
    frame: pd.DataFrame = pd.DataFrame(data, copy=False)
    return frame


def availability_frame(offers: Sequence[GpuOffer]) -> pd.DataFrame:
    """One row per offer, cheapest first (unpriced offers last), every cost computed.

    Offers priced in another currency than USD sort after the USD ones (by their own
    price), so no total is ever compared across currencies; unpriced ones come last."""
    columns: dict[str, Any] = dict(offer_columns(list(offers)))
    numeric = ["gpu_count", *RESOURCE_COLUMNS, *RAW_PRICE_COLUMNS]
    numeric += [p.column("unit_price_hr") for p in PARTS]
    floats = {name: _floats(columns[name]) for name in numeric}
    inputs: dict[str, Any] = dict(floats)
    inputs["security"] = np.array(columns["security"], dtype=object)
    for part in PARTS:
        included = _floats(columns[part.column("included")])
        floats[part.column("included")] = included
        inputs[part.column("included")] = included == 1.0  # True; not False, not None
    costs = cost_columns(inputs)
    columns.update(costs)
    floats.update(costs)
    currency = np.array([c or "USD" for c in columns["currency"]], dtype=str)
    # Cheapest first, unpriced (NaN) last; numpy sorts faster than the finished frame.
    rows = np.lexsort(
        (
            np.array(columns["cloud_id"], dtype=str),
            costs["price_per_gpu_hr"],
            costs["total_hr"],
            currency,
            currency != "USD",
            np.isnan(costs["total_hr"]),
        )
    )
    return view_of(_to_frame(columns, AVAILABILITY_COLUMNS, rows, floats), OFFERS)


def disk_availability_frame(offers: Sequence[DiskOffer], size_gb: int | None) -> pd.DataFrame:
    """One row per place a disk can be created, cheapest per GB first."""
    columns = disk_offer_columns(list(offers))
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
    return view_of(result, DISK_OFFERS)
