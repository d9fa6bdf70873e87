"""``Client`` against the sandbox over real HTTP on 127.0.0.1: every offer of every page,
filters as the API takes them, concurrent pages that fail as a whole or not at all, the
TTL cache, and a call from inside a running event loop (as in a Jupyter kernel)."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from typing import Any

import httpx
import pandas as pd
import pytest

import prime_magics as pm
from prime_magics.responses import UnreadValuesWarning
from prime_magics.sandbox import SandboxServer

GPUS = "/api/v1/availability/gpus"
MULTI = "/api/v1/availability/multi-node"
DISKS = "/api/v1/availability/disks"


def requests_to(sandbox: SandboxServer, path: str) -> list[Any]:
    """The client's GETs to ``path`` (the test's own ``api_total`` asks with page_size=1)."""
    return [
        r
        for r in list(sandbox.requests)
        if r.method == "GET" and r.path == path and dict(r.query).get("page_size") != "1"
    ]


def pages_requested(sandbox: SandboxServer, path: str) -> list[int]:
    return sorted(int(dict(r.query)["page"]) for r in requests_to(sandbox, path))


def api_total(sandbox: SandboxServer, path: str, **params: Any) -> int:
    """What the API says the total is, asked directly (not through the client)."""
    response = httpx.get(
        sandbox.url + path,
        params={**params, "page_size": 1},
        headers={"Authorization": f"Bearer {sandbox.api_key}"},
    )
    response.raise_for_status()
    return int(response.json()["totalCount"])


# -- every offer ----------------------------------------------------------------------------


def test_availability_returns_every_offer_of_every_page(client, sandbox):
    single, multi = api_total(sandbox, GPUS), api_total(sandbox, MULTI)
    assert single > 300 and multi > 0  # more than three pages: paging is exercised
    sandbox.requests.clear()
    frame = client.availability()
    assert isinstance(frame, pd.DataFrame)
    assert len(frame) == single + multi
    assert int(frame["is_multinode"].sum()) == multi
    assert frame["is_multinode"].notna().all()
    pages = -(-single // 100)
    assert set(range(1, pages + 1)) <= set(pages_requested(sandbox, GPUS))
    assert 1 in pages_requested(sandbox, MULTI)
    for request in requests_to(sandbox, GPUS):
        assert dict(request.query)["page_size"] == "100"


def test_no_offer_is_lost_or_duplicated(client, sandbox):
    offers = client.offer_models()
    expected: Counter[tuple[Any, ...]] = Counter()
    for path, multinode in ((GPUS, False), (MULTI, True)):
        total = api_total(sandbox, path)
        for page in range(1, -(-total // 100) + 1):
            body = httpx.get(
                sandbox.url + path,
                params={"page": page, "page_size": 100},
                headers={"Authorization": "Bearer k"},
            ).json()
            for item in body["items"]:
                expected[item["cloudId"], item.get("dataCenter"), item["gpuCount"], multinode] += 1
    got = Counter((o.cloud_id, o.data_center, o.gpu_count, o.is_multinode) for o in offers)
    assert got == expected


def test_frame_is_sorted_and_priced(client):
    frame = client.availability()
    priced = frame[frame["total_hr"].notna()]
    assert frame["total_hr"].isna().sum() == len(frame) - len(priced)
    assert frame["total_hr"].iloc[len(priced) :].isna().all(), "unpriced offers last"
    usd = (priced["currency"].fillna("USD") == "USD").to_numpy()
    assert usd[: int(usd.sum())].all() and 0 < usd.sum() < len(priced), "USD first, then EUR"
    for _, group in priced.groupby(priced["currency"].fillna("USD")):
        totals = group["total_hr"].to_numpy(dtype=float)
        assert (totals[1:] >= totals[:-1]).all()
    row = frame.iloc[0]
    assert pm.quote(row).total_hr == pytest.approx(row["total_hr"])


def test_filters_are_sent_as_the_api_takes_them(client, sandbox):
    frame = client.availability(
        regions=["canada", "united_states"], gpu_count=1, gpu_type="H100_80GB",
        security="secure_cloud", socket="PCIe",
    )  # fmt: skip
    for path in (GPUS, MULTI):
        request = requests_to(sandbox, path)[0]
        assert [v for k, v in request.query if k == "regions"] == ["canada", "united_states"]
        query = dict(request.query)
        assert query["gpu_count"] == "1" and query["gpu_type"] == "H100_80GB"
        assert query["security"] == "secure_cloud" and query["socket"] == "PCIe"
        assert "cloud_id" not in query and "disks" not in query  # never send unchosen values
    assert set(frame["region"].dropna()) <= {"canada", "united_states"}
    assert set(frame["gpu_type"]) <= {"H100_80GB"}
    assert set(frame["gpu_count"]) <= {1}


def test_a_single_region_string_is_one_parameter(client, sandbox):
    frame = client.availability(regions="canada")
    request = requests_to(sandbox, GPUS)[0]
    assert [v for k, v in request.query if k == "regions"] == ["canada"]
    assert len(frame) == api_total(sandbox, GPUS, regions="canada") + api_total(
        sandbox, MULTI, regions="canada"
    )


def test_a_bad_filter_is_a_422_with_its_location(client):
    with pytest.raises(pm.UnprocessableEntityError) as caught:
        client.availability(regions=["mars"])
    assert any(line.startswith("regions") for line in caught.value.errors)


def test_pages_are_fetched_concurrently(mock_client):
    """Pages 2 and 3, and the multi-node page 1, are asked for while page 1 is still
    unanswered (one speculative wave over both endpoints).

    Page 1's answer is held until the others have arrived: a client that waited for page 1
    first would leave it held until the 10 s guard, and the test would fail.
    """
    others_arrived = threading.Event()
    seen: set[str] = set()
    lock = threading.Lock()
    released_by_others: list[bool] = []
    offers = [
        {"cloudId": f"c{i}", "gpuType": "H100_80GB", "prices": {"onDemand": 1}} for i in range(250)
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        page = request.url.params["page"]
        is_gpus = request.url.path.endswith("/gpus")
        if is_gpus and page == "1":
            released_by_others.append(others_arrived.wait(timeout=10))
        with lock:
            seen.add(f"{'gpus' if is_gpus else 'multi'} {page}")
            if {"gpus 2", "gpus 3", "multi 1"} <= seen:
                others_arrived.set()
        items = offers if is_gpus else []
        chunk = items[(int(page) - 1) * 100 : int(page) * 100]
        return httpx.Response(200, json={"items": chunk, "totalCount": len(items)})

    frame = mock_client(handler).availability()
    assert released_by_others == [True]
    assert len(frame) == 250


def test_page_count_is_remembered_for_the_next_identical_query(client, sandbox):
    pages = -(-api_total(sandbox, GPUS) // 100)
    client.availability()
    sandbox.requests.clear()
    client.availability(refresh=True)
    assert pages_requested(sandbox, GPUS) == list(range(1, pages + 1))


# -- failures: retried, or the whole call fails ----------------------------------------------


def test_a_page_failing_once_is_retried_and_the_table_complete(client, sandbox):
    expected = api_total(sandbox, GPUS) + api_total(sandbox, MULTI)
    sandbox.faults.add("GET", GPUS, status=503, times=1, match_query={"page": "2"})
    frame = client.availability()
    assert len(frame) == expected
    assert pages_requested(sandbox, GPUS).count(2) == 2
    assert not sandbox.faults.pending()


def test_a_page_always_failing_raises_never_a_partial_table(client, sandbox, fast_retry):
    sandbox.faults.add("GET", GPUS, status=503, times=None, match_query={"page": "2"})
    with pytest.raises(pm.ServerError) as caught:
        client.availability()
    assert f"after {fast_retry.max_attempts} attempts" in str(caught.value)
    assert "page 2" in str(caught.value)
    assert pages_requested(sandbox, GPUS).count(2) == fast_retry.max_attempts
    # the failure is not cached: once the API recovers, the next call is complete
    sandbox.faults.clear()
    assert len(client.availability()) == api_total(sandbox, GPUS) + api_total(sandbox, MULTI)


def test_a_failing_multinode_page_fails_the_call(client, sandbox):
    sandbox.faults.add("GET", MULTI, status=500, times=None, match_query={"page": "1"})
    with pytest.raises(pm.ServerError):
        client.availability()


def test_a_failing_page_beyond_the_last_does_not_matter(client, sandbox):
    """Speculative pages past the end are an optimisation: their failure changes nothing."""
    single = api_total(sandbox, GPUS, gpu_type="H100_80GB")
    multi = api_total(sandbox, MULTI, gpu_type="H100_80GB")
    assert single <= 200  # so a first wave of three pages has one too many
    sandbox.faults.add("GET", GPUS, status=503, times=None, match_query={"page": "3"})
    sandbox.faults.add("GET", MULTI, status=503, times=None, match_query={"page": "3"})
    frame = client.availability(gpu_type="H100_80GB")
    assert len(frame) == single + multi


def test_close_after_a_failure_leaves_no_request_in_flight(sandbox, fast_retry):
    """When one page fails, others may still be on the wire; ``close()`` waits for them
    instead of closing the connection pool under a thread blocked in a read (which then
    hangs until its timeout and holds up interpreter exit)."""
    sandbox.faults.add("GET", GPUS, status=500, times=None, match_query={"page": "2"})
    sandbox.faults.add("GET", GPUS, status=None, delay_s=0.3, match_query={"page": "3"})
    before = set(threading.enumerate())
    client = pm.Client(api_key=sandbox.api_key, base_url=sandbox.url, retry=fast_retry)
    with pytest.raises(pm.ServerError):
        client.availability()
    client.close()
    workers = [t for t in set(threading.enumerate()) - before if t.name.startswith("prime-")]
    assert [t for t in workers if t.is_alive()] == []


def test_rate_limit_with_retry_after_is_waited_out(client, sandbox):
    sandbox.faults.add(
        "GET", GPUS, status=429, times=1, headers={"Retry-After": "0"},
        body={"detail": "Too many requests"}, match_query={"page": "1"},
    )  # fmt: skip
    expected = api_total(sandbox, GPUS) + api_total(sandbox, MULTI)
    frame = client.availability()
    assert len(frame) == expected
    assert pages_requested(sandbox, GPUS).count(1) == 2


def test_rate_limit_that_persists_is_a_rate_limit_error(client, sandbox, fast_retry):
    sandbox.faults.add(
        "GET", "/availability/*", status=429, times=None, headers={"Retry-After": "0"}
    )
    with pytest.raises(pm.RateLimitError, match=f"after {fast_retry.max_attempts} attempts"):
        client.availability()


def test_malformed_json_on_one_page_is_a_response_format_error(client, sandbox):
    sandbox.faults.add(
        "GET", GPUS, status=200, times=1, body="not json{", match_query={"page": "2"}
    )
    with pytest.raises(pm.ResponseFormatError, match="not JSON"):
        client.availability()


def test_wrong_shape_is_a_response_format_error(client, sandbox):
    sandbox.faults.add("GET", GPUS, status=200, times=1, body={"data": []})
    with pytest.raises(pm.ResponseFormatError, match="items"):
        client.availability()


def test_an_offer_missing_a_required_field_is_left_out_with_a_warning(client, sandbox):
    good = client.offer_models(cloud_id="sandbox-H100-custom")[0].model_dump(by_alias=True)
    bad = {"items": [{"gpuType": "H100_80GB"}, good], "totalCount": 2}
    sandbox.faults.add("GET", GPUS, status=200, times=1, body=bad, match_query={"page": "1"})
    with pytest.warns(UnreadValuesWarning, match=r"items\.0\.cloudId.*item left out"):
        frame = client.availability(refresh=True)
    assert "sandbox-H100-custom" in set(frame["cloud_id"])


def test_a_bad_key_is_an_authentication_error(sandbox, fast_retry):
    sandbox.faults.add("*", "/availability/*", status=401, times=None, body={"detail": "bad key"})
    client = pm.Client(api_key="wrong", base_url=sandbox.url, retry=fast_retry)
    with client, pytest.raises(pm.AuthenticationError, match="bad key"):
        client.availability()


# -- cache ------------------------------------------------------------------------------------


def test_identical_call_within_ttl_makes_no_request(client, sandbox):
    first = client.availability(gpu_type="A100_80GB")
    sandbox.requests.clear()
    second = client.availability(gpu_type="A100_80GB")
    # every fetch begins with page 1; pages 2-3 the first call guessed past the end (42
    # offers: one page) may still be arriving, whenever their threads got to run
    assert [r.query for r in sandbox.requests if ("page", "1") in r.query] == []
    pd.testing.assert_frame_equal(first, second)


def test_refresh_bypasses_the_cache(client, sandbox):
    client.availability(gpu_type="A100_80GB")
    sandbox.requests.clear()
    client.availability(gpu_type="A100_80GB", refresh=True)
    assert requests_to(sandbox, GPUS) and requests_to(sandbox, MULTI)


def test_different_filters_are_not_served_from_the_cache(client, sandbox):
    client.availability(gpu_type="A100_80GB")
    sandbox.requests.clear()
    client.availability(gpu_type="H100_80GB")
    assert requests_to(sandbox, GPUS)


def test_expired_entries_are_fetched_again(sandbox, fast_retry):
    with pm.Client(
        api_key=sandbox.api_key, base_url=sandbox.url, retry=fast_retry, cache_ttl=0
    ) as client:
        client.availability()
        sandbox.requests.clear()
        client.availability()
    assert requests_to(sandbox, GPUS)


def test_clear_cache(client, sandbox):
    client.disk_availability()
    client.clear_cache()
    sandbox.requests.clear()
    client.disk_availability()
    assert requests_to(sandbox, DISKS)


def test_cached_frames_are_independent_copies(client):
    first = client.availability()
    first.loc[first.index[0], "total_hr"] = -1.0
    first["cloud_id"] = "changed"
    second = client.availability()
    assert (second["cloud_id"] != "changed").all()
    assert (second["total_hr"].dropna() >= 0).all()


# -- disks and GPU types ------------------------------------------------------------------------


def test_disk_availability_with_size(client, sandbox):
    frame = client.disk_availability(size_gb=500)
    assert len(frame) == api_total(sandbox, DISKS)
    assert list(frame.columns[-2:]) == ["size_gb", "cost_hr"]
    for _, row in frame.iterrows():
        assert row["cost_hr"] == pytest.approx(500 * row["price_per_gb_hr"])
    prices = frame["price_per_gb_hr"].to_numpy(dtype=float)
    assert (prices[1:] >= prices[:-1]).all()


def test_disk_availability_filters(client, sandbox):
    frame = client.disk_availability(regions=["eu_north"])
    request = requests_to(sandbox, DISKS)[0]
    assert [v for k, v in request.query if k == "regions"] == ["eu_north"]
    assert set(frame["region"].dropna()) <= {"eu_north"}
    assert "size_gb" not in frame.columns


def test_gpu_types(client, sandbox):
    types = client.gpu_types()
    assert types == sorted(types) and "H100_80GB" in types
    assert set(client.availability()["gpu_type"]) <= set(types)
    summary = client.gpu_summary()
    assert set(summary) == set(types)


def test_sandbox_answers_are_flagged(mock_client):
    """An answer carrying the sandbox header labels the client's output as simulated."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"H100_80GB": {}}, headers={"x-prime-sandbox": "1"})

    client = mock_client(handler)
    assert client.is_sandbox is False
    client.gpu_types()
    assert client.is_sandbox is True


