"""Notebook 7 as a user meets it: a notebook made from the file browser's New menu, in the
light and the dark theme, loads the extension, shows a ProvisionForm, and the form is live
(a click runs its handler in the kernel, whose answer the page then shows).

Widgets of a notebook made that way were inert ("No such comm" in the kernel's log). The
cause is Jupyter's, not ours (Notebook 7.6, JupyterLab 4.6; plain ``ipywidgets.Button``
shows it too): the ``/tree`` tab that made the notebook keeps a connection of its own to
the new kernel, cannot draw the widgets, and so closes each widget's comm in the kernel;
the notebook tab's clicks then reach comms the kernel no longer has. Reloading (or
closing) the ``/tree`` tab ends that connection, and widgets shown afterwards work: the
README's workaround, which this test follows. Opening a notebook from the file list, or by
its URL (the other browser tests), keeps no such connection.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from .lab import JupyterLab, Notebook, Notebook7, Steps

pytestmark = pytest.mark.e2e

CELL = (
    "%load_ext prime_magics\n%prime simulator\n"
    "df = %prime availability list --gpu-type H100_80GB\n"
    "%prime pods create df[0] --name from-tree"
)


def wait_for_connections(server: JupyterLab, path: str, count: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while (seen := server.kernel_connections(path)) != count:
        if time.monotonic() > deadline:
            raise AssertionError(f"{path}'s kernel has {seen} connections, expected {count}")
        time.sleep(0.2)


@pytest.mark.parametrize("theme", ["JupyterLab Light", "JupyterLab Dark"])
def test_notebook_made_from_tree_has_live_panels(
    browser: Browser,
    notebook7: Notebook7,
    artifacts: Path,
    saved_artifacts: list[Path],
    theme: str,
) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(30_000)
    tree = context.new_page()
    step = Steps(tree, artifacts, saved_artifacts)
    notebook7.set_theme(theme)
    try:
        with step(f"/tree → New → Python 3 (ipykernel) in Notebook 7 ({theme})"):
            page = notebook7.new_from_tree(tree)
            step.page = page  # screenshots of the notebook from here on
            found = re.search(r"/notebooks/([^?#]+\.ipynb)", page.url)
            assert found, f"the New menu opened {page.url}, not a notebook"
            name = found.group(1)
            notebook = Notebook(page, notebook7, name)
            notebook.wait_until_ready()
            light = "false" if "Dark" in theme else "true"
            expect(page.locator("body")).to_have_attribute("data-jp-theme-light", light)
        with step("the README's workaround: reload the /tree tab; only the notebook's stays"):
            # Jupyter's bug: the /tree tab that made the notebook holds a second connection
            # to its kernel and closes the widgets it cannot draw. How soon that connection
            # shows in /api/sessions varies, so the test does not wait for it: it applies
            # the workaround and proves the panel below is live.
            tree.reload()
            wait_for_connections(notebook7, name, 1, timeout_s=30)
        with step("type %load_ext, %prime simulator and %prime pods create; run the cell"):
            notebook.run_typed(CELL, timeout_s=120)
        form = notebook.panel.locator(".prime-provision-form").first
        with step("click Provision: the kernel answers with what will be rented"):
            expect(form).to_be_visible()
            form.get_by_role("button", name="Provision", exact=True).click()
            preview = form.locator(".widget-html-content", has_text=re.compile(r"Rent \d+×"))
            expect(preview.first).to_be_visible(timeout=15_000)
            slug = "dark" if "Dark" in theme else "light"
            step.screenshot(form, f"notebook7-from-tree-{slug}.png")
    finally:
        notebook7.set_theme("JupyterLab Light")
        context.close()
