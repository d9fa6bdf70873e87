"""The client survives the shapes the real service's spec allows, through its public methods.

Each test serves crafted bodies through ``mock_client`` (paged the way the API pages) and
reads them back as frames: one odd value is NA in its own cell with exactly one
``UnreadValuesWarning`` naming it, numbers too large for a frame are NA rather than
wrapped or rounded, huge prices never become ``inf``, and an answer that is not the
expected shape at all is a ``ResponseFormatError`` that names what came.
"""

from __future__ import annotations

import copy
import json
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest

import prime_magics as pm
from prime_magics.responses import UnreadValuesWarning

API = "/api/v1"
GPUS, MULTI = f"{API}/availability/gpus", f"{API}/availability/multi-node"
DISK_OFFERS, SUMMARY = f"{API}/availability/disks", f"{API}/availability/gpu-summary"
PODS, HISTORY, DISKS = f"{API}/pods/", f"{API}/pods/history", f"{API}/disks/"

SPEC = {"minCount": 50, "defaultCount": 100, "maxCount": 1000, "pricePerUnit": 0.0001, "step": 10}
OFFER: dict[str, Any] = {
    "cloudId": "c0", "gpuType": "H100_80GB", "socket": "SXM5", "provider": "runpod",
    "region": "united_states", "dataCenter": "US-1", "country": "US", "gpuCount": 1,
    "gpuMemory": 80, "disk": SPEC, "vcpu": {"defaultCount": 16}, "memory": {"defaultCount": 64},
    "stockStatus": "Available", "security": "secure_cloud", "images": ["ubuntu_22_cuda_12"],
    "prices": {"onDemand": 2.0, "communityPrice": None, "isVariable": False, "currency": "USD"},
    "isSpot": False, "prepaidTime": 1,
}  # fmt: skip
DISK_OFFER: dict[str, Any] = {
    "cloudId": "d0", "provider": "runpod", "dataCenter": "US-1", "country": "US",
    "spec": SPEC, "security": "secure_cloud", "isMultinode": True,
}  # fmt: skip
POD: dict[str, Any] = {
    "id": "p0", "userId": "u", "name": "n", "providerType": "runpod", "gpuName": "H100_80GB",
    "gpuCount": 1, "socket": "SXM5", "priceHr": 2.0, "createdAt": "2026-01-01T00:00:00Z",
}  # fmt: skip
DISK: dict[str, Any] = {
    "id": "d0", "name": "n", "providerType": "runpod", "userId": "u", "size": 100,
    "info": {"dataCenterId": "US-1", "country": "US"}, "priceHr": 0.01,
    "createdAt": "2026-01-01T00:00:00Z",
}  # fmt: skip
HISTORY_ITEM: dict[str, Any] = {
    "id": "h0", "name": "n", "providerType": "runpod", "type": "HOSTED",
    "createdAt": "2026-01-01T00:00:00Z", "terminatedAt": "2026-01-01T02:00:00Z",
    "gpuName": "H100_80GB", "gpuCount": 1, "priceHr": 2.0, "userId": "u",
    "totalBilledPrice": 4.0,
}  # fmt: skip
BIG = 2**70  # beyond any 64-bit integer
EXACT = 2**62 + 1  # an int64 that a float would round


def many(template: dict[str, Any], n: int, key: str) -> list[dict[str, Any]]:
    return [{**copy.deepcopy(template), key: f"{template[key][0]}{i}"} for i in range(n)]


def serve(routes: dict[str, Any]) -> Callable[[httpx.Request], httpx.Response]:
    """A handler paging lists as the API does: availability by ``page``/``page_size``
    (``{items, totalCount}``), the rest by ``offset``/``limit`` (``{data, total_count}``).
    A route's value is its list of items, or ``bytes``/any other JSON sent as it is."""

    def handle(request: httpx.Request) -> httpx.Response:
        body = routes.get(request.url.path, [] if "/availability/" in request.url.path else None)
        q = request.url.params
        if isinstance(body, bytes):
            return httpx.Response(200, content=body)
        if isinstance(body, list) and "/availability/" in request.url.path:
            size, page = int(q.get("page_size", 100)), int(q.get("page", 1))
            part = body[(page - 1) * size : page * size]
            return httpx.Response(200, json={"items": part, "totalCount": len(body)})
        if isinstance(body, list):
            offset, limit = int(q.get("offset", 0)), int(q.get("limit", 100))
            part = body[offset : offset + limit]
            return httpx.Response(200, json={"data": part, "total_count": len(body)})
        return httpx.Response(200, json=body)

    return handle


