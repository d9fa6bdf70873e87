"""What the ``%prime`` cells say, said once and read right (issue 21, items 5, 9 and 12):
one sandbox label per widget cell, the budget caveat once, a terminated pod's ssh, the
pod status frame's money and unknowns, and a wallet whose facts agree."""

from __future__ import annotations

import pandas as pd
import pytest

import prime_magics as pm
from prime_magics.magics import PrimeMagics
from prime_magics.sandbox import SandboxServer
from tests.magic_fixtures import Cell, Shell
from tests.panel_text import cell_text, sandbox_labels
from tests.rentals_fixtures import guide_request

pytest_plugins = ("tests.magic_fixtures",)


@pytest.fixture
def pod(prime_sandbox: SandboxServer) -> pm.Pod:
    client = pm.get_client()
    return client.create_pod(guide_request(client, name="said-once"))


def test_a_panel_returned_under_the_banner_does_not_repeat_the_sandbox_label(
    ip: Shell, prime_sandbox: SandboxServer, widgets_on: PrimeMagics
) -> None:
    """``availability explore`` shows the banner and returns a panel that labels its own
    heading: one of the two is said (the rule is ``PrimeMagics._answer``'s, for all)."""
    cell = Cell(ip, "x = %prime availability explore --gpu-type H100_80GB")
    assert cell.error is None, cell.text
    explorer = ip.user_ns["x"]
    assert sandbox_labels(cell_text(cell.text, explorer)) == 1
    explorer.close()


def test_the_budget_magic_says_its_caveat_and_the_sandbox_once(
    ip: Shell, prime_sandbox: SandboxServer, widgets_on: PrimeMagics, pod: pm.Pod
) -> None:
    cell = Cell(ip, "b = %prime budget 50")
    assert cell.error is None, cell.text
    panel = ip.user_ns["b"]
    said = cell_text(cell.text, panel)
    assert said.count("rentals made in the web app") == 1 and sandbox_labels(said) == 1, said
    assert panel.end_button.layout.width == "auto"  # "Terminate 1 pod" is never cut short
    panel.close()
    pm.get_client().set_budget(None)


def test_ssh_on_a_terminated_pod_says_it_is_gone(
    ip: Shell, prime_sandbox: SandboxServer, pod: pm.Pod
) -> None:
    pm.get_client().terminate_pod(pod.id, confirm=True)
    cell = Cell(ip, f"%prime pods ssh {pod.id}")
    assert cell.error is None, cell.text
    assert f"Pod {pod.id} is TERMINATED" in cell.text and "has no SSH" in cell.text
    assert "yet" not in cell.text and "ssh -i" not in cell.text


def test_pods_status_reads_money_as_money_and_the_unknown_as_a_dash(
    ip: Shell, prime_sandbox: SandboxServer, pod: pm.Pod
) -> None:
    frame = ip.run_line_magic("prime", f"pods status {pod.id}")
    with pd.option_context("display.width", 400, "display.max_columns", 50):
        shown = repr(frame)
    assert "$1.9000/h" in shown and "<NA>" not in shown and " 1.9 " not in shown
    assert "—" in shown  # installation_failure: none
    html = frame._repr_html_()
    assert "$1.9000/h" in html and "&lt;NA&gt;" not in html
    assert float(frame["price_hr"].iloc[0]) == 1.9  # the data stays numeric


def test_the_wallets_facts_agree_with_each_other(
    ip: Shell, prime_sandbox: SandboxServer, pod: pm.Pod
) -> None:
    table = ip.run_line_magic("prime", "wallet")
    rows = dict(table.rows)
    assert rows["billing now"].startswith("1 item") and rows["burn rate"] == "$1.9000/h"
    assert "billing rows" not in rows  # a history count beside a rate read as "0 billing"
    assert rows["past charges"] == "0 in the wallet's billing history"
