"""ProvisionForm against the sandbox over real HTTP, driven by setting values and clicking.

The guide's adjustable offer (disk 50–1000 GB in steps of 10 at $0.0003/GB/h, not
included; vCPUs 4–32 in steps of 2 at $0.004 with the default 16 included; memory fixed)
is the test vector: every live price must equal ``pm.quote`` for the same choices, and
however often Provision and Confirm are clicked, at most one POST /pods leaves.
"""

from __future__ import annotations

import re
from typing import Any

import ipywidgets as w
import pandas as pd
import pytest
from IPython.display import display

import prime_magics as pm
from prime_magics.display.primitives import SANDBOX_LABEL as SANDBOX_TAG
from prime_magics.display.primitives import usd
from prime_magics.sandbox import SandboxServer
from prime_magics.widgets import ProvisionForm
from tests.widget_fixtures import (
    WAIT_S,
    Published,
    calls,
    custom_row,
    make_disk,
    rejecting,
    settle,
)


@pytest.fixture
def row(client: pm.Client) -> pd.Series[Any]:
    return custom_row(client)


@pytest.fixture
def form(client: pm.Client, row: pd.Series[Any]) -> Any:
    made = ProvisionForm(row, client=client, name="guide-pod", poll_interval=0.01, autostart=False)
    yield made
    made.close()


def html_text(widget: Any) -> str:
    """Every HTML widget's text inside ``widget``, in order (what the panel reads as)."""
    own = widget.value if isinstance(widget, w.HTML) else ""
    return own + "".join(html_text(child) for child in getattr(widget, "children", ()))


def test_out_of_range_is_said_not_silently_clamped(form: Any) -> None:
    form.resources["disk"].value = 5000
    assert form.resources["disk"].value == 5000  # kept as typed
    assert form.request is None and "out of range" in form.problem.value
    assert "50–1000" in form.problem.value and form.provision_button.disabled
    form.resources["disk"].value = 205
    assert "off its step" in form.problem.value and "200 or 210" in form.problem.value
    form.resources["disk"].value = 200
    assert form.request is not None and not form.provision_button.disabled


def test_controls_carry_the_offers_bounds_and_fixed_resources_are_read_only(form: Any) -> None:
    disk, vcpu, memory = (form.resources[k] for k in ("disk", "vcpu", "memory"))
    assert (disk.step, disk.value, vcpu.step, vcpu.value) == (10, 100, 2, 16)
    hints = html_text(form)
    assert "50–1000 GB, steps of 10 · $0.0003/GB/h" in hints
    assert "4–32 vCPUs, steps of 2" in hints
    assert memory.disabled and "180" in memory.value
    assert form.fixed == {"memory"}
    assert "hyperstack" in form.header.value and "CANADA-1" in form.header.value
    assert "$2.6900/h" in form.header.value  # the base price
    # every request is capped at the quote by default, variable price or not
    assert form.cap_mode.value == "quote" and form.quote is not None
    assert form.request.body()["pod"]["maxPrice"] == form.quote.total_hr
    assert "the quote" in form.cap_note.value
    assert form.share is None  # no team configured


@pytest.mark.parametrize(
    ("changes", "shown"),
    [
        ({}, "$2.7200/h"),
        ({"disk": 200}, "$2.7500/h"),
        ({"vcpu": 20}, "$2.8000/h"),
        ({"disk": 1000, "vcpu": 32}, "$3.1180/h"),
        ({"vcpu": 4}, "$2.7360/h"),  # below the included default: charged in full
    ],
)
def test_live_cost_equals_pm_quote_after_each_change(
    form: Any, row: pd.Series[Any], changes: dict[str, int], shown: str
) -> None:
    for key, value in changes.items():
        form.resources[key].value = value
    expected = pm.quote(
        row, disk_gb=form.resources["disk"].value, vcpus=form.resources["vcpu"].value
    )
    assert form.quote == expected
    assert form.total_hr == usd(expected.total_hr) == shown
    table = form.cost.value
    for label, amount in expected.lines():
        assert f">{label}</th>" in table and usd(amount) in table
    assert usd(expected.per_gpu_hr) in table
    assert expected.total_hr is not None
    month = expected.total_hr * 730  # the forecast's month (no disks attached here)
    assert usd(expected.total_hr * 24, "") in table and usd(month, "") in table


