"""The bulk reader (``_wire``) and the models read every page alike: the same frame, the
same warnings. A page the strict decoder refuses is read leniently through the models."""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable
from typing import Any

import httpx
import msgspec
import pandas as pd
import pytest

import prime_magics as pm
from prime_magics.frames import offer_frames as frames
from prime_magics.models import GpuOffer, Prices, ResourceSpec
from prime_magics.responses import UnreadValuesWarning
from prime_magics.transport import wire as _wire


def _struct_fields(struct: type[msgspec.Struct]) -> dict[str, tuple[str, Any]]:
    info: Any = msgspec.inspect.type_info(struct)
    return {f.name: (f.encode_name, f.default) for f in info.fields}


@pytest.mark.parametrize(
    ("struct", "model"),
    [(_wire.WireGpuOffer, GpuOffer), (_wire.WireSpec, ResourceSpec), (_wire.WirePrices, Prices)],
)
def test_structs_mirror_the_models(struct: type[msgspec.Struct], model: Any) -> None:
    mine = _struct_fields(struct)
    theirs = {name: field.alias for name, field in model.model_fields.items()}
    assert {n: a for n, (a, _) in mine.items()} == theirs
    for name, field in model.model_fields.items():  # scalar defaults agree
        if field.default_factory is None:
            assert mine[name][1] in (field.default, msgspec.NODEFAULT), name


def offer(**changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "cloudId": "c1", "gpuType": "H100_80GB", "gpuCount": 8, "provider": "p",
        "dataCenter": "dc", "security": "secure_cloud", "gpuMemory": 80,
        "prices": {"onDemand": 20.5, "communityPrice": None, "currency": "USD"},
        "disk": {"defaultCount": 100, "pricePerUnit": 0.0001, "minCount": 50},
        "vcpu": None, "images": ["ubuntu"], "somethingNew": {"x": 1},
    }  # fmt: skip
    item.update(changes)
    return item


def serve(items: list[Any], raw: bytes | None = None) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("multi-node") or request.url.params["page"] != "1":
            return httpx.Response(200, json={"items": [], "totalCount": 0})
        body = raw if raw is not None else json.dumps({"items": items, "totalCount": len(items)})
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    return handler


def both(client: pm.Client) -> tuple[pd.DataFrame, list[str], pd.DataFrame, list[str]]:
    with warnings.catch_warnings(record=True) as fast_warned:
        warnings.simplefilter("always")
        fast = client.availability(refresh=True)
    with warnings.catch_warnings(record=True) as model_warned:
        warnings.simplefilter("always")
        slow = frames.availability_frame(client.offer_models(refresh=True))
    said = [str(w.message) for w in fast_warned if w.category is UnreadValuesWarning]
    said_too = [str(w.message) for w in model_warned if w.category is UnreadValuesWarning]
    return fast, said, slow, said_too


ODD = {
    "well formed": [offer(), offer(cloudId="c2", gpuCount=None, prices=None, images=None)],
    "gpu count as text": [offer(), offer(cloudId="c2", gpuCount="2")],
    "gpu count as float": [offer(gpuCount=2.0)],
    "int past 64 bits": [offer(gpuMemory=2**70)],
    "required field missing": [offer(), {"gpuType": "A100"}],
    "bool for a number": [offer(gpuMemory=True)],
    "price as text": [offer(prices={"onDemand": "1.5"})],
    "bad nested spec": [offer(vcpu={"defaultCount": "many"})],
    "bad shared disk": [offer(sharedDisk={"minCount": [1]})],
    "image not text": [offer(images=["a", 5])],
    "null multinode flag": [offer(), offer(cloudId="c2", isMultinode=None)],
    "extra and snake keys": [offer(data_center="not this one")],
}


@pytest.mark.parametrize("items", ODD.values(), ids=ODD.keys())
def test_the_bulk_path_reads_as_the_models_do(mock_client: Any, items: list[Any]) -> None:
    client = mock_client(serve(items), cache_ttl=0)
    fast, said, slow, said_too = both(client)
    pd.testing.assert_frame_equal(fast, slow)
    assert said == said_too  # the same values unread, or none (coerced alike)


