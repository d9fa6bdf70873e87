"""Records of pods and disks, their lifecycle, and their JSON as the real API shows it.

Lifecycle is computed from the time since creation each time a record is rendered (no
background threads, nothing to stop): a pod is PROVISIONING, then PENDING, then ACTIVE
after `provision_seconds`, its installation going PENDING -> INSTALLING -> FINISHED and
its network disks UNATTACHED -> ATTACHED -> MOUNTED on the way, as in the guides.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from .offers import JSON
from .validation import DiskPlan, PodPlan

SANDBOX_USER = "sandbox-user"
SANDBOX_WALLET = "sandbox-wallet"


class Clock:
    """Monotonic time for lifecycles, mapped to wall-clock strings for timestamps."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._start = monotonic()
        self._wall = datetime.now(timezone.utc).replace(tzinfo=None)

    def now(self) -> float:
        return self._monotonic()

    def iso(self, t: float) -> str:
        """The API's format: naive UTC, milliseconds padded to six digits."""
        dt = self._wall + timedelta(seconds=t - self._start)
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000 * 1000:06d}"


@dataclass
class PodRecord:
    id: str
    name: str | None
    plan: PodPlan
    image: str
    custom_template_id: str | None
    team_id: str | None
    jupyter_password: str | None
    auto_restart: bool | None
    created: float
    ips: tuple[str, ...]
    ssh_port: int
    jupyter_port: int
    terminated: float | None = None


@dataclass
class DiskRecord:
    id: str
    name: str
    plan: DiskPlan
    team_id: str | None
    created: float
    updated: float
    terminated: float | None = None


@dataclass(frozen=True)
class PodPhase:
    status: str
    installation: str
    progress: int | None
    disk_status: str
    since: float  # seconds after creation when this phase began


def pod_phase(elapsed: float, provision_s: float) -> PodPhase:
    if provision_s <= 0 or elapsed >= provision_s:
        return PodPhase("ACTIVE", "FINISHED", 100, "MOUNTED", max(provision_s, 0.0))
    f = elapsed / provision_s
    if f < 0.3:
        return PodPhase("PROVISIONING", "PENDING", None, "UNATTACHED", 0.0)
    if f < 0.7:
        return PodPhase("PROVISIONING", "INSTALLING", int(100 * f), "ATTACHED", 0.3 * provision_s)
    return PodPhase("PENDING", "INSTALLING", int(100 * f), "ATTACHED", 0.7 * provision_s)


def _ports(pod: PodRecord, active: bool) -> list[JSON]:
    if not active:  # what the guide's create response shows before ports are known
        return [
            {
                "internal": "22",
                "external": "22",
                "protocol": "TCP",
                "usedBy": "SSH",
                "description": "SSH access",
            },
            {
                "internal": "*",
                "external": "*",
                "protocol": "TCP",
                "usedBy": None,
                "description": "All other ports",
            },
        ]
    return [
        {
            "internal": "22",
            "external": str(pod.ssh_port),
            "protocol": "TCP",
            "usedBy": "SSH",
            "description": "SSH access",
        },
        {
            "internal": "8888",
            "external": str(pod.jupyter_port),
            "protocol": "TCP",
            "usedBy": "JUPYTER_NOTEBOOK",
            "description": "Jupyter notebook",
        },
    ]


def _attached(pod: PodRecord, disks: Mapping[str, DiskRecord], status: str) -> list[JSON]:
    if not pod.plan.disk_ids or pod.terminated is not None:
        return []
    entries: list[JSON] = []
    for i, disk_id in enumerate(pod.plan.disk_ids):
        disk = disks[disk_id]
        entries.append(
            {
                "resourceType": "DISK",
                "id": disk_id,
                "status": status,
                "isDetachable": True,
                "mountPath": "/data" if i == 0 else f"/data{i + 1}",
                "resourcePath": f"/dev/vd{chr(ord('c') + i)}",
                "size": disk.plan.size,
                "isShared": disk.plan.offer.is_multinode,
            }
        )
    entries.append(
        {
            "resourceType": "DISK",
            "id": "ephemeral",
            "status": "ATTACHED",
            "isDetachable": False,
            "mountPath": "/ephemeral",
            "resourcePath": "/dev/vdb",
            "size": pod.plan.disk_size,
            "isShared": False,
        }
    )
    return entries


def _network(pod: PodRecord, active: bool) -> tuple[Any, Any]:
    """(sshConnection, ip): strings, or lists for a multi-node pod; None until ACTIVE."""
    if not active:
        return None, None
    ssh = [f"root@{ip} -p {pod.ssh_port}" for ip in pod.ips]
    if pod.plan.offer.is_multinode:
        return ssh, list(pod.ips)
    return ssh[0], pod.ips[0]


