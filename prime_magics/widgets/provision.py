"""``ProvisionForm``: configure one offer, watch its price move, rent it once.

Every control change rebuilds ``PodRequest.from_offer(...)`` and its ``quote()``; a choice
the offer refuses (off-step, out of range, custom template without an id…) shows the
``ConfigurationError`` text and disables Provision. Provision asks for confirmation and
sends exactly one ``create_pod``; after that (or after an answer that was lost) the form
never sends another, however often it is clicked. The new pod is followed by a
``PodStatus`` panel appended below.
"""

from __future__ import annotations

import html
import json
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import pandas as pd

from ..config import Team, TeamChoice
from ..errors import ConfigurationError, PrimeError
from ..models import Disk, GpuOffer, Pod
from ..offers import PARTS as RESOURCES
from ..offers import gpu_offer as as_gpu_offer
from ..pricing import Quote
from ..provisioning import CUSTOM_TEMPLATE, PodRequest
from ._controls import (
    attachable,
    disk_label,
    image_dropdown,
    max_price_control,
    offer_header,
    resource_control,
)
from ._form import Form, code_html, definitely_not_created, error_html, shown
from ._money import grand_total, money_table, per_hour, per_period, quote_rows
from .disk import DiskForm
from .status import PodStatus

if TYPE_CHECKING:
    from ..client import Client