@pytest.mark.parametrize(
    "raw", [b'{"items": [{"cloudId": "c", "gpuType": "A", "prices": {"onDemand": 1e400}}]}',
            b'{"items": [{"cloudId": "c", "gpuType": "A", "prices": {"onDemand": NaN}}]}'],
)  # fmt: skip
def test_no_infinite_price_comes_through(mock_client: Any, raw: bytes) -> None:
    assert _wire.gpu_page(raw) is None  # refused: the models' reader blanks it with a warning
    client = mock_client(serve([], raw=raw), cache_ttl=0)
    fast, said, slow, _ = both(client)
    pd.testing.assert_frame_equal(fast, slow)
    assert said and fast["on_demand_hr"].isna().all()
    assert not any(math.isinf(x) for x in fast["total_hr"].dropna())


def test_a_bare_list_and_a_well_formed_page_are_read_in_bulk() -> None:
    body = json.dumps([offer(), offer(cloudId="c2")]).encode()
    read = _wire.gpu_page(body)
    assert read is not None and read[1] == 2 and read[0][1].vcpu is None  # read as empty
    assert _wire.gpu_page(b"not json") is None


@pytest.mark.parametrize("number", ["1e400", "-1e400", "NaN", "Infinity", "-Infinity", "nan"])
@pytest.mark.parametrize(
    "where",
    ['"prices": {"onDemand": X}', '"prices": {"communityPrice": X}', '"internetSpeed": X',
     '"interconnect": X', '"prepaidTime": X', '"disk": {"pricePerUnit": X}',
     '"vcpu": {"pricePerUnit": X}', '"memory": {"pricePerUnit": X}',
     '"sharedDisk": {"pricePerUnit": X}'],
)  # fmt: skip
def test_the_bulk_reader_refuses_every_non_finite_number(where: str, number: str) -> None:
    """What the models' ``FiniteFloat`` refuses, the strict reader refuses too (in C, no
    Python pass over the numbers): the page goes to the lenient reader."""
    raw = '{"items": [{"cloudId": "c", "gpuType": "A", ' + where.replace("X", number) + "}]}"
    assert _wire.gpu_page(raw.replace(number, "1.5").encode()) is not None
    assert _wire.gpu_page(raw.encode()) is None


def test_null_parts_prices_and_images_read_as_the_models_empty_ones(mock_client: Any) -> None:
    items = [offer(disk=None, vcpu=None, memory=None, prices=None, images=None)]
    assert _wire.gpu_page(json.dumps({"items": items}).encode()) is not None  # bulk path
    frame = mock_client(serve(items), cache_ttl=0).availability()
    assert frame.loc[0, "images"] == [] and frame["disk_gb"].isna().all()
    assert frame["currency"].isna().all() and frame["on_demand_hr"].isna().all()


def test_the_cached_frame_is_handed_out_as_a_copy(mock_client: Any) -> None:
    calls: list[str] = []
    handler = serve([offer(), offer(cloudId="c2")])

    def counting(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        return handler(request)

    client = mock_client(counting)
    first = client.availability()
    first.loc[0, "total_hr"] = -1.0
    first["mine"] = 1
    fetched = len(calls)
    again = client.availability()
    assert len(calls) == fetched  # from the cache
    assert "mine" not in again and again.loc[0, "total_hr"] != -1.0
    assert client.availability(provider="nobody").empty  # its own entry
    fetched = len(calls)
    client.availability(refresh=True)
    assert len(calls) > fetched
    fetched = len(calls)
    client.clear_cache()
    client.availability()
    assert len(calls) > fetched


@pytest.mark.parametrize(("empty", "model"), [("_NO_SPEC", ResourceSpec), ("_NO_PRICES", Prices)])
def test_the_columns_empties_are_the_models_empties(empty: str, model: Any) -> None:
    from prime_magics import offers

    for name in model.model_fields:
        assert getattr(getattr(offers, empty), name) == getattr(model(), name), name