def render_pod(
    pod: PodRecord, now: float, clock: Clock, disks: Mapping[str, DiskRecord], provision_s: float
) -> JSON:
    plan, offer = pod.plan, pod.plan.offer
    end = now if pod.terminated is None else pod.terminated
    phase = pod_phase(end - pod.created, provision_s)
    live_active = pod.terminated is None and phase.status == "ACTIVE"
    ssh, ip = _network(pod, live_active)
    attached = _attached(pod, disks, phase.disk_status)
    updated = pod.terminated if pod.terminated is not None else pod.created + phase.since
    return {
        "id": pod.id,
        "userId": SANDBOX_USER,
        "teamId": pod.team_id,
        "walletId": SANDBOX_WALLET,
        "name": pod.name,
        "type": "HOSTED",
        "providerType": offer.provider,
        "status": "TERMINATED" if pod.terminated is not None else phase.status,
        "installationStatus": phase.installation,
        "installationFailure": None,
        "installationProgress": phase.progress,
        "createdAt": clock.iso(pod.created),
        "updatedAt": clock.iso(updated),
        "terminatedAt": None if pod.terminated is None else clock.iso(pod.terminated),
        "gpuName": offer.gpu_type,
        "gpuCount": offer.gpu_count,
        "socket": offer.socket,
        "priceHr": plan.price_hr,
        "stoppedPriceHr": None,
        "provisioningPriceHr": 0.0,
        "basePriceHr": plan.base_price_hr,
        "baseCurrency": "USD",
        "environmentType": pod.image,
        "customTemplateId": pod.custom_template_id,
        "clusterId": None,
        "primePortMapping": _ports(pod, live_active),
        "sshConnection": ssh,
        "ip": ip,
        "resources": {
            "memory": plan.memory,
            "disk": plan.disk_size + sum(disks[d].plan.size for d in plan.disk_ids),
            "sharedDisk": None,
            "vcpus": plan.vcpus,
        },
        "attachedResources": attached,
        "jupyterPassword": pod.jupyter_password,
        "isSpot": offer.is_spot,
        "autoRestart": pod.auto_restart,
    }


def pod_status(full: JSON) -> JSON:
    """The `/pods/status` view of a rendered pod."""
    return {
        "podId": full["id"],
        "providerType": full["providerType"],
        "status": full["status"],
        "installationStatus": full["installationStatus"],
        "installationProgress": full["installationProgress"],
        "installationFailure": full["installationFailure"],
        "sshConnection": full["sshConnection"],
        "ip": full["ip"],
        "priceHr": full["priceHr"],
        "primePortMapping": full["primePortMapping"],
    }


def history_item(pod: PodRecord, clock: Clock) -> JSON:
    """A terminated pod in `/pods/history`, billed for every second it lived."""
    end = pod.terminated if pod.terminated is not None else pod.created
    hours = (end - pod.created) / 3600
    offer = pod.plan.offer
    return {
        "id": pod.id,
        "name": pod.name,
        "providerType": offer.provider,
        "provisionedBy": SANDBOX_USER,
        "type": "HOSTED",
        "createdAt": clock.iso(pod.created),
        "terminatedAt": clock.iso(end),
        "gpuName": offer.gpu_type,
        "gpuCount": offer.gpu_count,
        "socket": offer.socket,
        "priceHr": pod.plan.price_hr,
        "userId": SANDBOX_USER,
        "teamId": pod.team_id,
        "totalBilledPrice": round(pod.plan.price_hr * hours, 10),
    }


def disk_status(disk: DiskRecord, now: float, provision_s: float) -> str:
    if disk.terminated is not None:
        return "TERMINATED"
    return "ACTIVE" if now - disk.created >= provision_s else "PROVISIONING"


def render_disk(
    disk: DiskRecord, now: float, clock: Clock, pods: list[str], provision_s: float
) -> JSON:
    status = disk_status(disk, now, provision_s)
    offer = disk.plan.offer
    updated = max(disk.updated, disk.created + (provision_s if status != "PROVISIONING" else 0))
    if disk.terminated is not None:
        updated = disk.terminated
    return {
        "id": disk.id,
        "name": disk.name,
        "createdAt": clock.iso(disk.created),
        "updatedAt": clock.iso(updated),
        "terminatedAt": None if disk.terminated is None else clock.iso(disk.terminated),
        "status": status,
        "providerType": offer.provider,
        "size": disk.plan.size,
        "info": {
            "cloudId": offer.cloud_id,
            "country": offer.country,
            "isMultinode": offer.is_multinode,
            "dataCenterId": offer.data_center,
        },
        "priceHr": disk.plan.price_hr,
        "stoppedPriceHr": disk.plan.price_hr,
        "provisioningPriceHr": 0.0,
        "userId": SANDBOX_USER,
        "teamId": disk.team_id,
        "walletId": SANDBOX_WALLET,
        "pods": pods,
        "clusters": [],
    }
