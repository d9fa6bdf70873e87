"""Bodies generated from the real service's own response schemas read back whole.

``hypothesis-jsonschema`` draws answers from the schemas in ``../shared/openapi/
compute.yml`` (``$ref``s inlined here); each is served through ``mock_client`` and read
with the matching client method. For any spec-valid body: no exception at all, one row
per item, no ``inf`` anywhere, and every Int64 cell is the JSON value or NA (NA only for
an integer a frame cannot hold), never wrapped or rounded. A warning is allowed only
when the body holds such an integer.

Two narrowings, both for reasons outside the client's reading: arrays hold at most four
elements and ``totalCount`` is at most 1,000 (the time the file may take; absurd totals
are ``test_responses``' concern), and a pod or disk always has an ``id`` (the spec leaves
it optional because the server fills it in; the client leaves an id-less item out, as
``test_responses`` shows).
"""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import prime_magics as pm
from prime_magics.responses import UnreadValuesWarning

hypothesis_jsonschema = pytest.importorskip("hypothesis_jsonschema")
yaml = pytest.importorskip("yaml")

SPEC_FILE = Path(__file__).resolve().parents[1] / ".." / "shared" / "openapi" / "compute.yml"
API = "/api/v1"
MAX_ITEMS = 4
MAX_TOTAL = 1000

examples = settings(
    derandomize=True,
    max_examples=30,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure reports at once
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)


@cache
def _components() -> dict[str, Any]:
    if not SPEC_FILE.is_file():
        pytest.skip(f"the service's OpenAPI spec is not here ({SPEC_FILE}): nothing to draw from")
    schemas: dict[str, Any] = yaml.safe_load(SPEC_FILE.read_text())["components"]["schemas"]
    return schemas


