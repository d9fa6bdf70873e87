"""``WatchPanel``: a capacity watch in a notebook, with its matches one click from rented.

``%prime availability watch`` returns it where widgets show. The watch polls in its own
thread (``pm.watch``); the panel subscribes to its polls and events and redraws from
them: the matching offers cheapest first with their cost, how long each has been
visible, first seen / times seen / best price, a timeline of the polls, the last
failure, and — prominently — a new match. Each match has "Configure" (a
``ProvisionForm`` preset from that offer) and "Rent now": one confirmation showing the
quoted total, then exactly one create whose ``maxPrice`` is that quote. With
``--rent-first`` the panel says it is armed and can disarm it. Closing the panel stops
the watch.
"""

from __future__ import annotations

import html
from functools import partial
from typing import Any

import ipywidgets as w
import pandas as pd
import traitlets as t

from ..capacity.match import APPEARED, WatchEvent, offer_place
from ..capacity.state import Poll
from ..capacity.watcher import Watch
from ..display.primitives import Confirmation, notice_html, seconds_text, timeline_text, usd
from ..display.sentences import cap_lines
from ..models import GpuOffer, Pod
from ..offers import gpu_offer
from ..provisioning import PodRequest
from ._form import Form, shown
from .provision import ProvisionForm


class WatchPanel(Form):
    """The matches of ``watch``, redrawn after every poll (see the module)."""

    table = t.Instance(pd.DataFrame, allow_none=True, help="Matches with what was seen.")
    announcement = t.Unicode("", help="The latest new match, said prominently.")
    pod = t.Instance(Pod, allow_none=True, help="The pod Rent now created.")

    def __init__(self, watch: Watch, autostart: bool = True, max_hours: float | None = None):
        super().__init__(watch.client, f"Watching for {watch.describe()}")
        self.add_class("prime-watch")
        self.watch = watch
        self.max_hours = max_hours  # given to Rent now's request (the pod's deadline)
        self.banner, self.armed_line, self.timeline = w.HTML(), w.HTML(), w.HTML()
        self.rows, self.form_area = w.VBox(), w.VBox()
        self.rent_buttons: dict[int, w.Button] = {}
        self.configure_buttons: dict[int, w.Button] = {}
        self.offers: list[GpuOffer] = []
        self.form: ProvisionForm | None = None
        self.disarm_button = self.button("Disarm rent-first", self._disarm, "warning")
        shown(self.disarm_button, watch.rent_first is not None)
        self.stop_button = self.button("Stop watching", self.stop)
        self.create_step("Rent", "%prime pods list", "Nothing was rented.")
        self.layout_children(
            self.banner, self.armed_line, self.timeline, self.rows, self.confirm_box,
            w.HBox([self.disarm_button, self.stop_button]), self.form_area,
        )  # fmt: skip
        watch.subscribe(on_event=self._on_event, on_poll=self._on_poll)
        watch.client.when_closed(self._client_closed)
        self.redraw()
        if autostart:
            watch.start()

    # -- from the watch's thread -----------------------------------------------------------

    def _on_event(self, event: WatchEvent) -> None:
        if event.kind == APPEARED:
            self.announcement = str(event)

    @t.observe("announcement")
    def _draw_banner(self, _change: Any) -> None:
        said = notice_html(self.announcement, "success")
        style = "font-size:1.2em;font-weight:bold"
        self.banner.value = f'<div class="prime-watch-new" style="{style}">{said}</div>'

    def _on_poll(self, _poll: Poll) -> None:
        try:
            self.redraw()
        except Exception as exc:  # a bug in a background thread: keep it visible
            self.report_crash(exc)

    def _client_closed(self) -> None:
        """The watch's client was closed (``%prime sandbox restart``, ``set_client``): its
        matches cannot be rented any more; the next poll follows the kernel's new client or
        stops the watch."""
        try:
            self.refresh_buttons()
            if not self.watch.stopped:
                self.show(
                    "This watch's client was closed: its matches can no longer be rented; "
                    "the next poll takes the kernel's new client or stops the watch.",
                    "warning",
                )
        except Exception as exc:  # called from whoever closed the client: keep it visible
            self.report_crash(exc)

    # -- drawing -----------------------------------------------------------------------------

    def redraw(self) -> None:
        watch = self.watch
        if self.client is not watch.client:  # it followed the kernel's new default client
            self.client, self.announcement = watch.client, ""
            watch.client.when_closed(self._client_closed)
            if self.form is not None:  # a form on the closed client could not create
                self.form.close()
                self.form, self.form_area.children = None, ()
        self.table = table = watch.table
        self.offers = [gpu_offer(row) for _, row in table.iterrows()]
        rows = []
        self.rent_buttons, self.configure_buttons = {}, {}
        for index, record in enumerate(table.to_dict("records")):
            configure = self.button("Configure", partial(self._configure, index))
            rent = self.button("Rent now", partial(self._rent, index), "primary")
            self.configure_buttons[index], self.rent_buttons[index] = configure, rent
            rows.append(w.HBox([configure, rent, w.HTML(_row_html(self.offers[index], record))]))
        keep = (self.disarm_button, self.stop_button, self.confirm_button, self.cancel_button)
        self._buttons = [*keep, *self.configure_buttons.values(), *self.rent_buttons.values()]
        self.rows.children = tuple(rows)
        marks = [p.matched if p.ok else None for p in watch.polls]
        self.timeline.value = notice_html(f"polls: {timeline_text(marks)}", "info")
        self._draw_armed()
        self.refresh_buttons()
        self._draw_state()

    def _draw_state(self) -> None:
        watch = self.watch
        if watch.ended:
            self.show(f"Stopped: {watch.ended}. Nothing is polled any more.", "warning")
        elif watch.stopped:
            self.show("Stopped: nothing is polled any more.", "warning")
        elif watch.last_error:
            self.show(f"The last poll failed (the watch goes on): {watch.last_error}", "error")
        elif not watch.polls:
            self.show("Waiting for the first poll…")
        elif self.offers:
            self.show(f"{len(self.offers)} match(es); polled {len(watch.polls)} time(s).")
        else:
            self.show(f"No match yet; polled {len(watch.polls)} time(s), every {watch.every:g} s.")

    def _draw_armed(self) -> None:
        auto = self.watch.rent_first
        if auto is None:
            self.armed_line.value = ""
        elif auto.pod is not None:
            self.armed_line.value = notice_html(
                f"Rent-first rented pod {auto.pod.name} ({auto.pod.id}).", "success"
            )
        elif auto.armed:
            text = f"ARMED: the first match is rented once (stopped after {auto.max_hours:g} h)."
            self.armed_line.value = notice_html(text, "warning")
        else:
            said = f": {auto.error.message}" if auto.error else ""
            self.armed_line.value = notice_html(f"Rent-first is disarmed{said}.", "info")

    def can_enable(self, button: w.Button) -> bool:
        if button is self.disarm_button:
            return self.watch.rent_first is not None and self.watch.rent_first.armed
        if button in self.rent_buttons.values() or button in self.configure_buttons.values():
            return not self.submitted and not self.watch.client.closed
        return True

    def state_lines(self) -> list[str]:
        lines = [self.announcement] if self.announcement else []
        return lines + [_row_text(o) for o in self.offers]

    # -- acts ----------------------------------------------------------------------------

    def _disarm(self) -> None:
        if self.watch.rent_first is not None:
            self.watch.rent_first.disarm()
        self.redraw()

    def _configure(self, index: int) -> None:
        if self.watch.client.closed:
            return
        if self.form is not None:
            self.form.close()
        self.form = ProvisionForm(self.offers[index], client=self.client)
        self.form.sandbox_label = False
        self.form_area.children = (self.form,)

    def _rent(self, index: int) -> None:
        """Step 1: the quoted total and the cap; nothing is sent yet (``propose``: Confirm
        sends exactly one create at the quoted cap)."""
        if self.submitted or self.watch.client.closed:
            return
        offer = self.offers[index]
        request = self.client.prepare(PodRequest.from_offer(offer, max_hours=self.max_hours))
        q = request.quote()
        question = f"Rent {offer.gpu_count}× {offer.gpu_type} at {usd(q.total_hr)}?"
        details = "\n".join([offer_place(offer), *cap_lines(request)])
        self.propose(
            Confirmation(question, details), partial(self.client.create_pod, request), self._created
        )

    def _created(self, pod: Pod) -> None:
        self.pod = pod
        self.show(f"Pod {pod.name} ({pod.id}) created: {pod.status}.", "success")

    def stop(self) -> None:
        self.watch.stop()
        self._draw_state()

    def close(self) -> None:
        """Closing the panel stops the watch."""
        self.watch.stop()
        if self.form is not None:
            self.form.close()
        super().close()


def _row_text(offer: GpuOffer) -> str:
    return f"{offer.gpu_count}× {offer.gpu_type} {offer_place(offer)}"


def _row_html(offer: GpuOffer, record: dict[Any, Any]) -> str:
    """``8× H100_80GB hyperstack CANADA-1 (…) · $17.6000/h · $2.2000/h per GPU · visible
    2 min · first seen 5 min ago · seen 7× · best $17.6000/h``."""

    def number(name: str) -> float | None:
        value = record.get(name)
        return None if value is None or pd.isna(value) else float(value)

    cur = str(record.get("currency") or "USD")
    times = record.get("times_seen")
    facts = [
        f"<b>{html.escape(_row_text(offer))}</b>",
        usd(number("total_hr"), currency=cur),
        f"{usd(number('price_per_gpu_hr'), currency=cur)} per GPU",
        f"visible {seconds_text(number('visible_s'))}",
        f"first seen {seconds_text(number('first_seen_s_ago'))} ago",
        f"seen {'—' if times is None or pd.isna(times) else int(times)}×",
        f"best {usd(number('best_total_hr'), currency=cur)}",
    ]
    return " · ".join(facts)