@contextmanager
def unread() -> Iterator[list[str]]:
    """The messages of the ``UnreadValuesWarning``s raised inside; any other warning (a
    numpy overflow, a pandas complaint) fails the test."""
    messages: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield messages
    others = [w for w in caught if not issubclass(w.category, UnreadValuesWarning)]
    assert not others, [str(w.message) for w in others]
    messages += [str(w.message) for w in caught]


def no_inf(frame: pd.DataFrame) -> None:
    numbers = frame.select_dtypes("number").astype(float).to_numpy(na_value=np.nan)
    assert not np.isinf(numbers).any()


# -- 1. one odd value among many -------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "column"),
    [
        ("prepaidTime", "soon", "prepaid_time_h"),
        ("gpuCount", BIG, "gpu_count"),
        ("disk", 5, "disk_gb"),
        ("gpuCount", 2**63, "gpu_count"),  # one past int64: NA, not -9223372036854775808
    ],
)
def test_one_odd_value_among_2000_offers_is_na_in_its_own_cell(mock_client, field, value, column):
    offers = many(OFFER, 2000, "cloudId")
    offers[1234][field] = value
    client = mock_client(serve({GPUS: offers}))
    with unread() as messages:
        frame = client.availability()
    assert len(frame) == 2000
    odd = frame["cloud_id"] == "c1234"
    assert frame.loc[odd, column].isna().all()
    assert frame.loc[~odd, column].notna().all()
    assert len(messages) == 1
    assert f"items.34.{field}={value!r}" in messages[0]  # page 13's 35th item


def test_fractional_prepaid_time_is_read_as_it_is_without_a_warning(mock_client):
    client = mock_client(serve({GPUS: [{**OFFER, "prepaidTime": 0.5}]}))
    with unread() as messages:
        frame = client.availability()
    assert frame.loc[0, "prepaid_time_h"] == 0.5
    assert pm.quote(frame.loc[0]).prepaid_hours == 0.5
    assert messages == []


def test_a_non_object_among_the_items_is_left_out_alone(mock_client):
    client = mock_client(serve({GPUS: [5, OFFER, None]}))
    with unread() as messages:
        frame = client.availability()
    assert list(frame["cloud_id"]) == ["c0"]
    assert len(messages) == 1 and "items.0=5" in messages[0] and "left out" in messages[0]


# -- 2. null where the guides never showed one ---------------------------------------------


def test_null_gpu_summary_leaves_still_give_the_gpu_types(mock_client):
    summary = {
        "H100_80GB": {"8": {"cheapest": None, "united_states": None}, "1": None},
        "A100_80GB": None,
        "L40S": {"1": {"cheapest": {"onDemand": None, "spotPrice": 0.5}}},
    }
    client = mock_client(serve({SUMMARY: summary}))
    with unread() as messages:
        assert client.gpu_types() == ["A100_80GB", "H100_80GB", "L40S"]
    assert messages == []


def test_a_disk_with_null_info_is_listed_with_no_data_centre(mock_client):
    client = mock_client(serve({DISKS: [{**DISK, "info": None}, DISK | {"id": "d1"}]}))
    with unread() as messages:
        frame = client.disks()
    assert len(frame) == 2 and messages == []
    assert frame.set_index("id")["data_center"].isna().to_dict() == {"d0": True, "d1": False}


# -- 3. integers of any size ------------------------------------------------------------------

INTEGER_CASES = [
    # (path, items, field path in the item, frame method, column)
    (PODS, POD, ("gpuCount",), "pods", "gpu_count"),
    (DISKS, DISK, ("size",), "disks", "size_gb"),
    (HISTORY, HISTORY_ITEM, ("gpuCount",), "pod_history", "gpu_count"),
    (GPUS, OFFER, ("gpuCount",), "availability", "gpu_count"),
    (GPUS, OFFER, ("disk", "maxCount"), "availability", "disk_max"),
]


def _with(item: dict[str, Any], path: tuple[str, ...], value: int) -> dict[str, Any]:
    changed = copy.deepcopy(item)
    target = changed
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return changed