def _inline(node: Any) -> Any:
    """``node`` with every ``$ref`` replaced by its schema (siblings kept), arrays bounded
    and totals capped (see the module's docstring)."""
    if isinstance(node, list):
        return [_inline(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = dict(node)
    ref = node.pop("$ref", None)
    if ref is not None:
        node = {**copy.deepcopy(_components()[ref.rsplit("/", 1)[-1]]), **node}
    out = {key: _inline(value) for key, value in node.items()}
    if out.get("type") == "array":
        out.setdefault("maxItems", MAX_ITEMS)
    if out.get("type") == "object" and "additionalProperties" in out and not out.get("properties"):
        out.setdefault("maxProperties", MAX_ITEMS)  # a map (gpu-summary): a few keys
    for total in ("totalCount", "total_count"):
        if total in out.get("properties", {}):
            out["properties"][total] = {"type": "integer", "maximum": MAX_TOTAL}
    return out


def bodies(name: str, require: tuple[str, ...] = ()) -> st.SearchStrategy[Any]:
    """Answers valid under ``components/schemas/<name>``; ``require`` adds required keys
    to the item schema (``id``, see the docstring)."""

    def build() -> st.SearchStrategy[Any]:
        schema = _inline({"$ref": f"#/components/schemas/{name}"})
        item = schema["properties"]["data"]["items"] if "data" in schema["properties"] else schema
        if require:
            item["required"] = sorted({*item.get("required", []), *require})
        strategy: st.SearchStrategy[Any] = hypothesis_jsonschema.from_schema(schema)
        return strategy

    return st.deferred(build)


def summary_bodies() -> st.SearchStrategy[Any]:
    def build() -> st.SearchStrategy[Any]:
        leaf = {"$ref": "#/components/schemas/InstanceCountPricing"}
        by_count = {"type": "object", "additionalProperties": leaf}
        schema = _inline({"type": "object", "additionalProperties": by_count})
        strategy: st.SearchStrategy[Any] = hypothesis_jsonschema.from_schema(schema)
        return strategy

    return st.deferred(build)


class Served:
    """One client per test; each example swaps the body it answers with. Pages after the
    first are empty (the body's total may promise more)."""

    def __init__(self, mock_client: Callable[..., pm.Client]) -> None:
        self.body: Any = None
        self.client = mock_client(self.handle, cache_ttl=0)

    def handle(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        later = int(params.get("page", 1)) > 1 or int(params.get("offset", 0)) > 0
        body = self.body
        if "/multi-node" in request.url.path:
            body = {"items": [], "totalCount": 0}
        elif later and isinstance(body, dict):
            body = {**body, **{k: [] for k in ("items", "data") if k in body}}
        return httpx.Response(200, json=body)


@pytest.fixture
def served(mock_client: Callable[..., pm.Client]) -> Served:
    return Served(mock_client)


def fits(value: Any) -> bool:
    """A JSON integer an Int64 column can hold (``bool`` is no integer in JSON)."""
    return isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63


def _big_int_in(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_big_int_in(v) for v in value.values())
    if isinstance(value, list):
        return any(_big_int_in(v) for v in value)
    return isinstance(value, int) and not isinstance(value, bool) and not fits(value)


class _Read:
    """Call the client, recording ``UnreadValuesWarning``s; any other warning fails."""

    def __init__(self, body: Any) -> None:
        self.body = body

    def __call__(self, call: Callable[[], Any]) -> Any:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = call()
        others = [str(w.message) for w in caught if w.category is not UnreadValuesWarning]
        assert not others, others
        if len(caught) and not _big_int_in(self.body):
            pytest.fail(f"warned about a spec-valid body: {caught[0].message}")
        return result


def _path(item: dict[str, Any], dotted: str) -> Any:
    value: Any = item
    for key in dotted.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def check_frame(frame: pd.DataFrame, items: list[dict[str, Any]], ints: dict[str, str]) -> None:
    """One row per item, no inf, and each Int64 column holds exactly the JSON integers a
    frame can hold (NA for the rest), whatever order the frame sorts its rows in."""
    assert len(frame) == len(items)
    numbers = frame.select_dtypes("number").astype(float).to_numpy(na_value=np.nan)
    assert not np.isinf(numbers).any()
    for column, field in ints.items():
        assert str(frame[column].dtype) == "Int64", column
        got = sorted(int(v) for v in frame[column].dropna())
        sent = [_path(item, field) for item in items]
        assert got == sorted(v for v in sent if fits(v)), column


def _spec_parts(prefix: str, column: str) -> dict[str, str]:
    return {
        f"{column}_gb" if column != "vcpu" else "vcpus": f"{prefix}.defaultCount",
        f"{column}_min": f"{prefix}.minCount",
        f"{column}_max": f"{prefix}.maxCount",
        f"{column}_step": f"{prefix}.step",
    }


OFFER_INTS = {
    "gpu_count": "gpuCount", "gpu_memory_gb": "gpuMemory",
    "provisioning_time_min": "provisioningTime",
    **_spec_parts("disk", "disk"), **_spec_parts("vcpu", "vcpu"), **_spec_parts("memory", "memory"),
}  # fmt: skip
OFFER_INTS["disk_gb"], OFFER_INTS["memory_gb"] = "disk.defaultCount", "memory.defaultCount"
DISK_OFFER_INTS = {"min_gb": "spec.minCount", "max_gb": "spec.maxCount", "step_gb": "spec.step"}


@examples
@given(body=bodies("AvailabilityResponse"))
def test_availability_pages_read_whole(served: Served, body: dict[str, Any]) -> None:
    served.body = body
    frame = _Read(body)(served.client.availability)
    check_frame(frame, body["items"], OFFER_INTS)
    assert set(frame["currency"].dropna()) <= {"USD", "EUR"}


@examples
@given(body=bodies("DiskAvailabilityResponse"))
def test_disk_availability_pages_read_whole(served: Served, body: dict[str, Any]) -> None:
    served.body = body
    frame = _Read(body)(lambda: served.client.disk_availability(size_gb=100))
    check_frame(frame, body["items"], DISK_OFFER_INTS)


@examples
@given(body=summary_bodies())
def test_gpu_summaries_read_whole(served: Served, body: dict[str, Any]) -> None:
    served.body = body
    assert _Read(body)(served.client.gpu_types) == sorted(body)


@examples
@given(body=bodies("GenericPaginationResponse_List_APIPodConfig__", require=("id",)))
def test_pod_lists_read_whole(served: Served, body: dict[str, Any]) -> None:
    served.body = body
    check_frame(_Read(body)(served.client.pods), body["data"], {"gpu_count": "gpuCount"})


@examples
@given(body=bodies("APIPodConfig", require=("id",)))
def test_pods_read_whole(served: Served, body: dict[str, Any]) -> None:
    served.body = body
    pod = _Read(body)(lambda: served.client.pod("p"))
    assert pod.id == body["id"]
    assert pod.gpu_count == (body["gpuCount"] if fits(body["gpuCount"]) else None)
    assert pod.price_hr is None or math.isfinite(pod.price_hr)


@examples
@given(body=bodies("GenericPaginationResponse_List_HistoryObj__"))
def test_pod_history_reads_whole(served: Served, body: dict[str, Any]) -> None:
    served.body = body
    frame = _Read(body)(served.client.pod_history)
    check_frame(frame, body["data"], {"gpu_count": "gpuCount"})


@examples
@given(body=bodies("GenericPaginationResponse_List_APIDiskConfig__", require=("id",)))
def test_disk_lists_read_whole(served: Served, body: dict[str, Any]) -> None:
    served.body = body
    check_frame(_Read(body)(served.client.disks), body["data"], {"size_gb": "size"})


@examples
@given(body=bodies("APIDiskConfig", require=("id",)))
def test_disks_read_whole(served: Served, body: dict[str, Any]) -> None:
    served.body = body
    disk = _Read(body)(lambda: served.client.disk("d"))
    assert disk.id == body["id"]
    size = body.get("size")  # absent: unknown (the spec's default 0 is the server's)
    assert disk.size == (size if fits(size) else None)


def test_the_spec_is_where_these_tests_read_it() -> None:
    """Skipped, not silently passing, when the spec is absent (a user's own clone)."""
    assert "GpuAvailability" in _components()