def test_the_forecast_shows_the_wallet_and_how_long_it_pays(form: Any) -> None:
    form.load()  # what first display does: the disks and the wallet
    form.resources["disk"].value = 300
    assert form.balance is not None and form.quote is not None
    hours = form.balance / form.quote.total_hr
    assert "wallet" in form.cost.value and usd(form.balance, "") in form.cost.value
    assert f"{hours / 24:,.1f} days" in form.cost.value or f"{hours:,.1f} h" in form.cost.value
    assert not form.provision_button.disabled


def test_an_offer_out_of_stock_is_said_before_anything_is_sent(
    client: pm.Client, row: pd.Series[Any]
) -> None:
    gone = row.copy()
    gone["stock_status"] = "Unavailable"
    made = ProvisionForm(gone, client=client, autostart=False)
    in_stock = ProvisionForm(row, client=client, autostart=False)
    assert "Stock: Unavailable" in made.stock_note.value and in_stock.stock_note.value == ""
    made.close()
    in_stock.close()


def test_the_forecast_hours_are_the_users_to_choose(form: Any) -> None:
    assert form.forecast.value == "1, 8, 24, month"
    quote = form.quote
    form.forecast.value = "3, 100"
    assert form.forecast_hours == [3.0, 100.0]
    assert usd(quote.total_hr * 3, "") in form.cost.value and ">100 h<" in form.cost.value
    assert ">8 h<" not in form.cost.value and ">a month<" not in form.cost.value
    form.forecast.value = "soon"
    assert form.forecast_hours == [3.0, 100.0] and form.status_level == "warning"
    assert "give positive hours" in form.status_text
    form.forecast_hours = [2.0, 730.0]  # from Python (the magic's --forecast): the field follows
    assert form.forecast.value == "2, month" and ">a month<" in form.cost.value


def test_an_off_step_value_disables_provision_and_says_why(
    form: Any, sandbox: SandboxServer
) -> None:
    form.resources["disk"].value = 205
    assert form.request is None and form.quote is None
    assert "off its step" in form.error and "nearest: 200 or 210" in form.error
    assert "off its step" in form.problem.value
    assert form.provision_button.disabled
    form.provision_button.click()  # click() ignores `disabled`; the handler must not
    assert form.confirm_box.layout.display == "none"
    form.resources["disk"].value = 210
    assert form.error is None and form.problem.value == ""
    assert not form.provision_button.disabled
    assert calls(sandbox, "POST", "/pods") == []


def test_a_custom_template_needs_its_id(form: Any) -> None:
    assert form.template.layout.display == "none"
    form.image.value = "custom_template"
    assert form.template.layout.display is None
    assert form.provision_button.disabled and "custom_template_id" in form.error
    form.template.value = "tmpl-123"
    body = form.request.body()["pod"]
    assert (body["image"], body["customTemplateId"]) == ("custom_template", "tmpl-123")


def test_show_request_gives_the_body_and_a_curl_without_the_key(
    form: Any, client: pm.Client
) -> None:
    assert form.request_view.value == ""
    form.resources["disk"].value = 200
    form.show_request.value = True
    view = form.request_view.value
    assert "diskSize" in view and "sandbox-H100-custom" in view
    assert "$PRIME_API_KEY" in view and f"{client.settings.base_url}/api/v1/pods/" in view
    assert client.settings.api_key not in view
    form.resources["disk"].value = 300  # kept current while shown
    assert "300" in form.request_view.value


