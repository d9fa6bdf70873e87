"""ipywidgets panels over the plain API: explore offers, configure and rent a pod, create a
disk, follow a pod, end what still bills, watch for capacity. Each takes an optional
``client=`` (default: ``api.get_client()``)."""

from .budget import BudgetPanel
from .disk import DiskForm
from .explorer import AvailabilityExplorer
from .provision import ProvisionForm
from .status import PodStatus
from .sweep import SweepPanel
from .watch import WatchPanel

__all__ = [
    "AvailabilityExplorer",
    "BudgetPanel",
    "DiskForm",
    "PodStatus",
    "ProvisionForm",
    "SweepPanel",
    "WatchPanel",
]