def test_use_sandbox_labels_the_default_client():
    client = pm.use_sandbox(provision_seconds=0.1, disk_provision_seconds=0.1)
    assert pm.get_client() is client
    assert client.is_sandbox is True
    assert "H100_80GB" in pm.gpu_types()
    assert pm.stop_sandbox() is True
    assert pm.stop_sandbox() is False


# -- where it runs ---------------------------------------------------------------------------


def test_availability_inside_a_running_event_loop(client, sandbox):
    """A Jupyter kernel runs cells inside an asyncio loop; a sync call must still work."""

    async def cell() -> pd.DataFrame:
        assert asyncio.get_running_loop().is_running()
        frame: pd.DataFrame = client.availability(refresh=True)
        return frame

    frame = asyncio.run(cell())
    assert len(frame) == api_total(sandbox, GPUS) + api_total(sandbox, MULTI)


def test_concurrent_callers_share_one_client(client, sandbox):
    results: list[int] = []
    errors: list[BaseException] = []

    def call(gpu_type: str) -> None:
        try:
            results.append(len(client.availability(gpu_type=gpu_type, refresh=True)))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=call, args=(t,)) for t in ("H100_80GB", "A100_80GB") * 3]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert len(results) == 6


def test_shortcuts_use_the_default_client(sandbox, fast_retry):
    with pm.Client(api_key=sandbox.api_key, base_url=sandbox.url, retry=fast_retry) as client:
        pm.set_client(client)
        assert pm.get_client() is client
        assert len(pm.availability(gpu_type="H100_80GB")) > 0
        assert len(pm.disk_availability(size_gb=10)) > 0
        assert "H100_80GB" in pm.gpu_types()
        pm.set_client(None)


def test_mock_transport_client(mock_client):
    """The same paging, over a handler: 250 single-node offers in 3 pages, no multi-node."""
    offers = [
        {"cloudId": f"c{i}", "gpuType": "H100_80GB", "prices": {"onDemand": i}} for i in range(250)
    ]
    seen: list[tuple[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        seen.append((request.url.path, request.url.params["page"]))
        items = offers if request.url.path.endswith("/gpus") else []
        chunk = items[(page - 1) * 100 : page * 100]
        return httpx.Response(200, json={"items": chunk, "totalCount": len(items)})

    frame = mock_client(handler).availability()
    assert list(frame["cloud_id"]) == [f"c{i}" for i in range(250)]
    assert {p for path, p in seen if path.endswith("/gpus")} == {"1", "2", "3"}
