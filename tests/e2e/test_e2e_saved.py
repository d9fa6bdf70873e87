"""What JupyterLab saves for a panel is what it said last (issue 21, item 6).

A PodStatus is shown in one cell; the pod becomes ACTIVE in the panel's poller after the
kernel has moved on to later cells, and a click terminates it (a comm callback). Each
time, the notebook saved with Ctrl+S must hold the panel's new text in the cell that
showed it (its summary output's text/plain and text/html, what GitHub and nbviewer
show); the summary is hidden while the live view is on the page, and the view keeps
working.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from .lab import JupyterLab, Notebook, Steps
from .sandbox_notebook import run_clean

pytestmark = pytest.mark.e2e

RUN_ALL_TIMEOUT_S = 120
CELLS = [
    "import prime_magics as pm\n\nclient = pm.use_sandbox(provision_seconds=4)\n"
    "print('SANDBOX', client.settings.base_url)",
    'row = client.availability(cloud_id="n3-H100x1", data_center_id="CANADA-1").iloc[0]\n'
    'pod = client.create_pod(pm.PodRequest.from_offer(row, name="saved"))',
    "status = pm.PodStatus(pod.id, poll_interval=0.5)\nstatus",
    "print('later cell')",  # the kernel moves on: updates come from the poller's thread
]
PANEL_CELL = 2


def saved_texts(notebook: Notebook) -> tuple[str, str]:
    """The panel's saved summary: the output beside its view, text/plain and text/html."""
    cell: dict[str, Any] = notebook.save()["cells"][PANEL_CELL]
    html_of = ["".join(o.get("data", {}).get("text/html", "")) for o in cell["outputs"]]
    (output,) = [
        o for o, text in zip(cell["outputs"], html_of, strict=True) if "prime-summary" in text
    ]
    data = output["data"]
    return "".join(data["text/plain"]), "".join(data["text/html"])


def test_the_saved_notebook_keeps_the_panels_last_state(
    page: Page, lab: JupyterLab, artifacts: Path, saved_artifacts: list[Path]
) -> None:
    step = Steps(page, artifacts, saved_artifacts)
    lab.write_notebook("saved.ipynb", CELLS)
    notebook = Notebook(page, lab, "saved.ipynb")
    with step("run a notebook that shows a PodStatus, then a later cell"):
        run_clean(notebook, RUN_ALL_TIMEOUT_S)
    panel = notebook.panel.locator(".prime-pod-status").first
    with step("while the panel is live, its summary output is hidden (said once)"):
        expect(panel).to_be_visible()
        expect(notebook.panel.locator(".prime-summary")).to_be_hidden()
    with step("the pod becomes ACTIVE in the panel; the saved cell says so"):
        expect(panel).to_contain_text("ACTIVE", timeout=30_000)
        plain, rich = saved_texts(notebook)
        assert "ACTIVE" in plain and "ACTIVE" in rich, plain
        assert "not read yet" not in plain
    with step("the live view still works after the update: Terminate, Confirm"):
        panel.get_by_role("button", name="Terminate", exact=True).click()
        panel.get_by_role("button", name="Confirm terminate", exact=True).click()
        expect(panel).to_contain_text("TERMINATED", timeout=30_000)
    with step("the saved cell says TERMINATED"):
        plain, _ = saved_texts(notebook)
        assert "TERMINATED" in plain, plain
