"""The sandbox's knobs, kept apart so that importing them costs nothing (no FastAPI).

Everything that makes one sandbox differ from another lives here, so that two sandboxes
built from equal configs serve byte-identical catalogues and id sequences: tests,
notebooks and benchmarks reproduce by passing the same `SandboxConfig`.
"""

from __future__ import annotations

from dataclasses import dataclass

VALIDATION_ERROR_STYLES = ("spec", "fastapi")


@dataclass(frozen=True)
class SandboxConfig:
    """How big the simulated catalogue is and how slowly the simulated cloud moves.

    `seed` drives every random choice (offers, prices, ids, IPs). `latency_s` is added to
    every `/api/v1` request so benchmarks can show the value of concurrent paging;
    `provision_seconds` is how long a pod takes to be ACTIVE with its installation
    FINISHED, `disk_provision_seconds` how long a disk stays PROVISIONING and
    `disk_delete_seconds` how long a deleted disk stays DELETING (tests shrink them).
    `validation_errors` picks the 422 body: the spec's `{"errors": [{param, details}]}`
    ("spec") or FastAPI's `{"detail": [{loc, msg, type}]}` ("fastapi").
    `fractional_prepaid` keeps the fractional `prepaidTime` values the spec allows (0.5,
    1.5, 2.5 h); off by default because the official CLI 0.18.0 reads `prepaidTime` as
    an integer and cannot list a catalogue that has one (they are rounded up instead).
    `market` plays the seeded pattern of `market.py` on the clock: an 8×H100, a 1×H100
    and an 8×A100 of the sandbox's own change price (H100s dipping below $2/GPU-h), stock
    level or sell out every 60–120 s, every other 8×H100 sold out (off by default, so
    the catalogue stays still for every other test).
    """

    seed: int = 7
    gpu_offers: int = 320
    multinode_offers: int = 12
    latency_s: float = 0.0
    provision_seconds: float = 6.0
    disk_provision_seconds: float = 2.0
    disk_delete_seconds: float = 0.0
    validation_errors: str = "spec"
    fractional_prepaid: bool = False
    wallet_usd: float = 100.0  # the sandbox wallet before anything bills
    market: bool = False

    def __post_init__(self) -> None:
        # Fail at construction, not as a confusing empty catalogue or a hung server later.
        if self.gpu_offers < 0 or self.multinode_offers < 0:
            raise ValueError("gpu_offers and multinode_offers must be >= 0")
        if self.latency_s < 0:
            raise ValueError("latency_s must be >= 0")
        if min(self.provision_seconds, self.disk_provision_seconds, self.disk_delete_seconds) < 0:
            raise ValueError(
                "provision_seconds, disk_provision_seconds and disk_delete_seconds must be >= 0"
            )
        if self.validation_errors not in VALIDATION_ERROR_STYLES:
            raise ValueError(f"validation_errors must be one of {VALIDATION_ERROR_STYLES}")


DEFAULT_CONFIG = SandboxConfig()
