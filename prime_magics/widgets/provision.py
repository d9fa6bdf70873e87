"""``ProvisionForm``: configure one offer, watch its price move, rent it once.

The form's state is its ``request`` trait: every control change rebuilds it through
``build_request`` (the one place controls become a ``PodRequest``), and the quote, the
cost table, the request view and Provision all read it. A choice the offer refuses
(off-step, out of range, custom template without an id…) sets ``error`` and disables
Provision. Provision asks for confirmation and sends exactly one ``create_pod``; after it
(or after an answer that may hide a created pod) the inputs lock and nothing more is sent.
A create the API certainly refused re-enables the form. Your disks are listed by
``load()``, run at the end of ``__init__`` through ``Form.run`` (see ``DiskForm``), and
again on "Refresh disks" (a disk made in another cell), never by polling.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import pandas as pd
import traitlets as t

from ..config import Team, TeamChoice
from ..display.primitives import notice_html, usd
from ..display.rent_question import rent_confirmation
from ..display.sentences import cap_lines, disk_label, forecast_table, quote_table, stock_warning
from ..errors import ConfigurationError, PriceChangedError, PrimeError
from ..models import Disk, GpuOffer, Pod
from ..offers import PARTS, gpu_offer
from ..pricing import (
    CPU_NODE,
    FORECAST_HOURS,
    HOURS_PER_MONTH,
    Quote,
    forecast_for,
    forecast_hours,
    plus_attached_disks,
)
from ..provisioning import CUSTOM_TEMPLATE, PodRequest, attach_problem
from ._controls import (
    cap_below_quote,
    cap_mode_control,
    chosen_cap,
    idle_stop_control,
    image_dropdown,
    labelled,
    max_price_control,
    offer_header,
    resource_control,
    resource_hint,
    stop_after_control,
)
from ._form import Form, code_html, shown
from .disk import DiskForm
from .status import PodStatus

if TYPE_CHECKING:
    from ..client import Client


class ProvisionForm(Form):
    """Configure and rent one GPU offer (a model or a row of an availability frame)."""

    request = t.Instance(PodRequest, allow_none=True, help="What Provision would send.")
    quote = t.Instance(Quote, allow_none=True, help="The request's quote.")
    error = t.Unicode(None, allow_none=True, help="Why the controls make no request.")
    pod = t.Instance(Pod, allow_none=True, help="The created pod.")
    disks: t.List[Disk] = t.List(
        t.Instance(Disk), help="Your disks that can be attached to this offer."
    )
    forecast_hours: t.List[float] = t.List(
        t.Float(), list(FORECAST_HOURS), help="The horizons the cost forecast shows, in hours."
    )

    def __init__(
        self,
        offer_or_row: GpuOffer | pd.Series[Any] | dict[str, Any],
        client: Client | None = None,
        name: str | None = None,
        poll_interval: float = 2.0,
        autostart: bool = True,
    ) -> None:
        self.offer = offer = gpu_offer(offer_or_row)
        super().__init__(client, f"Provision {offer.gpu_count}× {offer.gpu_type}")
        self.add_class("prime-provision-form")  # a stable hook for the browser test and CSS
        self.poll_interval = poll_interval
        self.autostart = autostart  # passed to the panels it opens (False: tests step them)
        self.env: dict[str, str] = {}
        self.jupyter_password: str | None = None
        self.team_id: TeamChoice = Team.CONFIGURED
        self.pod_status: PodStatus | None = None
        self.disk_form: DiskForm | None = None
        self.balance: float | None = None  # the wallet, read by load()
        self.header = w.HTML(offer_header(offer))
        stock = stock_warning(offer.stock_status)
        self.stock_note = w.HTML(notice_html(stock, "warning") if stock else "")
        self.fixed = {r.key for r in PARTS if not getattr(offer, r.key).adjustable}
        self.resources = {r.key: resource_control(offer, r) for r in PARTS}
        self.image = image_dropdown(offer)
        self.template = w.Text(description="Template id", placeholder="custom template id")
        self._fallback_name = PodRequest.from_offer(offer).name
        self.name = w.Text(value=name or self._fallback_name, description="Name")
        self.attach = w.SelectMultiple(
            options=[], description="Attach disks", rows=3, layout=w.Layout(width="34em")
        )  # wide enough for "name · 100 GB · $0.0150/h"
        self.new_disk_button = self.button("New disk here", self._on_new_disk)
        # a disk made in another cell (or by the CLI) is listed on request: one read per
        # click, never a poll of the API while the form sits open
        self.refresh_disks_button = self.button("Refresh disks", self.load)
        self.refresh_disks_button.tooltip = "List your disks again (one made elsewhere too)"
        self.cap_mode, self.max_price = cap_mode_control(), max_price_control()
        self.max_price.observe(self._on_cap_typed, "value")
        self.stop_after = stop_after_control()
        self.idle_stop = idle_stop_control()
        self.forecast = w.Text(
            value=forecast_text(FORECAST_HOURS),
            description="Forecast h",
            tooltip="The hours the cost forecast shows: e.g. 2, 12, 48 or month",
        )
        self.forecast.observe(self._on_forecast_typed, "value")
        team = self.client.settings.team_id
        self.share = w.Checkbox(description=f"Share with team {team}") if team else None
        self.problem, self.cost, self.request_view = w.HTML(), w.HTML(), w.HTML()
        self.cap_note = w.HTML()
        self.show_request = w.ToggleButton(description="Show request")
        self.provision_button = self.button("Provision", self._on_provision, "primary")
        self.create_step("Confirm", "%prime pods list", "Nothing was rented.")
        self.disk_area, self.pod_area = w.VBox(), w.VBox()
        optional = [self.cap_mode, self.max_price, self.stop_after, self.idle_stop, self.forecast]
        optional += [c for c in (self.share,) if c is not None]
        self.inputs = [*self.resources.values(), self.image, self.template, self.name]
        self.inputs += [self.attach, *optional]
        for control in self.inputs:
            labelled(control)  # one description width: labels whole, inputs aligned
        self.layout_children(
            self.header,
            self.stock_note,
            *(w.HBox([self.resources[r.key], w.HTML(resource_hint(offer, r))]) for r in PARTS),
            self.image, self.template, self.name,
            w.HBox([self.attach, w.VBox([self.refresh_disks_button, self.new_disk_button])]),
            self.disk_area, *optional,
            self.cap_note, self.problem, self.cost,
            w.HBox([self.provision_button, self.show_request]),
            self.request_view, self.confirm_box, self.pod_area,
        )  # fmt: skip
        for control in self.inputs:
            control.observe(self._update, "value")
        self.show_request.observe(self._draw_request, "value")
        self._update()
        self.run(self.load)

    @classmethod
    def from_request(cls, request: PodRequest, client: Client | None = None) -> ProvisionForm:
        """A form preset to ``request`` (e.g. ``%prime pods create`` without ``--yes``)."""
        form = cls(request.offer, client=client, name=request.name)
        form._preset(request)
        return form

    def _preset(self, request: PodRequest) -> None:
        """Set the controls to ``request``; warn where the form cannot say the same (a
        disk not attachable here)."""
        self.env, self.team_id = dict(request.env), request.team_id  # no controls of theirs
        chosen = {"disk": request.disk_gb, "vcpu": request.vcpus, "memory": request.memory_gb}
        for key, value in chosen.items():
            if value is not None and key not in self.fixed:
                self.resources[key].value = value
        if request.image in {value for _, value in self.image.options}:
            self.image.value = request.image
        self.template.value = request.custom_template_id or ""
        listed = {value for _, value in self.attach.options}
        self.attach.value = tuple(d for d in request.disks if d in listed)
        if missing := [d for d in request.disks if d not in listed]:
            self.show(f"Not attachable here (not ACTIVE in this data centre): {missing}", "warning")
        self.max_price.value = request.max_price if request.cap_source == "given" else 0.0
        self.cap_mode.value = request.cap_source
        self.stop_after.value = request.max_hours or 0.0
        self.idle_stop.value = request.idle_stop_minutes or 0.0
        self.jupyter_password = request.jupyter_password  # no control: never in widget state
        if self.share is not None:
            self.share.value = request.share_with_team
        self._update()

    # -- loading -------------------------------------------------------------------------

    def load(self, select: str | None = None) -> None:
        """List your disks that can be attached to this offer (raises PrimeError)."""
        self.balance = self.client.balance()
        models = self.client.disk_models()
        self.disks = [d for d in models if attach_problem(d, self.offer) is None]
        keep = {*self.attach.value, *([select] if select else [])}
        self.attach.options = [(disk_label(d), d.id) for d in self.disks]
        self.attach.value = tuple(d.id for d in self.disks if d.id in keep)
        self._draw_cost()  # now with the wallet

    # -- the request ---------------------------------------------------------------------

    def build_request(self) -> PodRequest:
        """The one way the controls become a ``PodRequest`` (raises ConfigurationError)."""
        custom = self.image.value == CUSTOM_TEMPLATE
        counts = {
            r.count_column: None if r.key in self.fixed else self.resources[r.key].value
            for r in PARTS
        }
        # prepared: the configured team decided, so the form shows exactly what is sent
        return self.client.prepare(
            PodRequest.from_offer(
                self.offer,
                name=self.name.value.strip() or self._fallback_name,
                image=self.image.value,
                custom_template_id=(self.template.value.strip() or None) if custom else None,
                disks=list(self.attach.value),
                max_price=chosen_cap(self.cap_mode.value, self.max_price.value),
                max_hours=self.stop_after.value or None,
                idle_stop_minutes=self.idle_stop.value or None,
                jupyter_password=self.jupyter_password,
                team_id=self.team_id,
                share_with_team=bool(self.share and self.share.value),
                env=self.env,
                **counts,
            )
        )

    def _on_cap_typed(self, change: Any) -> None:
        if change["new"]:
            self.cap_mode.value = "given"

    def _update(self, _change: Any = None) -> None:
        shown(self.template, self.image.value == CUSTOM_TEMPLATE)
        shown(self.max_price, self.cap_mode.value == "given")
        self.changed("Provision")
        try:
            request, error = self.build_request(), None
        except ConfigurationError as err:
            request, error = None, str(err)
        with self.hold_trait_notifications():
            self.request, self.error = request, error
            self.quote = None if request is None else request.quote()
        self.problem.value = notice_html(error or "", "error")
        self.cap_note.value = self._cap_note(request)
        self._draw_cost()
        self._draw_request()
        self.refresh_buttons()

    def _cap_note(self, request: PodRequest | None) -> str:
        """The cap in words, flagged as a warning when the quote is already above it."""
        if request is None:
            return ""
        quoted = request.quote()
        below = cap_below_quote(request.max_price, quoted.total_hr, quoted.currency)
        lines = [*cap_lines(request), *([below] if below else [])]
        return notice_html("\n".join(lines), "warning" if below else "info")

    def failure_text(self, err: PrimeError) -> str:
        """A price refusal in the form's words (its controls, not the magic's flags)."""
        if not isinstance(err, PriceChangedError):
            return super().failure_text(err)
        advice = (
            'Nothing was rented. Raise Max $/h under "my cap" (or choose "no cap") '
            "and click Provision again."
            if err.new_hr is not None
            else "Nothing was rented: pick the offer again from a fresh list."
        )
        return f"{err.message}\n{advice}"

    def attached(self) -> list[tuple[str, float | None]]:
        """The request's disks as (label, $/h), for the quote table."""
        chosen = set(self.request.disks) if self.request else set()
        return [(d.name or d.id, d.price_hr) for d in self.disks if d.id in chosen]

    def state_lines(self) -> list[str]:
        """The offer and its total, what Provision would send (or why nothing), then what
        was rented and its status as last read (and a disk being made here)."""
        o, q, req = self.offer, self.quote, self.request
        where = " ".join(v for v in (o.provider, o.data_center or o.country) if v)
        lines = [f"{o.gpu_count or '?'}× {o.gpu_type} · {where} · total {self.total_hr}"]
        if self.error:
            lines.append(f"Nothing to rent yet: {self.error}")
        elif req is not None and q is not None:
            sizes = f"{q.disk_gb or '?'} GB disk · {q.vcpus or '?'} vCPUs · "
            sizes += f"{q.memory_gb or '?'} GB memory"
            disks = f" · disks {', '.join(req.disks)}" if req.disks else ""
            lines.append(f"{sizes}{disks} · {req.cap_text}")
            if req.max_hours:
                lines.append(f"Terminated {req.max_hours:g} h after it is ready.")
        if self.pod is not None:
            status = self.pod_status.status if self.pod_status is not None else None
            lines.append(f"Pod {self.pod.id} ({self.pod.name}): {status or self.pod.status}")
        if self.disk_form is not None:
            lines += self.disk_form.state_lines()
        return lines

    @t.observe("request", "quote", "error", "pod", "disks")
    def _state_changed(self, _change: Any = None) -> None:
        self.keep_saved()

    @property
    def total_hr(self) -> str:
        return usd(None if self.quote is None else self.quote.total_hr)

    @property
    def grand_total_hr(self) -> str:
        return usd(self._grand_total(self.attached()))

    def _grand_total(self, attached: list[tuple[str, float | None]]) -> float | None:
        total = None if self.quote is None else self.quote.total_hr
        return plus_attached_disks(total, [hourly for _, hourly in attached])

    def _on_forecast_typed(self, change: Any) -> None:
        try:
            self.forecast_hours = list(forecast_hours(change["new"]))
        except ValueError as err:
            self.show(str(err), "warning")  # the forecast keeps its last good horizons

    @t.observe("forecast_hours")
    def _on_forecast_hours(self, change: Any) -> None:
        if forecast_hours_or_none(self.forecast.value) != tuple(change["new"]):
            self.forecast.value = forecast_text(change["new"])  # set in Python: say so too
        self._draw_cost()

    def _draw_cost(self) -> None:
        """The quote and forecast tables. Without a quote (a choice the offer refuses,
        said on its own line above) they keep every row, with dashes: a table emptied to
        its caption would shrink to a one-word-wide column in the browser. The forecast
        stops at the deadline (Max hours): nothing is priced beyond it."""
        attached = self.attached()
        shown = self.quote or unknown_quote(self.offer)
        table = quote_table(shown, attached, self._grand_total(attached))._repr_html_()
        disks_hr = plus_attached_disks(0.0, [hourly for _, hourly in attached])
        deadline = self.stop_after.value or None
        ahead = forecast_for(shown, disks_hr, self.balance, self.forecast_hours, deadline)
        table += forecast_table(ahead)._repr_html_()
        variable = self.quote is not None and self.quote.is_variable
        note = "Variable price: it may change while the pod runs." if variable else ""
        self.cost.value = table + notice_html(note, "warning")

    def _draw_request(self, _change: Any = None) -> None:
        showing = self.show_request.value
        self.show_request.description = "Hide request" if showing else "Show request"
        req = self.request
        if not self.show_request.value or req is None:
            self.request_view.value = ""
            return
        body = json.dumps(req.shown_body(), indent=2)
        curl = req.curl(self.client.settings.base_url)
        self.request_view.value = code_html(body, "Request body") + code_html(curl, "curl")

    # -- actions -------------------------------------------------------------------------

    @t.observe("submitted")
    def _lock_inputs(self, change: Any) -> None:
        for control in self.inputs:
            control.disabled = change["new"]
        for key in self.fixed:
            self.resources[key].disabled = True

    def can_enable(self, button: w.Button) -> bool:
        if button is self.new_disk_button:
            return self.offer.data_center is not None and not self.submitted
        if button is self.refresh_disks_button:
            return not self.submitted
        return not self.submitted and (button is self.cancel_button or self.request is not None)

    def _on_provision(self) -> None:
        """Step 1: say what will be rented at what price; nothing is sent yet (``propose``:
        Confirm sends exactly one create, a short wallet asks once more)."""
        req, q = self.request, self.quote
        if self.submitted or req is None or q is None:
            return
        self.propose(
            rent_confirmation(req, with_disks_hr=self.grand_total_hr, budget=self.client.budget()),
            partial(self.client.create_pod, req),
            self._created,
            creating=f"Creating pod {req.name!r}…",
            anyway=partial(self.client.create_pod, req, despite_balance=True),
        )

    def _created(self, pod: Pod) -> None:
        """Step 2 done: the one pod; follow it below (its status, as the follower reads
        it, is part of this panel's saved output)."""
        self.pod_status = PodStatus(pod.id, self.client, self.poll_interval, self.autostart)
        self.pod_status.sandbox_label = False  # this panel's heading already says it
        self.pod_status.observe(self._state_changed, "state")
        self.pod = pod
        self.show(f"Pod {pod.name} ({pod.id}) created: {pod.status}.", "success")
        self.pod_area.children = (self.pod_status,)

    def _on_new_disk(self) -> None:
        if self.disk_form is None:
            self.disk_form = DiskForm(
                self.client, self.offer.data_center, self._on_disk_created,
                poll_interval=self.poll_interval, autostart=self.autostart,
            )  # fmt: skip
            self.disk_form.sandbox_label = False
            self.disk_form.observe(self._state_changed, ["request", "disk", "status_text"])
            self.disk_area.children = (self.disk_form,)

    def close(self) -> None:
        for panel in (getattr(self, "disk_form", None), getattr(self, "pod_status", None)):
            if panel is not None:
                panel.close()
        super().close()

    def _on_disk_created(self, disk: Disk) -> None:
        """From the DiskForm's thread: the disk is ready, list it and select it."""
        self.run(lambda: self.load(select=disk.id))
        self.show(f"Disk {disk.name} is ready and selected for attachment.", "success")


def forecast_text(hours: Sequence[float]) -> str:
    """``1, 8, 24, month``: the horizons as the form's field shows them."""
    return ", ".join("month" if h == HOURS_PER_MONTH else f"{h:g}" for h in hours)


def forecast_hours_or_none(text: str) -> tuple[float, ...] | None:
    try:
        return forecast_hours(text)
    except ValueError:
        return None


def unknown_quote(offer: GpuOffer) -> Quote:
    """A quote of ``offer`` whose every price is unknown: the rows a table shows while
    the controls make no request, so it keeps its shape (dashes, not a lone caption)."""
    return Quote(
        gpu_hr=None, disk_hr=None, vcpu_hr=None, memory_hr=None, total_hr=None,
        gpu_count=offer.gpu_count, disk_gb=None, vcpus=None, memory_gb=None,
        currency=offer.prices.currency or "USD", cpu_only=offer.gpu_type == CPU_NODE,
    )  # fmt: skip
