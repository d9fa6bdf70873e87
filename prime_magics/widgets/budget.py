"""``BudgetPanel``: the kernel's budget as it stands, and one button to end what it counts.

``%prime budget`` returns it where widgets show, and the after-cell hook shows a fresh
one when a budget is spent. The budget lives in the store, so the panel redraws by
itself: a daemon thread (a ``loops.Loop``) recomputes it from the store every
``REDRAW_S`` while the panel is open (no API request: the guard process does the reading;
a widget may be changed from any thread); a redraw that fails is said on the status line
and tried again later. The button
names exactly what it ends ("Terminate 1 pod, delete 1 disk"), so the click is the
confirmation the notice asked for; it is there only while something counted bills.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ipywidgets as w
import traitlets as t

from ..display.primitives import notice_html
from ..loops import Loop
from ..rentals.budget_words import BUDGET_CAVEAT, budget_notice, budget_table
from ..rentals.budgets import BudgetState
from ._form import Form, shown

if TYPE_CHECKING:
    from ..client import Client

REDRAW_S = 2.0


def end_label(state: BudgetState | None) -> str:
    """``Terminate 1 pod, delete 2 disks``: what the button ends, counted."""
    live = () if state is None else state.live
    pods = sum(r.kind == "pod" for r in live)
    disks = len(live) - pods
    parts = [f"terminate {pods} pod{'s' * (pods != 1)}"] if pods else []
    parts += [f"delete {disks} disk{'s' * (disks != 1)}"] if disks else []
    return ", ".join(parts).capitalize() or "Nothing to end"


class BudgetPanel(Form):
    """The budget's table, the notice its level deserves, and the end-everything button."""

    state = t.Any(None, allow_none=True, help="The BudgetState last drawn (None: no budget).")

    def __init__(self, client: Client | None = None) -> None:
        super().__init__(client, "Budget")
        self.add_class("prime-budget")
        self.table = w.HTML()
        self.notice = w.HTML()
        self.end_button = self.button("Nothing to end", self._on_end, "danger")
        self.end_button.layout.width = "auto"  # it names what it ends: never cut short
        self.refresh_button = self.button("Refresh", self.load)
        caveat = w.HTML(notice_html(BUDGET_CAVEAT, "info"))
        self.layout_children(
            self.notice, self.table, w.HBox([self.end_button, self.refresh_button]), caveat
        )
        self.state = self.client.budget()
        self._redraws = Loop(
            self._follow, "prime-budget-panel", REDRAW_S, on_error=self.report_crash
        )
        self._redraws.start(delay=REDRAW_S)

    def close(self) -> None:
        self._redraws.stop()
        super().close()

    def load(self) -> None:
        """One round of the guard now (reads what still runs), then redraw."""
        self.client.guard_round()
        self.state = self.client.budget()

    def _follow(self) -> float | None:
        """One redraw from the store; the loop's next in ``REDRAW_S``, none once the budget
        is lifted (the loop ends then, and when the panel closes)."""
        self.state = self.client.budget()
        if self._redraws.failures:  # the last redraw failed, and said so: no longer true
            self.show("")
        return None if self.state is None else REDRAW_S

    @t.observe("state")
    def _draw(self, _change: Any) -> None:
        state: BudgetState | None = self.state
        if state is None:
            self.notice.value = notice_html("No budget is set: %prime budget USD sets one.")
            self.table.value = ""
        else:
            self.notice.value = budget_notice(state)._repr_html_()
            self.table.value = budget_table(state, title=None)._repr_html_()  # the heading says it
        self.end_button.description = end_label(state)
        shown(self.end_button, state is not None and bool(state.live))
        self.refresh_buttons()
        self.keep_saved()

    def can_enable(self, button: w.Button) -> bool:
        if button is self.end_button:
            return self.state is not None and bool(self.state.live)
        return True

    def _on_end(self) -> None:
        self.client.guard_round()  # what still runs now, not what ran when drawn
        state = self.client.budget()
        live = [] if state is None else [r for r in state.live if r.id]
        if not live:
            self.state = state  # the truth the click found, drawn
            self.show("Nothing counted by the budget bills any more.", "success")
            return
        ended, failed = self.client.end_items([(r.kind, r.id) for r in live if r.id])
        self.state = self.client.budget()
        if failed:
            self.show("Not everything ended:\n" + "\n".join(failed), "error")
        else:
            self.show(f"Ended {', '.join(ended)}; nothing the budget counts bills now.", "success")

    def state_lines(self) -> list[str]:
        """The budget as last drawn: its notice (spent, the rate, what still bills)."""
        state: BudgetState | None = self.state
        return ["No budget is set."] if state is None else [str(budget_notice(state))]


__all__ = ["BudgetPanel", "end_label"]
