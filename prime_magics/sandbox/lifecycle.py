"""Where a pod or disk is in its life, computed from the clock (no background threads).

A pod is PROVISIONING, then PENDING, then ACTIVE; once ACTIVE its SSH connection is
known and its installation runs (`installationStatus` PENDING with a growing
`installationProgress`) until FINISHED at `provision_seconds`, as in the spec's enums
(there is no INSTALLING). Tests reach the other states deterministically through an
override (`PodOverride`) set by `SandboxState.fail_installation` / `stop_pod` /
`error_pod`; termination wins over everything.
"""

from __future__ import annotations

from dataclasses import dataclass

# Fractions of `provision_seconds` at which a pod leaves PROVISIONING and becomes ACTIVE.
PENDING_AT = 0.3
ACTIVE_AT = 0.5


@dataclass(frozen=True)
class PodPhase:
    status: str
    installation: str
    progress: int | None
    disk_status: str  # of its attached network disks: UNATTACHED, ATTACHED, MOUNTED
    since: float  # seconds after creation when this phase began
    reachable: bool  # SSH connection and IP known
    failure: str | None = None


@dataclass(frozen=True)
class PodOverride:
    """A state forced by a test control, from `at` (clock seconds) on."""

    status: str
    installation: str
    failure: str | None
    at: float


def pod_phase(elapsed: float, provision_s: float) -> PodPhase:
    """The natural phase `elapsed` seconds after creation."""
    if provision_s <= 0 or elapsed >= provision_s:
        return PodPhase("ACTIVE", "FINISHED", 100, "MOUNTED", max(provision_s, 0.0), True)
    f = elapsed / provision_s
    if f < PENDING_AT:
        return PodPhase("PROVISIONING", "PENDING", None, "UNATTACHED", 0.0, False)
    if f < ACTIVE_AT:
        return PodPhase("PENDING", "PENDING", 0, "ATTACHED", PENDING_AT * provision_s, False)
    progress = int(100 * (f - ACTIVE_AT) / (1 - ACTIVE_AT))
    # Installing: PENDING with progress. The spec's installation ACTIVE means the
    # software is up (a client counts it as ready), so it is not used for "installing".
    return PodPhase("ACTIVE", "PENDING", progress, "ATTACHED", ACTIVE_AT * provision_s, True)


def current_phase(
    created: float,
    end: float,
    provision_s: float,
    override: PodOverride | None,
) -> PodPhase:
    """The phase at `end` (now, or the termination time), with any override applied."""
    if override is None or override.at > end:
        return pod_phase(end - created, provision_s)
    natural = pod_phase(override.at - created, provision_s)
    progress = 100 if override.installation == "FINISHED" else natural.progress
    disks = "MOUNTED" if override.status == "ACTIVE" else "ATTACHED"
    return PodPhase(
        override.status,
        override.installation,
        progress,
        disks,
        override.at - created,
        override.status == "ACTIVE",
        override.failure,
    )


def disk_status(
    created: float, deleted: float | None, now: float, provision_s: float, delete_s: float
) -> str:
    """PROVISIONING -> ACTIVE; after a delete, DELETING for `delete_s`, then TERMINATED."""
    if deleted is not None:
        return "DELETING" if now - deleted < delete_s else "TERMINATED"
    return "ACTIVE" if now - created >= provision_s else "PROVISIONING"
