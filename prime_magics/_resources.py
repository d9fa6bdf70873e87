"""Pods and disks: list, get, create once, wait, and destroy only when confirmed.

A create is sent exactly once. When its answer is lost, the client looks for what it
may have created (same name, created since the call) before raising
``OutcomeUnknownError``, so the user learns whether they now pay for a pod. Terminate and
delete first say what will be lost and refuse without ``confirm=True``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

import pandas as pd
from pydantic import BaseModel, ValidationError

from . import resource_frames
from ._http import Transport
from .config import Settings
from .errors import (
    ConfirmationRequiredError,
    OutcomeUnknownError,
    PrimeError,
    ProvisioningError,
    ResponseFormatError,
    WaitTimeoutError,
)
from .models import Disk, HistoryItem, Pod, PodStatus
from .provisioning import DiskRequest, PodRequest, check_attachable

M = TypeVar("M", bound=BaseModel)
CLOCK_SKEW = timedelta(minutes=2)
FINAL_POD_STATES = {"ERROR", "TERMINATED"}


def _parse(model: type[M], data: Any, what: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ResponseFormatError(
            f"{what}: unexpected answer ({exc.error_count()} errors)"
        ) from exc


def _created_since(created_at: str | None, since: str) -> bool:
    if not created_at:
        return False
    created = datetime.fromisoformat(created_at.replace("Z", "+00:00"))
    if created.tzinfo is None:
        created = created.replace(tzinfo=timezone.utc)
    return created >= datetime.fromisoformat(since) - CLOCK_SKEW


def pod_is_ready(pod: Pod) -> bool:
    """ACTIVE, software installed, and reachable: what "ready" means to a user."""
    installed = pod.installation_status in (None, "FINISHED")
    return pod.status == "ACTIVE" and installed and bool(pod.ssh_connection)


class ResourcesMixin:
    settings: Settings
    _transport: Transport

    # -- listing -----------------------------------------------------------------------

    def _all(self, path: str, model: type[M], limit: int) -> list[M]:
        """Follow ``offset``/``limit`` pages to the end."""
        items: list[M] = []
        offset = 0
        while True:
            body = self._transport.get(path, {"offset": offset, "limit": limit})
            data = body.get("data") if isinstance(body, dict) else None
            if not isinstance(data, list):
                raise ResponseFormatError(f"GET {path}: expected {{data: [...]}}")
            items += [_parse(model, item, f"GET {path}") for item in data]
            total = body.get("total_count", body.get("totalCount"))
            offset += len(data)
            if not data or not isinstance(total, int) or offset >= total:
                return items

    def pod_models(self) -> list[Pod]:
        return self._all("/pods", Pod, 100)

    def pods(self) -> pd.DataFrame:
        """Your live pods, with what each has cost so far."""
        return resource_frames.pods_frame(self.pod_models())

    def pod(self, pod_id: str) -> Pod:
        return _parse(Pod, self._transport.get(f"/pods/{pod_id}", what=f"pod {pod_id}"), "pod")

    def pod_status(self, pod_ids: str | Sequence[str]) -> pd.DataFrame:
        ids = [pod_ids] if isinstance(pod_ids, str) else list(pod_ids)
        body = self._transport.get("/pods/status", {"pod_ids": ids}, what="pod status")
        data = body.get("data", []) if isinstance(body, dict) else body
        statuses = [_parse(PodStatus, item, "pod status") for item in data or []]
        return resource_frames.status_frame(statuses)

    def pod_history(self) -> pd.DataFrame:
        """Terminated pods and what each was billed."""
        return resource_frames.history_frame(self._all("/pods/history", HistoryItem, 100))

    def disk_models(self) -> list[Disk]:
        return self._all("/disks", Disk, 200)

    def disks(self) -> pd.DataFrame:
        return resource_frames.disks_frame(self.disk_models())

    def disk(self, disk_id: str) -> Disk:
        return _parse(
            Disk, self._transport.get(f"/disks/{disk_id}", what=f"disk {disk_id}"), "disk"
        )

    def ssh_command(self, pod: str | Pod) -> str | None:
        """``ssh -i KEY user@host -p PORT``, or None while the pod has no address yet."""
        pod = self.pod(pod) if isinstance(pod, str) else pod
        target = resource_frames.first_address(pod.ssh_connection)
        return f"ssh -i {self.settings.ssh_key_path} {target}" if target else None

    # -- creating ----------------------------------------------------------------------

    def create_pod(self, request: PodRequest) -> Pod:
        """Rent the pod. Sent once; see ``OutcomeUnknownError`` for a lost answer.

        A request without a team goes to the configured team (``PRIME_TEAM_ID`` or the
        CLI's config), as with the official CLI.
        """
        if request.team_id is None and self.settings.team_id:
            request = replace(request, team_id=self.settings.team_id)
        for disk_id in request.disks:
            check_attachable(self.disk(disk_id), request.offer)
        return self._create("/pods", request.body(), Pod, "pod", request.name, self.find_pods)

    def create_disk(self, request: DiskRequest) -> Disk:
        """Create a network disk (billed from now until deleted). Sent once; the configured
        team applies as for pods."""
        if request.team_id is None and self.settings.team_id:
            request = replace(request, team_id=self.settings.team_id)
        return self._create("/disks", request.body(), Disk, "disk", request.name, self.find_disks)

    def _create(
        self,
        path: str,
        body: dict[str, Any],
        model: type[M],
        kind: str,
        name: str | None,
        find: Callable[[str, str], list[Any]],
    ) -> M:
        what = f"Creating {kind} {name!r}"
        since = datetime.now(timezone.utc).isoformat(timespec="seconds")
        try:
            answer = self._transport.send_once("POST", path, body, what=what, creates=(kind, name))
            return _parse(model, answer, what)
        except ResponseFormatError as unreadable:
            # A 2xx whose body we cannot read: the API most likely did create it.
            lost = OutcomeUnknownError(
                f"{what}: the API accepted the request but its answer could not be read "
                f"({unreadable.message}); it was NOT retried.",
                kind=kind,
                name=name,
                since=since,
            )
            self._reconcile(lost, find)
            raise lost from unreadable
        except OutcomeUnknownError as exc:
            self._reconcile(exc, find)
            raise

    def _reconcile(self, exc: OutcomeUnknownError, find: Callable[[str, str], list[Any]]) -> None:
        if not exc.name:
            return
        try:
            exc.found = find(exc.name, exc.since)
        except PrimeError as lookup:
            exc.message += f"\nLooking for it failed too ({lookup.message}); check by hand."
            return
        if exc.found:
            ids = ", ".join(f"{f.id} ({f.status})" for f in exc.found)
            exc.message += f"\nFound {exc.kind} {exc.name!r} created since then: {ids}. It exists."
        else:
            exc.message += f"\nNo {exc.kind} named {exc.name!r} exists yet; it may still appear."

    def find_pods(self, name: str, since: str) -> list[Pod]:
        """Pods with this name created since ``since`` (ISO time): reconciliation."""
        return [
            p for p in self.pod_models() if p.name == name and _created_since(p.created_at, since)
        ]

    def find_disks(self, name: str, since: str) -> list[Disk]:
        return [
            d for d in self.disk_models() if d.name == name and _created_since(d.created_at, since)
        ]

    # -- waiting -----------------------------------------------------------------------

    def wait_for_pod(
        self,
        pod_id: str,
        timeout: float = 900.0,
        poll_interval: float = 2.0,
        progress: bool = True,
    ) -> Pod:
        """Poll until the pod is ready (returned), fails or the timeout passes (raised)."""
        bar = _progress_bar(f"pod {pod_id[:8]}") if progress else None
        deadline = time.monotonic() + timeout
        try:
            while True:
                pod = self.pod(pod_id)
                if bar is not None:
                    bar.n = int(pod.installation_progress or (100 if pod_is_ready(pod) else 0))
                    bar.set_postfix_str(pod.status or "")
                    bar.refresh()
                if pod_is_ready(pod):
                    return pod
                if pod.status in FINAL_POD_STATES:
                    why = pod.installation_failure or "no reason given"
                    raise ProvisioningError(f"Pod {pod_id} is {pod.status}: {why}")
                if time.monotonic() + poll_interval > deadline:
                    raise WaitTimeoutError(
                        f"Pod {pod_id} not ready after {timeout:.0f} s (status {pod.status})"
                    )
                time.sleep(poll_interval)
        finally:
            if bar is not None:
                bar.close()

    def wait_for_disk(
        self, disk_id: str, timeout: float = 300.0, poll_interval: float = 2.0
    ) -> Disk:
        deadline = time.monotonic() + timeout
        while True:
            disk = self.disk(disk_id)
            if disk.status == "ACTIVE":
                return disk
            if disk.status in ("ERROR", "TERMINATED"):
                raise ProvisioningError(f"Disk {disk_id} is {disk.status}")
            if time.monotonic() + poll_interval > deadline:
                raise WaitTimeoutError(f"Disk {disk_id} not ACTIVE after {timeout:.0f} s")
            time.sleep(poll_interval)

    # -- changing and destroying -------------------------------------------------------

    def rename_disk(self, disk_id: str, name: str) -> None:
        self._transport.send_once(
            "PATCH", f"/disks/{disk_id}", {"name": name}, what="Renaming disk"
        )

    def describe_pod_termination(self, pod_id: str) -> str:
        pod = self.pod(pod_id)
        local = _local_disk_gb(pod)
        lines = [
            f"Terminating pod {pod.name or pod.id} ({pod.id}, {pod.gpu_count}× {pod.gpu_name}) "
            f"stops its billing of ${pod.price_hr or 0:.4f}/h.",
            f"Everything on its local disk{f' ({local:g} GB)' if local else ''} is lost for good.",
        ]
        if pod.disk_ids:
            lines.append(
                f"Attached network disks {', '.join(pod.disk_ids)} are detached and kept "
                "(and still billed until you delete them)."
            )
        return "\n".join(lines)

    def terminate_pod(self, pod_id: str, *, confirm: bool = False) -> None:
        """Terminate a pod; refuses (saying what would be lost) unless ``confirm=True``."""
        if not confirm:
            raise ConfirmationRequiredError(self.describe_pod_termination(pod_id))
        self._transport.send_once("DELETE", f"/pods/{pod_id}", what=f"Terminating pod {pod_id}")

    def describe_disk_deletion(self, disk_id: str) -> str:
        disk = self.disk(disk_id)
        text = (
            f"Deleting disk {disk.name or disk.id} ({disk.id}, {disk.size} GB in "
            f"{disk.info.data_center_id or disk.provider_type}) destroys all its data "
            "permanently; this cannot be undone."
        )
        if disk.pods:
            text += f"\nIt is attached to pod(s) {', '.join(disk.pods)}: terminate them first."
        return text

    def delete_disk(self, disk_id: str, *, confirm: bool = False) -> None:
        """Delete a disk and its data for good; refuses unless ``confirm=True``."""
        if not confirm:
            raise ConfirmationRequiredError(self.describe_disk_deletion(disk_id))
        self._transport.send_once("DELETE", f"/disks/{disk_id}", what=f"Deleting disk {disk_id}")


def _local_disk_gb(pod: Pod) -> float | None:
    """What termination destroys: the instance's own disk, never the network disks kept.

    ``resources.disk`` counts attached network disks too (500 + 750 in the guide), so
    prefer the non-detachable disk entries, else subtract the network disks."""
    attached = [r for r in pod.attached_resources or [] if r.resource_type == "DISK"]
    own = [r.size for r in attached if r.is_detachable is False and r.size]
    if own:
        return float(sum(own))
    value: Any = (pod.resources or {}).get("disk")
    try:
        local = float(value) - sum(r.size or 0 for r in attached if r.id in pod.disk_ids)
    except (TypeError, ValueError):
        return None
    return local if local > 0 else None


def _progress_bar(label: str) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=100, desc=label, unit="%", leave=True)
