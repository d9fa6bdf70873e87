"""``WatchPanel``: a capacity watch in a notebook, with its matches one click from rented.

``%prime availability watch`` returns it where widgets show. The watch polls in its own
thread (``pm.watch``); the panel subscribes to its polls and events and redraws from
them: a grid of the matching offers, one row each, cheapest first by the query's
yardstick (per GPU-hour unless only the total is capped, and it says so), how long each
has been visible, first seen / times seen / best price, the timeline of the polls with
the price and stock history of the shape (an inline SVG chart when matplotlib is
installed, so a saved notebook keeps it), the last failure, and — prominently — the
latest match, kept true as its price moves or it goes. Each match has "Configure" (a
``ProvisionForm`` preset from that offer) and "Rent now": the same question a form asks
(``display.rent_question``: price, cap, deadline, forecast, wallet and budget), then
exactly one create whose ``maxPrice`` is that quote, and a ``PodStatus`` that follows
the pod to ACTIVE. With ``--rent-first`` the panel says it is armed and can disarm it.
Closing the panel stops the watch.
"""

from __future__ import annotations

import html
from functools import partial
from typing import Any

import ipywidgets as w
import pandas as pd
import traitlets as t

from ..capacity.match import APPEARED, GONE, WatchEvent, offer_place, offer_where
from ..capacity.state import Poll
from ..capacity.watcher import Watch
from ..display.primitives import counted, notice_html, seconds_text, timeline_text, usd
from ..display.rent_question import rent_confirmation
from ..models import GpuOffer, OfferKey, Pod, offer_key
from ..offers import gpu_offer
from ..pricing import FORECAST_HOURS, forecast_for
from ..provisioning import PodRequest
from ._form import Form, shown
from .notify import announce
from .provision import ProvisionForm
from .status import PodStatus
from .timeline import timeline_html

BUTTON_WIDTH = "8.5em"  # Configure and Rent now alike, so the grid's columns line up
COLUMNS = ("offer", "$/GPU-h", "total", "visible", "first seen", "seen", "best")
NOWRAP = "white-space:nowrap"


