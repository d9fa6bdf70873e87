"""The whole user story in a real browser: JupyterLab, the notebooks, the widgets.

``provisioning.ipynb`` is run with Run → Run All Cells; then, in the rendered
``ProvisionForm``, the disk size is changed (the total must become what ``pm.quote``
says for that size), Provision and Confirm are clicked, and the ``PodStatus`` panel the
form opens must reach ACTIVE. A second notebook shows an ``AvailabilityExplorer``: its
table must list offers, and choosing one must open a form for it.

Screenshots go to ``artifacts/e2e/``; with ``PRIME_UPDATE_SCREENSHOTS=1`` the form's is
also copied to ``docs/provision-form.png`` for the README.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

import prime_magics as pm

from .lab import REPO, JupyterLab, Notebook, Steps, copy_file

pytestmark = pytest.mark.e2e

NOTEBOOKS = REPO / "notebooks"
DOCS_SCREENSHOT = REPO / "docs" / "provision-form.png"
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
    """The amount in the form's cost table row labelled exactly "Total"."""
    label = form.page.locator("td", has_text=re.compile(r"^\s*Total\s*$"))
    return form.locator("table.prime-quote tr", has=label).locator("th, td").last


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
    with step("screenshot the form"):
        shot = step.screenshot(form, "provision-form.png")
        if UPDATE_SCREENSHOTS:
            copy_file(shot, DOCS_SCREENSHOT)

    with step("click Provision and see what will be rented, at that price"):
        form.get_by_role("button", name="Provision", exact=True).click()
        preview = form.locator(".widget-html-content", has_text="Rent ").first
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


def test_explorer_lists_offers_and_opens_a_form(
    page: Page, lab: JupyterLab, artifacts: Path, saved_artifacts: list[Path]
) -> None:
    step = Steps(page, artifacts, saved_artifacts)
    lab.write_notebook("explorer.ipynb", EXPLORER_CELLS)
    notebook = Notebook(page, lab, "explorer.ipynb")

    with step("open a notebook showing pm.AvailabilityExplorer() and run it"):
        notebook.open()
        notebook.run_all(RUN_ALL_TIMEOUT_S)
        failed = notebook.errors()
        assert not failed, "cells failed:\n" + "\n".join(failed)
    explorer = notebook.panel.locator(".prime-availability-explorer").first
    with step("check the explorer shows a table of offers"):
        expect(explorer).to_be_visible()
        rows = explorer.locator("table.prime-offers tr")
        expect(rows.nth(10)).to_be_attached()  # a header and at least ten offers
        expect(rows.first).to_contain_text("total $/h")
    chooser = explorer.get_by_label("Offer", exact=True)
    configure = explorer.get_by_role("button", name="Configure", exact=True)
    with step("choose the third offer in the Offer list"):
        chooser.select_option(index=2)
        label = " ".join(chooser.locator("option:checked").inner_text().split())  # &nbsp;
    with step(f"check Configure is enabled once offer {label!r} is chosen"):
        expect(configure).to_be_enabled(timeout=5_000)
    with step("click Configure"):
        configure.click()
    form = explorer.locator(".prime-provision-form").first
    with step(f"check a ProvisionForm opened for {label!r}, at the table's price"):
        found = re.search(r"(\d+)\s*×\s*(\S+)", label)
        assert found, f"no 'N× GPU' in the offer label {label!r}"
        count, gpu = found.groups()
        expect(form).to_be_visible()
        expect(form).to_contain_text(f"Provision {count}× {gpu}")
        price = _AMOUNT.search(label)
        assert price, f"no price in the offer label {label!r}"
        wait_for_amount(total_cell(form), float(price.group(1).replace(",", "")))
        expect(form.get_by_role("button", name="Provision", exact=True)).to_be_enabled()
    with step("screenshot the explorer's form"):
        form.scroll_into_view_if_needed()
        step.screenshot(page, "availability-explorer.png")
