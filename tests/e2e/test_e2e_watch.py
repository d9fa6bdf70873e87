"""The capacity watch in a real browser: ``%prime availability watch`` shows a WatchPanel
that says it has no match yet; the sandbox is then told (through its control route, from
this process) to make two 8×H100 offers appear; the panel must announce the match, lay
the matches out as an aligned grid under a plain title, draw the timeline, and keep the
notebook's saved output up to date; "Rent now" must ask once at the quoted total (with
the deadline and the budget), confirming must create exactly one pod at that cap, and
the panel must follow that pod to ACTIVE.

The watch polls every second (the sandbox allows it); the browser waits on what the
panel shows, with bounded timeouts, never on a fixed sleep.
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
DOCS_WATCH = REPO / "docs" / "watch-panel.png"
WATCH_CELL = 2
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
    with step("make two 8×H100 offers appear; the panel announces the match"):
        control(url, "POST", "/_sandbox/offers/add")
        control(url, "POST", "/_sandbox/offers/add", {"cloudId": "e2e-H100x8-b", "price": 16.8})
        banner = panel.locator(".prime-watch-new")
        expect(banner).to_contain_text("New match", timeout=15_000)
        expect(panel.get_by_role("button", name="Rent now", exact=True)).to_have_count(
            2, timeout=15_000
        )
    with step("the matches are an aligned grid, cheapest per GPU-hour first, plain title"):
        expect(panel).not_to_contain_text("any×")
        expect(panel).to_contain_text("cheapest per GPU-hour first")
        boxes = [b.bounding_box() for b in panel.get_by_role("button", name="Rent now").all()] + [
            b.bounding_box() for b in panel.get_by_role("button", name="Configure").all()
        ]
        assert all(b is not None for b in boxes)
        rent, configure = boxes[:2], boxes[2:]
        for column in (rent, configure):
            assert len({round(b["x"]) for b in column if b}) == 1, column  # one left edge
            assert len({round(b["width"]) for b in column if b}) == 1, column  # one width
        grid = panel.locator(".prime-watch-grid")
        first_row = grid.locator("text=$2.1000").first
        expect(first_row).to_be_visible()  # the $16.80 offer ($2.10/GPU-h) leads
        expect(panel.locator(".prime-watch-chart svg")).to_be_visible(timeout=15_000)
        assert cut_short(panel) == []
        shot = step.screenshot(panel, "watch-panel.png")
        if UPDATE_SCREENSHOTS:
            copy_file(shot, DOCS_WATCH)
    with step("the saved notebook says the matches, not 'Waiting for the first poll'"):
        cell = notebook.save()["cells"][WATCH_CELL]
        texts = [
            "".join(o["data"]["text/plain"]) for o in cell["outputs"]
            if "prime-summary" in "".join(o.get("data", {}).get("text/html", ""))
        ]  # fmt: skip
        assert texts and "Waiting for the first poll" not in texts[0], texts
        assert "$17.6000/h" in texts[0] and "$16.8000/h" in texts[0], texts[0]
    with step("click Rent now: one confirmation at the quoted total, deadline and budget"):
        rows = panel.locator(".prime-watch-grid")
        row_17 = rows.get_by_role("button", name="Rent now", exact=True).nth(1)
        row_17.click()
        expect(panel).to_contain_text("Rent 8× H100_80GB at $17.6000/h?")
        expect(panel).to_contain_text("No deadline")
        expect(panel).to_contain_text("Budget")
    with step("confirm: exactly one create, with maxPrice at the quote; the pod followed"):
        panel.get_by_role("button", name="Rent", exact=True).click()
        status = panel.locator(".prime-pod-status")
        expect(status).to_be_visible(timeout=15_000)
        posts = [
            r for r in control(url, "GET", "/_sandbox/requests")
            if r["method"] == "POST" and r["path"] == "/api/v1/pods/"
        ]  # fmt: skip
        assert len(posts) == 1 and posts[0]["json"]["pod"]["maxPrice"] == pytest.approx(17.6)
        expect(status).to_contain_text("ACTIVE", timeout=60_000)
