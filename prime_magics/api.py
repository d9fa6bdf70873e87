"""Module-level shortcuts on a default client, so a notebook can skip the boilerplate.

The default client is built on first use from the resolved settings; ``use_sandbox()``
swaps in one that talks to an embedded simulated API instead.
"""

from __future__ import annotations

import os
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .errors import ConfigurationError

if TYPE_CHECKING:  # the client (httpx, the models) is imported on first use, not here
    from datetime import datetime

    import pandas as pd

    from .capacity.history import AvailabilityHistory
    from .capacity.match import WatchEvent
    from .capacity.watcher import Watch
    from .client import Client
    from .models import Disk, Pod, Wallet
    from .pricing import Quote
    from .provisioning import DiskRequest, PodRequest
    from .rentals import daemon
    from .rentals.budgets import BudgetState
    from .rentals.records import Rental
    from .sandbox import SandboxServer
    from .ssh import Remote

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
    set on the old client's API is set on the new one's too (``%prime simulator restart``
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

    on_default = client is None or client is _default  # then it follows the kernel's client
    return start_watch(
        gpu_type, gpu_count, regions, socket, security, data_center_id, provider,
        max_price_per_gpu, max_total, min_stock, every, duration, on_event,
        client=client or get_client(), clock=clock, sleep=sleep, start=start,
        rent_first=rent_first, max_hours=max_hours, name=name,
        follow=default_client if on_default else None,
    )  # fmt: skip


def default_client() -> Client | None:
    """The default client if there is one now (never builds one: a watch on the sandbox
    must not turn to the real API while ``%prime simulator restart`` swaps clients)."""
    with _lock:
        return _default


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


# -- the client's methods on the default client -------------------------------------------
# Each has its method's own signature (tests/test_public_api.py compares them), so help(),
# a notebook's completion and type checkers show the real parameters.


def availability(
    gpu_type: str | None = None,
    gpu_count: int | None = None,
    regions: str | Sequence[str] | None = None,
    socket: str | None = None,
    security: str | None = None,
    data_center_id: str | None = None,
    cloud_id: str | None = None,
    disks: str | Sequence[str] | None = None,
    refresh: bool = False,
    provider: str | None = None,
) -> pd.DataFrame:
    """GPU offers as a DataFrame, cheapest first, every cost column computed:
    ``Client.availability`` on the default client."""
    return get_client().availability(
        gpu_type=gpu_type, gpu_count=gpu_count, regions=regions, socket=socket,
        security=security, data_center_id=data_center_id, cloud_id=cloud_id, disks=disks,
        refresh=refresh, provider=provider,
    )  # fmt: skip


def disk_availability(
    regions: str | Sequence[str] | None = None,
    data_center_id: str | None = None,
    cloud_id: str | None = None,
    size_gb: int | None = None,
    refresh: bool = False,
) -> pd.DataFrame:
    """Where network disks can be created, as a DataFrame (with ``size_gb``, what that
    size costs an hour): ``Client.disk_availability`` on the default client."""
    return get_client().disk_availability(
        regions=regions, data_center_id=data_center_id, cloud_id=cloud_id, size_gb=size_gb,
        refresh=refresh,
    )  # fmt: skip


def gpu_types(refresh: bool = False) -> list[str]:
    """The GPU types the API knows, sorted: ``Client.gpu_types`` on the default client."""
    return get_client().gpu_types(refresh=refresh)


def pods() -> pd.DataFrame:
    """Your live pods with what each has cost so far: ``Client.pods`` on the default client."""
    return get_client().pods()


def pod(pod_id: str) -> Pod:
    """One pod, as the API has it now: ``Client.pod`` on the default client."""
    return get_client().pod(pod_id)


def pod_status(pod_ids: str | Sequence[str]) -> pd.DataFrame:
    """The status of these pods, one row each: ``Client.pod_status`` on the default client."""
    return get_client().pod_status(pod_ids)


def pod_history() -> pd.DataFrame:
    """Terminated pods and what each was billed: ``Client.pod_history`` on the default
    client."""
    return get_client().pod_history()


def create_pod(request: PodRequest, *, despite_balance: bool = False) -> Pod:
    """Rent the pod: ``Client.create_pod`` on the default client. Sent once, never retried;
    the offer is re-read first and nothing is sent above the request's cap."""
    return get_client().create_pod(request, despite_balance=despite_balance)


def wait_for_pod(
    pod_id: str,
    timeout: float = 900.0,
    poll_interval: float = 2.0,
    progress: bool = True,
) -> Pod:
    """Poll until the pod is ready and return it: ``Client.wait_for_pod`` on the default
    client."""
    return get_client().wait_for_pod(
        pod_id, timeout=timeout, poll_interval=poll_interval, progress=progress
    )


def terminate_pod(pod_id: str, *, confirm: bool = False) -> None:
    """End a pod: ``Client.terminate_pod`` on the default client; needs ``confirm=True``."""
    get_client().terminate_pod(pod_id, confirm=confirm)


def remote(pod_id: str | None = None, *, identity: str | os.PathLike[str] | None = None) -> Remote:
    """Work on a pod over SSH from plain Python: ``Client.remote`` on the default client.

    ``pod_id`` defaults to your only live pod; ``identity`` is a private key file
    (default: ``~/.ssh``'s keys or ssh-agent). The ``Remote`` runs code in a fresh Python
    process on the pod (``.run(code, push={…}, pull=[…], timeout=…)``, output streamed,
    ``.last_run`` its timings) and moves files all or nothing (``.put``, ``.get``)."""
    return get_client().remote(pod_id, identity=identity)


def disks() -> pd.DataFrame:
    """Your network disks as a DataFrame: ``Client.disks`` on the default client."""
    return get_client().disks()


def disk(disk_id: str) -> Disk:
    """One disk, as the API has it now: ``Client.disk`` on the default client."""
    return get_client().disk(disk_id)


def create_disk(request: DiskRequest) -> Disk:
    """Create a network disk: ``Client.create_disk`` on the default client. Sent once,
    never retried; billed until deleted."""
    return get_client().create_disk(request)


def delete_disk(disk_id: str, *, confirm: bool = False) -> None:
    """Delete a disk and its data: ``Client.delete_disk`` on the default client; needs
    ``confirm=True``."""
    get_client().delete_disk(disk_id, confirm=confirm)


def sweep(now: datetime | None = None) -> pd.DataFrame:
    """Everything billing now, with cost so far and the flags for what was forgotten:
    ``Client.sweep`` on the default client."""
    return get_client().sweep(now=now)


def extend(pod_id: str, hours: float) -> Rental:
    """Move the pod's deadline ``hours`` later (a pod without one gets one): ``Client.extend``
    on the default client."""
    return get_client().extend(pod_id, hours)


def wallet() -> Wallet:
    """Your (or the configured team's) balance and latest billing rows: ``Client.wallet``
    on the default client."""
    return get_client().wallet()


def guard_status() -> daemon.GuardStatus:
    """What the guard process for the default client's API guards, its last round and
    its errors: ``Client.guard_status`` on the default client."""
    return get_client().guard_status()


# -- the budget ------------------------------------------------------------------------------


def budget(
    usd: float | None = None, *, day: bool = False, hard: bool = False, off: bool = False
) -> BudgetState | None:
    """The one way to set, read or lift the budget, on the default client.

    - ``pm.budget(50)`` sets it: at most $50 on the pods and disks created from this
      kernel (``day=True``: on everything the local store knows, over a rolling 24 h;
      ``hard=True``: at 100 % the guard ends them). Returns its state.
    - ``pm.budget()`` reads it: spent, $/h still billing, when it is reached (None: no
      budget).
    - ``pm.budget(off=True)`` lifts it (returns None), as ``%prime budget --off`` does.

    ``Client.set_budget`` and ``Client.budget`` are the same on a given client."""
    if off and (usd is not None or day or hard):
        raise ConfigurationError(
            "pm.budget(off=True) lifts the budget and takes nothing else: "
            "pm.budget(USD, day=…, hard=…) sets one."
        )
    if usd is None and (day or hard):
        flags = ", ".join(f"{name}=True" for name, on in (("day", day), ("hard", hard)) if on)
        raise ConfigurationError(
            f"pm.budget({flags}) needs an amount: pm.budget(USD, {flags}) sets the budget."
        )
    client = get_client()
    if off:
        return client.set_budget(None)
    return client.budget() if usd is None else client.set_budget(usd, day=day, hard=hard)


def set_budget(usd: float | None, *, day: bool = False, hard: bool = False) -> BudgetState | None:
    """Deprecated (kept one release): ``pm.budget(usd, day=…, hard=…)`` sets the budget,
    ``pm.budget(off=True)`` lifts it."""
    instead = "pm.budget(off=True)" if usd is None else "pm.budget(usd, day=…, hard=…)"
    warnings.warn(
        f"pm.set_budget is deprecated and goes in the next release; use {instead}.",
        DeprecationWarning,
        stacklevel=2,
    )
    return budget(off=True) if usd is None else budget(usd, day=day, hard=hard)
