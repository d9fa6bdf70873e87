"""Desktop notifications from the notebook, opt-in: ``pm.notifications()`` and ``announce``.

Why a widget: only the page can show a desktop notification (the browser's Notification
API), and only after the user allowed it, on a click of theirs. ``pm.notifications()``
returns the one ``Notifier`` of this kernel, a small anywidget (JS of its own, no build
step; JupyterLab, Notebook 7 and VS Code render it) drawn as a checkbox: ticking it asks
the browser's permission once, and the page says back what the browser answered. Until
it is ticked and allowed, nothing is sent anywhere and every notice stays where it always
was, in the cells (the guard's findings after the next cell, the watch's banner, the pod's
status): the notifications repeat them, never replace them.

``announce(kind, title, body)`` is the one call the rest of the package makes to announce
an event (a watch match, a pod ready or failed…): a cheap no-op while notifications are
off, and it never raises. While they are on, the notifier also reads the guard's findings
(``pm.guard_status()``) every few seconds, so an end by the guard, a budget threshold or a
deadline ten minutes away reaches the desktop when no cell runs, not only after the next
one.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from typing import Any

import anywidget
import traitlets

from .. import api
from ..display.guard import deadline_soon, finding_title
from ..loops import Loop
from ..rentals.records import SESSION

CHECK_EVERY_S = 5.0
"""How often the guard's findings are read while notifications are on (one store read)."""
DEADLINE_NOTICE_S = 600.0
"""A pod's deadline is announced once, when it is this close (ten minutes)."""

_ESM = """
const supported = () => typeof window !== "undefined" && "Notification" in window;
const permission = () => (supported() ? Notification.permission : "unsupported");

// Once per model (not per view): a toggle shown twice must not notify twice.
function initialize({ model }) {
  model.on("msg:custom", (msg) => {
    if (!msg || msg.type !== "announce" || permission() !== "granted") return;
    try {
      new Notification(msg.title, { body: msg.body, tag: "prime-" + msg.id });
    } catch (e) {
      console.warn("prime_magics: no desktop notification", e);
    }
  });
}

const SAY = {
  granted: "on: events reach your desktop (they stay in the cells too)",
  default: "off: tick to be told on your desktop (the browser asks once)",
  denied: "blocked by the browser for this page: the notices stay in the cells",
  unsupported: "this browser has no desktop notifications: the notices stay in the cells",
};

function render({ model, el }) {
  el.classList.add("prime-notifications");
  const label = document.createElement("label");
  const box = document.createElement("input");
  box.type = "checkbox";
  const words = document.createElement("span");
  label.append(box, " Desktop notifications ");
  label.append(words);
  el.append(label);

  const draw = () => {
    const allowed = permission();
    box.checked = model.get("enabled");
    box.disabled = allowed === "denied" || allowed === "unsupported";
    const off = allowed === "granted" ? SAY.default : SAY[allowed];
    words.textContent = model.get("enabled") ? SAY.granted : off;
  };
  const report = (wanted) => {
    const allowed = permission();
    model.set("permission", allowed);
    model.set("enabled", wanted && allowed === "granted");
    model.save_changes();
    draw();
  };
  box.addEventListener("change", async () => {
    const wanted = box.checked;
    if (wanted && supported() && Notification.permission === "default") {
      await Notification.requestPermission();  // asked once, on the user's click
    }
    report(wanted);
  });
  if (model.get("permission") !== permission()) report(model.get("enabled"));
  model.on("change:enabled", draw);
  draw();
}

export default { initialize, render };
"""


class Notifier(anywidget.AnyWidget):
    """The kernel's desktop-notification switch (see the module): ``enabled`` is True
    only once the user ticked it and the browser allowed it (``permission`` is what the
    browser last said: default, granted, denied or unsupported)."""

    _esm = _ESM
    enabled = traitlets.Bool(False).tag(sync=True)
    permission = traitlets.Unicode("default").tag(sync=True)

    def __init__(self, clock: Callable[[], float] = time.time, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: int | None = None  # the newest finding already known (None: not read)
        self._warned: set[str] = set()  # rentals whose deadline was announced
        self._sent = 0  # announcements sent: each its own notification in the page
        self._loop = Loop(self.check, "prime-notifications", CHECK_EVERY_S)

    @traitlets.observe("enabled")
    def _switched(self, change: dict[str, Any]) -> None:
        if change["new"]:
            with self._lock:
                self._seen = None  # what the guard said before the switch is not news
            with contextlib.suppress(Exception):  # else the loop's first round does it
                self.check()  # at once: a finding made right after the switch is news
            self._loop.start(delay=CHECK_EVERY_S)
        else:
            self._loop.stop()

    def announce(self, kind: str, title: str, body: str) -> bool:
        """Send one notification to the page (which shows it if the browser allows);
        False, and nothing sent, while off. Never raises: a notification is a courtesy."""
        if not self.enabled:
            return False
        try:
            with self._lock:
                self._sent += 1
                ident = self._sent
            self.send({"type": "announce", "id": ident, "kind": kind, "title": title, "body": body})
        except Exception:
            return False
        return True

    def check(self) -> float | None:
        """One round: announce each finding of the guard newer than the last round (for
        this kernel or for any) and each deadline now ten minutes away, once; the pause
        before the next round, None once notifications are off."""
        if not self.enabled:
            return None
        status = api.guard_status()
        now = self._clock()
        mine = [f for f in status.findings if f.session in (None, SESSION)]
        with self._lock:
            seen, self._seen = self._seen, max([f.seq for f in status.findings] + [self._seen or 0])
            soon = [
                r for r in status.guarded
                if r.due is not None and 0 <= r.due - now <= DEADLINE_NOTICE_S
                and r.ref not in self._warned
            ]  # fmt: skip
            self._warned.update(r.ref for r in soon)
        if seen is not None:
            for finding in mine:
                if finding.seq > seen:
                    self.announce(finding.kind, finding_title(finding.kind), finding.text)
        for rental in soon:
            self.announce("deadline", "Deadline in ten minutes", deadline_soon(rental, now))
        return CHECK_EVERY_S


_NOTIFIER: Notifier | None = None


def notifications() -> Notifier:
    """The opt-in switch for desktop notifications (this kernel's one ``Notifier``): show
    it (the last line of a cell) and tick it; the browser asks its permission once, on that
    click. Then a watch's match, a pod that became ready or failed, an end by the guard, a
    budget threshold and a deadline ten minutes away also reach the desktop; refused or
    unticked, the notices stay in the cells only. Needs a Jupyter front end."""
    global _NOTIFIER
    if _NOTIFIER is None:
        _NOTIFIER = Notifier()
    return _NOTIFIER


def announce(kind: str, title: str, body: str) -> None:
    """Announce an event on the desktop if the user turned notifications on: the one call
    the panels make (``kind``: watch, ready, failed, ended, deadline, reached…). A no-op
    while off; never raises."""
    notifier = _NOTIFIER
    if notifier is not None and notifier.enabled:
        with contextlib.suppress(Exception):
            notifier.announce(kind, title, body)


__all__ = ["Notifier", "announce", "notifications"]