class ProvisionForm(Form):
    """Configure and rent one GPU offer (a model or a row of an availability frame)."""

    def __init__(
        self,
        offer_or_row: GpuOffer | pd.Series[Any] | dict[str, Any],
        client: Client | None = None,
        name: str | None = None,
        poll_interval: float = 2.0,
    ) -> None:
        self.offer = offer = as_gpu_offer(offer_or_row)
        super().__init__(client, f"Provision {offer.gpu_count}× {offer.gpu_type}")
        self.add_class("prime-provision-form")  # a stable hook for the browser test and CSS
        self.poll_interval = poll_interval
        self.env: dict[str, str] = {}
        self.team_id: TeamChoice = Team.CONFIGURED
        self.request: PodRequest | None = None
        self.quote: Quote | None = None
        self.total_hr = self.grand_total_hr = "—"
        self.error: str | None = None
        self.pod: Pod | None = None
        self.pod_status: PodStatus | None = None
        self.disk_form: DiskForm | None = None
        self.disks: list[Disk] = []
        self.submitted = False
        self._pending: PodRequest | None = None
        self.header = w.HTML(offer_header(offer))
        self.fixed = {r.key for r in RESOURCES if not getattr(offer, r.key).adjustable}
        self.resources = {r.key: resource_control(offer, r) for r in RESOURCES}
        self.image = image_dropdown(offer)
        self.template = w.Text(description="Template id", placeholder="custom template id")
        self._fallback_name = PodRequest.from_offer(offer).name
        self.name = w.Text(value=name or self._fallback_name, description="Name")
        self.attach = w.SelectMultiple(options=[], description="Attach disks", rows=3)
        self.new_disk_button = self.button("New disk here", self._on_new_disk)
        self.max_price = max_price_control() if offer.prices.is_variable else None
        team = self.client.settings.team_id
        self.share = w.Checkbox(description=f"Share with team {team}") if team else None
        self.problem, self.cost, self.request_view = w.HTML(), w.HTML(), w.HTML()
        self.show_request = w.ToggleButton(description="Show request")
        self.provision_button = self.button("Provision", self._on_provision, "primary")
        self.confirm_step("Confirm", self._on_confirm, self._on_cancel)
        self.disk_area, self.pod_area = w.VBox(), w.VBox()
        optional = [c for c in (self.max_price, self.share) if c is not None]
        self.layout_children(
            self.header, *self.resources.values(), self.image, self.template, self.name,
            w.HBox([self.attach, self.new_disk_button]), self.disk_area, *optional,
            self.problem, self.cost, w.HBox([self.provision_button, self.show_request]),
            self.request_view, self.confirm_box, self.pod_area,
        )  # fmt: skip
        self._load_disks()
        inputs = (*self.resources.values(), self.image, self.template, self.name, self.attach)
        for control in (*inputs, *optional):
            control.observe(self._update, "value")
        self.show_request.observe(self._draw_request, "value")
        self._update()
        self.set_title()

    @classmethod
    def from_request(cls, request: PodRequest, client: Client | None = None) -> ProvisionForm:
        """A form preset to ``request`` (e.g. ``%prime pods create`` without ``--yes``)."""
        form = cls(request.offer, client=client, name=request.name)
        form.env, form.team_id = dict(request.env), request.team_id  # no controls of their own
        chosen = {"disk": request.disk_gb, "vcpu": request.vcpus, "memory": request.memory_gb}
        for key, value in chosen.items():
            if value is not None and key not in form.fixed:
                form.resources[key].value = value
        if request.image in {value for _, value in form.image.options}:
            form.image.value = request.image
        form.template.value = request.custom_template_id or ""
        listed = {value for _, value in form.attach.options}
        form.attach.value = tuple(d for d in request.disks if d in listed)
        if missing := [d for d in request.disks if d not in listed]:
            form.show(f"Not attachable here (not ACTIVE in this data centre): {missing}", "warning")
        if form.max_price is not None:
            form.max_price.value = request.max_price or 0.0
        if form.share is not None:
            form.share.value = request.share_with_team
        form._update()
        return form

    # -- building ------------------------------------------------------------------------

    def _load_disks(self, select: str | None = None) -> None:
        """Your ACTIVE disks in this offer's data centre, for the attach list."""
        try:
            models = self.client.disk_models()
        except PrimeError as err:
            self.show(f"Could not list your disks: {err}", "warning")
            return
        self.disks = attachable(models, self.offer)
        keep = {*self.attach.value, *([select] if select else [])}
        self.attach.options = [(disk_label(d), d.id) for d in self.disks]
        self.attach.value = tuple(d.id for d in self.disks if d.id in keep)

    # -- live request and quote ----------------------------------------------------------

    def choices(self) -> dict[str, Any]:
        """The arguments of ``PodRequest.from_offer`` the controls currently say."""
        custom = self.image.value == CUSTOM_TEMPLATE
        counts = {
            r.count_column: None if r.key in self.fixed else self.resources[r.key].value
            for r in RESOURCES
        }
        team = self.team_id
        return {
            "name": self.name.value.strip() or self._fallback_name,
            "image": self.image.value,
            "custom_template_id": (self.template.value.strip() or None) if custom else None,
            "disks": list(self.attach.value),
            "max_price": (self.max_price.value or None) if self.max_price else None,
            "team_id": team,
            "share_with_team": bool(self.share and self.share.value),
            "env": self.env,
            **counts,
        }

    def _update(self, _change: Any = None) -> None:
        shown(self.template, self.image.value == CUSTOM_TEMPLATE)
        if self._pending is not None:  # what was confirmed is no longer what is shown
            self._pending = None
            self.ask(None)
            self.show("The form changed: click Provision again to confirm the new choice.")
        try:
            self.request = PodRequest.from_offer(self.offer, **self.choices())
            self.quote, self.error = self.request.quote(), None
        except ConfigurationError as err:
            self.request, self.quote, self.error = None, None, str(err)
        self.problem.value = error_html(self.error)
        self._draw_cost()
        self._draw_request()
        self.refresh_buttons()

    def _draw_cost(self) -> None:
        q = self.quote
        disks_hr = [d.price_hr for d in self.disks if d.id in self.attach.value]
        self.total_hr = per_hour(None if q is None else q.total_hr)
        self.grand_total_hr = per_hour(grand_total(q, disks_hr))
        note = " Variable price: it may change while the pod runs." if q and q.is_variable else ""
        table = money_table(quote_rows(q, disks_hr), strong=["Total", "Grand total"])
        self.cost.value = table + html.escape(note)

    def _draw_request(self, _change: Any = None) -> None:
        req = self.request
        if not self.show_request.value or req is None:
            self.request_view.value = ""
            return
        body = json.dumps(req.body(), indent=2)
        curl = req.curl(self.client.settings.base_url)
        self.request_view.value = code_html(body, "Request body") + code_html(curl, "curl")

    # -- actions -------------------------------------------------------------------------

    def can_enable(self, button: w.Button) -> bool:
        if button is self.new_disk_button:
            return self.offer.data_center is not None
        return not self.submitted and (button is self.cancel_button or self.request is not None)

    def _on_provision(self) -> None:
        """Step 1: say what will be rented at what price; nothing is sent yet."""
        if self.submitted or self.request is None or self.quote is None:
            return
        self._pending, q, o = self.request, self.quote, self.offer
        lines = [f"<b>Rent {o.gpu_count}× {html.escape(o.gpu_type)} at {per_hour(q.total_hr)}?</b>"]
        if q.is_variable:
            cap = self._pending.max_price
            lines.append(
                f"The price is variable; {f'capped at {per_hour(cap)}' if cap else 'no cap'}."
            )
        if q.prepaid_cost is not None:
            lines.append(f"{per_period(q.prepaid_cost, 'order')} is charged up front.")
        if self._pending.disks:
            lines.append(f"Attached disks ({self.grand_total_hr} with them) stay billed apart.")
        self.ask("<br>".join(lines))

    def _on_cancel(self) -> None:
        self._pending = None
        self.ask(None)
        self.show("Nothing was rented.")

    def _on_confirm(self) -> None:
        """Step 2: exactly one create; then follow the pod below."""
        req = self._pending
        if self.submitted or req is None:
            return
        self.submitted, self._pending = True, None
        self.ask(None)
        self.refresh_buttons()
        self.show(f"Creating pod {req.name!r}…")
        try:
            self.pod = self.client.create_pod(req)
        except PrimeError as err:
            self.submitted = not definitely_not_created(err)
            raise
        self.show(f"Pod {self.pod.name} ({self.pod.id}) created: {self.pod.status}.", "success")
        self.pod_status = PodStatus(self.pod.id, self.client, self.poll_interval)
        self.pod_area.children = (self.pod_status,)

    def _on_new_disk(self) -> None:
        if self.disk_form is None:
            self.disk_form = DiskForm(
                self.client, self.offer.data_center, self._on_disk_created,
                poll_interval=self.poll_interval,
            )  # fmt: skip
            self.disk_area.children = (self.disk_form,)

    def close(self) -> None:
        for panel in (self.disk_form, self.pod_status):
            if panel is not None:
                panel.close()
        super().close()

    def _on_disk_created(self, disk: Disk) -> None:
        """From the DiskForm's thread: the disk is ACTIVE, list it and select it."""
        self._load_disks(select=disk.id)
        self.show(f"Disk {disk.name} is ready and selected for attachment.", "success")
