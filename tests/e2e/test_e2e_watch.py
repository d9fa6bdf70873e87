"""The capacity watch in a real browser: ``%prime availability watch`` shows a WatchPanel
that says it has no match yet; the sandbox is then told (through its control route, from
this process) to make its 8×H100 appear; the panel must announce it, "Rent now" must ask
once at the quoted total, and confirming must create exactly one pod at that cap.

The watch polls every second (the sandbox allows it); the browser waits on what the
panel shows, with bounded timeouts, never on a fixed sleep.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .lab import JupyterLab, Notebook, Steps
from .sandbox_notebook import control, run_clean, sandbox_url

pytestmark = pytest.mark.e2e

RUN_ALL_TIMEOUT_S = 120
WATCH_CELLS = [
    "import prime_magics as pm\n\nclient = pm.use_sandbox()\n"
    "print('SANDBOX', client.settings.base_url)",
    "%load_ext prime_magics",
    "%prime availability watch --gpu-type H100_80GB --gpu-count 8 --data-center CANADA-1 "
    "--max-price-per-gpu 2.5 --every 1",
]


def test_watch_panel_announces_the_offer_and_rents_it_once(
    page: Page, lab: JupyterLab, artifacts: Path, saved_artifacts: list[Path]
) -> None:
    step = Steps(page, artifacts, saved_artifacts)
    lab.write_notebook("watch.ipynb", WATCH_CELLS)
    notebook = Notebook(page, lab, "watch.ipynb")
    with step("open a notebook running %prime availability watch on the sandbox"):
        run_clean(notebook, RUN_ALL_TIMEOUT_S)
    panel = notebook.panel.locator(".prime-watch").first
    with step("check the WatchPanel shows no match yet"):
        expect(panel).to_be_visible()
        expect(panel).to_contain_text("No match yet", timeout=15_000)
    url = sandbox_url(notebook)
    with step("make the sandbox's 8×H100 appear; the panel announces it"):
        control(url, "POST", "/_sandbox/offers/add")
        banner = panel.locator(".prime-watch-new")
        expect(banner).to_contain_text("New match", timeout=15_000)
        expect(banner).to_contain_text("$17.6000/h")
        step.screenshot(panel, "watch-panel.png")
    with step("click Rent now: one confirmation at the quoted total"):
        panel.get_by_role("button", name="Rent now", exact=True).first.click()
        expect(panel).to_contain_text("Rent 8× H100_80GB at $17.6000/h?")
    with step("confirm: exactly one create, with maxPrice at the quote"):
        panel.get_by_role("button", name="Rent", exact=True).click()
        expect(panel).to_contain_text("created", timeout=15_000)
        posts = [
            r for r in control(url, "GET", "/_sandbox/requests")
            if r["method"] == "POST" and r["path"] == "/api/v1/pods/"
        ]  # fmt: skip
        assert len(posts) == 1 and posts[0]["json"]["pod"]["maxPrice"] == pytest.approx(17.6)