def test_provision_asks_first_then_creates_exactly_one_pod(
    form: Any, sandbox: SandboxServer
) -> None:
    form.resources["disk"].value = 200
    form.provision_button.click()
    assert "Rent 1× H100_80GB at $2.7500/h?" in form.confirm_text.value
    assert form.confirm_box.layout.display is None
    assert calls(sandbox, "POST", "/pods") == []  # nothing sent before Confirm
    form.confirm_button.click()
    posts = calls(sandbox, "POST", "/pods")
    assert len(posts) == 1
    body = posts[0].json
    assert body["pod"]["diskSize"] == 200 and body["pod"]["name"] == "guide-pod"
    assert "vcpus" not in body["pod"]  # unchanged defaults are left out
    assert body["provider"] == {"type": "hyperstack"}
    assert form.pod is not None and form.status_level == "success"
    assert form.provision_button.disabled and form.confirm_button.disabled
    form.provision_button.click()
    form.confirm_button.click()
    assert len(calls(sandbox, "POST", "/pods")) == 1
    assert form.pod_area.children == (form.pod_status,)
    assert all(control.disabled for control in form.inputs)  # a finished form is locked
    assert form.pod_status.poll_once() is not None and form.pod_status.pod.id == form.pod.id


def test_a_double_click_creates_one_pod(form: Any, sandbox: SandboxServer) -> None:
    form.provision_button.click()
    form.provision_button.click()
    form.confirm_button.click()
    form.confirm_button.click()
    assert len(calls(sandbox, "POST", "/pods")) == 1


def test_cancel_and_a_change_after_provision_send_nothing(
    form: Any, sandbox: SandboxServer
) -> None:
    form.provision_button.click()
    form.cancel_button.click()
    form.confirm_button.click()  # the confirmation was withdrawn
    form.provision_button.click()
    form.resources["vcpu"].value = 20  # what was shown is no longer what would be sent
    assert form.confirm_box.layout.display == "none"
    form.confirm_button.click()
    assert calls(sandbox, "POST", "/pods") == []
    assert form.pod is None and not form.provision_button.disabled


def test_a_refused_create_can_be_tried_again(form: Any, sandbox: SandboxServer) -> None:
    sandbox.faults.add("POST", "/pods", status=402)
    form.provision_button.click()
    form.confirm_button.click()
    assert isinstance(form.last_error, pm.PaymentRequiredError)
    assert form.status_level == "error" and str(form.last_error) in form.status_text
    assert "nothing was created; you can try again" in form.status_text.lower()
    assert form.pod is None and not form.provision_button.disabled
    assert not any(
        control.disabled for control in form.inputs if control is not form.resources["memory"]
    )
    form.provision_button.click()
    form.confirm_button.click()
    assert len(calls(sandbox, "POST", "/pods")) == 2 and form.pod is not None


def test_a_lost_answer_locks_the_form(sandbox: SandboxServer, row: pd.Series[Any]) -> None:
    gate = sandbox.faults.hold()  # the delayed create waits for release: after the timeout
    sandbox.faults.add("POST", "/pods", status=None, delay_s=0.6)
    with pm.Client(api_key=sandbox.api_key, base_url=sandbox.url, timeout=0.2) as slow:
        form = ProvisionForm(row, client=slow, name="lost-pod", autostart=False)
        form.provision_button.click()
        form.confirm_button.click()
        assert isinstance(form.last_error, pm.OutcomeUnknownError)
        assert form.status_level == "error" and form.last_error.message in form.status_text
        assert "%prime pods list" in form.status_text
        assert form.submitted and form.provision_button.disabled and form.name.disabled
        form.provision_button.click()
        form.confirm_button.click()
    assert len(calls(sandbox, "POST", "/pods")) == 1
    gate.release()  # the create the form gave up on happens now, not in a later test
    settle(lambda: None if sandbox.state.live_pod_ids() else 1.0)


def test_attach_lists_active_disks_here_and_the_body_carries_them(
    client: pm.Client, row: pd.Series[Any], sandbox: SandboxServer
) -> None:
    here = make_disk(client, "CANADA-1", 50)
    make_disk(client, "US-1", 50)  # another data center: not attachable to this offer
    form = ProvisionForm(row, client=client, autostart=False)
    assert [value for _, value in form.attach.options] == [here.id]
    label = form.attach.options[0][0]
    assert "50 GB" in label and usd(here.price_hr) in label
    form.attach.value = (here.id,)
    assert form.request is not None and form.request.disks == (here.id,)
    assert f"disk {here.name}" in form.cost.value and usd(here.price_hr) in form.cost.value
    assert form.total_hr == "$2.7200/h" and form.grand_total_hr == "$2.7275/h"  # + 50 GB disk
    form.provision_button.click()
    form.confirm_button.click()
    assert calls(sandbox, "POST", "/pods")[0].json["disks"] == [here.id]
    assert form.pod_status is not None


