"""One value of "which GPU offers": ``GpuFilters`` checks and normalises the filters once,
and the client's frames and models, the transport's query and a capacity watch all take
it, so the same filters mean the same request wherever they were typed."""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

import httpx
import numpy as np
import pytest

import prime_magics as pm
from prime_magics.capacity.match import WatchQuery
from prime_magics.capacity.watcher import watch
from prime_magics.filters import FIELDS, GpuFilters
from prime_magics.sandbox import SandboxServer
from tests.test_client import GPUS, MULTI, requests_to

# -- the value -----------------------------------------------------------------------------


def test_regions_and_disks_become_tuples_or_none() -> None:
    one = GpuFilters.of(regions="canada", disks="disk-1")
    assert one.regions == ("canada",) and one.disks == ("disk-1",)
    several = GpuFilters.of(regions=["canada", "united_states"], disks=("a", "b"))
    assert several.regions == ("canada", "united_states") and several.disks == ("a", "b")
    assert GpuFilters.of(regions=[], disks=()).regions is None
    assert GpuFilters.of(regions=[]) == GpuFilters()
    # built either way, one value: equal, and one key in a dict
    assert GpuFilters.of(regions="canada") == GpuFilters(regions=("canada",))
    assert len({GpuFilters.of(regions="canada"), GpuFilters.of(regions=["canada"])}) == 1


@pytest.mark.parametrize("count", [0, -1, 2.5, "8", True, float("inf"), float("nan"), 10**6])
def test_a_gpu_count_is_checked_through_inputs(count: Any) -> None:
    with pytest.raises(pm.ConfigurationError) as refused:
        GpuFilters.of(gpu_count=count)
    assert refused.value.field == "gpu_count"


def test_a_gpu_count_is_normalised_to_an_int() -> None:
    for given in (8, np.int64(8), 8.0):
        count = GpuFilters.of(gpu_count=given).gpu_count  # type: ignore[arg-type]
        assert count == 8 and type(count) is int


def test_names_that_are_not_names_are_refused() -> None:
    with pytest.raises(pm.ConfigurationError, match="regions="):
        GpuFilters.of(regions=[1, 2])  # type: ignore[list-item]
    with pytest.raises(pm.ConfigurationError, match="disks="):
        GpuFilters.of(disks=5)  # type: ignore[arg-type]


def test_it_is_frozen_and_its_query_is_what_the_api_takes() -> None:
    filters = GpuFilters.of(
        gpu_type="H100_80GB", gpu_count=8, regions="canada", provider="hyperstack"
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        filters.gpu_count = 1  # type: ignore[misc]
    assert filters.query() == {"gpu_type": "H100_80GB", "gpu_count": 8, "regions": ["canada"]}
    assert filters.without_provider() == dataclasses.replace(filters, provider=None)
    assert filters.keeps("hyperstack") and not filters.keeps("runpod")
    assert GpuFilters().keeps("anyone")


def test_the_client_takes_exactly_these_filters() -> None:
    """``availability`` and ``offer_models`` keep their explicit keywords (the contract):
    the filters' fields, in order, and ``refresh``."""
    for method in (pm.Client.availability, pm.Client.offer_models):
        names = [p for p in inspect.signature(method).parameters if p not in ("self", "refresh")]
        assert names == list(FIELDS)
    watched = inspect.signature(watch).parameters
    assert set(FIELDS) - {"cloud_id", "disks"} <= set(watched)


# -- one value everywhere ------------------------------------------------------------------


def test_a_bad_count_is_refused_before_anything_is_sent(mock_client: Any) -> None:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"items": [], "totalCount": 0})

    client = mock_client(answer)
    for call in (client.availability, client.offer_models):
        with pytest.raises(pm.ConfigurationError, match="gpu_count=0"):
            call(gpu_count=0)
    with pytest.raises(pm.ConfigurationError, match="gpu_count=0"):
        pm.watch(gpu_count=0, client=client, start=False)
    assert sent == []


def sent_queries(sandbox: SandboxServer) -> list[list[tuple[str, str]]]:
    """Each GPU listing's query, without the paging."""
    return [
        [(k, v) for k, v in r.query if k not in ("page", "page_size")]
        for r in requests_to(sandbox, GPUS) + requests_to(sandbox, MULTI)
    ]


def test_frames_models_and_watches_send_the_same_query(
    client: pm.Client, sandbox: SandboxServer
) -> None:
    typed: dict[str, Any] = {
        "gpu_type": "H100_80GB", "gpu_count": np.int64(8), "regions": "canada",
        "security": "secure_cloud", "provider": "hyperstack",
    }  # fmt: skip
    seen: list[list[list[tuple[str, str]]]] = []
    sandbox.requests.clear()
    frame = client.availability(**typed, refresh=True)
    seen.append(sent_queries(sandbox))
    sandbox.requests.clear()
    models = client.offer_models(**typed, refresh=True)
    seen.append(sent_queries(sandbox))
    sandbox.requests.clear()
    watch(**typed, client=client, start=False).step()
    seen.append(sent_queries(sandbox))
    expected = [
        ("gpu_type", "H100_80GB"), ("gpu_count", "8"), ("regions", "canada"),
        ("security", "secure_cloud"),
    ]  # fmt: skip
    for queries in seen:
        assert queries and all(sorted(q) == sorted(expected) for q in queries)
    assert len(frame) == len(models)  # provider applied to both the same way
    assert {o.provider for o in models} <= {"hyperstack"}


def test_a_watch_query_holds_the_filters() -> None:
    query = WatchQuery(GpuFilters.of(gpu_type="H100_80GB", regions="canada", provider="p"))
    assert query.filters.regions == ("canada",)
    assert query.api_filters() == GpuFilters.of(gpu_type="H100_80GB", regions="canada")
    assert "H100_80GB" in query.title and "canada" in query.title and "(p" in query.title
    same = WatchQuery(GpuFilters.of(gpu_type="H100_80GB", regions=["canada"]), max_total=9)
    assert same.share_key() == query.share_key()  # provider and caps are applied here
