"""Module-level shortcuts on a default client, so a notebook can skip the boilerplate.

The default client is built on first use from the resolved settings; ``use_sandbox()``
swaps in one that talks to an embedded simulated API instead.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the client (httpx, the models) is imported on first use, not here
    import pandas as pd

    from .capacity.history import AvailabilityHistory
    from .capacity.match import WatchEvent
    from .capacity.watcher import Watch
    from .client import Client
    from .models import Disk, Pod
    from .pricing import Quote
    from .provisioning import DiskRequest, PodRequest
    from .rentals.budgets import BudgetState
    from .sandbox import SandboxServer

_lock = threading.Lock()
_default: Client | None = None
_sandbox: SandboxServer | None = None


def get_client() -> Client:
    """The client the shortcuts, magics and widgets use."""
    global _default
    with _lock:
        if _default is None:
            from .client import Client

            _default = Client()
        return _default


def set_client(client: Client | None) -> None:
    """Make ``client`` the default (``None`` re-resolves settings on next use).

    Budgets and deadlines are the store's, so they stay in force; a budget this kernel
    set on the old client's API is set on the new one's too (``%prime sandbox restart``
    or ``%prime config --base-url`` must not lift it)."""
    global _default
    with _lock:
        old, _default = _default, client
    if old is not None and old is not client:
        if client is not None:
            client.rentals.take_budget_from(old.rentals)
        old.close()


def use_sandbox(fresh: bool = False, **config: Any) -> Client:
    """Start the embedded simulated API on a free loopback port and point the default
    client at it. No account, no key, no money. ``config`` goes to ``SandboxConfig``.

    A sandbox already running is kept, with its pods and disks (re-running a notebook's
    first cell must not wipe what it made); ``fresh=True`` or a ``config`` starts anew."""
    global _sandbox
    from .client import Client
    from .sandbox import SandboxConfig, start_sandbox

    running = _sandbox
    if running is not None and not fresh and not config:
        client = get_client()
        if client.settings.base_url != running.url:
            client = Client(api_key=running.api_key, base_url=running.url)
            client.mark_sandbox()
            set_client(client)
        return client
    stop_sandbox()
    server = start_sandbox(SandboxConfig(**config))
    with _lock:
        _sandbox = server
    client = Client(api_key=server.api_key, base_url=server.url)
    client.mark_sandbox()
    set_client(client)
    return client


def stop_sandbox() -> bool:
    """Stop the embedded sandbox if one runs; the default client is reset. True if one ran."""
    global _sandbox
    with _lock:
        server, _sandbox = _sandbox, None
    if server is None:
        return False
    server.stop()
    set_client(None)
    return True


def sandbox_server() -> SandboxServer | None:
    return _sandbox


def quote(
    offer: Any,
    disk_gb: int | None = None,
    vcpus: int | None = None,
    memory_gb: int | None = None,
) -> Quote:
    """What ``offer`` (a model, a frame row or the API's JSON) costs per hour with these
    resources (each defaults to the offer's own): ``pricing.quote``, loaded on first use."""
    from .pricing import quote

    return quote(offer, disk_gb, vcpus, memory_gb)


def watch(
    gpu_type: str | None = None,
    gpu_count: int | None = None,
    regions: str | Sequence[str] | None = None,
    socket: str | None = None,
    security: str | None = None,
    data_center_id: str | None = None,
    provider: str | None = None,
    max_price_per_gpu: float | None = None,
    max_total: float | None = None,
    min_stock: str | None = None,
    every: float = 60.0,
    duration: float | None = None,
    on_event: Callable[[WatchEvent], None] | None = None,
    *,
    client: Client | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    start: bool = True,
    rent_first: bool = False,
    max_hours: float | None = None,
    name: str | None = None,
) -> Watch:
    """Be told when offers matching the filters appear, in the background; returns at
    once (``capacity.watcher.watch`` on the default client unless ``client`` is given):
    caps in $/h (``max_price_per_gpu``, ``max_total``), ``min_stock`` (Low, Medium, High,
    Available), ``every`` seconds between polls, ``duration`` seconds in all;
    ``rent_first=True`` rents the first match once (needs a cap and ``max_hours``)."""
    from .capacity.watcher import watch as start_watch

    return start_watch(
        gpu_type, gpu_count, regions, socket, security, data_center_id, provider,
        max_price_per_gpu, max_total, min_stock, every, duration, on_event,
        client=client or get_client(), clock=clock, sleep=sleep, start=start,
        rent_first=rent_first, max_hours=max_hours, name=name,
    )  # fmt: skip


def availability_history(
    gpu_type: str | None = None,
    gpu_count: int | None = None,
    *,
    client: Client | None = None,
    store: AvailabilityHistory | None = None,
) -> pd.DataFrame:
    """What the watches saw of this shape, one row per poll (oldest first): when, how
    many offers, the best $/GPU-hour and total, and where the cheapest was."""
    from .capacity.watcher import availability_history as read

    return read(gpu_type, gpu_count, client=client or get_client(), store=store)


def availability(**filters: Any) -> pd.DataFrame:
    """``Client.availability`` on the default client."""
    return get_client().availability(**filters)


def disk_availability(**filters: Any) -> pd.DataFrame:
    """``Client.disk_availability`` on the default client."""
    return get_client().disk_availability(**filters)


def gpu_types(refresh: bool = False) -> list[str]:
    """``Client.gpu_types`` on the default client."""
    return get_client().gpu_types(refresh)


def pods() -> pd.DataFrame:
    """``Client.pods`` on the default client."""
    return get_client().pods()


def pod(pod_id: str) -> Pod:
    """``Client.pod`` on the default client."""
    return get_client().pod(pod_id)


def pod_status(pod_ids: str | Sequence[str]) -> pd.DataFrame:
    """``Client.pod_status`` on the default client."""
    return get_client().pod_status(pod_ids)


def pod_history() -> pd.DataFrame:
    """``Client.pod_history`` on the default client."""
    return get_client().pod_history()


def create_pod(request: PodRequest) -> Pod:
    """``Client.create_pod`` on the default client: sent once, never retried."""
    return get_client().create_pod(request)


def wait_for_pod(pod_id: str, timeout: float = 900.0, progress: bool = True) -> Pod:
    """``Client.wait_for_pod`` on the default client."""
    return get_client().wait_for_pod(pod_id, timeout=timeout, progress=progress)


def terminate_pod(pod_id: str, *, confirm: bool = False) -> None:
    """``Client.terminate_pod`` on the default client; needs ``confirm=True``."""
    get_client().terminate_pod(pod_id, confirm=confirm)


def disks() -> pd.DataFrame:
    """``Client.disks`` on the default client."""
    return get_client().disks()


def disk(disk_id: str) -> Disk:
    """``Client.disk`` on the default client."""
    return get_client().disk(disk_id)


def create_disk(request: DiskRequest) -> Disk:
    """``Client.create_disk`` on the default client: sent once, never retried."""
    return get_client().create_disk(request)


def delete_disk(disk_id: str, *, confirm: bool = False) -> None:
    """``Client.delete_disk`` on the default client; needs ``confirm=True``."""
    get_client().delete_disk(disk_id, confirm=confirm)


def budget(
    usd: float | None = None, *, day: bool = False, hard: bool = False
) -> BudgetState | None:
    """``pm.budget(50)`` sets the kernel's budget on the default client
    (``Client.set_budget``); ``pm.budget()`` reads it. ``pm.set_budget(None)`` lifts it."""
    client = get_client()
    return client.budget() if usd is None else client.set_budget(usd, day=day, hard=hard)


def set_budget(usd: float | None, *, day: bool = False, hard: bool = False) -> BudgetState | None:
    """``Client.set_budget`` on the default client (None lifts the budget)."""
    return get_client().set_budget(usd, day=day, hard=hard)
