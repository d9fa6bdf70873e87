"""In JupyterLab's dark theme: frames show their costs with ``$``, and every notice, label
and panel text reads (contrast ratio ≥ 4.5, WCAG AA, measured on the rendered colours).

Runs after ``test_e2e_lab.py`` (file order) and puts the light theme back at the end.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .lab import REPO, JupyterLab, Notebook, Steps, copy_file, cut_short

pytestmark = pytest.mark.e2e

UPDATE_SCREENSHOTS = os.environ.get("PRIME_UPDATE_SCREENSHOTS") == "1"
DOCS_DARK = REPO / "docs" / "dark-theme.png"
CELLS = [
    "%load_ext prime_magics\n%prime sandbox",
    "df = %prime availability list --gpu-type H100_80GB\ndf.prime.cheapest(3)",
    "%prime pods create df[0] --name dark-form",
]
# The rendered text colour and the first opaque background behind it, as RGB; then the
# WCAG contrast ratio of the two.
CONTRAST_JS = """
(el) => {
  const rgb = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  let node = el, bg = null;
  while (node && node.nodeType === 1) {
    const c = rgb(getComputedStyle(node).backgroundColor);
    if (c.length >= 3 && (c.length < 4 || c[3] > 0.5)) { bg = c.slice(0, 3); break; }
    node = node.parentElement;
  }
  bg = bg || [255, 255, 255];
  const fg = rgb(getComputedStyle(el).color).slice(0, 3);
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return {ratio: (a + 0.05) / (b + 0.05), fg, bg, text: el.innerText.slice(0, 60)};
}
"""
MIN_CONTRAST = 4.5


def test_dark_theme_reads(
    page: Page, lab: JupyterLab, artifacts: Path, saved_artifacts: list[Path]
) -> None:
    step = Steps(page, artifacts, saved_artifacts)
    lab.write_notebook("dark.ipynb", CELLS)
    notebook = Notebook(page, lab, "dark.ipynb")
    lab.set_theme("JupyterLab Dark")
    try:
        with step("open a notebook with a frame, a notice and a form in the dark theme"):
            notebook.open()
            expect(page.locator("body")).to_have_attribute("data-jp-theme-light", "false")
            notebook.run_all(120)
            failed = notebook.errors()
            assert not failed, "cells failed:\n" + "\n".join(failed)
        frame = notebook.panel.locator(".prime-frame").first
        with step("the frame shows total_hr and price_per_gpu_hr as dollars"):
            expect(frame).to_be_visible()
            heads = frame.locator("thead th").all_inner_texts()
            assert "total_hr" in heads and "price_per_gpu_hr" in heads, heads
            expect(frame.locator("tbody td").filter(has_text="$").first).to_be_visible()
        form = notebook.panel.locator(".prime-provision-form").first
        with step("every notice, label and heading reads in the dark theme"):
            expect(form).to_be_visible()
            texts = notebook.panel.locator(
                ".prime-notice, .prime-sandbox, .prime-frame-caption, .prime-hint, "
                ".prime-provision-form .widget-label, .prime-provision-form td, "
                ".prime-provision-form th"
            )
            assert texts.count() > 5
            weak = []
            for index in range(texts.count()):
                element = texts.nth(index)
                if not element.is_visible() or not element.inner_text().strip():
                    continue
                seen = element.evaluate(CONTRAST_JS)
                if seen["ratio"] < MIN_CONTRAST:
                    weak.append(seen)
            assert not weak, f"unreadable in the dark theme: {weak[:5]}"
            assert cut_short(form) == []  # no label or button cut short
        with step("screenshot the form in the dark theme"):
            page.set_viewport_size({"width": 1400, "height": 2400})  # the whole form in view
            form.scroll_into_view_if_needed()
            shot = step.screenshot(form, "dark-theme-form.png")
            if UPDATE_SCREENSHOTS:
                copy_file(shot, DOCS_DARK)
    finally:
        lab.set_theme("JupyterLab Light")
