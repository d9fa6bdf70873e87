"""The budget in a real browser: a pod is rented on the sandbox, ``%prime budget`` sets a
budget it spends within seconds, and the BudgetPanel must redraw by itself (the guard's
thread, no cell running) to say the budget is spent, offer one button that names what it
ends, and end it with exactly one terminate when clicked.

The browser waits on what the panel shows, with bounded timeouts, never on a fixed sleep.
With ``PRIME_UPDATE_SCREENSHOTS=1`` the panel's screenshot refreshes ``docs/budget-panel.png``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .lab import REPO, JupyterLab, Notebook, Steps, copy_file, cut_short
from .sandbox_notebook import control, run_clean, sandbox_url

pytestmark = pytest.mark.e2e

RUN_ALL_TIMEOUT_S = 120
UPDATE_SCREENSHOTS = os.environ.get("PRIME_UPDATE_SCREENSHOTS") == "1"
DOCS_BUDGET = REPO / "docs" / "budget-panel.png"
BUDGET_CELLS = [
    "import prime_magics as pm\n\nclient = pm.use_sandbox()\n"
    "print('SANDBOX', client.settings.base_url)",
    "%load_ext prime_magics",
    'row = client.availability(cloud_id="n3-H100x1", data_center_id="CANADA-1").iloc[0]\n'
    'pod = client.create_pod(pm.PodRequest.from_offer(row, name="budgeted"))\n'
    "print('POD', pod.id)",
    "%prime budget 0.002",  # $1.90/h spends it in about four seconds
]


def test_budget_panel_says_it_is_spent_and_ends_the_pod_with_one_click(
    page: Page, lab: JupyterLab, artifacts: Path, saved_artifacts: list[Path]
) -> None:
    step = Steps(page, artifacts, saved_artifacts)
    lab.write_notebook("budget.ipynb", BUDGET_CELLS)
    notebook = Notebook(page, lab, "budget.ipynb")
    with step("open a notebook that rents a pod and sets a budget of $0.002"):
        run_clean(notebook, RUN_ALL_TIMEOUT_S)
    panel = notebook.panel.locator(".prime-budget").first
    with step("the panel redraws by itself once the budget is spent"):
        expect(panel).to_be_visible()
        expect(panel).to_contain_text("Your $0.002 budget is spent", timeout=30_000)
        shot = step.screenshot(panel, "budget-panel.png")
        if UPDATE_SCREENSHOTS:
            copy_file(shot, DOCS_BUDGET)
    url = sandbox_url(notebook)
    with step("one button names what it ends; a click terminates the pod once"):
        button = panel.get_by_role("button", name="Terminate 1 pod", exact=True)
        expect(button).to_be_enabled()
        assert cut_short(panel) == []
        button.click()
        expect(panel).to_contain_text("nothing the budget counts bills now", timeout=15_000)
        deletes = [
            r for r in control(url, "GET", "/_sandbox/requests")
            if r["method"] == "DELETE" and r["path"].startswith("/api/v1/pods/")
        ]  # fmt: skip
        assert len(deletes) == 1, deletes
