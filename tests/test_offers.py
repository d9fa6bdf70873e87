"""``offers``: one offer in three shapes (API JSON, model, frame row) prices and orders the same."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import prime_magics as pm
from prime_magics.frames import offer_frames as frames
from prime_magics.offers import cell, disk_offer, gpu_offer

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def offer_json() -> dict[str, Any]:
    items = json.loads((DATA / "availability_response.json").read_text())
    items = items["items"] if isinstance(items, dict) else items
    adjustable = [o for o in items if (o.get("disk") or {}).get("maxCount")]
    return dict(adjustable[0] if adjustable else items[0])


def test_quote_of_api_json_equals_quote_of_model_and_of_row(offer_json: dict[str, Any]) -> None:
    model = pm.GpuOffer.model_validate(offer_json)
    row = frames.availability_frame([model]).iloc[0]
    from_json = pm.quote(json.loads(json.dumps(offer_json)))
    assert from_json == pm.quote(model) == pm.quote(row)
    assert from_json.total_hr is not None


def test_quote_of_api_json_with_chosen_resources(offer_json: dict[str, Any]) -> None:
    model = pm.GpuOffer.model_validate(offer_json)
    spec = model.disk
    assert spec.max_count is not None
    size = spec.max_count
    assert pm.quote(offer_json, disk_gb=size) == pm.quote(model, disk_gb=size)


@pytest.mark.parametrize("bad", [42, "H100", ["cloudId"], {"name": "not an offer"}])
def test_anything_else_is_a_type_error_saying_what_is_accepted(bad: Any) -> None:
    with pytest.raises(TypeError, match="API's JSON form"):
        pm.quote(bad)


def test_pod_request_takes_all_three_shapes(offer_json: dict[str, Any]) -> None:
    model = pm.GpuOffer.model_validate(offer_json)
    row = frames.availability_frame([model]).iloc[0]
    bodies = [
        pm.PodRequest.from_offer(shape, name="same").body()
        for shape in (offer_json, model, row, dict(row))
    ]
    assert all(body == bodies[0] for body in bodies)


def test_disk_offer_takes_json_model_and_row() -> None:
    raw = json.loads((DATA / "availability_disks.json").read_text())
    items = raw["items"] if isinstance(raw, dict) else raw
    first = next(o for o in items if o.get("provider"))
    model = pm.DiskOffer.model_validate(first)
    row = frames.disk_availability_frame([model], None).iloc[0]
    keep = {"min_count", "max_count", "step", "price_per_unit"}
    assert disk_offer(first).spec.model_dump(include=keep) == disk_offer(row).spec.model_dump(
        include=keep
    )
    size = model.spec.min_count or 10
    requests = [pm.DiskRequest.from_offer(o, size, name="d") for o in (first, model, row)]
    assert all(r.body() == requests[0].body() for r in requests)
    with pytest.raises(TypeError, match="disk offer"):
        disk_offer(3.5)  # type: ignore[arg-type]


def test_cell_is_the_one_na_to_none_helper() -> None:
    row = pd.Series({"a": pd.NA, "b": float("nan"), "c": pd.array([3], dtype="Int64")[0]})
    assert cell(row, "a") is None and cell(row, "b") is None and cell(row, "missing") is None
    assert cell(row, "c") == 3 and type(cell(row, "c")) is int


def test_a_row_rebuilds_the_model(offer_json: dict[str, Any]) -> None:
    model = pm.GpuOffer.model_validate(offer_json)
    rebuilt = gpu_offer(frames.availability_frame([model]).iloc[0])
    priced = {"min_count", "default_count", "max_count", "step", "price_per_unit"}
    assert rebuilt.cloud_id == model.cloud_id and rebuilt.prices == model.prices
    assert rebuilt.disk.model_dump(include=priced) == model.disk.model_dump(include=priced)