def test_new_disk_here_creates_one_and_selects_it(
    form: Any, client: pm.Client, sandbox: SandboxServer
) -> None:
    assert form.attach.options == ()
    form.new_disk_button.click()
    disks = form.disk_form
    assert disks is not None and disks.offer["data_center"] == "CANADA-1"
    disks.size.value = 60
    disks.create_button.click()
    disks.confirm_button.click()
    settle(disks.step)
    assert disks.disk.status == "ACTIVE" and SANDBOX_TAG not in disks.heading.value
    assert form.attach.value == (disks.disk.id,)
    form.provision_button.click()
    form.confirm_button.click()
    assert calls(sandbox, "POST", "/pods")[0].json["disks"] == [disks.disk.id]


def test_variable_prices_offer_a_cap(client: pm.Client) -> None:
    frame = client.availability()
    row = frame[frame["is_variable"].fillna(False)].iloc[0]
    form = ProvisionForm(row, client=client)
    assert "variable" in form.header.value
    form.max_price.value = 9.5  # typing a cap selects "my cap"
    assert form.cap_mode.value == "given"
    assert form.request is not None and form.request.body()["pod"]["maxPrice"] == 9.5
    form.provision_button.click()
    assert "variable" in form.confirm_text.value and "$9.5000/h" in form.confirm_text.value
    form.close()


def test_team_sharing_only_when_a_team_is_set(sandbox: SandboxServer, row: pd.Series[Any]) -> None:
    with pm.Client(api_key=sandbox.api_key, base_url=sandbox.url, team_id="team-42") as team:
        form = ProvisionForm(row, client=team)
        assert form.share is not None
        form.share.value = True
        assert form.request is not None
        body = form.request.body()
    assert body["team"] == {"teamId": "team-42"} and body["sharedWithTeam"] is True


def test_panels_are_labelled_when_the_client_talks_to_the_sandbox(
    form: Any, client: pm.Client
) -> None:
    assert client.is_sandbox and SANDBOX_TAG in form.heading.value


def test_from_request_presets_every_choice(client: pm.Client, row: pd.Series[Any]) -> None:
    disk = make_disk(client, "CANADA-1", 50)
    request = pm.PodRequest.from_offer(
        row, name="preset", image="vllm_llama_8b", disk_gb=300, vcpus=8, disks=[disk.id]
    )
    form = ProvisionForm.from_request(request, client=client)
    assert form.request == client.prepare(request)  # what is sent: the team decided
    assert form.total_hr == usd(request.quote().total_hr)


def test_a_server_error_on_create_locks_and_says_to_look_first(
    form: Any, sandbox: SandboxServer
) -> None:
    sandbox.faults.add("POST", "/pods", status=503)
    form.provision_button.click()
    form.confirm_button.click()
    assert isinstance(form.last_error, pm.OutcomeUnknownError)
    assert "%prime pods list" in form.status_text and "minute" not in form.status_text
    assert form.submitted and form.provision_button.disabled and form.image.disabled
    form.provision_button.click()
    form.confirm_button.click()
    assert len(calls(sandbox, "POST", "/pods")) == 1


def test_show_request_toggles_its_label(form: Any) -> None:
    assert form.show_request.description == "Show request"
    form.show_request.value = True
    assert form.show_request.description == "Hide request" and form.request_view.value
    form.show_request.value = False
    assert form.show_request.description == "Show request" and form.request_view.value == ""


def test_the_status_line_replaces_and_state_is_observable(
    form: Any, sandbox: SandboxServer
) -> None:
    seen: dict[str, list[Any]] = {"request": [], "pod": [], "submitted": [], "status_text": []}
    for name, values in seen.items():
        form.observe(lambda change, values=values: values.append(change["new"]), name)
    form.resources["disk"].value = 200
    form.provision_button.click()
    form.cancel_button.click()
    form.provision_button.click()
    form.confirm_button.click()
    assert [r.disk_gb for r in seen["request"]] == [200]
    assert seen["pod"] == [form.pod] and seen["submitted"] == [True]
    assert len(seen["status_text"]) >= 2
    assert form.status_line.value.count("prime-notice") == 1  # replaced, never stacked
    assert form.status_text in form.status_line.value


