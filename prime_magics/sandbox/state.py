"""The live store of pods and disks: one lock, seeded ids, JSON out.

Uvicorn serves requests from a thread pool while tests inspect the same store from their
own thread, so every read and write holds one re-entrant lock. Ids and IPs come from a
per-app RNG seeded from the config (re-seeded by `reset`), so a notebook run against a
fresh or reset sandbox sees the same ids every time. Time comes from the injectable
`monotonic` callable, so tests can walk a pod through its life without sleeping.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable

from .catalog import Catalog
from .config import SandboxConfig
from .errors import ApiError, BodyError, NotFound, field_error
from .lifecycle import PodOverride
from .offers import JSON, Location
from .pod_logs import render_log
from .schemas import CreateDisk, CreatePod
from .validation import DiskFacts, plan_disk, plan_pod
from .views import (
    Clock,
    DiskRecord,
    PodRecord,
    SshAddress,
    history_item,
    pod_status,
    render_disk,
    render_pod,
    ssh_lines,
)

GPUS_PER_NODE = 8
INSTALL_FAILURE = "Installation failed: image pull timed out (simulated by the sandbox)"
POD_FAILURE = "The provider reported a hardware fault (simulated by the sandbox)"


def _listing(data: list[JSON], total: int, offset: int, limit: int) -> JSON:
    return {"total_count": total, "offset": offset, "limit": limit, "data": data}


def _window(offset: int, limit: int) -> tuple[int, int]:
    """The spec bounds neither; its answer says both are >= 0, so clamp rather than 422."""
    return max(0, offset), max(0, limit)


class SandboxState:
    """Pods and disks of one sandbox, with the lifecycle rules of the real API."""

    def __init__(
        self,
        catalog: Catalog,
        config: SandboxConfig,
        monotonic: Callable[[], float] | None = None,
    ) -> None:
        self.catalog = catalog
        self.config = config
        self.clock = Clock() if monotonic is None else Clock(monotonic)
        self._lock = threading.RLock()
        self._pods: dict[str, PodRecord] = {}
        self._disks: dict[str, DiskRecord] = {}
        self._rng = random.Random()
        self.ssh_endpoint: SshAddress | None = None
        """(host, port) of the sandbox's SSH endpoint while `start_sandbox` runs one: the
        pods' `sshConnection` then names it (a login per pod) instead of made-up IPs."""
        self.reset()

    def reset(self) -> None:
        """Forget every pod and disk and restart the id sequence."""
        with self._lock:
            self._pods.clear()
            self._disks.clear()
            self._rng = random.Random(self.config.seed * 7919 + 17)

    # ---- helpers (call with the lock held) -------------------------------------------

    def _new_id(self) -> str:
        return f"{self._rng.getrandbits(128):032x}"

    def _disk_status(self, disk: DiskRecord) -> str:
        cfg = self.config
        return disk.status(self.clock.now(), cfg.disk_provision_seconds, cfg.disk_delete_seconds)

    def _live_pods_with(self, disk_id: str) -> list[str]:
        return [
            p.id for p in self._pods.values() if p.terminated is None and disk_id in p.plan.disk_ids
        ]

    def _disk_facts(self, disk_id: str) -> DiskFacts | None:
        disk = self._disks.get(disk_id)
        if disk is None or disk.deleted is not None:
            return None
        pods = tuple(self._live_pods_with(disk_id))
        offer = disk.plan.offer
        return DiskFacts(self._disk_status(disk), offer.location, offer.is_multinode, pods)

    def _pod(self, pod_id: str) -> PodRecord:
        pod = self._pods.get(pod_id)
        if pod is None:
            raise NotFound("Pod", pod_id)
        return pod

    def _disk(self, disk_id: str) -> DiskRecord:
        disk = self._disks.get(disk_id)
        if disk is None:
            raise NotFound("Disk", disk_id)
        return disk

    def _render_pod(self, pod: PodRecord) -> JSON:
        now = self.clock.now()
        return render_pod(
            pod, now, self.clock, self._disks, self.config.provision_seconds, self.ssh_endpoint
        )

    def _render_disk(self, disk: DiskRecord) -> JSON:
        status = self._disk_status(disk)
        pods = self._live_pods_with(disk.id) if disk.deleted is None else []
        cfg = self.config
        return render_disk(
            disk, status, self.clock, pods, cfg.disk_provision_seconds, cfg.disk_delete_seconds
        )

    def _ip(self) -> str:
        net = self._rng.choice(("203.0.113", "198.51.100"))  # documentation ranges
        return f"{net}.{self._rng.randint(2, 254)}"

    # ---- pods -------------------------------------------------------------------------

    def create_pod(self, body: CreatePod) -> JSON:
        with self._lock:
            plan = plan_pod(body, self.catalog, self._disk_facts)
            nodes = max(1, plan.offer.gpu_count // GPUS_PER_NODE) if plan.offer.is_multinode else 1
            pod_id = self._new_id()
            spec = body.pod
            pod = PodRecord(
                id=pod_id,
                name=spec.name if spec.name is not None else f"pod-{pod_id[:8]}",
                plan=plan,
                image=spec.image,
                custom_template_id=spec.customTemplateId,
                team_id=body.team.teamId if body.team else None,
                jupyter_password=spec.jupyterPassword,
                auto_restart=spec.autoRestart,
                created=self.clock.now(),
                ips=tuple(self._ip() for _ in range(nodes)),
                ssh_port=self._rng.randint(20000, 49999),
                jupyter_port=self._rng.randint(20000, 49999),
                shared_with_team=body.shared,
                team_member_ids=body.members,
                ssh_key_id=spec.sshKeyId,
                prepaid_for_hr=spec.prepaidForHr,
            )
            self._pods[pod.id] = pod
            return self._render_pod(pod)

    def get_pod(self, pod_id: str) -> JSON:
        """Any pod ever created; a terminated one answers with status TERMINATED."""
        with self._lock:
            return self._render_pod(self._pod(pod_id))

    def list_pods(self, offset: int = 0, limit: int = 100) -> JSON:
        """Pods not terminated, newest first."""
        offset, limit = _window(offset, limit)
        with self._lock:
            live = [p for p in reversed(self._pods.values()) if p.terminated is None]
            page = [self._render_pod(p) for p in live[offset : offset + limit]]
            return _listing(page, len(live), offset, limit)

    def pod_statuses(self, pod_ids: list[str]) -> JSON:
        """Statuses of the known ids among `pod_ids`, in request order."""
        with self._lock:
            data = [pod_status(self._render_pod(self._pods[i])) for i in pod_ids if i in self._pods]
            return {"data": data}

    def pod_history(
        self, offset: int = 0, limit: int = 100, sort_by: str = "terminatedAt", desc: bool = True
    ) -> JSON:
        offset, limit = _window(offset, limit)
        with self._lock:
            ended = [p for p in self._pods.values() if p.terminated is not None]

            def when(p: PodRecord) -> float:
                return p.created if sort_by == "createdAt" else (p.terminated or p.created)

            ended.sort(key=when, reverse=desc)
            page = [history_item(p, self.clock) for p in ended[offset : offset + limit]]
            return _listing(page, len(ended), offset, limit)

    def terminate_pod(self, pod_id: str) -> JSON:
        """Terminate (idempotent); its disks are detached at once."""
        with self._lock:
            pod = self._pod(pod_id)
            if pod.terminated is None:
                pod.terminated = self.clock.now()
                pod.events.append((pod.terminated, "Pod terminated"))
            return {"status": "TERMINATED"}

    def live_pod_ids(self) -> list[str]:
        with self._lock:
            return [p.id for p in self._pods.values() if p.terminated is None]

    def pod_logs(self, pod_id: str, tail: int | None = None) -> JSON:
        """The pod's log so far (it grows while the pod installs), last `tail` lines."""
        with self._lock:
            pod = self._pod(pod_id)
            return render_log(
                pod, self.clock.now(), self.clock, self.config.provision_seconds, tail,
                ssh_lines(pod, self.ssh_endpoint)[0],
            )  # fmt: skip

    # ---- deterministic failures, for tests (also under /_sandbox/pods/{id}/...) -------

    def _force(self, pod_id: str, status: str, installation: str, failure: str | None) -> JSON:
        with self._lock:
            pod = self._pod(pod_id)
            if pod.terminated is not None:
                raise ApiError(409, f"Pod {pod_id} is terminated")
            now = self.clock.now()
            pod.override = PodOverride(status, installation, failure, now)
            pod.events.append((now, failure or f"Pod {status.lower()}"))
            return self._render_pod(pod)

    def fail_installation(self, pod_id: str, reason: str = INSTALL_FAILURE) -> JSON:
        """installationStatus ERROR with `reason` in installationFailure; pod stays ACTIVE."""
        return self._force(pod_id, "ACTIVE", "ERROR", reason)

    def stop_pod(self, pod_id: str) -> JSON:
        """Put the pod in STOPPED (no SSH connection while stopped)."""
        return self._force(pod_id, "STOPPED", "FINISHED", None)

    def error_pod(self, pod_id: str, reason: str = POD_FAILURE) -> JSON:
        """Put the pod in ERROR, `reason` in installationFailure."""
        return self._force(pod_id, "ERROR", "ERROR", reason)

    def pod_facts(self, pod_id: str) -> JSON:
        """What the request asked for that the pod JSON does not show (sharing, key)."""
        with self._lock:
            pod = self._pod(pod_id)
            return {
                "id": pod.id,
                "sharedWithTeam": pod.shared_with_team,
                "teamMemberIds": list(pod.team_member_ids),
                "teamId": pod.team_id,
                "sshKeyId": pod.ssh_key_id,
                "prepaidForHr": pod.prepaid_for_hr,
            }

    # ---- disks ------------------------------------------------------------------------

    def create_disk(self, body: CreateDisk) -> JSON:
        with self._lock:
            plan = plan_disk(body, self.catalog)
            disk_id = self._new_id()
            now = self.clock.now()
            disk = DiskRecord(
                id=disk_id,
                name=body.disk.name if body.disk.name is not None else f"disk-{disk_id[:8]}",
                plan=plan,
                team_id=body.team.teamId if body.team else None,
                created=now,
                updated=now,
            )
            self._disks[disk_id] = disk
            return self._render_disk(disk)

    def get_disk(self, disk_id: str) -> JSON:
        with self._lock:
            return self._render_disk(self._disk(disk_id))

    def list_disks(self, offset: int = 0, limit: int = 100) -> JSON:
        """Disks not terminated (DELETING ones included), newest first."""
        offset, limit = _window(offset, limit)
        with self._lock:
            live = [
                d for d in reversed(self._disks.values()) if self._disk_status(d) != "TERMINATED"
            ]
            page = [self._render_disk(d) for d in live[offset : offset + limit]]
            return _listing(page, len(live), offset, limit)

    def rename_disk(self, disk_id: str, name: str) -> JSON:
        with self._lock:
            disk = self._disk(disk_id)
            if disk.deleted is not None:
                raise ApiError(409, f"Disk {disk_id} is deleted and cannot be renamed")
            if len(name) > 255:
                raise BodyError([field_error(("name",), "must be at most 255 characters", name)])
            disk.name = name
            disk.updated = self.clock.now()
            return self._render_disk(disk)

    def delete_disk(self, disk_id: str) -> JSON:
        """Delete a disk (idempotent), refused while a live pod uses it."""
        with self._lock:
            disk = self._disk(disk_id)
            users = self._live_pods_with(disk_id)
            if users and disk.deleted is None:
                raise ApiError(
                    409,
                    f"Disk {disk_id} is attached to pod {', '.join(users)}; "
                    "terminate the pod before deleting the disk",
                )
            if disk.deleted is None:
                disk.deleted = self.clock.now()
            return {"status": self._disk_status(disk)}

    def disk_locations(self, disk_ids: list[str]) -> frozenset[Location]:
        """Where the given disks live (for the availability `disks` filter); 404 unknown."""
        with self._lock:
            found = []
            for disk_id in disk_ids:
                disk = self._disks.get(disk_id)
                if disk is None or disk.deleted is not None:
                    raise NotFound("Disk", disk_id)
                found.append(disk.plan.offer.location)
            return frozenset(found)

    def live_disk_ids(self) -> list[str]:
        with self._lock:
            return [d.id for d in self._disks.values() if self._disk_status(d) != "TERMINATED"]
