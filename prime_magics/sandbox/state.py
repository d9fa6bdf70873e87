"""The live store of pods and disks: one lock, seeded ids, JSON out.

Uvicorn serves requests from a thread pool while tests inspect the same store from their
own thread, so every read and write holds one re-entrant lock. Ids and IPs come from a
per-app RNG seeded from the config (re-seeded by `reset`), so a notebook run against a
fresh or reset sandbox sees the same ids every time.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable

from .catalog import Catalog
from .config import SandboxConfig
from .errors import ApiError, NotFound
from .offers import JSON, Location
from .schemas import CreateDisk, CreatePod
from .validation import DiskFacts, plan_disk, plan_pod
from .views import (
    Clock,
    DiskRecord,
    PodRecord,
    disk_status,
    history_item,
    pod_status,
    render_disk,
    render_pod,
)

GPUS_PER_NODE = 8


def _listing(data: list[JSON], total: int, offset: int, limit: int) -> JSON:
    return {"total_count": total, "offset": offset, "limit": limit, "data": data}


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

    def _live_pods_with(self, disk_id: str) -> list[str]:
        return [
            p.id for p in self._pods.values() if p.terminated is None and disk_id in p.plan.disk_ids
        ]

    def _disk_facts(self, disk_id: str) -> DiskFacts | None:
        disk = self._disks.get(disk_id)
        if disk is None or disk.terminated is not None:
            return None
        status = disk_status(disk, self.clock.now(), self.config.disk_provision_seconds)
        pods = tuple(self._live_pods_with(disk_id))
        return DiskFacts(status, disk.plan.offer.location, disk.plan.offer.is_multinode, pods)

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
        return render_pod(pod, now, self.clock, self._disks, self.config.provision_seconds)

    def _render_disk(self, disk: DiskRecord) -> JSON:
        pods = self._live_pods_with(disk.id) if disk.terminated is None else []
        now = self.clock.now()
        return render_disk(disk, now, self.clock, pods, self.config.disk_provision_seconds)

    def _ip(self) -> str:
        net = self._rng.choice(("203.0.113", "198.51.100"))  # documentation ranges
        return f"{net}.{self._rng.randint(2, 254)}"

    # ---- pods -------------------------------------------------------------------------

    def create_pod(self, body: CreatePod) -> JSON:
        with self._lock:
            plan = plan_pod(body, self.catalog, self._disk_facts)
            nodes = max(1, plan.offer.gpu_count // GPUS_PER_NODE) if plan.offer.is_multinode else 1
            pod = PodRecord(
                id=self._new_id(),
                name=body.pod.name,
                plan=plan,
                image=body.pod.image,
                custom_template_id=body.pod.customTemplateId,
                team_id=body.team.teamId if body.team else None,
                jupyter_password=body.pod.jupyterPassword,
                auto_restart=body.pod.autoRestart,
                created=self.clock.now(),
                ips=tuple(self._ip() for _ in range(nodes)),
                ssh_port=self._rng.randint(20000, 49999),
                jupyter_port=self._rng.randint(20000, 49999),
            )
            self._pods[pod.id] = pod
            return self._render_pod(pod)

    def get_pod(self, pod_id: str) -> JSON:
        with self._lock:
            return self._render_pod(self._pod(pod_id))

    def list_pods(self, offset: int = 0, limit: int = 100) -> JSON:
        """Pods not terminated, newest first."""
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
            return {"status": "TERMINATED"}

    def live_pod_ids(self) -> list[str]:
        with self._lock:
            return [p.id for p in self._pods.values() if p.terminated is None]

    # ---- disks ------------------------------------------------------------------------

    def create_disk(self, body: CreateDisk) -> JSON:
        with self._lock:
            plan = plan_disk(body, self.catalog)
            disk_id = self._new_id()
            now = self.clock.now()
            disk = DiskRecord(
                id=disk_id,
                name=body.disk.name or f"disk-{disk_id[:8]}",
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

    def list_disks(self, offset: int = 0, limit: int = 50) -> JSON:
        """Disks not terminated, newest first."""
        with self._lock:
            live = [d for d in reversed(self._disks.values()) if d.terminated is None]
            page = [self._render_disk(d) for d in live[offset : offset + limit]]
            return _listing(page, len(live), offset, limit)

    def rename_disk(self, disk_id: str, name: str) -> JSON:
        with self._lock:
            disk = self._disk(disk_id)
            if disk.terminated is not None:
                raise ApiError(409, f"Disk {disk_id} is terminated and cannot be renamed")
            disk.name = name
            disk.updated = self.clock.now()
            return self._render_disk(disk)

    def delete_disk(self, disk_id: str) -> JSON:
        """Terminate a disk (idempotent), refused while a live pod uses it."""
        with self._lock:
            disk = self._disk(disk_id)
            users = self._live_pods_with(disk_id)
            if users and disk.terminated is None:
                raise ApiError(
                    409,
                    f"Disk {disk_id} is attached to pod {', '.join(users)}; "
                    "terminate the pod before deleting the disk",
                )
            if disk.terminated is None:
                disk.terminated = self.clock.now()
            return {"status": "TERMINATED"}

    def disk_locations(self, disk_ids: list[str]) -> frozenset[Location]:
        """Where the given disks live (for the availability `disks` filter); 404 unknown."""
        with self._lock:
            found = []
            for disk_id in disk_ids:
                disk = self._disks.get(disk_id)
                if disk is None or disk.terminated is not None:
                    raise NotFound("Disk", disk_id)
                found.append(disk.plan.offer.location)
            return frozenset(found)

    def live_disk_ids(self) -> list[str]:
        with self._lock:
            return [d.id for d in self._disks.values() if d.terminated is None]