@pytest.mark.parametrize(("path", "item", "field", "method", "column"), INTEGER_CASES)
def test_integers_beyond_64_bits_are_na_and_int64_ones_exact(
    mock_client, path, item, field, method, column
):
    values = [BIG, -BIG, 2**63, EXACT, -(2**63), 2**63 - 1]
    items = [_with(item, field, v) for v in values]
    key = "cloudId" if path == GPUS else "id"
    for i, one in enumerate(items):
        one[key] = f"x{i}"
    client = mock_client(serve({path: items}))
    with unread() as messages:
        frame = getattr(client, method)()
    by_id = frame.set_index("cloud_id" if path == GPUS else "id")[column]
    assert str(by_id.dtype) == "Int64"
    assert by_id.isna().to_dict() == {f"x{i}": i < 3 for i in range(6)}
    assert [int(by_id[f"x{i}"]) for i in (3, 4, 5)] == [EXACT, -(2**63), 2**63 - 1]
    assert len(messages) == 1 and str(BIG) in messages[0]


def test_an_offer_with_an_unreadable_gpu_count_has_no_per_gpu_price_but_quotes(mock_client):
    client = mock_client(serve({GPUS: [{**OFFER, "gpuCount": BIG}]}))
    with unread():
        row = client.availability().loc[0]
    assert pd.isna(row["price_per_gpu_hr"]) and row["total_hr"] > 0
    assert pm.quote(row).total_hr == row["total_hr"]


# -- 4. huge but finite prices ------------------------------------------------------------------


def test_a_huge_unit_price_is_an_unknown_cost_never_inf(mock_client):
    odd = {**OFFER, "cloudId": "odd", "disk": {**SPEC, "pricePerUnit": 1e308}}
    client = mock_client(serve({GPUS: [OFFER, odd]}))
    with unread() as messages:
        frame = client.availability()
    assert messages == []  # 1e308 is a valid number: nothing unread, the cost is unknown
    no_inf(frame)
    row = frame.set_index("cloud_id").loc["odd"]
    assert pd.isna(row["disk_cost_hr"]) and pd.isna(row["total_hr"])
    assert frame["cloud_id"].iloc[-1] == "odd"  # unpriced last
    quote = pm.quote(frame[frame["cloud_id"] == "odd"].iloc[0])
    assert (quote.disk_hr, quote.total_hr, quote.per_month) == (None, None, None)


def test_a_huge_on_demand_price_with_a_count_never_overflows_a_quote(mock_client):
    odd = {**OFFER, "gpuCount": 8, "prices": {**OFFER["prices"], "onDemand": 1e308}}
    client = mock_client(serve({GPUS: [odd]}))
    with unread():
        frame = client.availability()
    no_inf(frame)
    for offer in (frame.loc[0], odd):
        quote = pm.quote(offer)
        values = [quote.total_hr, quote.per_gpu_hr, quote.per_day, quote.per_month]
        assert all(v is None or np.isfinite(v) for v in values), values
        assert quote.per_month is None and quote.per_day is None


def test_a_number_too_large_for_a_float_is_unread_not_inf(mock_client):
    body = json.dumps({"items": [OFFER], "totalCount": 1}).replace(
        '"onDemand": 2.0', '"onDemand": 1e400'
    )
    client = mock_client(serve({GPUS: body.encode()}))
    with unread() as messages:
        frame = client.availability()
    no_inf(frame)
    assert pd.isna(frame.loc[0, "on_demand_hr"]) and len(messages) == 1


def test_huge_pod_and_disk_prices_give_na_costs_never_inf(mock_client):
    old_pod = {**POD, "priceHr": 1e308, "createdAt": "1700-01-01T00:00:00Z"}
    client = mock_client(serve({PODS: [old_pod], DISKS: [{**DISK, "priceHr": 1e308}]}))
    with unread():
        pods, disks = client.pods(), client.disks()
    no_inf(pods)
    no_inf(disks)
    assert pd.isna(pods.loc[0, "cost_so_far"]) and pd.isna(disks.loc[0, "price_month"])


# -- 5. an extra key spelt like a field does not override it -------------------------------


def test_a_snake_case_extra_key_does_not_override_the_field(mock_client):
    offer = {**OFFER, "data_center": "EVIL", "gpu_count": 99, "cloud_id": "EVIL"}
    disk_offer = {**DISK_OFFER, "data_center": "EVIL"}
    client = mock_client(serve({GPUS: [offer], DISK_OFFERS: [disk_offer]}))
    with unread():
        row = client.availability().loc[0]
        disk_row = client.disk_availability().loc[0]
    assert (row["data_center"], row["gpu_count"], row["cloud_id"]) == ("US-1", 1, "c0")
    assert disk_row["data_center"] == "US-1"


