"""``SweepPanel``: everything billing now, with a way to end each item — asking first.

``%prime sweep`` returns it where widgets show. Each row (a pod or a disk from
``client.sweep()``) has its own button; a click shows what would be lost
(``describe_pod_termination`` / ``describe_disk_deletion``) above a ``ConfirmPanel``
whose one button does it. "Terminate all shown" terminates every pod and deletes every
disk listed, and is enabled only once the exact phrase it asks for has been typed.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import pandas as pd
import traitlets as t

from ..display.primitives import Confirmation, notice_html, usd
from ..display.sentences import DEADLINE_CAVEAT, sweep_summary
from ._form import Form
from .confirm import ConfirmPanel

if TYPE_CHECKING:
    from ..client import Client


class SweepPanel(Form):
    """The sweep as rows with terminate/delete buttons; ``load()`` reads it afresh."""

    frame = t.Instance(pd.DataFrame, allow_none=True, help="The sweep as last read.")
    typed = t.Unicode("", help="What was typed to confirm 'terminate all shown'.")

    def __init__(self, client: Client | None = None, frame: pd.DataFrame | None = None) -> None:
        super().__init__(client, "Everything billing now")
        self.add_class("prime-sweep")
        self.summary = w.HTML()
        self.rows = w.VBox()
        self.confirm_area = w.VBox()
        self.row_buttons: dict[str, w.Button] = {}
        self.pending: ConfirmPanel | None = None
        self.phrase_box = w.Text(description="Type", placeholder="the phrase shown")
        self.phrase_box.observe(self._on_typed, "value")
        self.all_button = self.button("Terminate all shown", self._on_all, "danger")
        self.refresh_button = self.button("Refresh", self.load)
        caveat = w.HTML(notice_html(DEADLINE_CAVEAT, "info"))
        self.layout_children(
            self.summary, self.rows, self.confirm_area,
            w.HBox([self.phrase_box, self.all_button, self.refresh_button]), caveat,
        )  # fmt: skip
        if frame is None:
            self.run(self.load)
        else:
            self._draw(frame)

    # -- reading -------------------------------------------------------------------------

    def load(self) -> None:
        self._draw(self.client.sweep())

    @property
    def phrase(self) -> str:
        """What must be typed to enable "terminate all shown"."""
        return f"terminate {0 if self.frame is None else len(self.frame)}"

    def _draw(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.summary.value = sweep_summary(frame)._repr_html_()
        self.row_buttons = {}
        rows = []
        for record in frame.to_dict("records"):
            kind, ident = str(record["kind"]), str(record["id"])
            act = "Terminate…" if kind == "pod" else "Delete…"
            button = self.button(act, partial(self._ask, kind, ident), "warning")
            self.row_buttons[ident] = button
            rows.append(w.HBox([button, w.HTML(_row_html(record))]))
        self._buttons = [b for b in self._buttons if b in (self.all_button, self.refresh_button)]
        self._buttons += list(self.row_buttons.values())
        self.rows.children = tuple(rows)
        self.phrase_box.placeholder = self.phrase
        self.phrase_box.value = ""
        self.refresh_buttons()

    def state_lines(self) -> list[str]:
        return [] if self.frame is None else [str(sweep_summary(self.frame))]

    # -- one row -------------------------------------------------------------------------

    def _ask(self, kind: str, ident: str) -> None:
        """Say what ending this item loses, under a ConfirmPanel that does it once."""
        client = self.client
        if kind == "pod":
            loss, label = client.describe_pod_termination(ident), f"Terminate pod {ident}"
            act: Callable[[], None] = partial(client.terminate_pod, ident, confirm=True)
            done = f"Pod {ident} is terminating."
        else:
            loss, label = client.describe_disk_deletion(ident), f"Delete disk {ident}"
            act, done = partial(client.delete_disk, ident, confirm=True), f"Disk {ident} deleted."
        self.pending = ConfirmPanel(client, f"{label}?", label, act, done)
        self.pending.sandbox_label = False
        question = w.HTML(Confirmation(f"{label}?", loss)._repr_html_())
        self.confirm_area.children = (question, self.pending)
        self.show("Nothing happened yet; the button below does it, once.")

    # -- everything ------------------------------------------------------------------------

    def _on_typed(self, change: Any) -> None:
        self.typed = change["new"]
        self.refresh_buttons()

    def can_enable(self, button: w.Button) -> bool:
        if button is self.all_button:
            has_rows = self.frame is not None and len(self.frame) > 0
            return has_rows and self.typed.strip() == self.phrase
        return True

    def _on_all(self) -> None:
        """Terminate every pod shown, then delete every disk shown; say what failed."""
        if self.frame is None or self.typed.strip() != self.phrase:
            return
        rows = self.frame[["kind", "id"]].astype(str).itertuples(index=False)
        ended, failed = self.client.end_items([(kind, ident) for kind, ident in rows])
        self.confirm_area.children = ()
        self.load()
        if failed:
            self.show("Not everything ended:\n" + "\n".join(failed), "error")
        else:
            self.show(f"Ended {len(ended)} item(s); nothing of them bills any more.", "success")


def _row_html(record: Mapping[Any, Any]) -> str:
    """``pod name (id) · ACTIVE · $1.9000/h · $0.42 so far · flags``."""
    flags = []
    if record.get("unattached_disk") is True:
        flags.append("attached to nothing")
    if record.get("past_deadline") is True:
        flags.append("past its deadline")
    cost = record.get("cost_so_far")
    facts = [
        f"<b>{html.escape(str(record['kind']))}</b> {html.escape(str(record['name']))} "
        f"({html.escape(str(record['id']))})",
        html.escape(str(record["status"])),
        usd(None if pd.isna(record["price_hr"]) else float(record["price_hr"])),
        f"{usd(None if pd.isna(cost) else float(cost), '')} so far",
    ]
    if flags:
        facts.append(f"<b>{html.escape(', '.join(flags))}</b>")
    return " · ".join(facts)
