"""Rent GPUs from a notebook: DataFrames with costs, ``%prime`` magics and widget panels.

``import prime_magics as pm`` gives the plain API (``pm.Client``, ``pm.availability``,
``pm.quote``…), which works in scripts too. ``%load_ext prime_magics`` adds ``%prime``;
its module is imported only then, so importing the package stays light.
"""

from __future__ import annotations

from typing import Any

from . import accessor as _accessor  # noqa: F401  (registers df.prime)
from .api import (
    availability,
    create_disk,
    create_pod,
    delete_disk,
    disk,
    disk_availability,
    disks,
    get_client,
    gpu_types,
    pod,
    pod_history,
    pod_status,
    pods,
    set_client,
    stop_sandbox,
    terminate_pod,
    use_sandbox,
    wait_for_pod,
)
from .client import Client
from .config import Settings
from .deadlines import Watchdog
from .errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BalanceTooLowError,
    ConfigurationError,
    ConfirmationRequiredError,
    ConflictError,
    NotFoundError,
    OutcomeUnknownError,
    PaymentRequiredError,
    PermissionDeniedError,
    PriceCapRefusedError,
    PriceChangedError,
    PrimeError,
    ProvisioningError,
    RateLimitError,
    ResponseFormatError,
    ServerError,
    UnprocessableEntityError,
    WaitTimeoutError,
)
from .models import Disk, DiskOffer, GpuOffer, Pod, ResourceSpec
from .pricing import Quote, quote
from .provisioning import DiskRequest, PodRequest
from .store import Deadline, DeadlineStore
from .watch import Watch, availability_history, watch
from .watch_match import WatchEvent

__version__ = "0.1.0"

_WIDGETS = (
    "AvailabilityExplorer", "DiskForm", "PodStatus", "ProvisionForm", "SweepPanel", "WatchPanel",
)  # fmt: skip


def __getattr__(name: str) -> Any:
    """Widgets import ipywidgets; load them only when asked for."""
    if name in _WIDGETS:
        from . import widgets

        return getattr(widgets, name)
    raise AttributeError(f"module 'prime_magics' has no attribute {name!r}")


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext prime_magics``: register ``%prime`` (imports the magics only now)."""
    from .magics import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    from .magics import unload_ipython_extension as unload

    unload(ipython)


__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "AvailabilityExplorer",
    "BadRequestError",
    "BalanceTooLowError",
    "Client",
    "ConfigurationError",
    "ConfirmationRequiredError",
    "ConflictError",
    "Deadline",
    "DeadlineStore",
    "Disk",
    "DiskForm",
    "DiskOffer",
    "DiskRequest",
    "GpuOffer",
    "NotFoundError",
    "OutcomeUnknownError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "Pod",
    "PodRequest",
    "PodStatus",
    "PriceCapRefusedError",
    "PriceChangedError",
    "PrimeError",
    "ProvisionForm",
    "ProvisioningError",
    "Quote",
    "RateLimitError",
    "ResourceSpec",
    "ResponseFormatError",
    "ServerError",
    "Settings",
    "SweepPanel",
    "UnprocessableEntityError",
    "WaitTimeoutError",
    "Watch",
    "WatchEvent",
    "WatchPanel",
    "Watchdog",
    "availability",
    "availability_history",
    "create_disk",
    "create_pod",
    "delete_disk",
    "disk",
    "disk_availability",
    "disks",
    "get_client",
    "gpu_types",
    "load_ipython_extension",
    "pod",
    "pod_history",
    "pod_status",
    "pods",
    "quote",
    "set_client",
    "stop_sandbox",
    "terminate_pod",
    "unload_ipython_extension",
    "use_sandbox",
    "wait_for_pod",
    "watch",
]
