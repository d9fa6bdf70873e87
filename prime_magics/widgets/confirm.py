"""``ConfirmPanel``: the one-button confirmation ``%prime pods terminate`` and
``%prime disks delete`` return (without ``--yes``) where widgets show.

The panel says the question once: its heading asks it ("Delete disk ID?"), the warning
under it says what would be lost, and the button beneath carries only the verb
("Delete"), so it is never cut short. When the act cannot succeed now (a disk attached
to a live pod), the button is disabled with the reason beside it, rather than failing
after a click.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import ipywidgets as w
import traitlets as t

from ..display.primitives import notice_html
from ._form import Form

if TYPE_CHECKING:
    from ..client import Client


class ConfirmPanel(Form):
    """One danger button that runs ``action`` once; the outcome goes on the status line.

    The button is disabled by the first click, whatever the outcome, and a second click
    (``Button.click()`` ignores ``disabled``) sends nothing: after an error the act may
    or may not have happened, so look (``%prime pods list``) before trying again.
    """

    blocked = t.Unicode(None, allow_none=True, help="Why the act cannot be done now.")

    def __init__(
        self,
        client: Client,
        title: str,
        label: str,
        action: Callable[[], None],
        done: str,
        blocked: str | None = None,
        details: str = "",
    ) -> None:
        super().__init__(client, title)
        self.action = action
        self.done = done
        self.details = details  # what the act loses, said under the question
        self.reason = w.HTML()
        self.confirm_button: w.Button = self.button(label, self._on_click, "danger")
        loss = w.HTML(notice_html(details, "warning"))
        self.layout_children(loss, w.HBox([self.confirm_button, self.reason]))
        self.blocked = blocked
        self._on_blocked(None)

    @property
    def clicked(self) -> bool:
        return self.submitted

    @t.observe("blocked")
    def _on_blocked(self, _change: object) -> None:
        self.reason.value = notice_html(self.blocked or "", "warning")
        label = self.confirm_button.description
        if self.blocked:
            self.show("Nothing can be sent until this is resolved.", "warning")
        else:
            self.show(f"Nothing is sent until you click {label}; it works once.")
        self.refresh_buttons()

    def state_lines(self) -> list[str]:
        """What the click would lose until it was clicked (then the status line says what
        happened), and why it cannot be clicked now."""
        lines = [] if self.submitted or not self.details else [self.details]
        return lines + ([self.blocked] if self.blocked else [])

    def can_enable(self, button: w.Button) -> bool:
        return not self.submitted and not self.blocked

    def _on_click(self) -> None:
        if self.submitted or self.blocked:
            return
        self.submitted = True
        self.show(f"{self.confirm_button.description}…")
        self.action()  # a PrimeError becomes the status line (Form.run)
        self.show(self.done, "success")
