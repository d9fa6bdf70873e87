"""The whole user story in a real browser: JupyterLab, the notebooks, the widgets.

``provisioning.ipynb`` is run with Run → Run All Cells; then, in the rendered
``ProvisionForm``, the disk size is changed (the total must become what ``pm.quote``
says for that size), Provision and Confirm are clicked, and the ``PodStatus`` panel the
form opens must reach ACTIVE. A second notebook shows an ``AvailabilityExplorer``: its
grid must list offers a page at a page, cheapest first, with no blank dropdown; a click
on a header must order the rows by that column; a click on a row must open a form for
that offer (its heading names the row's GPU, its total is the row's price). The grid is
checked in JupyterLab and, when it is installed, in Notebook 7.

Screenshots go to ``artifacts/e2e/``; with ``PRIME_UPDATE_SCREENSHOTS=1`` the form's and
the grid's are also copied to ``docs/provision-form.png`` and ``docs/explorer-grid.png``.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

import prime_magics as pm

from .lab import REPO, JupyterLab, Notebook, Steps, copy_file, cut_short
from .sandbox_notebook import run_clean

pytestmark = pytest.mark.e2e

NOTEBOOKS = REPO / "notebooks"
DOCS_SCREENSHOT = REPO / "docs" / "provision-form.png"
DOCS_GRID_SCREENSHOT = REPO / "docs" / "explorer-grid.png"
# Read at import: the suite's autouse fixture clears PRIME_* variables during each test.
UPDATE_SCREENSHOTS = os.environ.get("PRIME_UPDATE_SCREENSHOTS") == "1"
CLOUD_ID, DATA_CENTER = "sandbox-H100-custom", "CANADA-1"  # the notebook's offer
DISK_GB = 300
RUN_ALL_TIMEOUT_S = 120
ACTIVE_TIMEOUT_MS = 60_000
_AMOUNT = re.compile(r"\$\s*([\d,]+(?:\.(\d+))?)")


def quoted_totals(disk_gb: int) -> tuple[float, float]:
    """Total $/h of the notebook's offer at its default disk and at ``disk_gb``, from
    ``pm.quote`` on a sandbox in this process (same seed, same catalogue)."""
    pm.use_sandbox()
    offer = pm.availability(cloud_id=CLOUD_ID, data_center_id=DATA_CENTER).iloc[0]
    default, chosen = pm.quote(offer).total_hr, pm.quote(offer, disk_gb=disk_gb).total_hr
    assert default is not None and chosen is not None
    return default, chosen


def wait_for_amount(cell: Locator, expected: float, timeout_s: float = 15) -> None:
    """Until ``cell`` shows ``$expected`` to the precision it displays."""
    deadline = time.monotonic() + timeout_s
    shown = ""
    while time.monotonic() < deadline:
        shown = cell.inner_text()
        match = _AMOUNT.search(shown)
        if match:
            value = float(match.group(1).replace(",", ""))
            if abs(value - expected) <= 0.5 * 10 ** -len(match.group(2) or ""):
                return
        time.sleep(0.2)
    raise AssertionError(f"expected ${expected:.4f}/h, the form shows {shown!r}")


def total_cell(form: Locator) -> Locator:
    """The amount in the row labelled exactly "Total" of the form's quote table (its
    label is a ``th`` in the one presentation layer's tables, a ``td`` before)."""
    label = form.page.locator("th, td", has_text=re.compile(r"^\s*Total\s*$"))
    return form.locator("table tr", has=label).locator("td").last


