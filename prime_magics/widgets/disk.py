"""``DiskForm``: pick where a network disk goes and how big, see its cost, create it once.

The data-centre list is ``client.disk_availability()`` (cheapest per GB first), loaded by
``load()`` at the end of ``__init__`` through ``Form.run``: every control exists first, so
a rejected key or a network error is one line on the status line of a usable (empty)
form, never an exception from the constructor. (Loading at first display instead would
leave a form built in a script or a test empty until a front end showed it.)

The size box takes the chosen offer's bounds; the cost comes from ``DiskRequest.quote_hr``.
Create asks for confirmation, sends exactly one create, then follows the disk (its meaning
from ``lifecycle.disk_state``) until it is ready and hands it to ``on_created``.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import pandas as pd
import traitlets as t

from ..display.primitives import Confirmation, Table, notice_html, usd
from ..errors import ConfigurationError, PrimeError
from ..lifecycle import Follow, Phase
from ..loops import Loop
from ..models import Disk
from ..offers import cell
from ..pricing import per_month
from ..provisioning import DiskRequest
from ._controls import labelled
from ._form import Form

if TYPE_CHECKING:
    from ..client import Client

DEFAULT_SIZE_GB = 100


def offer_label(row: pd.Series[Any]) -> str:
    """``CANADA-1 · canada/CA · hyperstack · $0.1095/GB/month``, plus ``· multinode``."""
    where = "/".join(str(v) for v in (cell(row, "region"), cell(row, "country")) if v)
    per_gb = per_month(cell(row, "price_per_gb_hr"))
    month = usd(per_gb, "GB/month")
    parts = [cell(row, "data_center") or "(any)", where, cell(row, "provider"), month]
    label = " · ".join(str(p) for p in parts if p)
    return label + (" · multinode" if cell(row, "is_multinode") else "")


class DiskForm(Form):
    """Create one network disk; ``on_created(disk)`` runs once it is ready."""

    request = t.Instance(DiskRequest, allow_none=True, help="What Create would send.")
    disk = t.Instance(Disk, allow_none=True, help="The created disk, as last fetched.")
    error = t.Unicode(None, allow_none=True, help="Why the controls make no request.")

    def __init__(
        self,
        client: Client | None = None,
        data_center: str | None = None,
        on_created: Callable[[Disk], None] | None = None,
        name: str | None = None,
        poll_interval: float = 1.0,
        size_gb: int | None = None,
        provider: str | None = None,
        autostart: bool = True,
    ) -> None:
        super().__init__(client, "New network disk")
        self.add_class("prime-disk-form")  # a stable hook for the browser test and CSS
        self.on_created = on_created
        self.poll_interval = poll_interval
        self.autostart = autostart  # False: nothing polls by itself; call step() (tests)
        self._lock = threading.Lock()
        self.frame: pd.DataFrame = pd.DataFrame()
        self._poller = Loop(self.step, "prime-disk", poll_interval, on_error=self.report_crash)
        self._follow: Follow[Disk] | None = None
        self.location = labelled(
            w.Dropdown(options=[], description="Where", layout={"width": "auto"})
        )
        # Not bounded: a size outside the offer's range is said (DiskRequest.from_offer's
        # message), never silently clamped.
        self.size = labelled(w.IntText(value=DEFAULT_SIZE_GB, description="Size GB"))
        self.size_hint = w.HTML()
        self.name = labelled(w.Text(value=name or "", placeholder="auto", description="Name"))
        self.problem = w.HTML()
        self.cost = w.HTML()
        self.create_button = self.button("Create disk", self._on_create, "primary")
        self.create_step("Confirm", "%prime disks list", "Nothing was created.")
        self.layout_children(
            self.location, w.HBox([self.size, self.size_hint]), self.name, self.problem,
            self.cost,
            self.create_button, self.confirm_box,
        )  # fmt: skip
        self.location.observe(self._on_location, "value")
        for control in (self.size, self.name):
            control.observe(self._update, "value")
        self._update()
        self.run(lambda: self.load(data_center, provider, size_gb))

    @property
    def cost_hr(self) -> str:
        return usd(self.request.quote_hr if self.request else None)

    def state_lines(self) -> list[str]:
        """Where and how big, at what price (or why nothing), then the disk created and
        its status as last read."""
        req, row = self.request, self.offer
        if self.disk is not None:
            disk = self.disk
            return [f"Disk {disk.name} ({disk.id}): {disk.status} · {usd(disk.price_hr)}"]
        if req is None or row is None:
            return [f"Nothing to create yet: {self.error or 'no disk offer chosen'}"]
        return [f"{req.size_gb} GB in {offer_label(row)} · {self.cost_hr}"]

    @t.observe("request", "error", "disk")
    def _state_changed(self, _change: Any) -> None:
        self.keep_saved()

    def load(
        self, data_center: str | None = None, provider: str | None = None, size: int | None = None
    ) -> None:
        """Fetch where disks can go, then preset the place and size (raises PrimeError)."""
        self.frame = self.client.disk_availability()
        self.location.options = [(offer_label(row), i) for i, row in self.frame.iterrows()]
        self.location.value = self.frame.index[0] if len(self.frame) else None  # the cheapest
        self._preset(data_center, provider)
        if size is not None:
            self.size.value = size

    def _preset(self, data_center: str | None, provider: str | None) -> None:
        if not len(self.frame):
            self.show("No disk offers are available.", "warning")
            return
        if data_center is None and provider is None:
            return
        wanted = pd.Series(True, index=self.frame.index)
        if data_center is not None:
            wanted &= self.frame["data_center"].fillna("") == data_center
        if provider is not None:
            wanted &= self.frame["provider"].fillna("") == provider
        matches = self.frame.index[wanted]
        if len(matches):
            self.location.value = matches[0]
            return
        # never silently elsewhere: nothing is chosen (Create stays disabled) until the
        # person picks another place themselves, knowing what it means
        self.location.value = None
        where = " ".join(p for p in (provider, data_center) if p)
        self.show(
            f"No disk offer in {where}: no disk can be made there, and Create stays off "
            f"until you choose a place under Where (a disk elsewhere cannot be attached to "
            f"a pod in {where}).",
            "warning",
        )

    @property
    def offer(self) -> pd.Series[Any] | None:
        """The chosen row of ``frame``."""
        index = self.location.value
        return None if index is None else self.frame.loc[index]

    def _on_location(self, _change: Any = None) -> None:
        row = self.offer
        if row is not None:
            low = max(1, int(cell(row, "min_gb") or 0))  # a 0 GB disk is no disk
            high = cell(row, "max_gb")
            step = int(cell(row, "step_gb") or 1)
            self.size.step = step
            month = usd(per_month(cell(row, "price_per_gb_hr")), "GB/month")
            steps = f", steps of {step}" if step > 1 else ""
            self.size_hint.value = html.escape(f"{low}–{high or '∞'} GB{steps} · {month}")
        self._update()

    def build_request(self) -> DiskRequest:
        """The one way the controls become a ``DiskRequest`` (raises ConfigurationError)."""
        row = self.offer
        if row is None:
            raise ConfigurationError("Choose where the disk goes.")
        name = self.name.value.strip() or None
        team = self.client.settings.team_id
        return DiskRequest.from_offer(row, self.size.value, name, team_id=team)

    def _update(self, _change: Any = None) -> None:
        """Rebuild the request and its cost after any change."""
        self.changed("Create disk")
        try:
            request, error = self.build_request(), None
        except ConfigurationError as err:
            request, error = None, str(err)
        with self.hold_trait_notifications():
            self.request, self.error = request, error
        hourly = request.quote_hr if request else None
        self.problem.value = notice_html(error or "", "error")
        rows = [("per hour", usd(hourly)), ("per month", usd(per_month(hourly), "month"))]
        self.cost.value = Table(rows, strong={"per hour"})._repr_html_()
        self.refresh_buttons()

    @t.observe("submitted")
    def _lock_inputs(self, change: Any) -> None:
        for control in (self.location, self.size, self.name):
            control.disabled = change["new"]

    def can_enable(self, button: w.Button) -> bool:
        if self.submitted:
            return False
        return self.request is not None or button is self.cancel_button

    def _on_create(self) -> None:
        """Step 1: show what will be created and billed; nothing is sent yet (``propose``:
        Confirm sends exactly one create)."""
        req = self.request
        if self.submitted or req is None:
            return
        where = req.data_center_id or req.provider
        question = f"Create a {req.size_gb} GB disk in {where} at {usd(req.quote_hr)}?"
        month = usd(per_month(req.quote_hr), "month")
        details = f"{month}, billed from now until you delete it, attached or not."
        self.propose(
            Confirmation(question, details), partial(self.client.create_disk, req),
            self._created, creating="Creating the disk…",
        )  # fmt: skip

    def _created(self, disk: Disk) -> None:
        """Step 2 done: the one disk; follow it until it is ready."""
        self._follow = self.client.follow_disk(disk.id)
        self.disk = disk
        self.show(f"Disk {disk.name} ({disk.id}) is {disk.status}…")
        if self.autostart:
            self._poller.start()

    def step(self) -> float | None:
        """The poller's step: fetch the disk once; seconds until the next, None when done.
        A settled disk ends the following, so ``on_created`` runs at most once."""
        with self._lock:
            if self._follow is None:
                return None
            try:
                state = self._follow.step()
            except PrimeError as err:
                self.show(f"{err.message} (still following)", "warning")
                return self.poll_interval
            disk = self.disk = self._follow.last
            what = f"Disk {disk.name} ({disk.id})" if disk else "The disk"
            if state.phase is Phase.PENDING:
                self.show(f"{what} is {state.status}…")
                return self.poll_interval
            self._follow = None
        if state.phase is not Phase.READY or disk is None:
            self.show(f"{what} is {state.status}: {state.reason or 'not usable'}.", "error")
            return None
        self.show(f"{what} is ready ({state.status}): {usd(disk.price_hr)}.", "success")
        if self.on_created is not None:
            self.on_created(disk)
        return None

    @property
    def polling(self) -> bool:
        return self._poller.running

    def close(self) -> None:
        poller = getattr(self, "_poller", None)
        if poller is not None:
            poller.stop()
        super().close()