def test_the_form_and_the_magic_preview_show_the_same_quote(form: Any, client: pm.Client) -> None:
    from prime_magics.magics._context import Context
    from prime_magics.magics._pods import preview_pod

    form.resources["disk"].value = 300
    shown: list[Any] = []
    preview_pod(form.request, client, Context(user_ns={}, show=shown.append))
    titles = ("Pod quote", "What it costs")
    tables = [o for o in shown if getattr(o, "title", None) in titles]
    assert "".join(t._repr_html_() for t in tables) == form.cost.value
    assert sum(repr(o).startswith("[simulator]") for o in shown) == 1


def test_a_rejected_key_constructs_with_one_error_line(
    mock_client: Any, row: pd.Series[Any], capsys: pytest.CaptureFixture[str]
) -> None:
    form = ProvisionForm(row, client=mock_client(rejecting))
    assert isinstance(form.last_error, pm.AuthenticationError)
    assert form.status_level == "error" and form.status_line.value.count("prime-notice") == 1
    assert form.attach.options == () and form.request is not None  # still usable
    form.close()
    captured = capsys.readouterr()
    assert "Error" not in captured.out + captured.err


def test_a_saved_notebook_shows_a_summary_not_a_widget_repr(form: Any) -> None:
    bundle = form._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "ProvisionForm(" not in bundle["text/plain"]
    assert form.total_hr in bundle["text/plain"] and form.offer.gpu_type in bundle["text/html"]


def test_the_idle_stop_field_is_recorded_with_the_create(
    form: Any, client: pm.Client, row: pd.Series[Any], sandbox: SandboxServer
) -> None:
    from prime_magics.rentals.records import Book

    assert form.idle_stop.description == "Idle stop (min)" and form.idle_stop.value == 0
    assert form.request is not None and form.request.idle_stop_minutes is None  # 0: none
    form.idle_stop.value = 45
    assert form.request is not None and form.request.idle_stop_minutes == 45
    form.provision_button.click()
    form.confirm_button.click()
    assert form.pod is not None
    record = Book(client.store).live(sandbox.url, "pod", form.pod.id)
    assert record is not None and record.idle_minutes == 45
    preset = ProvisionForm.from_request(
        pm.PodRequest.from_offer(row, idle_stop_minutes=20, jupyter_password="s3cret-pw"),
        client=client,
    )
    assert preset.idle_stop.value == 20 and preset.request is not None
    assert preset.request.jupyter_password == "s3cret-pw"  # carried, with no control of its own
    preset.show_request.value = True
    assert "s3cret-pw" not in html_text(preset)  # the body and curl shown mask it
    preset.close()


def prepaid_row(client: pm.Client) -> pd.Series[Any]:
    """An in-stock offer whose up-front charge (prepaid hours) the $100 sandbox wallet
    cannot pay although its hourly price is well under it (8×… at ~$8/h, 24 h ≈ $192)."""
    frame = client.availability()
    for _, candidate in frame.iterrows():
        q = pm.quote(candidate)
        if candidate["stock_status"] == "Unavailable" or q.total_hr is None:
            continue
        if q.prepaid_cost is not None and q.total_hr < 100 < q.prepaid_cost:
            return candidate
    raise AssertionError("the sandbox lists no offer with a large up-front charge")


