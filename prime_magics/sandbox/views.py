"""Records of pods and disks and their JSON exactly as the spec's response schemas say.

Rendering is computed from the clock each time (see `lifecycle.py`). Shapes follow
compute.yml: `APIPodConfig`, `APIPodStatusResponse`, `HistoryObj` (type `Instance`, not
the pod's `HOSTED`), `APIDiskConfig`; timestamps are RFC 3339 with an offset (`Z`);
`resources.shared_disk` is spelt as the spec spells it. A few extra keys the guides show
(`basePriceHr`, `baseCurrency`, `jupyterPassword`) are kept: the spec's objects allow them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from .lifecycle import PodOverride, PodPhase, current_phase, disk_status
from .offers import JSON
from .ssh_logins import login_for
from .validation import DiskPlan, PodPlan

SANDBOX_USER = "sandbox-user"
SANDBOX_WALLET = "sandbox-wallet"


class Clock:
    """Monotonic time for lifecycles, mapped to wall-clock strings for timestamps."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._start = monotonic()
        self._wall = datetime.now(timezone.utc)

    def now(self) -> float:
        return self._monotonic()

    def iso(self, t: float) -> str:
        """RFC 3339 in UTC with a `Z`, milliseconds padded to six digits."""
        dt = self._wall + timedelta(seconds=t - self._start)
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000 * 1000:06d}Z"


@dataclass
class PodRecord:
    id: str
    name: str
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
    shared_with_team: bool = False
    team_member_ids: tuple[str, ...] = ()
    ssh_key_id: str | None = None
    prepaid_for_hr: float | None = None
    terminated: float | None = None
    override: PodOverride | None = None
    events: list[tuple[float, str]] = field(default_factory=list)

    def phase(self, now: float, provision_s: float) -> PodPhase:
        end = now if self.terminated is None else self.terminated
        return current_phase(self.created, end, provision_s, self.override)


@dataclass
class DiskRecord:
    id: str
    name: str
    plan: DiskPlan
    team_id: str | None
    created: float
    updated: float
    deleted: float | None = None

    def status(self, now: float, provision_s: float, delete_s: float) -> str:
        return disk_status(self.created, self.deleted, now, provision_s, delete_s)


SshAddress = tuple[str, int]
"""(host, port) of the sandbox's SSH endpoint while one runs (see `ssh_endpoint.py`)."""


def _port(internal: str, external: str, used_by: str | None, description: str) -> JSON:
    return {
        "internal": internal,
        "external": external,
        "protocol": "TCP",
        "usedBy": used_by,
        "description": description,
    }


def _ports(pod: PodRecord, reachable: bool, endpoint: SshAddress | None = None) -> list[JSON]:
    if not reachable:  # what the guide's create response shows before ports are known
        return [_port("22", "22", "SSH", "SSH access"), _port("*", "*", None, "All other ports")]
    ssh_port = pod.ssh_port if endpoint is None else endpoint[1]
    return [
        _port("22", str(ssh_port), "SSH", "SSH access"),
        _port("8888", str(pod.jupyter_port), "JUPYTER_NOTEBOOK", "Jupyter notebook"),
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


def ssh_lines(pod: PodRecord, endpoint: SshAddress | None = None) -> list[str]:
    """One `user@host -p port` per node: made-up addresses, or the sandbox's SSH endpoint
    (every node on it, told apart by its login) when one runs."""
    if endpoint is None:
        return [f"root@{ip} -p {pod.ssh_port}" for ip in pod.ips]
    host, port = endpoint
    return [f"{login_for(pod.id, node)}@{host} -p {port}" for node in range(len(pod.ips))]


def _network(
    pod: PodRecord, reachable: bool, endpoint: SshAddress | None = None
) -> tuple[Any, Any]:
    """(sshConnection, ip): strings, or lists for a multi-node pod; None until reachable."""
    if not reachable:
        return None, None
    ips = list(pod.ips) if endpoint is None else [endpoint[0]] * len(pod.ips)
    if pod.plan.offer.is_multinode:
        return ssh_lines(pod, endpoint), ips
    return ssh_lines(pod, endpoint)[0], ips[0]


def render_pod(
    pod: PodRecord,
    now: float,
    clock: Clock,
    disks: Mapping[str, DiskRecord],
    provision_s: float,
    ssh_endpoint: SshAddress | None = None,
) -> JSON:
    plan, offer = pod.plan, pod.plan.offer
    phase = pod.phase(now, provision_s)
    gone = pod.terminated is not None
    reachable = phase.reachable and not gone
    ssh, ip = _network(pod, reachable, ssh_endpoint)
    updated = pod.created + phase.since if pod.terminated is None else pod.terminated
    shared = offer.shared_disk.default_count if offer.shared_disk is not None else None
    return {
        "id": pod.id,
        "userId": SANDBOX_USER,
        "teamId": pod.team_id,
        "walletId": SANDBOX_WALLET,
        "name": pod.name,
        "type": "HOSTED",
        "providerType": offer.provider,
        "status": "TERMINATED" if gone else phase.status,
        "installationStatus": "TERMINATED" if gone else phase.installation,
        "installationFailure": phase.failure,
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
        "baseCurrency": offer.currency,
        "environmentType": pod.image,
        "customTemplateId": pod.custom_template_id,
        "clusterId": None,
        "primePortMapping": _ports(pod, reachable, ssh_endpoint),
        "sshConnection": ssh,
        "ip": ip,
        "resources": {
            "memory": plan.memory,
            "disk": plan.disk_size + sum(disks[d].plan.size for d in plan.disk_ids),
            "shared_disk": shared,
            "vcpus": plan.vcpus,
        },
        "attachedResources": _attached(pod, disks, phase.disk_status),
        "jupyterPassword": pod.jupyter_password,
        "isSpot": offer.is_spot,
        "autoRestart": pod.auto_restart,
    }


def pod_status(full: JSON) -> JSON:
    """The `/pods/status` view of a rendered pod."""
    keys = (
        "providerType",
        "status",
        "installationStatus",
        "installationProgress",
        "installationFailure",
        "sshConnection",
        "ip",
        "priceHr",
        "primePortMapping",
    )
    return {"podId": full["id"], **{k: full[k] for k in keys}}


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
        "type": "Instance",
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


def render_disk(
    disk: DiskRecord,
    status: str,
    clock: Clock,
    pods: list[str],
    provision_s: float,
    delete_s: float,
) -> JSON:
    offer = disk.plan.offer
    updated = max(disk.updated, disk.created + (provision_s if status != "PROVISIONING" else 0))
    ended = None if status != "TERMINATED" or disk.deleted is None else disk.deleted + delete_s
    if disk.deleted is not None:
        updated = disk.deleted if ended is None else ended
    return {
        "id": disk.id,
        "name": disk.name,
        "createdAt": clock.iso(disk.created),
        "updatedAt": clock.iso(updated),
        "terminatedAt": None if ended is None else clock.iso(ended),
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
