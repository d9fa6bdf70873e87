"""The sandbox's knobs, kept apart so that importing them costs nothing (no FastAPI).

Everything that makes one sandbox differ from another lives here, so that two sandboxes
built from equal configs serve byte-identical catalogues and id sequences: tests,
notebooks and benchmarks reproduce by passing the same `SandboxConfig`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SandboxConfig:
    """How big the simulated catalogue is and how slowly the simulated cloud moves.

    `seed` drives every random choice (offers, prices, ids, IPs). `latency_s` is added to
    every `/api/v1` request so benchmarks can show the value of concurrent paging;
    `provision_seconds` and `disk_provision_seconds` are how long a pod or disk stays
    PROVISIONING (tests shrink them to a fraction of a second).
    """

    seed: int = 7
    gpu_offers: int = 320
    multinode_offers: int = 12
    latency_s: float = 0.0
    provision_seconds: float = 6.0
    disk_provision_seconds: float = 2.0

    def __post_init__(self) -> None:
        # Fail at construction, not as a confusing empty catalogue or a hung server later.
        if self.gpu_offers < 0 or self.multinode_offers < 0:
            raise ValueError("gpu_offers and multinode_offers must be >= 0")
        if self.latency_s < 0:
            raise ValueError("latency_s must be >= 0")
        if self.provision_seconds < 0 or self.disk_provision_seconds < 0:
            raise ValueError("provision_seconds and disk_provision_seconds must be >= 0")


DEFAULT_CONFIG = SandboxConfig()
