"""Desktop notifications in JupyterLab and Notebook 7: ``pm.notifications()`` shows a
checkbox; a tick asks the browser once; then a finding of the guard (an end at a
deadline, written to the store as the guard process writes it) reaches the page as a
``Notification`` with the finding's title, and the cell after still says it. Refused by
the browser, the checkbox says so, no Notification is made, and the notice stays in the
cell.

``window.Notification`` is replaced (before the page loads) by a recorder that keeps
what would have been shown, and answers the permission this test gives: granted (with
Playwright's ``notifications`` permission, as after the user's "Allow") or denied.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from .lab import REPO, JupyterLab, Notebook, Steps, copy_file
from .sandbox_notebook import run_clean

pytestmark = pytest.mark.e2e

UPDATE_SCREENSHOTS = os.environ.get("PRIME_UPDATE_SCREENSHOTS") == "1"
DOCS_NOTIFICATIONS = REPO / "docs" / "notifications.png"

CELLS = [
    "import prime_magics as pm\n\nclient = pm.use_sandbox()\n%load_ext prime_magics",
    "pm.notifications()",
    "# the test types a finding of the guard below",
]
FINDING = "Pod e2e-pod was terminated at its deadline (1 h after it was ready)."
TYPED = (
    "import time\n"
    "from prime_magics.rentals.findings import Findings\n\n"
    "Findings(client.store).add(client.settings.base_url, time.time(), 'ended', "
    f"{FINDING!r})\n"
    "pm.notifications().check()  # the round the notifier runs every few seconds"
)
# Replaces the browser's Notification before JupyterLab loads: keeps what it was asked to
# show in window.__notes; its permission is the one this test gives (see the module).
RECORDER = """
(() => {
  const answer = %s;
  window.__notes = [];
  class Recorded {
    constructor(title, options) { window.__notes.push({ title, body: (options || {}).body }); }
    static get permission() { return window.__asked ? answer : "default"; }
    static requestPermission() { window.__asked = true; return Promise.resolve(answer); }
  }
  window.Notification = Recorded;
})();
"""


@pytest.mark.parametrize(
    ("front_end", "answer"),
    [("lab", "granted"), ("lab", "denied"), ("notebook7", "granted")],
)
def test_notification_of_a_guard_finding(
    browser: Browser,
    request: pytest.FixtureRequest,
    artifacts: Path,
    saved_artifacts: list[Path],
    front_end: str,
    answer: str,
) -> None:
    lab: JupyterLab = request.getfixturevalue(front_end)  # JupyterLab, or Notebook 7
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(30_000)
    if answer == "granted":
        context.grant_permissions(["notifications"], origin=lab.url)
    context.add_init_script(RECORDER % repr(answer))
    page = context.new_page()
    step = Steps(page, artifacts, saved_artifacts)
    name = f"notify-{front_end}-{answer}.ipynb"
    lab.write_notebook(name, CELLS)
    notebook = Notebook(page, lab, name)
    try:
        with step(f"open a notebook showing pm.notifications() in {front_end}, run it"):
            run_clean(notebook, 120)
        switch = notebook.panel.locator(".prime-notifications").first
        with step(f"tick Desktop notifications: the browser is asked once ({answer})"):
            expect(switch).to_contain_text("off: tick to be told")
            switch.get_by_role("checkbox").click()
            said = "on: events reach your desktop" if answer == "granted" else "blocked"
            expect(switch).to_contain_text(said)
            assert page.evaluate("window.__asked") is True
        with step("the guard ends a pod: its finding is written, the notifier's round runs"):
            notebook.run_typed(TYPED, timeout_s=60)
        with step("the cell still says it (the in-cell notice, either way)"):
            notice = notebook.panel.locator(".prime-notice", has_text=FINDING)
            expect(notice.first).to_be_visible()
        notes = page.evaluate("window.__notes")
        with step("granted: one Notification, titled by the finding; denied: none"):
            if answer == "granted":
                assert notes == [{"title": "Ended by the guard", "body": FINDING}], notes
                shot = step.screenshot(switch, "notifications-switch.png")
                if UPDATE_SCREENSHOTS:
                    copy_file(shot, DOCS_NOTIFICATIONS)
            else:
                assert notes == [], notes
                expect(switch.get_by_role("checkbox")).not_to_be_checked()
    finally:
        context.close()
