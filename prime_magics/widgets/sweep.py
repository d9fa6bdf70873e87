"""``SweepPanel``: everything billing now, with a way to end each item — asking first.

``%prime sweep`` returns it where widgets show. Each row (a pod or a disk from
``client.sweep()``) has its own button; a click shows what would be lost
(``describe_pod_termination`` / ``describe_disk_deletion``) in the panel's one question,
whose Terminate (or Delete) does it once and Cancel withdraws it. "Terminate all shown"
terminates every pod and deletes every disk listed, and is enabled only once the exact
phrase it asks for has been typed.

After each of its own acts the panel reads the sweep again and draws what it read: an
item it ended is gone from the list (or, while the API still lists it, marked as ending,
without a button and outside the counts), and the status line says what was done.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import pandas as pd
import traitlets as t

from ..display.primitives import Confirmation, notice_html, usd
from ..display.sentences import DEADLINE_CAVEAT, sweep_summary
from ..errors import PrimeError
from ._form import Form

if TYPE_CHECKING:
    from ..client import Client

Item = tuple[str, str]  # ("pod" | "disk", id)


class SweepPanel(Form):
    """The sweep as rows with terminate/delete buttons; ``load()`` reads it afresh."""

    frame = t.Instance(
        pd.DataFrame, allow_none=True, help="What bills now: the last read, minus what is ending."
    )
    ending = t.List(t.Unicode(), help="Ids this panel ended that the API still listed.")
    typed = t.Unicode("", help="What was typed to confirm 'terminate all shown'.")

    def __init__(self, client: Client | None = None, frame: pd.DataFrame | None = None) -> None:
        super().__init__(client, "Everything billing now")
        self.add_class("prime-sweep")
        self.summary = w.HTML()
        self.rows = w.VBox()
        self.row_buttons: dict[str, w.Button] = {}
        self.pending: Item | None = None  # the one item the question asks about
        self._ended: set[str] = set()  # ids this panel ended (a later read may still list them)
        self.phrase_box = w.Text(description="Type", placeholder="the phrase shown")
        self.phrase_box.observe(self._on_typed, "value")
        self.all_button = self.button("Terminate all shown", self._on_all, "danger")
        self.all_button.layout.width = "auto"  # its label is never cut short
        self.refresh_button = self.button("Refresh", self.load)
        question = self.confirm_step("Terminate", self._on_confirm, self._on_cancel)
        caveat = w.HTML(notice_html(DEADLINE_CAVEAT, "info"))
        self.layout_children(
            self.summary, self.rows, question,
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

    def _draw(self, read: pd.DataFrame) -> None:
        """Draw a fresh read: an item this panel ended that is still listed is marked as
        ending (no button, not counted); a question about an item no longer billing is
        withdrawn."""
        ended = read["id"].astype(str).isin(self._ended)
        with self.hold_trait_notifications():
            self.frame = read[~ended].reset_index(drop=True)
            self.ending = [str(i) for i in read.loc[ended, "id"]]
        self.summary.value = notice_html(self._summary_text(), sweep_summary(self.frame).level)
        self.row_buttons = {}
        rows = []
        for record in read.to_dict("records"):
            kind, ident = str(record["kind"]), str(record["id"])
            if ident in self._ended:
                rows.append(w.HTML(html.escape(f"{_row_text(record)} · ending (asked here)")))
                continue
            act = "Terminate…" if kind == "pod" else "Delete…"
            button = self.button(act, partial(self._ask, kind, ident), "warning")
            self.row_buttons[ident] = button
            rows.append(w.HBox([button, w.HTML(_row_html(record))]))
        fixed = (self.all_button, self.refresh_button, self.confirm_button, self.cancel_button)
        self._buttons = [*fixed, *self.row_buttons.values()]
        self.rows.children = tuple(rows)
        if self.pending is not None and self.pending[1] not in self.row_buttons:
            self.pending = None
            self.ask(None)
        self.phrase_box.placeholder = self.phrase
        self.phrase_box.value = ""
        self.refresh_buttons()
        self.keep_saved()

    def _summary_text(self) -> str:
        said = str(sweep_summary(self.frame))
        if self.ending:
            said += f" Ending, still listed by the API: {', '.join(self.ending)}."
        return said

    def state_lines(self) -> list[str]:
        if self.frame is None:
            return []
        items = [_row_text(r) for r in self.frame.to_dict("records")]
        return [self._summary_text(), *items]

    # -- one row -------------------------------------------------------------------------

    def _ask(self, kind: str, ident: str) -> None:
        """Say what ending this item loses, in the panel's question; nothing is sent."""
        verb = "Terminate" if kind == "pod" else "Delete"
        self.load()  # what bills now, not what billed when drawn
        if ident not in self.row_buttons:  # ended meanwhile (another cell, the guard)
            self.show(f"{kind.capitalize()} {ident} no longer bills: nothing to {verb.lower()}.")
            return
        if kind == "pod":
            loss = self.client.describe_pod_termination(ident)
        else:
            loss = self.client.describe_disk_deletion(ident)
        self.pending = (kind, ident)
        self.confirm_button.description = verb
        self.ask(Confirmation(f"{verb} {kind} {ident}?", loss)._repr_html_())
        self.show(f"Nothing is ended yet: {verb} in the question above does it, once; "
                  "Cancel keeps it.")  # fmt: skip

    def _on_confirm(self) -> None:
        pending, self.pending = self.pending, None
        if pending is not None:
            self.ask(None)
            self._end([pending])

    def _on_cancel(self) -> None:
        pending, self.pending = self.pending, None
        self.ask(None)
        if pending is not None:
            self.show(f"Nothing was ended: {pending[0]} {pending[1]} still bills.")

    # -- everything ------------------------------------------------------------------------

    def _on_typed(self, change: Any) -> None:
        self.typed = change["new"]
        self.refresh_buttons()

    def can_enable(self, button: w.Button) -> bool:
        if button is self.all_button:
            has_rows = self.frame is not None and len(self.frame) > 0
            return has_rows and self.typed.strip() == self.phrase
        if button in (self.confirm_button, self.cancel_button):
            return self.pending is not None
        return True

    def _on_all(self) -> None:
        """Terminate every pod shown, then delete every disk shown; say what failed."""
        if self.frame is None or self.typed.strip() != self.phrase:
            return
        self.pending = None
        self.ask(None)
        rows = self.frame[["kind", "id"]].astype(str).itertuples(index=False)
        self._end([(kind, ident) for kind, ident in rows])

    def _end(self, items: Sequence[Item]) -> None:
        """End confirmed items, then read the sweep again: what the panel shows after its
        own act is what the API says now, and the status line says what was done."""
        ended, failed = self.client.end_items(items)
        self._ended |= {ident for kind, ident in items if f"{kind} {ident}" in ended}
        done = f"Ended {', '.join(ended)}: {_no_longer_bills(len(ended))}." if ended else ""
        try:
            self.load()
        except PrimeError as err:
            reread = f"The sweep could not be read again ({err.message}): Refresh to see it."
            self.show("\n".join(filter(None, [done, *failed, reread])), "warning")
            return
        if failed:
            self.show("\n".join(filter(None, [done, "Not everything ended:", *failed])), "error")
        else:
            self.show(done, "success")


