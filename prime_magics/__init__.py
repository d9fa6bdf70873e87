"""Rent GPUs from a notebook: DataFrames with costs, ``%prime`` magics and widget panels.

``import prime_magics as pm`` gives the plain API (``pm.Client``, ``pm.availability``,
``pm.quote``…), which works in scripts too. ``%load_ext prime_magics`` adds ``%prime``;
its module is imported only then, so importing the package stays light.

The classes that need pydantic or httpx (``Client``, the models, ``quote``…) are loaded
on first use (``__getattr__``); ``import prime_magics`` costs little beyond pandas.
"""

from __future__ import annotations

import importlib as _importlib
import typing as _typing

from .api import (
    availability,
    availability_history,
    budget,
    create_disk,
    create_pod,
    delete_disk,
    disk,
    disk_availability,
    disks,
    extend,
    get_client,
    gpu_types,
    guard_status,
    pod,
    pod_history,
    pod_status,
    pods,
    quote,
    remote,
    set_client,
    stop_sandbox,
    sweep,
    terminate_pod,
    use_sandbox,
    wait_for_pod,
    wallet,
    watch,
)
from .config import Settings
from .errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BalanceTooLowError,
    BudgetSpentError,
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
    SpendRefusedError,
    UnprocessableEntityError,
    WaitTimeoutError,
)
from .frames import accessor as _accessor  # noqa: F401  (registers df.prime)

if _typing.TYPE_CHECKING:
    from .capacity.match import WatchEvent
    from .capacity.watcher import Watch
    from .client import Client
    from .models import Disk, DiskOffer, GpuOffer, Pod, ResourceSpec
    from .pricing import Quote
    from .provisioning import DiskRequest, PodRequest
    from .rentals.budgets import Budget, BudgetState
    from .rentals.records import Rental
    from .rentals.store import Store, StoreError
    from .ssh import Remote, RemoteError
    from .widgets.notify import notifications

__version__ = "0.1.0"

_WIDGETS = (
    "AvailabilityExplorer", "BudgetPanel", "DiskForm", "PodStatus", "ProvisionForm",
    "SweepPanel", "WatchPanel",
)  # fmt: skip
_LAZY = {
    "Client": "client", "Disk": "models", "DiskOffer": "models",
    "GpuOffer": "models", "Pod": "models", "ResourceSpec": "models", "Quote": "pricing",
    "DiskRequest": "provisioning", "PodRequest": "provisioning", "Watch": "capacity.watcher",
    "WatchEvent": "capacity.match", "Budget": "rentals.budgets", "BudgetState": "rentals.budgets",
    "Rental": "rentals.records", "Store": "rentals.store", "StoreError": "rentals.store",
    "Remote": "ssh", "RemoteError": "ssh", "notifications": "widgets.notify",
}  # fmt: skip
"""The names served on first use: pydantic (~90 ms) and httpx (~50 ms) load then, and
``notifications`` brings ipywidgets and anywidget."""


_DEPRECATED = {"set_budget": "api"}
"""Names kept one release for old code, outside ``__all__`` and ``dir(pm)``; each warns
(``DeprecationWarning``) when called. ``set_budget``: use ``budget``."""


def __getattr__(name: str) -> _typing.Any:
    """Widgets import ipywidgets, the client httpx and the models pydantic: each is loaded
    the first time one of its names is asked for, then kept as a plain attribute."""
    if name in _WIDGETS:
        from . import widgets

        return getattr(widgets, name)
    if name in _LAZY:
        value = getattr(_importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    if name in _DEPRECATED:  # served each time, never kept: it stays out of vars(pm)
        return getattr(_importlib.import_module(f".{_DEPRECATED[name]}", __name__), name)
    raise AttributeError(f"module 'prime_magics' has no attribute {name!r}")


def __dir__() -> list[str]:
    """What ``dir(pm)`` and a notebook's ``pm.<TAB>`` list: exactly ``__all__``, the
    classes loaded on first use included (``Client``, ``Quote``, ``ProvisionForm``…),
    the module's helpers (imports, submodules, ``annotations``) not."""
    return sorted(__all__)


def load_ipython_extension(ipython: _typing.Any) -> None:
    """``%load_ext prime_magics``: register ``%prime`` (imports the magics only now)."""
    from .magics import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython: _typing.Any) -> None:
    """``%unload_ext prime_magics``: remove ``%prime`` and what it hooked into IPython."""
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
    "Budget",
    "BudgetPanel",
    "BudgetSpentError",
    "BudgetState",
    "Client",
    "ConfigurationError",
    "ConfirmationRequiredError",
    "ConflictError",
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
    "Remote",
    "RemoteError",
    "Rental",
    "ResourceSpec",
    "ResponseFormatError",
    "ServerError",
    "Settings",
    "SpendRefusedError",
    "Store",
    "StoreError",
    "SweepPanel",
    "UnprocessableEntityError",
    "WaitTimeoutError",
    "Watch",
    "WatchEvent",
    "WatchPanel",
    "availability",
    "availability_history",
    "budget",
    "create_disk",
    "create_pod",
    "delete_disk",
    "disk",
    "disk_availability",
    "disks",
    "extend",
    "get_client",
    "gpu_types",
    "guard_status",
    "load_ipython_extension",
    "notifications",
    "pod",
    "pod_history",
    "pod_status",
    "pods",
    "quote",
    "remote",
    "set_client",
    "stop_sandbox",
    "sweep",
    "terminate_pod",
    "unload_ipython_extension",
    "use_sandbox",
    "wait_for_pod",
    "wallet",
    "watch",
]