def test_provision_form_rents_a_pod(
    page: Page, lab: JupyterLab, artifacts: Path, saved_artifacts: list[Path]
) -> None:
    default_total, expected_total = quoted_totals(DISK_GB)
    assert expected_total != default_total, "the disk size must change the price"
    step = Steps(page, artifacts, saved_artifacts)
    notebook = Notebook(page, lab, "provisioning.ipynb")

    with step("open provisioning.ipynb in JupyterLab"):
        lab.add_notebook(NOTEBOOKS / "provisioning.ipynb")
        notebook.open()
    with step("run all cells (Run → Run All Cells) until the kernel is idle"):
        notebook.run_all(RUN_ALL_TIMEOUT_S)
    with step("check that every cell ran without an error"):
        failed = notebook.errors()
        assert not failed, "cells failed:\n" + "\n".join(failed)

    form = notebook.panel.locator(".prime-provision-form").first
    total = total_cell(form)
    with step("find the rendered ProvisionForm and its total at the default disk"):
        form.scroll_into_view_if_needed()
        expect(form).to_be_visible()
        wait_for_amount(total, default_total)
    with step(f"change the disk size to {DISK_GB} GB"):
        disk = form.get_by_label("Disk GB", exact=True)
        disk.fill(str(DISK_GB))
        disk.press("Enter")
    with step(f"check the total is pm.quote's ${expected_total:.4f}/h for {DISK_GB} GB"):
        wait_for_amount(total, expected_total)
    with step("no label or button of the form is cut short"):
        assert cut_short(form) == []
    with step("screenshot the form"):
        page.set_viewport_size({"width": 1400, "height": 2400})  # the whole form in view
        form.scroll_into_view_if_needed()
        shot = step.screenshot(form, "provision-form.png")
        page.set_viewport_size({"width": 1400, "height": 1000})
        if UPDATE_SCREENSHOTS:
            copy_file(shot, DOCS_SCREENSHOT)

    with step("click Provision and see what will be rented, at that price"):
        form.get_by_role("button", name="Provision", exact=True).click()
        preview = form.locator(".widget-html-content", has_text=re.compile(r"Rent \d+×")).first
        expect(preview).to_be_visible()
        wait_for_amount(preview, expected_total)
    with step("click Confirm"):
        form.get_by_role("button", name="Confirm", exact=True).click()
    status = form.locator(".prime-pod-status").first
    with step("wait for the PodStatus panel to show ACTIVE"):
        expect(status).to_be_visible()
        expect(status).to_contain_text("h100-form")
        expect(status).to_contain_text("ACTIVE", timeout=ACTIVE_TIMEOUT_MS)
    with step("screenshot the ACTIVE pod status"):
        status.scroll_into_view_if_needed()
        step.screenshot(status, "pod-status-active.png")


EXPLORER_CELLS = [
    "import prime_magics as pm\n\npm.use_sandbox()",
    "explorer = pm.AvailabilityExplorer(max_rows=10)\nexplorer",
]
PAGE_ROWS = 10  # max_rows above
BLANKABLE = ("GPU", "GPU count", "Security", "Socket")  # dropdowns that once drew blank


def titles(grid: Locator) -> Locator:
    """The column titles (of the first header: a scrolling grid draws a copy of it)."""
    return grid.locator("thead").first.locator(".dt-column-title")


def headers(grid: Locator) -> list[str]:
    return [" ".join(h.split()) for h in titles(grid).all_inner_texts()]


def header(grid: Locator, title: str) -> Locator:
    """The header cell titled ``title`` (its title, not its filter button: a click sorts)."""
    return titles(grid).get_by_text(title, exact=True)


def ordered(grid: Locator, direction: str) -> Locator:
    """The title of the column the grid is ordered by (``asc`` or ``desc``)."""
    return grid.locator("thead").first.locator(f"th.dt-ordering-{direction} .dt-column-title")


def column_texts(grid: Locator, title: str) -> list[str]:
    """The visible cells of the column titled ``title``, top to bottom."""
    n = headers(grid).index(title) + 1
    return [c.strip() for c in grid.locator(f"tbody tr td:nth-child({n})").all_inner_texts()]


def dollars(texts: list[str]) -> list[float]:
    found = [_AMOUNT.search(text) for text in texts]
    assert all(found), f"not all amounts: {texts}"
    return [float(m.group(1).replace(",", "")) for m in found if m]


def test_explorer_grid_sorts_and_opens_a_form(
    page: Page, lab: JupyterLab, artifacts: Path, saved_artifacts: list[Path]
) -> None:
    shot = explore_the_grid(page, lab, Steps(page, artifacts, saved_artifacts), "JupyterLab")
    if UPDATE_SCREENSHOTS:
        copy_file(shot, DOCS_GRID_SCREENSHOT)


def test_explorer_grid_in_notebook7(
    page: Page, notebook7: JupyterLab, artifacts: Path, saved_artifacts: list[Path]
) -> None:
    explore_the_grid(page, notebook7, Steps(page, artifacts, saved_artifacts), "Notebook 7")