def test_a_wallet_short_of_the_up_front_charge_is_said_before_confirm_and_refused_once(
    client: pm.Client, sandbox: SandboxServer
) -> None:
    form = ProvisionForm(prepaid_row(client), client=client, name="dear", autostart=False)
    form.load()
    assert form.balance is not None and form.quote is not None
    total, up_front = form.quote.total_hr, form.quote.prepaid_cost
    assert total is not None and up_front is not None and form.balance < up_front
    cost = form.cost.value
    # the forecast says it before Confirm, with the charge; no runway it cannot pay
    assert "does not cover the first charge" in cost
    assert usd(up_front, "") in cost
    assert f"{form.balance / total:,.1f} h" not in cost  # the old "12.5 h"
    form.provision_button.click()
    form.confirm_button.click()
    assert calls(sandbox, "POST", "/pods") == [] and form.pod is None
    assert "Rent it anyway?" in form.confirm_text.value
    assert html_text(form).count("does not pay the first hour") == 1  # said once
    form.close()


def test_my_cap_at_zero_asks_for_a_cap_instead_of_sending_none(form: Any) -> None:
    form.cap_mode.value = "given"
    assert form.max_price.value == 0
    assert form.request is None and form.provision_button.disabled
    assert "enter your cap" in form.problem.value and "no cap" in form.problem.value
    form.max_price.value = 3.0
    assert form.request is not None and form.request.body()["pod"]["maxPrice"] == 3.0
    form.cap_mode.value = "none"  # "no cap" is its own, explicit choice
    assert form.request is not None and "maxPrice" not in form.request.body()["pod"]


def test_a_cap_below_the_quote_is_flagged_live_and_refused_in_the_forms_words(
    form: Any, sandbox: SandboxServer
) -> None:
    assert form.total_hr == "$2.7200/h"
    form.max_price.value = 2.0  # "my cap", under the quote
    note = form.cap_note.value
    assert "below the quote" in note and "$2.0000/h" in note and "$2.7200/h" in note
    assert "warning" in note and not form.provision_button.disabled
    form.provision_button.click()
    form.confirm_button.click()
    assert calls(sandbox, "POST", "/pods") == []
    status = form.status_text
    assert "moved" not in status and "below the quoted price" in status
    assert "--" not in status and "%prime" not in status  # no command line inside a form
    assert "Max $/h" in status and form.status_level == "error"
    form.max_price.value = 3.0  # a cap over the quote: the flag goes
    assert "below the quote" not in form.cap_note.value


# -- issue 21: hints, forecast, layout, labels, disks, saved output --------------------


def table_rows(html: str) -> list[str]:
    """The row labels (``<th>``) of every table in ``html``, in order."""
    return re.findall(r"<th[^>]*>([^<]*)</th>", html)


def test_the_vcpu_hint_says_any_other_count_is_charged_in_full(
    form: Any, row: pd.Series[Any]
) -> None:
    """Item 7: "16 included" alone let 14 or 18 look like a small change; the hint now
    prices the neighbours by the quote's own rule (14 → $0.056/h, 16 → $0, 18 → $0.072/h)."""
    hints = html_text(form)
    assert (
        "16 included (free); any other count is charged in full: "
        "14 → $0.0560/h, 18 → $0.0720/h" in hints
    )
    for vcpus, shown in ((14, "$0.0560/h"), (16, "$0.0000/h"), (18, "$0.0720/h")):
        assert usd(pm.quote(row, vcpus=vcpus).vcpu_hr) == shown  # what the quote charges


def test_the_forecast_stops_at_the_deadline(form: Any) -> None:
    """Item 7: with Max hours 2 the forecast still priced 8 h, 24 h and a month."""
    assert table_rows(form.cost.value)[-6:-2] == ["1 h", "8 h", "24 h", "a month"]
    form.stop_after.value = 2
    spans = [r for r in table_rows(form.cost.value) if r.endswith(" h") or r == "a month"]
    assert spans == ["1 h", "2 h"]
    assert f">{usd(form.quote.total_hr * 2, '')}<" in form.cost.value
    form.stop_after.value = 0.5  # shorter than the first span: the deadline alone
    spans = [r for r in table_rows(form.cost.value) if r.endswith(" h") or r == "a month"]
    assert spans == ["0.5 h"]
    form.stop_after.value = 0  # no deadline: every span again
    assert "a month" in table_rows(form.cost.value)