# -- 6. currency ----------------------------------------------------------------------------------


def test_offers_in_another_currency_sort_after_every_usd_one_and_quote_in_it(mock_client):
    usd = [
        {**OFFER, "cloudId": f"usd{i}", "prices": {**OFFER["prices"], "onDemand": 5.0 + i}}
        for i in range(3)
    ]
    eur = {
        **OFFER,
        "cloudId": "eur",
        "prices": {**OFFER["prices"], "onDemand": 0.1, "currency": "EUR"},
    }
    client = mock_client(serve({GPUS: [eur, *usd]}))
    with unread():
        frame = client.availability()
    assert list(frame["currency"]) == ["USD", "USD", "USD", "EUR"]
    assert list(frame["cloud_id"]) == ["usd0", "usd1", "usd2", "eur"]
    assert pm.quote(frame.iloc[-1]).currency == "EUR"
    assert pm.quote(eur).currency == "EUR"


# -- 7. not the expected shape at all ------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "method", "named"),
    [
        (GPUS, b"<html>Bad gateway</html>", "availability", "<html>"),
        (PODS, b"oops", "pods", "oops"),
        (DISKS, b"{", "disks", "{"),
        (GPUS, {"items": 5, "totalCount": 1}, "availability", "items (5)"),
        (
            DISK_OFFERS,
            {"items": {"a": 1}, "totalCount": 1},
            "disk_availability",
            "items ({'a': 1})",
        ),
        (PODS, {"data": "x", "total_count": 1}, "pods", "data ('x')"),
        (HISTORY, {"total_count": 1}, "pod_history", "data"),
    ],
)
def test_an_answer_of_the_wrong_shape_names_what_came(mock_client, path, body, method, named):
    client = mock_client(serve({path: body}))
    with pytest.raises(pm.ResponseFormatError) as caught:
        getattr(client, method)()
    assert named in caught.value.message
    assert "try again" not in str(caught.value).lower()


@pytest.mark.parametrize(("path", "method"), [(SUMMARY, "gpu_types"), (f"{PODS}p0", "pod")])
def test_a_non_json_answer_to_a_plain_get_does_not_say_try_again(mock_client, path, method):
    client = mock_client(serve({path: b"<html>"}))
    with pytest.raises(pm.ResponseFormatError) as caught:
        getattr(client, method)(*(["p0"] if method == "pod" else []))
    assert "try again" not in str(caught.value).lower()


# -- paging and identity the spec leaves open ---------------------------------------------------


def test_an_absurd_total_count_is_not_followed_for_ever(mock_client):
    seen: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={"data": [POD], "total_count": 2**62})

    client = mock_client(handle)
    with unread() as messages:
        frame = client.pods()
    assert len(frame) == 1 and len(seen) == 1
    assert len(messages) == 1 and "total_count" in messages[0]


def test_a_pod_without_an_id_is_left_out_with_a_warning(mock_client):
    nameless = {k: v for k, v in POD.items() if k != "id"}  # the spec does not require id
    client = mock_client(serve({PODS: [nameless, POD]}))
    with unread() as messages:
        frame = client.pods()
    assert list(frame["id"]) == ["p0"]
    assert len(messages) == 1 and "data.0.id" in messages[0] and "left out" in messages[0]


@pytest.mark.parametrize(
    ("stamp", "utc"),
    [
        ("2026-01-01T05:30:00+05:30", "2026-01-01T00:00:00"),
        ("2025-12-31T23:59:59.123456789-23:59", "2026-01-01T23:58:59.123456"),
        ("2026-01-01T00:00:00", "2026-01-01T00:00:00"),  # no offset: UTC
        ("0001-01-01T00:00:00+14:00", None),  # year 0 in UTC: no frame can hold it
        ("9999-12-31T23:59:59-23:59", None),  # year 10000 in UTC
        ("soon", None),
    ],
)
def test_any_rfc3339_timestamp_is_utc_or_nat_never_an_error(mock_client, stamp, utc):
    item = {**HISTORY_ITEM, "createdAt": stamp}
    client = mock_client(serve({HISTORY: [item], PODS: [{**POD, "createdAt": stamp}]}))
    with unread():
        history, pods = client.pod_history(), client.pods()
    for frame in (history, pods):
        got = frame.loc[0, "created_at"]
        assert pd.isna(got) if utc is None else got == pd.Timestamp(utc, tz="UTC"), got
        repr(frame)  # printable, whatever the year
        no_inf(frame)
