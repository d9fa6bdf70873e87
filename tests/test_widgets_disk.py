"""DiskForm against the sandbox: offers cheapest first, bounds and cost from the chosen
offer, one create after a confirmation, then ``on_created`` once the disk is ready; a
rejected key or a refused create is a status line, never an exception."""

from __future__ import annotations

import gc
import re
from collections.abc import Callable
from typing import Any

import pytest
from IPython.display import display

import prime_magics as pm
from prime_magics.display.primitives import SANDBOX_LABEL, usd
from prime_magics.models import Disk
from prime_magics.sandbox import SandboxServer
from prime_magics.widgets import DiskForm
from tests.widget_fixtures import Published, calls, rejecting, settle


@pytest.fixture
def form(client: pm.Client) -> Any:
    made = DiskForm(client, data_center="CANADA-1", poll_interval=0.01, autostart=False)
    yield made
    made.close()


def test_offers_are_listed_cheapest_first_and_preset(form: Any) -> None:
    prices = list(form.frame["price_per_gb_hr"])
    assert prices == sorted(prices) and len(form.location.options) == len(form.frame)
    assert form.offer["data_center"] == "CANADA-1" and form.offer["provider"] == "hyperstack"
    assert SANDBOX_LABEL in form.heading.value
    label = form.location.label
    assert label.startswith("CANADA-1 · canada/CA · hyperstack · $") and "/GB/month" in label
    multinode = form.frame.index[form.frame["is_multinode"].fillna(False)][0]
    assert form.location.options[multinode][0].endswith("· multinode")


def test_size_bounds_and_cost_follow_the_offer(form: Any) -> None:
    assert "1–100000 GB · $0.1095/GB/month" in form.size_hint.value  # 0.00015 × 730
    requests: list[Any] = []
    form.observe(lambda change: requests.append(change["new"]), "request")
    form.size.value = 500
    expected = pm.DiskRequest.from_offer(form.offer, 500)
    assert [(r.size_gb, r.provider) for r in requests] == [(500, "hyperstack")]
    assert form.cost_hr == usd(expected.quote_hr) == "$0.0750/h"
    assert "$54.75/month" in form.cost.value  # 0.075 × 730 h
    runpod = form.frame.index[form.frame["provider"] == "runpod"][0]
    form.location.value = runpod
    assert "1–8192 GB" in form.size_hint.value  # the offer says 0; no 0 GB disk
    assert form.size.value == 500 and form.request.provider == "runpod"
    form.size.value = 9000  # kept as typed, and said
    assert form.size.value == 9000 and form.request is None
    assert "out of range" in form.problem.value and form.create_button.disabled


def test_create_asks_first_sends_once_locks_and_hands_over_the_ready_disk(
    client: pm.Client, sandbox: SandboxServer
) -> None:
    created: list[Disk] = []
    form = DiskForm(client, data_center="CANADA-1", on_created=created.append, autostart=False)
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
    assert form.submitted and form.size.disabled and form.location.disabled
    settle(form.step)
    assert [d.status for d in created] == ["ACTIVE"] and form.status_level == "success"
    assert form.step() is None and len(created) == 1  # handed over once
    assert form.disk is not None and form.disk.id == created[0].id


@pytest.mark.parametrize("status", [402, 422])
def test_a_refused_create_says_nothing_was_created_and_can_be_retried(
    form: Any, sandbox: SandboxServer, status: int
) -> None:
    sandbox.faults.add("POST", "/disks", status=status)
    form.create_button.click()
    form.confirm_button.click()
    assert "nothing was created; you can try again" in form.status_text.lower()
    assert not form.submitted and not form.create_button.disabled and not form.size.disabled
    form.create_button.click()
    form.confirm_button.click()
    assert len(calls(sandbox, "POST", "/disks")) == 2 and form.disk is not None