class WatchPanel(Form):
    """The matches of ``watch``, redrawn after every poll (see the module)."""

    table = t.Instance(pd.DataFrame, allow_none=True, help="Matches with what was seen.")
    announcement = t.Unicode("", help="The latest match, as it stands now, said prominently.")
    pod = t.Instance(Pod, allow_none=True, help="The pod Rent now created.")

    def __init__(
        self,
        watch: Watch,
        autostart: bool = True,
        max_hours: float | None = None,
        poll_interval: float = 2.0,
    ) -> None:
        super().__init__(watch.client, f"Watching for {watch.describe()}")
        self.add_class("prime-watch")
        self.watch = watch
        self.max_hours = max_hours  # given to Rent now's request (the pod's deadline)
        self.autostart, self.poll_interval = autostart, poll_interval  # the PodStatus's
        self.banner, self.armed_line, self.timeline = w.HTML(), w.HTML(), w.HTML()
        self.caption, self.chart = w.HTML(), w.HTML()
        self.grid = w.GridBox(
            layout=w.Layout(
                grid_template_columns=f"{BUTTON_WIDTH} {BUTTON_WIDTH} "
                f"repeat({len(COLUMNS)}, max-content)",
                grid_gap="2px 10px", align_items="center", overflow="auto",
            )
        )  # fmt: skip
        self.grid.add_class("prime-watch-grid")
        self.form_area, self.pod_area = w.VBox(), w.VBox()
        self.rent_buttons: dict[int, w.Button] = {}
        self.configure_buttons: dict[int, w.Button] = {}
        self.offers: list[GpuOffer] = []
        self.row_cells: list[list[str]] = []  # the grid's texts, one list per match
        self._grid_rows: list[tuple[w.Button, w.Button, list[w.HTML]]] = []  # reused
        self._grid_header = [_cell(""), _cell("")] + [
            _cell(f"<b>{html.escape(c)}</b>") for c in COLUMNS
        ]
        self.form: ProvisionForm | None = None
        self.pod_status: PodStatus | None = None
        self._announced: OfferKey | None = None  # the offer the banner speaks of
        self._banner_level = "success"
        self._chart_of: tuple[Any, ...] | None = None  # what the chart was last drawn from
        self.disarm_button = self.button("Disarm rent-first", self._disarm, "warning")
        shown(self.disarm_button, watch.rent_first is not None)
        self.stop_button = self.button("Stop watching", self.stop)
        self.create_step("Rent", "%prime pods list", "Nothing was rented.")
        self.layout_children(
            self.banner, self.armed_line, self.caption, self.grid, self.confirm_box,
            self.timeline, self.chart, w.HBox([self.disarm_button, self.stop_button]),
            self.pod_area, self.form_area,
        )  # fmt: skip
        watch.subscribe(on_event=self._on_event, on_poll=self._on_poll)
        watch.client.when_closed(self._client_closed)
        self.redraw()
        if autostart:
            watch.start()

    # -- from the watch's thread -----------------------------------------------------------

    def _on_event(self, event: WatchEvent) -> None:
        """The banner says the latest match as it stands: a new one replaces it; a price
        move or the end of the match it speaks of is said in its place."""
        key = offer_key(event.offer)
        if event.kind == APPEARED:
            self._announced = key
            announce("watch", "New match", str(event))
        elif key != self._announced:
            return
        self._banner_level = {APPEARED: "success", GONE: "warning"}.get(event.kind, "info")
        self.announcement = str(event)

    @t.observe("announcement")
    def _draw_banner(self, _change: Any) -> None:
        said = notice_html(self.announcement, self._banner_level)
        style = "font-size:1.2em;font-weight:bold"
        self.banner.value = f'<div class="prime-watch-new" style="{style}">{said}</div>'
        self.keep_saved()

    def _on_poll(self, _poll: Poll) -> None:
        try:
            self.redraw()
        except Exception as exc:  # a bug in a background thread: keep it visible
            self.report_crash(exc)

    def _client_closed(self) -> None:
        """The watch's client was closed (``%prime simulator restart``, ``set_client``): its
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
            self.client, self._announced = watch.client, None
            self.announcement = ""
            watch.client.when_closed(self._client_closed)
            if self.form is not None:  # a form on the closed client could not create
                self.form.close()
                self.form, self.form_area.children = None, ()
        self.table = table = watch.table
        self.offers = [gpu_offer(row) for _, row in table.iterrows()]
        self._draw_grid(table)
        marks = [p.matched if p.ok else None for p in watch.polls]
        self.timeline.value = notice_html(f"polls: {timeline_text(marks)}", "info")
        self._draw_chart()
        self._draw_armed()
        self.refresh_buttons()
        self._draw_state()
        self.keep_saved()

    def _draw_grid(self, table: pd.DataFrame) -> None:
        """One row per match in aligned columns, the buttons in the first two (always in
        view, however wide the row: the grid scrolls sideways past them). A poll rewrites
        the cells of the rows it keeps; widgets are made only for new rows and closed for
        rows gone, so a watch polling for hours does not pile up widgets."""
        count = len(self.offers)
        self.caption.value = (
            f"<b>{counted(count, 'match', 'matches')}</b>, {self.watch.query.sort_text}"
            if count
            else ""
        )
        rows = [
            _row_cells(o, r) for o, r in zip(self.offers, table.to_dict("records"), strict=True)
        ]
        while len(self._grid_rows) < count:
            index = len(self._grid_rows)
            rent = self.button("Rent now", partial(self._rent, index), "primary")
            configure = self.button("Configure", partial(self._configure, index))
            for button in (configure, rent):
                button.layout.width = BUTTON_WIDTH
            self._grid_rows.append((rent, configure, [_cell("") for _ in COLUMNS]))
        for rent, configure, cells in self._grid_rows[count:]:
            for widget in (rent, configure, *cells):
                widget.close()
        del self._grid_rows[count:]
        for (_, _, cells), texts, offer in zip(self._grid_rows, rows, self.offers, strict=True):
            for i, (cell, text) in enumerate(zip(cells, texts, strict=True)):
                cell.value = _cell_html(html.escape(text), offer.cloud_id if i == 0 else None)
        self.rent_buttons = {i: rent for i, (rent, _, _) in enumerate(self._grid_rows)}
        self.configure_buttons = {i: conf for i, (_, conf, _) in enumerate(self._grid_rows)}
        keep = (self.disarm_button, self.stop_button, self.confirm_button, self.cancel_button)
        self._buttons = [*keep, *self.configure_buttons.values(), *self.rent_buttons.values()]
        header = self._grid_header if count else []
        body = [w for rent, conf, cells in self._grid_rows for w in (rent, conf, *cells)]
        self.grid.children = (*header, *body)
        self.row_cells = rows

    def _draw_chart(self) -> None:
        """The shape's price and stock timeline from the history, redrawn when it grew."""
        frame = self.watch.availability()
        drawn_from = (len(frame), frame["seen_at"].max() if len(frame) else None)
        if drawn_from == self._chart_of:
            return
        self._chart_of = drawn_from
        self.chart.value = timeline_html(frame, self.watch.query.max_price_per_gpu)

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
            self.show(
                f"{counted(len(self.offers), 'match', 'matches')}; "
                f"polled {counted(len(watch.polls), 'time')}."
            )
        else:
            polled = counted(len(watch.polls), "time")
            self.show(f"No match yet; polled {polled}, every {watch.every:g} s.")

    def _draw_armed(self) -> None:
        text, level = self.armed_text()
        self.armed_line.value = notice_html(text, level)

    def armed_text(self) -> tuple[str, str]:
        """What rent-first is doing, and its level ("" without rent-first)."""
        auto = self.watch.rent_first
        if auto is None:
            return "", "info"
        if auto.pod is not None:
            return f"Rent-first rented pod {auto.pod.name} ({auto.pod.id}).", "success"
        if auto.armed:
            after = f"stopped after {auto.max_hours:g} h"
            return f"ARMED: the first match is rented once ({after}).", "warning"
        said = f": {auto.error.message}" if auto.error else ""
        return f"Rent-first is disarmed{said}.", "info"

    def can_enable(self, button: w.Button) -> bool:
        if button is self.disarm_button:
            return self.watch.rent_first is not None and self.watch.rent_first.armed
        if button in self.rent_buttons.values() or button in self.configure_buttons.values():
            return not self.submitted and not self.watch.client.closed
        return True

    def state_lines(self) -> list[str]:
        """What the panel shows now, for a saved notebook: the latest match, rent-first,
        every match with its prices, the polls, and the pod Rent now created."""
        lines = [self.announcement] if self.announcement else []
        armed, _level = self.armed_text()
        lines += [armed] if armed else []
        rows = self.row_cells
        if rows:
            lines.append(f"{counted(len(rows), 'match', 'matches')}, {self.watch.query.sort_text}:")
            lines += [" · ".join(cells) for cells in rows]
        marks = [p.matched if p.ok else None for p in self.watch.polls]
        if marks:
            lines.append(f"polls: {timeline_text(marks)}")
        if self.pod is not None:
            status = self.pod_status.status if self.pod_status is not None else None
            lines.append(f"Pod {self.pod.name} ({self.pod.id}): {status or self.pod.status}")
        return lines

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
        """Step 1: the form's question (price, cap, deadline, forecast to the deadline,
        wallet, budget); nothing is sent yet (``propose``: Confirm sends exactly one create
        at the quoted cap, a short wallet asks once more)."""
        if self.submitted or self.watch.client.closed:
            return
        offer = self.offers[index]
        request = self.client.prepare(PodRequest.from_offer(offer, max_hours=self.max_hours))
        balance = self.client.balance()
        ahead = forecast_for(request.quote(), 0.0, balance, FORECAST_HOURS, self.max_hours)
        question = rent_confirmation(
            request, [offer_place(offer)], forecast=ahead, budget=self.client.budget()
        )
        self.propose(
            question,
            partial(self.client.create_pod, request),
            self._created,
            creating=f"Creating pod {request.name!r}…",
            anyway=partial(self.client.create_pod, request, despite_balance=True),
        )

    def _created(self, pod: Pod) -> None:
        """Step 2 done: the one pod, followed below until it is ACTIVE."""
        self.pod = pod
        self.show(f"Pod {pod.name} ({pod.id}) created: {pod.status}; followed below.", "success")
        status = PodStatus(pod.id, self.client, self.poll_interval, self.autostart)
        status.sandbox_label = False  # this panel's heading already says it
        status.observe(lambda _change: self.keep_saved(), "state")
        self.pod_status, self.pod_area.children = status, (status,)

    def stop(self) -> None:
        self.watch.stop()
        self._draw_state()

    def close(self) -> None:
        """Closing the panel stops the watch (and what it opened)."""
        self.watch.stop()
        for panel in (self.form, self.pod_status):
            if panel is not None:
                panel.close()
        super().close()


