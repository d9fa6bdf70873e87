"""AvailabilityExplorer against the sandbox: server-side filters re-query with the right
parameters, local ones and the sort only reshape the fetched frame, select(i) opens a
ProvisionForm for that row."""

from __future__ import annotations

from typing import Any

import pytest

import prime_magics as pm
from prime_magics._display import SANDBOX_LABEL as SANDBOX_TAG
from prime_magics._display import usd
from prime_magics.sandbox import SandboxServer
from prime_magics.widgets import AvailabilityExplorer, ProvisionForm
from tests.widget_fixtures import calls, rejecting


@pytest.fixture
def explorer(client: pm.Client) -> AvailabilityExplorer:
    return AvailabilityExplorer(client, max_rows=20)


def gpu_queries(sandbox: SandboxServer) -> list[list[tuple[str, str]]]:
    return [r.query for r in calls(sandbox, "GET", "/availability/gpus")]


def test_starts_with_every_offer_cheapest_first(
    explorer: AvailabilityExplorer, client: pm.Client
) -> None:
    assert len(explorer.frame) == len(client.availability())
    assert SANDBOX_TAG in explorer.heading.value
    totals = list(explorer.frame["total_hr"].dropna())
    assert totals == sorted(totals)
    assert explorer.table.value.count("<tr>") == 1 + 20  # header + max_rows
    assert len(explorer.row.options) == len(explorer.frame)
    assert "H100_80GB" in [value for _, value in explorer.gpu_type.options]


def test_server_side_filters_requery_with_their_parameters(
    explorer: AvailabilityExplorer, sandbox: SandboxServer
) -> None:
    explorer.gpu_type.value = "H100_80GB"
    assert ("gpu_type", "H100_80GB") in gpu_queries(sandbox)[-1]
    assert set(explorer.frame["gpu_type"]) == {"H100_80GB"}
    explorer.gpu_count.value = 1
    explorer.regions.value = ("canada",)
    explorer.security.value = "secure_cloud"
    last = gpu_queries(sandbox)[-1]
    for pair in [("gpu_type", "H100_80GB"), ("gpu_count", "1"), ("regions", "canada"),
                 ("security", "secure_cloud")]:  # fmt: skip
        assert pair in last
    assert explorer.filters() == {
        "gpu_type": "H100_80GB", "gpu_count": 1, "regions": ["canada"], "security": "secure_cloud"
    }  # fmt: skip
    assert set(explorer.frame["region"]) == {"canada"} and set(explorer.frame["gpu_count"]) == {1}
    assert "sandbox-H100-custom" in set(explorer.frame["cloud_id"])


def test_local_filters_and_sort_do_not_requery(
    explorer: AvailabilityExplorer, sandbox: SandboxServer
) -> None:
    before = len(sandbox.requests)
    explorer.max_price.value = 2.0
    assert len(explorer.frame) and (explorer.frame["total_hr"] <= 2.0).all()
    explorer.stock.value = ("Available",)
    assert set(explorer.frame["stock_status"]) == {"Available"}
    explorer.sort_by.value = "price_per_gpu_hr"
    explorer.descending.value = True
    per_gpu = list(explorer.frame["price_per_gpu_hr"].dropna())
    assert per_gpu == sorted(per_gpu, reverse=True)
    assert len(sandbox.requests) == before


def test_select_opens_a_provision_form_for_that_row(explorer: AvailabilityExplorer) -> None:
    explorer.sort_by.value = "gpu_count"
    row = explorer.frame.iloc[3]
    form: Any = explorer.select(3)
    assert isinstance(form, ProvisionForm) and explorer.form is form
    assert SANDBOX_TAG not in form.heading.value  # one label per output: the explorer's
    assert explorer.form_area.children == (form,)
    assert form.offer.cloud_id == row["cloud_id"] and form.offer.provider == row["provider"]
    assert form.total_hr == usd(row["total_hr"])
    explorer.row.value = 5
    explorer.configure_button.click()
    assert (
        explorer.form is not form
        and explorer.form.offer.cloud_id == explorer.frame.iloc[5]["cloud_id"]
    )
    assert explorer.form_area.children == (explorer.form,)  # the unused form was replaced


def test_a_rejected_key_constructs_with_one_error_line(mock_client: Any) -> None:
    explorer = AvailabilityExplorer(mock_client(rejecting))
    assert isinstance(explorer.last_error, pm.AuthenticationError)
    assert explorer.status_level == "error" and len(explorer.frame) == 0
    assert explorer.status_line.value.count("prime-notice") == 1
    assert explorer.configure_button.disabled
