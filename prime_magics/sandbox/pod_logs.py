"""`/pods/{id}/log`: a pod's log, written by the clock as the pod provisions and installs.

The spec leaves the body open (`{}`); the sandbox answers `{"podId", "logs": [line]}`,
each line an RFC 3339 timestamp and a message. Scripted lines appear at fixed fractions
of `provision_seconds` (so the log grows while the pod installs), then the events the
pod went through (a failed installation, a stop, termination). `tail` keeps the last
lines (100 by default, as the spec's description says).
"""

from __future__ import annotations

from .lifecycle import ACTIVE_AT, PENDING_AT
from .offers import JSON
from .views import Clock, PodRecord

DEFAULT_TAIL = 100

# What a pod's log says, and at which fraction of `provision_seconds` it says it.
LOG_SCRIPT: tuple[tuple[float, str], ...] = (
    (0.0, "Pod {name} scheduled on {provider} ({where})"),
    (0.1, "Allocating {gpus}x {gpu} {socket}"),
    (PENDING_AT, "Machine booted; attaching network disks"),
    (ACTIVE_AT, "SSH ready: {ssh}"),
    (0.6, "Pulling image {image}"),
    (0.7, "Installing NVIDIA driver and CUDA toolkit"),
    (0.8, "Setting up environment {image}"),
    (0.9, "Starting Jupyter on port 8888"),
    (1.0, "Installation finished"),
)


def _scripted(
    facts: dict[str, str], created: float, end: float, provision_s: float
) -> list[tuple[float, str]]:
    """(time, message) for every scripted line written by `end`."""
    lines = []
    for fraction, template in LOG_SCRIPT:
        at = created + fraction * max(provision_s, 0.0)
        if at <= end:
            lines.append((at, template.format(**facts)))
    return lines


def render_log(
    pod: PodRecord, now: float, clock: Clock, provision_s: float, tail: int | None, ssh: str
) -> JSON:
    """The log the pod shows at ``now``; ``ssh`` is the address its ``sshConnection`` will
    carry (the sandbox's SSH endpoint while one runs), so the log and the pod agree."""
    offer = pod.plan.offer
    end = now if pod.terminated is None else pod.terminated
    if pod.override is not None:
        end = min(end, pod.override.at)
    facts = {
        "name": pod.name,
        "provider": offer.provider,
        "where": offer.data_center or offer.country or "anywhere",
        "gpus": str(offer.gpu_count),
        "gpu": offer.gpu_type,
        "socket": offer.socket,
        "ssh": ssh,
        "image": pod.image,
    }
    lines = _scripted(facts, pod.created, end, provision_s)
    lines += [event for event in pod.events if event[0] <= now]
    text = [f"{clock.iso(at)} {message}" for at, message in lines]
    wanted = DEFAULT_TAIL if tail is None else max(0, tail)
    return {"podId": pod.id, "logs": text[-wanted:] if wanted else []}
