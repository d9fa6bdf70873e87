"""DiskForm against the sandbox: offers cheapest first, bounds and cost from the chosen
offer, one create after a confirmation, then ``on_created`` once the disk is ACTIVE."""

from __future__ import annotations

from typing import Any

import pytest

import prime_magics as pm
from prime_magics._display import usd
from prime_magics.models import Disk
from prime_magics.sandbox import SandboxServer
from prime_magics.widgets import DiskForm, ProvisionForm
from prime_magics._display import SANDBOX_LABEL as SANDBOX_TAG
from tests.widget_fixtures import WAIT_S, calls, custom_row


@pytest.fixture
def form(client: pm.Client) -> Any:
    made = DiskForm(client, data_center="CANADA-1", poll_interval=0.05)
    yield made
    made.close()


def test_offers_are_listed_cheapest_first_and_preset(form: Any, client: pm.Client) -> None:
    prices = list(form.frame["price_per_gb_hr"])
    assert prices == sorted(prices) and len(form.location.options) == len(form.frame)
    assert form.offer["data_center"] == "CANADA-1" and form.offer["provider"] == "hyperstack"
    assert SANDBOX_TAG in form.heading.value
    label = form.location.label
    assert label.startswith("CANADA-1 · canada/CA · hyperstack · $") and "/GB/month" in label
    multinode = form.frame.index[form.frame["is_multinode"].fillna(False)][0]
    assert dict(form.location.options)  # labels are unique enough to be a mapping
    assert form.location.options[multinode][0].endswith("· multinode")


def test_size_bounds_and_cost_follow_the_offer(form: Any) -> None:
    assert (form.size.min, form.size.max) == (1, 100000)
    form.size.value = 500
    expected = pm.DiskRequest.from_offer(form.offer, 500)
    assert form.cost_hr == usd(expected.quote_hr) == "$0.0750/h"
    assert "$54.75/month" in form.cost.value  # 0.075 × 730 h
    runpod = form.frame.index[form.frame["provider"] == "runpod"][0]
    form.location.value = runpod
    assert (form.size.min, form.size.max) == (1, 8192)  # the offer says 0; no 0 GB disk
    assert form.size.value == 500 and form.request.provider == "runpod"


def test_create_asks_first_sends_once_and_hands_over_the_active_disk(
    client: pm.Client, sandbox: SandboxServer
) -> None:
    created: list[Disk] = []
    form = DiskForm(client, data_center="CANADA-1", on_created=created.append, poll_interval=0.05)
    form.size.value = 500
    form.name.value = "dataset"
    form.create_button.click()
    assert "500 GB disk in CANADA-1 at $0.0750/h" in form.confirm_text.value
    assert calls(sandbox, "POST", "/disks") == []
    form.confirm_button.click()
    form.confirm_button.click()
    form.create_button.click()
    posts = calls(sandbox, "POST", "/disks")
    assert len(posts) == 1
    assert posts[0].json == {
        "disk": {"size": 500, "name": "dataset", "country": "CA", "dataCenterId": "CANADA-1"},
        "provider": {"type": "hyperstack"},
    }
    assert form.wait(WAIT_S)
    assert [d.status for d in created] == ["ACTIVE"] and form.status_level == "success"

    pod_form = ProvisionForm(custom_row(client), client=client, poll_interval=0.05)
    assert [value for _, value in pod_form.attach.options] == [created[0].id]
    pod_form.attach.value = (created[0].id,)
    pod_form.provision_button.click()
    pod_form.confirm_button.click()
    assert calls(sandbox, "POST", "/pods")[0].json["disks"] == [created[0].id]
    assert pod_form.pod_status is not None and pod_form.pod_status.wait(WAIT_S)


def test_an_unknown_data_center_is_a_warning(client: pm.Client) -> None:
    form = DiskForm(client, data_center="MOON-1")
    assert form.status_level == "warning" and "MOON-1" in form.status_text
    assert form.offer is not None  # the cheapest offer stays chosen
