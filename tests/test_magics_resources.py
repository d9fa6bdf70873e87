"""``%prime pods …`` and ``%prime disks …``, and the widgets they return, driven in-process
in an IPython shell against the sandbox.

Money and data are at stake here, so every test counts what the sandbox received: without
``--yes`` a cell sends no POST or DELETE; with ``--yes``, or after the widget's explicit
click, exactly one, however often the button is clicked. The shell is a plain
``InteractiveShell`` ("auto": no widgets); ``widgets_on`` makes ``%prime`` behave as in a
Jupyter kernel. Fixtures: tests/magic_fixtures.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
from IPython.core.error import UsageError

import prime_magics as pm
from prime_magics.magics import PrimeMagics
from prime_magics.magics._panels import ConfirmPanel
from prime_magics.sandbox import SandboxServer
from prime_magics.widgets import DiskForm, ProvisionForm
from tests.magic_fixtures import FAKE_KEY, WAIT_S, Cell, Shell, requests
from tests.panel_text import cell_text, sandbox_labels

pytest_plugins = ("tests.magic_fixtures",)

ADJUSTABLE = "sandbox-H100-custom"  # the guide's offer: disk 50–1000/10, vCPUs 4–32/2

# -- pods --------------------------------------------------------------------------------


@pytest.fixture
def offers(ip: Shell, prime_sandbox: SandboxServer) -> pd.DataFrame:
    """``offers`` in the notebook: rentable H100 offers, as a user would have them."""
    Cell(ip, "offers = %prime availability list --gpu-type H100_80GB")
    frame: pd.DataFrame = ip.user_ns["offers"]
    frame = frame[frame["stock_status"] != "Unavailable"].reset_index(drop=True)
    ip.user_ns["offers"] = frame
    return frame


def test_pods_create_without_yes_previews_and_sends_nothing(
    ip: Shell, prime_sandbox: SandboxServer, offers: pd.DataFrame
) -> None:
    cell = Cell(ip, "r = %prime pods create --offer offers[0] --name trial-run")
    assert cell.error is None, cell.text
    assert ip.user_ns["r"] is None
    assert requests(prime_sandbox, "POST", "/api/v1/pods") == []
    assert "Nothing was sent" in cell.text and "--yes" in cell.text
    assert "Total" in cell.text and "a month" in cell.text and "it pays for" in cell.text
    assert f'"cloudId": "{offers["cloud_id"][0]}"' in cell.text
    assert "$PRIME_API_KEY" in cell.text
    assert FAKE_KEY not in cell.text + cell.html


def test_the_forecast_hours_of_a_preview_are_chosen_with_forecast(
    ip: Shell, prime_sandbox: SandboxServer, offers: pd.DataFrame, magics: Any
) -> None:
    cell = Cell(ip, "%prime pods create --offer offers[0] --forecast 2 month 100")
    assert cell.error is None, cell.text
    costs = next(text for text in cell.shown if text.startswith("What it costs"))
    hours = [line.split("  ")[0] for line in costs.splitlines()[1:]]
    assert hours[:3] == ["2 h", "a month", "100 h"] and "8 h" not in hours
    assert "Stock: Unavailable" not in cell.text  # the fixture keeps offers in stock
    ip.user_ns["gone"] = offers.assign(stock_status="Unavailable")
    out = Cell(ip, "%prime pods create --offer gone[0]")
    assert "Stock: Unavailable. The API usually refuses a create" in out.text
    bad = Cell(ip, "%prime pods create --offer offers[0] --forecast soon")
    assert bad.error is not None and "give positive hours" in str(bad.error)
    magics.widgets = True
    Cell(ip, "f = %prime pods create --offer offers[0] --forecast 5")
    assert ip.user_ns["f"].forecast_hours == [5.0] and ip.user_ns["f"].forecast.value == "5"
    ip.user_ns["f"].close()


def test_a_preview_with_max_hours_prices_nothing_past_the_deadline(
    ip: Shell, prime_sandbox: SandboxServer, offers: pd.DataFrame
) -> None:
    cell = Cell(ip, "%prime pods create --offer offers[0] --max-hours 2")
    assert cell.error is None, cell.text
    costs = next(text for text in cell.shown if text.startswith("What it costs"))
    hours = [line.split("  ")[0] for line in costs.splitlines()[1:]]
    assert "1 h" in hours and "2 h" in hours
    assert not {"8 h", "24 h", "a month"} & set(hours), hours


def test_pods_create_with_yes_sends_exactly_one_post(
    ip: Shell, prime_sandbox: SandboxServer, offers: pd.DataFrame
) -> None:
    cell = Cell(ip, "pod = %prime pods create offers[0] --name yes-run --env A=1 B=x=y --yes")
    assert cell.error is None, cell.text
    posts = requests(prime_sandbox, "POST", "/api/v1/pods")
    assert len(posts) == 1
    assert posts[0].json["pod"]["name"] == "yes-run"
    assert posts[0].json["pod"]["envVars"] == [
        {"key": "A", "value": "1"},
        {"key": "B", "value": "x=y"},
    ]
    pod_id = ip.user_ns["pod"]["id"]
    assert f"%prime pods status {pod_id}" in cell.text
    assert pod_id in set(ip.run_line_magic("prime", "pods list")["id"])
    assert ip.run_line_magic("prime", f"pods get {pod_id}")["name"] == "yes-run"
    status = ip.run_line_magic("prime", f"pods status {pod_id}")
    assert list(status["pod_id"]) == [pod_id]
    pm.get_client().wait_for_pod(pod_id, timeout=20, poll_interval=0.1, progress=False)
    assert "ssh -i" in Cell(ip, f"%prime pods ssh {pod_id}").text


def test_pods_terminate_needs_yes(
    ip: Shell, prime_sandbox: SandboxServer, offers: pd.DataFrame
) -> None:
    ip.run_line_magic("prime", "pods create --offer offers[0] --name doomed --yes")
    pod_id = ip.run_line_magic("prime", "pods list")["id"][0]
    preview = Cell(ip, f"%prime pods terminate {pod_id}")
    assert preview.error is None, preview.text
    assert "lost" in preview.text and "--yes" in preview.text
    assert requests(prime_sandbox, "DELETE", f"/api/v1/pods/{pod_id}") == []
    done = Cell(ip, f"%prime pods terminate {pod_id} --yes")
    assert done.error is None, done.text
    assert len(requests(prime_sandbox, "DELETE", f"/api/v1/pods/{pod_id}")) == 1


def test_pods_create_finds_a_single_offer_by_cloud_id(
    ip: Shell, prime_sandbox: SandboxServer, offers: pd.DataFrame
) -> None:
    counts = offers.groupby(["cloud_id", "data_center"]).size()
    cloud_id, data_center = counts[counts == 1].index[0]
    cell = Cell(ip, f"%prime pods create --cloud-id '{cloud_id}' --data-center {data_center}")
    assert cell.error is None, cell.text
    assert f'"dataCenterId": "{data_center}"' in cell.text
    assert requests(prime_sandbox, "POST", "/api/v1/pods") == []


def test_pods_create_lists_candidates_when_the_offer_is_ambiguous(
    ip: Shell, prime_sandbox: SandboxServer
) -> None:
    frame = pm.get_client().availability()
    counts = frame.groupby(["cloud_id", "data_center"]).size()
    cloud_id, data_center = counts[counts > 1].index[0]
    cell = Cell(ip, f"%prime pods create --cloud-id '{cloud_id}' --data-center {data_center}")
    assert type(cell.error) is UsageError
    assert f"{counts[(cloud_id, data_center)]} offers match" in cell.stderr
    assert "2 offers match" in cell.stderr and cell.stderr.count("A100_80GB  runpod") == 2
    assert "Traceback" not in cell.text


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("pods create", "Which offer?"),
        ("pods create --offer nowhere[0]", "no variable 'nowhere'"),
        ("pods create --offer offers[9999]", "rows"),
        ("pods create --offer offers", "say offers[ROW]"),
        ("pods create --offer 'offers[0] + 1'", "write VAR or VAR[ROW]"),
        ("pods create --offer offers[0] --cloud-id x", "already fixes the offer"),
        ("pods create --offer offers[0] --vcpus 5000", "--vcpus 5000"),  # beyond the offer
        ("pods create --offer offers[0] --vcpus 100000", "argument --vcpus: 100000"),  # any
    ],
)
def test_pods_create_explains_what_is_wrong(
    ip: Shell, prime_sandbox: SandboxServer, offers: pd.DataFrame, line: str, message: str
) -> None:
    cell = Cell(ip, f"%prime {line}")
    assert type(cell.error) is UsageError, cell.text
    assert message in cell.stderr and "Traceback" not in cell.text
    assert requests(prime_sandbox, "POST", "/api/v1/pods") == []


def test_offer_rows_are_the_labels_shown_at_the_left_of_the_table(
    ip: Shell, prime_sandbox: SandboxServer, offers: pd.DataFrame
) -> None:
    ip.user_ns["picked"] = offers.iloc[[3, 5]]  # labels 3 and 5, as a filtered frame shows
    cell = Cell(ip, "%prime pods create --offer picked[5] --name labelled")
    assert cell.error is None, cell.text
    assert json.loads(cell.block("Request body"))["pod"]["cloudId"] == offers.loc[5, "cloud_id"]
    missing = Cell(ip, "%prime pods create --offer picked[0]")
    assert type(missing.error) is UsageError
    assert "its rows are 3, 5" in missing.stderr


def test_pods_history_is_a_dataframe(ip: Shell, prime_sandbox: SandboxServer) -> None:
    assert isinstance(ip.run_line_magic("prime", "pods history"), pd.DataFrame)


# -- disks -------------------------------------------------------------------------------


@pytest.fixture
def disk_place(ip: Shell, prime_sandbox: SandboxServer) -> tuple[str, str]:
    frame = ip.run_line_magic("prime", "availability disks")
    frame = frame.dropna(subset=["data_center"])
    counts = frame.groupby("data_center").size()
    row = frame[frame["data_center"] == counts[counts == 1].index[0]].iloc[0]
    return str(row["data_center"]), str(row["provider"])


def test_disks_create_without_yes_previews_and_sends_nothing(
    ip: Shell, prime_sandbox: SandboxServer, disk_place: tuple[str, str]
) -> None:
    data_center, provider = disk_place
    cell = Cell(ip, f"%prime disks create --size 100 --data-center {data_center} --name d1")
    assert cell.error is None, cell.text
    assert requests(prime_sandbox, "POST", "/api/v1/disks") == []
    assert "Nothing was sent" in cell.text and "per month" in cell.text
    assert f'"type": "{provider}"' in cell.text and "$PRIME_API_KEY" in cell.text
    assert FAKE_KEY not in cell.text + cell.html


def test_disk_lifecycle_create_rename_delete(
    ip: Shell, prime_sandbox: SandboxServer, disk_place: tuple[str, str]
) -> None:
    data_center, _ = disk_place
    created = Cell(ip, f"disk = %prime disks create --size 50 --data-center {data_center} --yes")
    assert created.error is None, created.text
    assert len(requests(prime_sandbox, "POST", "/api/v1/disks")) == 1
    disk_id = ip.user_ns["disk"]["id"]
    assert disk_id in set(ip.run_line_magic("prime", "disks list")["id"])
    pm.get_client().wait_for_disk(disk_id, timeout=20, poll_interval=0.1)
    assert Cell(ip, f"%prime disks rename {disk_id} renamed").error is None
    assert ip.run_line_magic("prime", f"disks get {disk_id}")["name"] == "renamed"
    preview = Cell(ip, f"%prime disks delete {disk_id}")
    assert preview.error is None and "permanently" in preview.text
    assert requests(prime_sandbox, "DELETE", f"/api/v1/disks/{disk_id}") == []
    deleted = Cell(ip, f"%prime disks delete {disk_id} --yes")
    assert deleted.error is None, deleted.text
    assert len(requests(prime_sandbox, "DELETE", f"/api/v1/disks/{disk_id}")) == 1


def test_disks_create_needs_a_known_data_center(ip: Shell, prime_sandbox: SandboxServer) -> None:
    cell = Cell(ip, "%prime disks create --size 10 --data-center NOWHERE-1")
    assert type(cell.error) is UsageError and "No disk offer" in cell.stderr


def test_a_missing_pod_is_a_message(ip: Shell, prime_sandbox: SandboxServer) -> None:
    cell = Cell(ip, "%prime pods get no-such-pod")
    assert type(cell.error) is UsageError and "Traceback" not in cell.text
    assert "no-such-pod" in cell.stderr


# -- widgets: the explicit act under each preview ----------------------------------------


@pytest.fixture
def pod_id(prime_sandbox: SandboxServer, offers: pd.DataFrame) -> str:
    """A pod rented through the plain API (not counted as a magic's POST below)."""
    request = pm.PodRequest.from_offer(offers.iloc[0], name="doomed")
    return pm.get_client().create_pod(request).id


@pytest.fixture
def disk_id(prime_sandbox: SandboxServer, disk_place: tuple[str, str]) -> str:
    """An ACTIVE disk created through the plain API."""
    client = pm.get_client()
    place = client.disk_availability(data_center_id=disk_place[0]).iloc[0]
    disk = client.create_disk(pm.DiskRequest.from_offer(place, 50, name="doomed-disk"))
    return client.wait_for_disk(disk.id, timeout=WAIT_S, poll_interval=0.05).id


@pytest.fixture
def closing() -> Iterator[list[Any]]:
    """Widgets to close after the test, so no poller outlives it."""
    made: list[Any] = []
    yield made
    for widget in made:
        status = getattr(widget, "pod_status", None)
        widget.close()
        if status is not None:
            assert status.wait(WAIT_S)


def test_pods_create_without_yes_returns_the_form_and_one_cost_table(
    ip: Shell, prime_sandbox: SandboxServer, offers: pd.DataFrame, widgets_on: PrimeMagics,
    closing: list[Any],
) -> None:  # fmt: skip
    Cell(ip, f"custom = %prime availability list --cloud-id {ADJUSTABLE}")
    line = "pods create custom[0] --name widget-run --disk-size 200 --vcpus 8"
    cell = Cell(ip, f"form = %prime {line}")
    assert cell.error is None, cell.text
    form = ip.user_ns["form"]
    closing.append(form)
    assert isinstance(form, ProvisionForm) and form.client is pm.get_client()
    assert form.request is not None
    body = form.request.body()
    assert (body["pod"]["name"], body["pod"]["diskSize"], body["pod"]["vcpus"]) == (
        "widget-run", 200, 8,
    )  # fmt: skip
    assert "Request body" not in cell.text and "Pod quote" not in cell.text  # the form's only
    assert "Nothing was sent" in cell.text and "Provision in the form below" in cell.text
    assert "does not match" not in cell.text
    assert requests(prime_sandbox, "POST", "/api/v1/pods") == []
    assert FAKE_KEY not in cell.text + cell.html


def test_the_forms_provision_and_confirm_send_exactly_one_post(
    ip: Shell, prime_sandbox: SandboxServer, offers: pd.DataFrame, widgets_on: PrimeMagics,
    closing: list[Any],
) -> None:  # fmt: skip
    Cell(ip, "form = %prime pods create offers[0] --name clicked-run")
    form = ip.user_ns["form"]
    closing.append(form)
    form.provision_button.click()
    assert requests(prime_sandbox, "POST", "/api/v1/pods") == []  # only the question so far
    form.confirm_button.click()
    form.confirm_button.click()
    form.provision_button.click()
    posts = requests(prime_sandbox, "POST", "/api/v1/pods")
    assert len(posts) == 1
    assert posts[0].json == form.request.body()  # exactly what the form showed
    assert form.pod is not None and form.pod.name == "clicked-run"


def test_choices_without_a_control_still_reach_the_form(
    ip: Shell, prime_sandbox: SandboxServer, offers: pd.DataFrame, widgets_on: PrimeMagics,
    closing: list[Any],
) -> None:  # fmt: skip
    cell = Cell(ip, "form = %prime pods create offers[0] --env A=1 --team-id team-7")
    assert cell.error is None, cell.text
    form = ip.user_ns["form"]
    closing.append(form)
    assert "does not match" not in cell.text
    assert form.request.body()["pod"]["envVars"] == [{"key": "A", "value": "1"}]
    assert form.request.body()["team"] == {"teamId": "team-7"}


def test_disks_create_without_yes_returns_a_disk_form_preset_to_the_preview(
    ip: Shell, prime_sandbox: SandboxServer, disk_place: tuple[str, str],
    widgets_on: PrimeMagics, closing: list[Any],
) -> None:  # fmt: skip
    data_center, provider = disk_place
    cell = Cell(ip, f"form = %prime disks create --size 120 --data-center {data_center}")
    assert cell.error is None, cell.text
    form = ip.user_ns["form"]
    closing.append(form)
    assert isinstance(form, DiskForm) and form.offer is not None
    assert (form.offer["data_center"], form.offer["provider"]) == (data_center, provider)
    assert form.size.value == 120
    assert form.request is not None
    assert form.request.body()["disk"]["size"] == 120 and "Request body" not in cell.text
    assert "in the form below" in cell.text and "does not match" not in cell.text
    assert requests(prime_sandbox, "POST", "/api/v1/disks") == []


def test_disks_create_alone_opens_an_empty_form_only_with_widgets(
    ip: Shell, prime_sandbox: SandboxServer, magics: PrimeMagics, closing: list[Any]
) -> None:
    off = Cell(ip, "%prime disks create")
    assert type(off.error) is UsageError and "Traceback" not in off.text
    assert "required: --size, --data-center" in off.stderr
    magics.widgets = True
    cell = Cell(ip, "form = %prime disks create")
    assert cell.error is None, cell.text
    form = ip.user_ns["form"]
    closing.append(form)
    assert isinstance(form, DiskForm) and form.name.value == ""
    assert "Request body" not in cell.text  # no preview: nothing was chosen yet
    assert type(Cell(ip, "%prime disks create --yes").error) is UsageError  # never a form
    assert requests(prime_sandbox, "POST", "/api/v1/disks") == []


def test_disks_create_with_some_options_presets_the_form_to_them(
    ip: Shell, prime_sandbox: SandboxServer, disk_place: tuple[str, str],
    widgets_on: PrimeMagics, closing: list[Any],
) -> None:  # fmt: skip
    data_center, _ = disk_place
    cell = Cell(ip, f"form = %prime disks create --data-center {data_center} --name scratch")
    assert cell.error is None, cell.text
    form = ip.user_ns["form"]
    closing.append(form)
    assert form.offer["data_center"] == data_center and form.name.value == "scratch"
    assert requests(prime_sandbox, "POST", "/api/v1/disks") == []


def test_terminate_without_yes_shows_a_button_that_terminates_once(
    ip: Shell, prime_sandbox: SandboxServer, pod_id: str, widgets_on: PrimeMagics
) -> None:
    cell = Cell(ip, f"panel = %prime pods terminate {pod_id}")
    assert cell.error is None, cell.text
    panel = ip.user_ns["panel"]
    assert isinstance(panel, ConfirmPanel)
    said = cell_text(cell.text, panel)
    assert said.count(f"Terminate pod {pod_id}?") == 1 and said.count("lost") == 1, said
    assert "button below" not in said and sandbox_labels(said) == 1
    button = panel.confirm_button
    assert button.description == "Terminate" and button.button_style == "danger"
    assert not button.disabled
    deletes = f"/api/v1/pods/{pod_id}"
    assert requests(prime_sandbox, "DELETE", deletes) == []
    button.click()
    button.click()
    assert len(requests(prime_sandbox, "DELETE", deletes)) == 1
    assert button.disabled and panel.status_level == "success"
    assert "terminating" in panel.status_text


def test_delete_without_yes_shows_a_button_that_deletes_once(
    ip: Shell, prime_sandbox: SandboxServer, disk_id: str, widgets_on: PrimeMagics
) -> None:
    cell = Cell(ip, f"panel = %prime disks delete {disk_id}")
    assert cell.error is None, cell.text
    panel = ip.user_ns["panel"]
    said = cell_text(cell.text, panel)
    assert said.count(f"Delete disk {disk_id}?") == 1 and said.count("permanently") == 1, said
    button = panel.confirm_button  # the verb: never cut short, the id is in the question
    assert button.description == "Delete" and button.button_style == "danger"
    deletes = f"/api/v1/disks/{disk_id}"
    assert requests(prime_sandbox, "DELETE", deletes) == []
    button.click()
    button.click()
    assert len(requests(prime_sandbox, "DELETE", deletes)) == 1
    assert button.disabled and "being deleted" in panel.status_text


def test_a_refused_click_is_shown_in_the_status_line_and_not_retried(
    ip: Shell, prime_sandbox: SandboxServer, pod_id: str, widgets_on: PrimeMagics
) -> None:
    panel = ip.run_line_magic("prime", f"pods terminate {pod_id}")
    prime_sandbox.faults.add(
        "DELETE", f"/pods/{pod_id}", status=409, body={"detail": "Pod is busy"}
    )
    panel.confirm_button.click()
    panel.confirm_button.click()
    assert panel.status_level == "error" and "Pod is busy" in panel.status_text
    assert panel.confirm_button.disabled
    assert len(requests(prime_sandbox, "DELETE", f"/api/v1/pods/{pod_id}")) == 1


def test_without_widgets_no_command_returns_a_widget(
    ip: Shell, prime_sandbox: SandboxServer, offers: pd.DataFrame,
    disk_place: tuple[str, str], pod_id: str, disk_id: str,
) -> None:  # fmt: skip
    lines = [
        "pods create --offer offers[0]",
        f"disks create --size 100 --data-center {disk_place[0]}",
        f"pods terminate {pod_id}",
        f"disks delete {disk_id}",
    ]
    for line in lines:
        cell = Cell(ip, f"r = %prime {line}")
        assert cell.error is None, cell.text
        assert ip.user_ns["r"] is None, line
        assert "below" not in cell.text, line
    for line in ["availability explore", "disks create", "disks create --size 10"]:
        assert type(Cell(ip, f"%prime {line}").error) is UsageError, line
    sent = [r for r in prime_sandbox.requests if r.method in {"POST", "DELETE"}]
    assert [(r.method, r.path.rstrip("/")) for r in sent] == [
        ("POST", "/api/v1/pods"),  # the pod_id and disk_id fixtures, through the plain API
        ("POST", "/api/v1/disks"),
    ]


def test_the_configured_team_applies_unless_team_id_none(
    ip: Shell, prime_sandbox: SandboxServer, offers: pd.DataFrame
) -> None:
    pm.set_client(pm.Client(api_key=FAKE_KEY, base_url=prime_sandbox.url, team_id="team-7"))
    cell = Cell(ip, "%prime pods create --offer offers[0] --name teamed")
    assert json.loads(cell.block("Request body"))["team"] == {"teamId": "team-7"}
    cell = Cell(ip, "%prime pods create --offer offers[0] --name personal --team-id none")
    assert "team" not in json.loads(cell.block("Request body"))


def test_a_refused_count_is_named_as_the_user_typed_it(
    ip: Shell, prime_sandbox: SandboxServer
) -> None:
    Cell(ip, f"custom = %prime availability list --cloud-id {ADJUSTABLE}")
    cell = Cell(ip, "%prime pods create custom[0] --disk-size 205 --vcpus 21")
    assert "--disk-size 205 is off its step" in cell.stderr and "disk_gb" not in cell.stderr
    cell = Cell(ip, "%prime disks create --size 999999 --data-center CANADA-1")
    assert "--size 999999 is out of range" in cell.stderr and "size_gb" not in cell.stderr
