"""An offer has three shapes (the API's JSON, a model, a frame row); this is the one mapping.

``gpu_offer`` and ``disk_offer`` turn any of the three into the model, so ``pm.quote``,
``PodRequest.from_offer``, ``DiskRequest.from_offer`` and the widgets accept all three and
agree on them. The frame's column names, the adjustable parts of an offer (disk, vCPU,
memory: their columns and create-pod body fields) and the columns copied from each
model field are written here and nowhere else; ``frames.offer_frames`` builds from these tables and
``pricing`` reads only models.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from .models import DiskOffer, GpuOffer, Prices, ResourceSpec
from .responses import read

Row: TypeAlias = "pd.Series[Any] | Mapping[str, Any]"
"""A row of an availability frame (``df.loc[i]``), or the same as a plain dict."""
AnyGpuOffer: TypeAlias = "GpuOffer | pd.Series[Any] | Mapping[str, Any]"
AnyDiskOffer: TypeAlias = "DiskOffer | pd.Series[Any] | Mapping[str, Any]"


@dataclass(frozen=True)
class Part:
    """One adjustable part of an offer, and how it is named in each of the three shapes."""

    key: str  # the offer field: disk, vcpu, memory
    count_column: str  # the argument and frame column holding the chosen/default count
    body_field: str  # the create-pod body field
    unit: str
    cost_column: str  # the frame column of its $/h at the default count

    def column(self, part: str) -> str:
        return f"{self.key}_{part}"

    def spec(self, offer: GpuOffer) -> ResourceSpec:
        spec: ResourceSpec = getattr(offer, self.key)
        return spec


PARTS = (
    Part("disk", "disk_gb", "diskSize", "GB", "disk_cost_hr"),
    Part("vcpu", "vcpus", "vcpus", "vCPUs", "vcpu_cost_hr"),
    Part("memory", "memory_gb", "memory", "GB", "memory_cost_hr"),
)
DISK_SIZE = Part("disk", "size_gb", "size", "GB", "cost_hr")
"""A network disk's size, checked against its disk offer like a pod's parts."""

# frame column part → ResourceSpec field
SPEC_FIELDS = {
    "min": "min_count", "max": "max_count", "step": "step",
    "unit_price_hr": "price_per_unit", "included": "default_included_in_price",
}  # fmt: skip
# availability frame column → attribute path on GpuOffer, for the columns copied as they are
OFFER_FIELDS = {
    "cloud_id": "cloud_id", "provider": "provider", "gpu_type": "gpu_type",
    "gpu_count": "gpu_count", "gpu_memory_gb": "gpu_memory", "socket": "socket",
    "security": "security", "region": "region", "data_center": "data_center",
    "country": "country", "stock_status": "stock_status", "is_spot": "is_spot",
    "is_variable": "prices.is_variable", "is_multinode": "is_multinode", "images": "images",
    "provisioning_time_min": "provisioning_time", "prepaid_time_h": "prepaid_time",
    "on_demand_hr": "prices.on_demand", "community_hr": "prices.community_price",
    "currency": "prices.currency",
}  # fmt: skip
# disk availability frame column → attribute path on DiskOffer
DISK_OFFER_FIELDS = {
    "provider": "provider", "data_center": "data_center", "region": "region",
    "country": "country", "security": "security", "stock_status": "stock_status",
    "is_multinode": "is_multinode", "cloud_id": "cloud_id", "min_gb": "spec.min_count",
    "max_gb": "spec.max_count", "step_gb": "spec.step", "price_per_gb_hr": "spec.price_per_unit",
}  # fmt: skip

RESOURCE_COLUMNS = [p.count_column for p in PARTS]
COST_COLUMNS = [
    "gpu_price_hr", *(p.cost_column for p in PARTS), "total_hr", "price_per_gpu_hr",
]  # fmt: skip
DECISION_COLUMNS = [
    "gpu_type", "gpu_count", "gpu_memory_gb", "provider", "region", "data_center",
    "total_hr", "price_per_gpu_hr", "gpu_price_hr", "disk_cost_hr", "vcpu_cost_hr",
    "memory_cost_hr", "stock_status", "security", "socket",
]  # fmt: skip
"""What a researcher decides on, first: shape, where, what it costs, whether it is there."""
IDENTITY_COLUMNS = [
    "currency", "cloud_id", "country", "is_spot", "is_variable", "is_multinode", "images",
    "provisioning_time_min", "prepaid_time_h",
]  # fmt: skip
SPEC_COLUMNS = [p.column(part) for p in PARTS for part in SPEC_FIELDS]
RAW_PRICE_COLUMNS = ["on_demand_hr", "community_hr"]
AVAILABILITY_COLUMNS = (
    DECISION_COLUMNS + RESOURCE_COLUMNS + IDENTITY_COLUMNS + SPEC_COLUMNS + RAW_PRICE_COLUMNS
)
"""Decision columns, the default resources and the offer's identity, then what lets a row
be re-quoted (each part's range, step, unit price; the raw prices) at the end."""
DISK_AVAILABILITY_COLUMNS = list(DISK_OFFER_FIELDS)

_ACCEPTED = (
    "a GpuOffer, a row of an availability frame (df.loc[i]), or an offer dict in the "
    "API's JSON form (with 'cloudId')"
)
_ACCEPTED_DISK = (
    "a DiskOffer, a row of a disk availability frame, or a disk offer dict in the API's JSON form"
)


def plain(value: Any) -> Any:
    """A frame cell as a field value: ``None`` for NA/NaN (``pd.NA``'s truth value raises)
    and Python scalars for numpy ones (``is True`` does not see a numpy bool)."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return value.item() if isinstance(value, np.generic) else value


def cell(row: Row, column: str) -> Any:
    """``row[column]`` as a plain value, ``None`` when missing or NA."""
    return plain(row.get(column))


def _is_api_json(offer: Row) -> bool:
    return not isinstance(offer, pd.Series) and any(
        key in offer for key in ("cloudId", "gpuType", "dataCenter", "spec", "prices")
    )


def gpu_offer(offer: AnyGpuOffer) -> GpuOffer:
    """The model of an offer given in any of its three shapes; ``TypeError`` otherwise."""
    if isinstance(offer, GpuOffer):
        return offer
    if not isinstance(offer, (pd.Series, Mapping)):
        raise TypeError(f"expected {_ACCEPTED}; got {type(offer).__name__}")
    if _is_api_json(offer):
        model: GpuOffer = read(GpuOffer, offer, "offer")
        return model
    if "cloud_id" not in offer or "gpu_type" not in offer:
        raise TypeError(f"expected {_ACCEPTED}; got a mapping with keys {list(offer)[:8]}")
    return _from_row(offer)


def _from_row(row: Row) -> GpuOffer:
    get = {k: plain(v) for k, v in dict(row).items() if k != "images"}
    specs = {
        p.key: ResourceSpec(
            default_count=get.get(p.count_column),
            **{field: get.get(p.column(part)) for part, field in SPEC_FIELDS.items()},
        )
        for p in PARTS
    }
    images = dict(row).get("images")
    return GpuOffer(
        cloud_id=str(get["cloud_id"]),
        gpu_type=str(get["gpu_type"]),
        gpu_count=get.get("gpu_count"),
        socket=get.get("socket"),
        provider=get.get("provider"),
        region=get.get("region"),
        data_center=get.get("data_center"),
        country=get.get("country"),
        gpu_memory=get.get("gpu_memory_gb"),
        provisioning_time=get.get("provisioning_time_min"),
        stock_status=get.get("stock_status"),
        security=get.get("security"),
        prices=Prices(
            on_demand=get.get("on_demand_hr"),
            community_price=get.get("community_hr"),
            is_variable=get.get("is_variable"),
            currency=get.get("currency"),
        ),
        images=list(images) if isinstance(images, (list, tuple, np.ndarray)) else [],
        is_spot=get.get("is_spot"),
        prepaid_time=get.get("prepaid_time_h"),
        is_multinode=bool(get.get("is_multinode")),
        **specs,
    )


def disk_offer(offer: AnyDiskOffer) -> DiskOffer:
    """The model of a disk offer given as a model, a frame row or the API's JSON."""
    if isinstance(offer, DiskOffer):
        return offer
    if not isinstance(offer, (pd.Series, Mapping)):
        raise TypeError(f"expected {_ACCEPTED_DISK}; got {type(offer).__name__}")
    if _is_api_json(offer):
        model: DiskOffer = read(DiskOffer, offer, "disk offer")
        return model
    row = {k: plain(v) for k, v in dict(offer).items()}
    if "min_gb" not in row and "price_per_gb_hr" not in row:
        raise TypeError(f"expected {_ACCEPTED_DISK}; got a mapping with keys {list(row)[:8]}")
    fields = {k: row.get(k) for k, path in DISK_OFFER_FIELDS.items() if "." not in path}
    return DiskOffer(
        **fields,
        spec=ResourceSpec(
            min_count=row.get("min_gb"),
            max_count=row.get("max_gb"),
            step=row.get("step_gb"),
            price_per_unit=row.get("price_per_gb_hr"),
        ),
    )


class _Empty:
    """A null spec or prices as the models read it: every field ``None``. (Not the models'
    own empties: building one at import would build their validators, ~10 ms.)"""

    def __getattr__(self, name: str) -> None:
        return None


_NO_SPEC = _NO_PRICES = _Empty()


def offer_columns(offers: list[Any]) -> dict[str, list[Any]]:
    """The availability frame's raw columns, each a list over ``offers`` (no costs yet).

    ``offers`` are models or ``_wire`` structs; a struct's null spec, prices or images
    read as the models' empty ones (their "null is empty" validators), here rather than
    per struct when it is decoded (a Python call per offer there, one pass here)."""
    prices = [_NO_PRICES if p is None else p for p in map(attrgetter("prices"), offers)]
    columns = {}
    for name, path in OFFER_FIELDS.items():
        owner, _, field = path.rpartition(".")
        columns[name] = list(map(attrgetter(field), prices if owner else offers))
    columns["images"] = [[] if i is None else i for i in columns["images"]]
    for p in PARTS:
        specs = [_NO_SPEC if s is None else s for s in map(attrgetter(p.key), offers)]
        columns[p.count_column] = list(map(attrgetter("default_count"), specs))
        for part, field in SPEC_FIELDS.items():
            columns[p.column(part)] = list(map(attrgetter(field), specs))
    return columns


def disk_offer_columns(offers: list[DiskOffer]) -> dict[str, list[Any]]:
    return {name: list(map(attrgetter(path), offers)) for name, path in DISK_OFFER_FIELDS.items()}
