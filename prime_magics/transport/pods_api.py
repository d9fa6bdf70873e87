"""``client.pods``: list, read, create once, follow, read logs, and terminate when confirmed.

A create is sent exactly once; when its answer is lost, the pods created since under
the same name are looked up before ``OutcomeUnknownError`` is raised, so the user learns
whether they now pay for a pod. Terminating first says what will be lost — the pod's own
disk and each attached network disk, with their sizes — and refuses without
``confirm=True``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import TypeAdapter

from ..display.primitives import usd
from ..errors import ConfirmationRequiredError
from ..inputs import path_id
from ..lifecycle import Follow, Phase, pod_state
from ..models import HistoryItem, Pod, PodStatus, first_address
from ..provisioning import PodRequest
from ..responses import parse, tallied
from ..timestamps import at_or_after
from .resource import APIResource

PODS = "/pods/"


def _pod_path(pod_id: str, tail: str = "") -> str:
    """``/pods/{id}{tail}``, the id checked as one path segment (``inputs.path_id``)."""
    return f"{PODS}{path_id('pod_id', pod_id, 'pod id')}{tail}"


_statuses: TypeAdapter[list[PodStatus]] = TypeAdapter(list[PodStatus])


class Pods(APIResource):
    def all(self) -> list[Pod]:
        return self._list(PODS, Pod, 100)

    def get(self, pod_id: str) -> Pod:
        return self._get(Pod, _pod_path(pod_id), what=f"pod {pod_id}")

    def status(self, pod_ids: Sequence[str]) -> list[PodStatus]:
        what = "GET /pods/status"
        for pod_id in pod_ids:  # a query parameter, but still only ever an id
            path_id("pod_id", pod_id, "pod id")
        body = self._transport.get(f"{PODS}status", {"pod_ids": list(pod_ids)}, what=what)
        data = body.get("data") if isinstance(body, dict) else body
        with tallied(what) as tally:
            statuses: list[PodStatus] = parse(_statuses, data or [], what, tally)
        return statuses

    def history(self) -> list[HistoryItem]:
        return self._list(f"{PODS}history", HistoryItem, 100)

    def logs(self, pod_id: str, tail: int | None = None) -> list[str]:
        """The pod's log lines (the spec leaves the shape open: text, lines or an object)."""
        params = {"tail": tail} if tail is not None else None
        body = self._transport.get(_pod_path(pod_id, "/log"), params, what=f"logs of pod {pod_id}")
        if isinstance(body, dict):
            body = body.get("logs", body.get("data", body.get("log", "")))
        if isinstance(body, list):
            return [str(line) for line in body]
        return str(body or "").splitlines()

    def create(self, request: PodRequest) -> Pod:
        """``request`` as it is sent: team decided (``PodRequest.for_settings``), disks
        checked (``provisioning.check_attachable``)."""
        return self._create_once(PODS, request.body(), Pod, "pod", request.name, self.find)

    def find(self, name: str, since: str) -> list[Pod]:
        """Pods with this name created since ``since`` (ISO time): reconciliation."""
        return [p for p in self.all() if p.name == name and at_or_after(p.created_at, since)]

    def follow(
        self,
        pod_id: str,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> Follow[Pod]:
        return Follow(lambda: self.get(pod_id), pod_state, f"Pod {pod_id}", clock, sleep)

    def describe_termination(self, pod_id: str) -> str:
        """What terminating loses, read fresh: the pod's own disk and each network disk."""
        pod = self.get(pod_id)
        state = pod_state(pod)
        if state.phase is Phase.GONE:
            return f"Pod {pod.name or pod.id} ({pod.id}) is already {state.status}."
        local = local_disk_gb(pod)
        lines = [
            f"Terminating pod {pod.name or pod.id} ({pod.id}, {pod.gpu_count}× {pod.gpu_name}) "
            f"stops its billing of {usd(pod.price_hr or 0)}.",
            f"Everything on its own disk{f' ({local:g} GB)' if local else ''} is lost for good.",
        ]
        for disk in pod.network_disks:
            size = f" ({disk.size:g} GB)" if disk.size else ""
            lines.append(
                f"Network disk {disk.id}{size} is detached and kept (still billed until you "
                "delete it)."
            )
        return "\n".join(lines)

    def terminate(self, pod_id: str, *, confirm: bool = False) -> None:
        path = _pod_path(pod_id)
        if not confirm:
            raise ConfirmationRequiredError(self.describe_termination(pod_id))
        self._transport.send_once("DELETE", path, what=f"Terminating pod {pod_id}")

    def ssh_command(self, pod: Pod) -> str | None:
        """``ssh -i KEY user@host -p PORT``, or None while the pod has no address yet."""
        target = first_address(pod.ssh_connection)
        return f"ssh -i {self._settings.ssh_key_path} {target}" if target else None


def local_disk_gb(pod: Pod) -> float | None:
    """The pod's own disk, never the network disks that termination keeps.

    ``resources.disk`` counts attached network disks too (500 + 750 in the guide), so
    prefer the non-detachable disk entries, else subtract the network disks."""
    attached = [r for r in pod.attached_resources or [] if r.resource_type == "DISK"]
    own = [r.size for r in attached if r.is_detachable is False and r.size]
    if own:
        return float(sum(own))
    value: Any = (pod.resources or {}).get("disk")
    try:
        local = float(value) - sum(r.size or 0 for r in pod.network_disks)
    except (TypeError, ValueError):
        return None
    return local if local > 0 else None