def test_a_server_error_on_create_locks_and_says_to_look_first(
    form: Any, sandbox: SandboxServer
) -> None:
    sandbox.faults.add("POST", "/disks", status=503)
    form.create_button.click()
    form.confirm_button.click()
    assert "%prime disks list" in form.status_text and "minute" not in form.status_text
    assert form.submitted and form.create_button.disabled
    form.create_button.click()
    form.confirm_button.click()
    assert len(calls(sandbox, "POST", "/disks")) == 1


def test_a_data_center_without_disk_offers_chooses_nothing_and_keeps_create_off(
    client: pm.Client,
) -> None:
    """Issue 21, item 11: the cheapest offer elsewhere was chosen, Create enabled, with
    only a warning beside it; now nothing is chosen until the person picks a place."""
    form = DiskForm(client, data_center="MOON-1")
    assert form.status_level == "warning" and "No disk offer in MOON-1" in form.status_text
    assert form.offer is None and form.request is None and form.create_button.disabled
    form.create_button.click()
    assert not form.proposed  # nothing to confirm
    form.location.value = form.frame.index[0]  # chosen explicitly: now it may be made
    assert form.request is not None and not form.create_button.disabled
    form.close()


def test_disk_prices_read_at_a_rates_digits_never_six_decimals(
    client: pm.Client, sandbox: SandboxServer
) -> None:
    """Issue 21, item 12: the hint read ``$0.000150/GB/h`` and a small disk
    ``$0.001500/h``; every price in the form now has a rate's 4 digits (``usd``,
    ``digits``)."""
    created: list[Disk] = []
    form = DiskForm(client, data_center="CANADA-1", on_created=created.append, autostart=False)
    form.size.value = 10  # 10 × $0.00015 = $0.0015/h
    assert form.cost_hr == "$0.0015/h"
    form.create_button.click()
    assert "at $0.0015/h?" in form.confirm_text.value
    texts = [form.size_hint.value, form.cost.value, form.confirm_text.value]
    texts += [label for label, _ in form.location.options]
    form.confirm_button.click()
    settle(form.step)
    texts.append(form.status_text)
    assert created and "$0.0015/h" in form.status_text
    assert not [t for t in texts if re.search(r"\d\.\d{5,}", t)], texts
    form.close()


def test_the_saved_output_says_the_place_the_price_and_the_disk_made(
    client: pm.Client, sandbox: SandboxServer
) -> None:
    """Issue 21, item 6: the summary a saved notebook keeps follows the form's state."""
    form = DiskForm(client, data_center="CANADA-1", autostart=False)
    with Published() as published:
        display(form)  # type: ignore[no-untyped-call]
        form.size.value = 500
        (saved,) = published.saved().values()
        assert "500 GB in CANADA-1" in saved["text/plain"] and "$0.0750/h" in saved["text/plain"]
        form.size.value = 3  # hyperstack's minimum is 1 GB: still fine; out of range next
        form.size.value = 200_000
        (saved,) = published.saved().values()
        assert (
            "Nothing to create yet" in saved["text/plain"] and "out of range" in saved["text/plain"]
        )
        form.size.value = 500
        form.create_button.click()
        form.confirm_button.click()
        settle(form.step)
        (saved,) = published.saved().values()
    assert form.disk is not None
    assert f"Disk {form.disk.name} ({form.disk.id}): ACTIVE" in saved["text/plain"]
    assert "ACTIVE" in saved["text/html"]
    form.close()


def test_a_rejected_key_is_one_error_line_and_no_traceback(
    mock_client: Callable[..., pm.Client], capsys: pytest.CaptureFixture[str]
) -> None:
    form = DiskForm(mock_client(rejecting))
    assert form.status_level == "error" and isinstance(form.last_error, pm.AuthenticationError)
    assert form.status_line.value.count("prime-notice") == 1
    assert form.offer is None and form.create_button.disabled
    form.close()
    del form
    gc.collect()
    captured = capsys.readouterr()
    assert "Error" not in captured.out + captured.err