def explore_the_grid(page: Page, lab: JupyterLab, step: Steps, front_end: str) -> Path:
    """The grid lists offers, sorts on a header click, opens a form for a clicked row;
    returns the screenshot of the explorer."""
    lab.write_notebook("explorer.ipynb", EXPLORER_CELLS)
    notebook = Notebook(page, lab, "explorer.ipynb")

    with step(f"open a notebook showing pm.AvailabilityExplorer() in {front_end}, run it"):
        run_clean(notebook, RUN_ALL_TIMEOUT_S)
    explorer = notebook.panel.locator(".prime-availability-explorer").first
    grid = explorer.locator(".dt-container").first  # the grid, its controls and its pages
    rows = grid.locator("table.prime-offer-grid tbody tr")
    with step(f"check the grid lists offers, {PAGE_ROWS} to a page, cheapest first"):
        expect(explorer).to_be_visible()
        expect(rows).to_have_count(PAGE_ROWS)
        expect(titles(grid)).to_contain_text(["#", "GPU", "×", "total $/h", "$/GPU/h"])
        totals = dollars(column_texts(grid, "total $/h"))
        assert totals == sorted(totals), f"not cheapest first: {totals}"
        assert all(re.fullmatch(r"\$[\d,]+\.\d{4}", t) for t in column_texts(grid, "$/GPU/h"))
    with step("check no filter dropdown is blank (each shows 'any')"):
        for label in BLANKABLE:
            select = explorer.get_by_label(label, exact=True)
            expect(select).to_have_js_property("selectedIndex", 0)
            expect(select.locator("option:checked")).to_have_text("any")
    first_before = rows.first.inner_text()
    with step("click the '×' (GPU count) header: the rows are ordered by GPU count"):
        header(grid, "×").click()
        expect(ordered(grid, "asc")).to_have_text("×")
        counts = [int(float(c)) for c in column_texts(grid, "×")]
        assert counts == sorted(counts), f"not by GPU count: {counts}"
    with step("click the '$/GPU/h' header twice: the dearest per GPU come first"):
        per_gpu_header = header(grid, "$/GPU/h")
        per_gpu_header.click()
        expect(ordered(grid, "asc")).to_have_text("$/GPU/h")
        per_gpu_header.click()
        expect(ordered(grid, "desc")).to_have_text("$/GPU/h")
        per_gpu = dollars(column_texts(grid, "$/GPU/h"))
        assert per_gpu == sorted(per_gpu, reverse=True), f"not dearest first: {per_gpu}"
        assert rows.first.inner_text() != first_before, "sorting did not change the first row"
    third = rows.nth(2)
    cells = [c.strip() for c in third.locator("td").all_inner_texts()]
    offer = dict(zip(headers(grid), cells, strict=True))
    gpu, count, total = offer["GPU"], int(float(offer["×"])), dollars([offer["total $/h"]])[0]
    with step(f"click the third row ({count}× {gpu}, {offer['total $/h']}/h)"):
        third.locator("td").nth(1).click()
        expect(third).to_have_class(re.compile(r"\bselected\b"))
    form = explorer.locator(".prime-provision-form").first
    with step(f"check a ProvisionForm opened for {count}× {gpu} at the grid's price"):
        expect(form).to_be_visible()
        expect(form.locator(".widget-html-content b").first).to_have_text(
            f"Provision {count}× {gpu}"
        )
        wait_for_amount(total_cell(form), total)
    with step("the grid keeps the order the user chose (the view is never redrawn)"):
        expect(ordered(grid, "desc")).to_have_text("$/GPU/h")
        assert cells == [c.strip() for c in rows.nth(2).locator("td").all_inner_texts()]
    with step("screenshot the explorer's grid and form"):
        page.set_viewport_size({"width": 1400, "height": 2400})  # the whole panel in view
        explorer.scroll_into_view_if_needed()
        name = "explorer-grid.png" if front_end == "JupyterLab" else "explorer-grid-notebook7.png"
        shot = step.screenshot(explorer, name)
    with step("filter 'total $/h' below $0.20 in its column menu: only cheaper rows remain"):
        title = page.locator(".dt-column-title", has_text=re.compile(r"^total \$/h$"))
        grid.locator("thead").first.locator("th", has=title).locator(".dtcc-button").click()
        menu = page.locator(".dtcc-dropdown").first
        menu.locator("select").first.select_option("less")  # a number condition, not text
        menu.locator("input").first.fill("0.2")
        expect(grid.locator(".dt-info")).to_contain_text("filtered from")
        cheap = dollars(column_texts(grid, "total $/h"))
        assert cheap and all(v < 0.2 for v in cheap), f"not all below $0.20: {cheap}"
    return shot
