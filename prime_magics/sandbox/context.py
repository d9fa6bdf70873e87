"""Everything one running sandbox holds, passed to the routes and to `SandboxServer`.

One object instead of module globals, so several sandboxes (two seeds compared in a
determinism test, a benchmark next to a test server) live side by side in one process.
"""

from __future__ import annotations

from dataclasses import dataclass

from .catalog import Catalog
from .config import SandboxConfig
from .faults import FaultPlan, RequestLog
from .state import SandboxState


@dataclass(frozen=True)
class SandboxContext:
    config: SandboxConfig
    catalog: Catalog
    state: SandboxState
    faults: FaultPlan
    log: RequestLog

    @classmethod
    def build(cls, config: SandboxConfig) -> SandboxContext:
        catalog = Catalog(config)
        return cls(config, catalog, SandboxState(catalog, config), FaultPlan(), RequestLog())

    def reset(self) -> None:
        """Back to a fresh sandbox: no pods, disks, faults or logged requests."""
        self.state.reset()
        self.faults.clear()
        self.log.clear()
