"""Everything one running sandbox holds, passed to the routes and to `SandboxServer`.

One object instead of module globals, so several sandboxes (two seeds compared in a
determinism test, a benchmark next to a test server) live side by side in one process.
"""

from __future__ import annotations

from collections.abc import Callable
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
    def build(
        cls, config: SandboxConfig, monotonic: Callable[[], float] | None = None
    ) -> SandboxContext:
        """`monotonic` drives every lifecycle (None: `time.monotonic`); tests pass a fake."""
        catalog = Catalog(config)
        state = SandboxState(catalog, config, monotonic)
        return cls(config, catalog, state, FaultPlan(), RequestLog())

    def reset(self) -> None:
        """Back to a fresh sandbox: no pods, disks, faults or logged requests."""
        self.state.reset()
        self.faults.clear()
        self.log.clear()