def _cell(value: str, tooltip: str | None = None) -> w.HTML:
    """A grid cell that never wraps (the grid scrolls sideways instead)."""
    return w.HTML(_cell_html(value, tooltip))


def _cell_html(value: str, tooltip: str | None = None) -> str:
    title = f' title="{html.escape(tooltip)}"' if tooltip else ""
    return f'<span style="{NOWRAP}"{title}>{value}</span>'


def _row_cells(offer: GpuOffer, record: dict[Any, Any]) -> list[str]:
    """``8× H100_80GB · hyperstack CANADA-1`` (the cloud id in its tooltip), ``$2.2000/h``,
    ``$17.6000/h``, visible ``2 min``, first seen ``5 min ago``, seen ``7×``, best
    ``$2.2000/h``: one grid row."""

    def number(name: str) -> float | None:
        value = record.get(name)
        return None if value is None or pd.isna(value) else float(value)

    cur = str(record.get("currency") or "USD")
    times = record.get("times_seen")
    return [
        f"{offer.gpu_count}× {offer.gpu_type} · {offer_where(offer)}",
        usd(number("price_per_gpu_hr"), currency=cur),
        usd(number("total_hr"), currency=cur),
        seconds_text(number("visible_s")),
        f"{seconds_text(number('first_seen_s_ago'))} ago",
        f"{'—' if times is None or pd.isna(times) else int(times)}×",
        usd(number("best_price_per_gpu_hr"), currency=cur),
    ]
