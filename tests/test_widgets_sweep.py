"""SweepPanel after its own acts (issue 21, items 5, 6 and 9): it reads the sweep again
and shows the truth (an ended item gone, the counts right, nothing left to click once
nothing bills, the status line saying what was done), asks one question with its own
Cancel above the status line, and its saved output says what it says now."""

from __future__ import annotations

from typing import Any

import pytest
from IPython.display import display

import prime_magics as pm
from prime_magics.sandbox import SandboxServer
from prime_magics.widgets import SweepPanel
from tests.panel_text import cell_text, sandbox_labels, view_text
from tests.rentals_fixtures import canada_disk, guide_request
from tests.widget_fixtures import Published


def billing(panel: SweepPanel) -> list[str]:
    """The ids the panel shows as billing now."""
    assert panel.frame is not None
    return [str(i) for i in panel.frame["id"]]


def test_a_disk_deleted_from_the_sweep_is_gone_and_the_panel_says_so(
    client: pm.Client, sandbox: SandboxServer
) -> None:
    disk = canada_disk(client, "loose", 50)
    pod = client.create_pod(guide_request(client, name="kept"))
    panel = SweepPanel(client)
    assert "2 billing now" in panel.summary.value
    panel.row_buttons[disk.id].click()
    assert panel.confirm_button.description == "Delete" and not panel.cancel_button.disabled
    assert "above" in panel.status_text and "below" not in panel.status_text
    panel.confirm_button.click()
    assert client.disk(disk.id).status in {"DELETING", "TERMINATED"}
    assert billing(panel) == [pod.id] and disk.id not in panel.row_buttons
    assert "1 billing now" in panel.summary.value and disk.id not in view_text(panel.rows)
    assert panel.status_level == "success" and f"Ended disk {disk.id}" in panel.status_text
    assert "Nothing happened yet" not in panel.status_text
    assert panel.confirm_box.layout.display == "none"  # the question went with the act
    panel.close()


def test_once_nothing_bills_there_is_nothing_left_to_click(client: pm.Client) -> None:
    disk = canada_disk(client, "only", 50)
    panel = SweepPanel(client)
    panel.row_buttons[disk.id].click()
    panel.confirm_button.click()
    assert billing(panel) == [] and panel.row_buttons == {}
    assert "Nothing is billing" in panel.summary.value
    assert panel.all_button.disabled and panel.confirm_button.disabled
    assert panel.state_lines() == ["Nothing is billing: no live pods or disks."]
    panel.close()


def test_cancel_withdraws_the_question_and_sends_nothing(
    client: pm.Client, sandbox: SandboxServer
) -> None:
    disk = canada_disk(client, "kept", 50)
    panel = SweepPanel(client)
    panel.row_buttons[disk.id].click()
    assert f"Delete disk {disk.id}?" in panel.confirm_text.value
    panel.cancel_button.click()
    panel.confirm_button.click()  # nothing asked any more: nothing sent
    assert client.disk(disk.id).status not in {"DELETING", "TERMINATED"}
    assert panel.confirm_box.layout.display == "none" and "still bills" in panel.status_text
    panel.close()


def test_an_item_the_api_still_lists_after_the_act_is_marked_ending_not_billing(
    client: pm.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = canada_disk(client, "slow", 50)
    pod = client.create_pod(guide_request(client, name="stays"))
    panel = SweepPanel(client)
    # an API that accepted the delete but still lists the disk on the next read
    monkeypatch.setattr(client, "end_items", lambda items: ([f"{k} {i}" for k, i in items], []))
    panel.row_buttons[disk.id].click()
    panel.confirm_button.click()
    assert panel.ending == [disk.id] and billing(panel) == [pod.id]
    assert disk.id not in panel.row_buttons and "ending (asked here)" in view_text(panel.rows)
    assert "1 billing now" in panel.summary.value and panel.phrase == "terminate 1"
    panel.close()


def test_an_item_ended_elsewhere_is_dropped_when_asked_about(client: pm.Client) -> None:
    disk = canada_disk(client, "elsewhere", 50)
    panel = SweepPanel(client)
    client.delete_disk(disk.id, confirm=True)  # another cell
    panel.row_buttons[disk.id].click()
    assert billing(panel) == [] and "no longer bills" in panel.status_text
    assert panel.confirm_box.layout.display == "none"
    panel.close()


def test_the_saved_output_follows_the_panels_act(client: pm.Client) -> None:
    disk = canada_disk(client, "saved", 50)
    panel = SweepPanel(client)
    with Published() as published:
        display(panel)  # type: ignore[no-untyped-call]
        (first,) = published.saved().values()
        assert disk.id in first["text/plain"] and "1 billing now" in first["text/plain"]
        panel.row_buttons[disk.id].click()
        panel.confirm_button.click()
        (last,) = published.saved().values()
    assert "Nothing is billing" in last["text/plain"] and "Nothing is billing" in last["text/html"]
    assert f"Ended disk {disk.id}" in last["text/plain"]
    panel.close()


def test_the_buttons_labels_are_never_cut_short(client: pm.Client) -> None:
    panel = SweepPanel(client)
    assert panel.all_button.layout.width == "auto"
    panel.close()


def test_the_sweep_magic_says_its_summary_and_the_sandbox_once(
    ip: Any, prime_sandbox: SandboxServer, widgets_on: Any
) -> None:
    from tests.magic_fixtures import Cell

    client = pm.get_client()
    canada_disk(client, "magic", 50)
    cell = Cell(ip, "s = %prime sweep")
    assert cell.error is None, cell.text
    said = cell_text(cell.text, ip.user_ns["s"])
    assert said.count("1 billing now") == 1 and sandbox_labels(said) == 1, said
    ip.user_ns["s"].close()


pytest_plugins = ("tests.magic_fixtures",)
