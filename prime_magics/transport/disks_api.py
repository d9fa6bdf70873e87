"""``client.disks``: network disks — list, read, create once, follow, rename, delete.

A disk is billed by the GB-hour from creation until deletion, attached or not, and
deleting it destroys its data for good: ``delete`` says so and refuses without
``confirm=True``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ..errors import ConfirmationRequiredError
from ..inputs import path_id
from ..lifecycle import Follow, Phase, disk_state
from ..models import Disk
from ..provisioning import DiskRequest
from ..timestamps import at_or_after
from .resource import APIResource

DISKS = "/disks/"


def _disk_path(disk_id: str) -> str:
    """``/disks/{id}``, the id checked as one path segment (``inputs.path_id``)."""
    return f"{DISKS}{path_id('disk_id', disk_id, 'disk id')}"


class Disks(APIResource):
    def all(self) -> list[Disk]:
        return self._list(DISKS, Disk, 100)

    def get(self, disk_id: str) -> Disk:
        return self._get(Disk, _disk_path(disk_id), what=f"disk {disk_id}")

    def create(self, request: DiskRequest) -> Disk:
        """``request`` with its team already decided (``DiskRequest.for_settings``)."""
        return self._create_once(DISKS, request.body(), Disk, "disk", request.name, self.find)

    def find(self, name: str, since: str) -> list[Disk]:
        return [d for d in self.all() if d.name == name and at_or_after(d.created_at, since)]

    def follow(
        self,
        disk_id: str,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> Follow[Disk]:
        return Follow(lambda: self.get(disk_id), disk_state, f"Disk {disk_id}", clock, sleep)

    def rename(self, disk_id: str, name: str) -> None:
        self._transport.send_once(
            "PATCH", _disk_path(disk_id), {"name": name}, what="Renaming disk"
        )

    def describe_deletion(self, disk_id: str) -> str:
        disk = self.get(disk_id)
        if disk_state(disk).phase is Phase.GONE:
            return f"Disk {disk.name or disk.id} ({disk.id}) is already {disk.status}."
        text = (
            f"Deleting disk {disk.name or disk.id} ({disk.id}, {disk.size} GB in "
            f"{disk.info.data_center_id or disk.provider_type}) destroys all its data "
            "permanently; this cannot be undone."
        )
        if disk.pods:
            text += f"\nIt is attached to pod(s) {', '.join(disk.pods)}: terminate them first."
        return text

    def delete(self, disk_id: str, *, confirm: bool = False) -> None:
        path = _disk_path(disk_id)
        if not confirm:
            raise ConfirmationRequiredError(self.describe_deletion(disk_id))
        self._transport.send_once("DELETE", path, what=f"Deleting disk {disk_id}")
