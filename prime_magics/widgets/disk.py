"""``DiskForm``: pick where a network disk goes and how big, see its cost, create it once.

The data-centre list is ``client.disk_availability()`` (cheapest per GB first); the size
box takes the chosen offer's bounds; the cost comes from ``DiskRequest.quote_hr``. Create
asks for confirmation, sends exactly one create, then follows the disk in a background
thread until it is ACTIVE and hands it to ``on_created``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import pandas as pd

from ..errors import ConfigurationError, PrimeError
from ..models import Disk
from ..pricing import per_month
from ..provisioning import DiskRequest
from ._form import Form, Poller, cell, definitely_not_created, error_html
from ._money import money_table, per_hour, per_period

if TYPE_CHECKING:
    from ..client import Client

DEFAULT_SIZE_GB = 100
NO_LIMIT_GB = 10**7


def offer_label(row: pd.Series[Any]) -> str:
    """``CANADA-1 · canada/CA · hyperstack · $0.1095/GB/month``, plus ``· multinode``."""
    where = "/".join(str(v) for v in (cell(row, "region"), cell(row, "country")) if v)
    per_gb = per_month(cell(row, "price_per_gb_hr"))
    month = "$?/GB/month" if per_gb is None else f"${per_gb:.4f}/GB/month"  # a rate: 4 decimals
    parts = [cell(row, "data_center") or "(any)", where, cell(row, "provider"), month]
    label = " · ".join(str(p) for p in parts if p)
    return label + (" · multinode" if cell(row, "is_multinode") else "")


class DiskForm(Form):
    """Create one network disk; ``on_created(disk)`` runs once it is ACTIVE."""

    def __init__(
        self,
        client: Client | None = None,
        data_center: str | None = None,
        on_created: Callable[[Disk], None] | None = None,
        name: str | None = None,
        poll_interval: float = 1.0,
        size_gb: int | None = None,
        provider: str | None = None,
    ) -> None:
        super().__init__(client, "New network disk")
        self.add_class("prime-disk-form")  # a stable hook for the browser test and CSS
        self.on_created = on_created
        self.request: DiskRequest | None = None
        self.error: str | None = None
        self.cost_hr = "—"
        self.disk: Disk | None = None
        self.submitted = False
        self.frame: pd.DataFrame = self.client.disk_availability()
        options = [(offer_label(row), i) for i, row in self.frame.iterrows()]
        self.location = w.Dropdown(options=options, description="Where", layout={"width": "auto"})
        self.size = w.BoundedIntText(
            value=DEFAULT_SIZE_GB, min=1, max=NO_LIMIT_GB, description="Size GB"
        )
        self.name = w.Text(value=name or "", placeholder="auto", description="Name")
        self.problem = w.HTML()
        self.cost = w.HTML()
        self.create_button = self.button("Create disk", self._on_create, "primary")
        self.confirm_step("Confirm", self._on_confirm, self._on_cancel)
        self.layout_children(
            self.location, self.size, self.name, self.problem, self.cost,
            self.create_button, self.confirm_box,
        )  # fmt: skip
        self._poller = Poller(self._poll_disk, poll_interval, "prime-disk", self.report_crash)
        self._preset(data_center, provider)
        self.location.observe(self._on_location, "value")
        for control in (self.size, self.name):
            control.observe(self._update, "value")
        self._on_location()
        if size_gb is not None:
            self.size.value = size_gb
        self.set_title()

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
        else:
            where = " ".join(p for p in (provider, data_center) if p)
            self.show(f"No disk offer for {where}; choose another place.", "warning")

    @property
    def offer(self) -> pd.Series[Any] | None:
        """The chosen row of ``frame``."""
        index = self.location.value
        return None if index is None else self.frame.loc[index]

    def _on_location(self, _change: Any = None) -> None:
        row = self.offer
        if row is None:
            self._update()
            return
        low = max(1, int(cell(row, "min_gb") or 0))  # a 0 GB disk is no disk
        high = int(cell(row, "max_gb") or NO_LIMIT_GB)
        # widen, then narrow: min <= max holds after every assignment
        self.size.min, self.size.max = min(self.size.min, low), max(self.size.max, high)
        self.size.min, self.size.max = low, high
        self.size.step = int(cell(row, "step_gb") or 1)
        self._update()

    def _update(self, _change: Any = None) -> None:
        """Rebuild the request and its cost after any change."""
        row = self.offer
        try:
            if row is None:
                raise ConfigurationError("Choose where the disk goes.")
            name = self.name.value.strip() or None
            team = self.client.settings.team_id
            self.request = DiskRequest.from_offer(row, self.size.value, name, team_id=team)
            self.error = None
        except ConfigurationError as err:
            self.request, self.error = None, str(err)
        hourly = self.request.quote_hr if self.request else None
        self.cost_hr = per_hour(hourly)
        self.problem.value = error_html(self.error)
        rows = [("Per hour", self.cost_hr), ("Per month", per_period(per_month(hourly), "month"))]
        self.cost.value = money_table(rows, strong=["Per hour"])
        self.refresh_buttons()

    def can_enable(self, button: w.Button) -> bool:
        if self.submitted:
            return False
        return self.request is not None or button is self.cancel_button

    def _on_create(self) -> None:
        """Step 1: show what will be created and billed; nothing is sent yet."""
        if self.submitted or self.request is None:
            return
        req = self.request
        self.ask(
            f"<b>Create a {req.size_gb} GB disk in {req.data_center_id or req.provider} at "
            f"{per_hour(req.quote_hr)} ({per_period(per_month(req.quote_hr), 'month')})?</b> "
            "It is billed from now until you delete it, attached or not."
        )

    def _on_cancel(self) -> None:
        self.ask(None)
        self.show("Nothing was created.")

    def _on_confirm(self) -> None:
        """Step 2: exactly one create, then follow the disk until ACTIVE."""
        if self.submitted or self.request is None:
            return
        self.submitted = True
        self.ask(None)
        self.refresh_buttons()
        self.show("Creating the disk…")
        try:
            self.disk = self.client.create_disk(self.request)
        except PrimeError as err:
            self.submitted = not definitely_not_created(err)
            raise
        self.show(f"Disk {self.disk.name} ({self.disk.id}) is {self.disk.status}…")
        self._poller.start()

    def _poll_disk(self) -> bool:
        assert self.disk is not None
        try:
            disk = self.client.disk(self.disk.id)
        except PrimeError as err:
            self.show(str(err), "warning")
            return False
        self.disk = disk
        if disk.status in ("ERROR", "TERMINATED"):
            self.show(f"Disk {disk.id} is {disk.status}.", "error")
            return True
        if disk.status != "ACTIVE":
            self.show(f"Disk {disk.name} ({disk.id}) is {disk.status}…")
            return False
        self.show(f"Disk {disk.name} ({disk.id}) is ACTIVE: {per_hour(disk.price_hr)}.", "success")
        if self.on_created is not None:
            self.on_created(disk)
        return True

    @property
    def polling(self) -> bool:
        return self._poller.running

    def wait(self, timeout: float = 30.0) -> bool:
        """Block up to ``timeout`` s until the disk is followed to the end."""
        return self._poller.wait(timeout)

    def close(self) -> None:
        self._poller.stop()
        super().close()