def _no_longer_bills(count: int) -> str:
    return "it no longer bills" if count == 1 else "they no longer bill"


def _row_facts(record: Mapping[Any, Any]) -> tuple[list[str], list[str]]:
    """A row's facts (``pod name (id)``, status, $/h, cost so far) and its flags."""
    flags = ["attached to nothing"] if record.get("unattached_disk") is True else []
    flags += ["past its deadline"] if record.get("past_deadline") is True else []
    price, cost = record["price_hr"], record.get("cost_so_far")
    facts = [
        f"{record['kind']} {record['name']} ({record['id']})",
        str(record["status"]),
        usd(None if pd.isna(price) else float(price)),
        f"{usd(None if pd.isna(cost) else float(cost), '')} so far",
    ]
    return facts, flags


def _row_text(record: Mapping[Any, Any]) -> str:
    """``pod name (id) · ACTIVE · $1.9000/h · $0.42 so far · flags``."""
    facts, flags = _row_facts(record)
    return " · ".join([*facts, *([", ".join(flags)] if flags else [])])


def _row_html(record: Mapping[Any, Any]) -> str:
    """``_row_text`` escaped, with the kind and the flags in bold."""
    (first, *rest), flags = _row_facts(record)
    kind = str(record["kind"])
    facts = [f"<b>{html.escape(kind)}</b>{html.escape(first[len(kind) :])}"]
    facts += [html.escape(fact) for fact in rest]
    facts += [f"<b>{html.escape(', '.join(flags))}</b>"] if flags else []
    return " · ".join(facts)