def test_an_off_step_size_keeps_every_row_of_the_tables_and_says_why_apart(form: Any) -> None:
    """Item 9: off the step, the tables shrank to a caption and "Total" (in the browser a
    one-word-wide column); they keep every row, with dashes, and the reason is its own line."""
    rows = table_rows(form.cost.value)
    form.resources["disk"].value = 205
    assert form.request is None and "off its step" in form.problem.value
    assert table_rows(form.cost.value) == rows  # the same rows, the same layout
    assert "off its step" not in form.cost.value  # said in the problem line only
    assert form.cost.value.count("—") >= 6  # unknown, not zero


def test_every_control_shares_one_label_width(form: Any) -> None:
    """Item 9: "Idle stop (min)" used ``initial`` while the rest used the 80px default,
    which cuts longer labels; all now use ``LABEL_WIDTH``."""
    from prime_magics.widgets._controls import LABEL_WIDTH

    widths = {c.description: c.style.description_width for c in form.inputs}
    assert set(widths.values()) == {LABEL_WIDTH}, widths
    longest = max((c.description for c in form.inputs if not isinstance(c, w.Checkbox)), key=len)
    assert longest == "Idle stop (min)"
    assert float(LABEL_WIDTH.removesuffix("em")) >= 0.6 * len(longest)  # ~0.55em a letter


def test_a_disk_made_in_another_cell_is_listed_on_refresh_without_polling(
    form: Any, client: pm.Client, sandbox: SandboxServer
) -> None:
    """Item 11: an open form never saw a disk created elsewhere; Refresh disks lists it,
    one read per click and none while the form sits open."""
    before = len(calls(sandbox, "GET", "/disks"))
    disk = make_disk(client, "CANADA-1", 50)  # "another cell"
    after_make = len(calls(sandbox, "GET", "/disks"))
    form.resources["vcpu"].value = 18  # quoting again does not list disks again
    assert len(calls(sandbox, "GET", "/disks")) == after_make
    assert disk.id not in {v for _, v in form.attach.options}
    form.refresh_disks_button.click()
    assert disk.id in {v for _, v in form.attach.options}
    assert len(calls(sandbox, "GET", "/disks")) == after_make + 1 > before


def test_new_disk_here_without_disk_offers_here_chooses_nothing(client: pm.Client) -> None:
    """Item 11: "New disk here" for an offer in a data centre with no disk offers chose
    the cheapest place elsewhere with Create enabled."""
    frame = client.availability()
    disk_places = set(client.disk_availability()["data_center"].dropna())
    bare = frame[frame["data_center"].notna() & ~frame["data_center"].isin(disk_places)]
    offer = bare.iloc[0]
    form = ProvisionForm(offer, client=client, autostart=False)
    form.new_disk_button.click()
    disk_form = form.disk_form
    assert disk_form is not None and disk_form.offer is None
    assert disk_form.create_button.disabled
    assert f"No disk offer in {offer['data_center']}" in disk_form.status_text
    form.close()


def test_the_saved_output_follows_the_choices_and_the_pod(form: Any, client: pm.Client) -> None:
    """Item 6: the summary a saved notebook keeps is the form's last state: what it would
    rent, why nothing, and the pod it rented with its status."""
    with Published() as published:
        display(form)  # type: ignore[no-untyped-call]
        form.resources["vcpu"].value = 18
        (saved,) = published.saved().values()
        assert "18 vCPUs" in saved["text/plain"] and "total $2.7920/h" in saved["text/plain"]
        form.resources["disk"].value = 205
        (saved,) = published.saved().values()
        assert "Nothing to rent yet" in saved["text/plain"] and "off its step" in saved["text/html"]
        form.resources["disk"].value = 100
        form.provision_button.click()
        form.confirm_button.click()
        assert form.pod is not None and form.pod_status is not None
        (saved,) = published.saved().values()
        assert f"Pod {form.pod.id} (guide-pod): PROVISIONING" in saved["text/plain"]
        client.wait_for_pod(form.pod.id, timeout=WAIT_S, poll_interval=0.02, progress=False)
        form.pod_status.poll_once()  # the follower reads it ACTIVE: the summary says so
        (saved,) = published.saved().values()
    assert f"Pod {form.pod.id} (guide-pod): ACTIVE" in saved["text/plain"]
