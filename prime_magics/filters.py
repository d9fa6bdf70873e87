"""``GpuFilters``: the one value of "which GPU offers", checked and normalised once.

The same nine filters reach ``Client.availability`` and ``Client.offer_models`` (as
keywords: the contract), the transport's query (``query()``: what the API's
availability endpoints take) and a capacity watch (``WatchQuery.filters``). Each builds
this one frozen value, so a region given as ``"canada"`` or ``["canada"]`` is the same
filter everywhere, a GPU count is a whole number ≥ 1 (``inputs.count``) before anything
is sent, and two equal values are one cache key.

``provider`` is the one filter the API does not take (the official CLI filters it on the
answer, and so do we: ``keeps``); ``query()`` leaves it out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

from . import inputs
from .errors import ConfigurationError


def names(field: str, value: str | Sequence[str] | None) -> tuple[str, ...] | None:
    """One name or several as a tuple of names; None (or none at all) as None."""
    if value is None:
        return None
    given = (value,) if isinstance(value, str) else value
    if not isinstance(given, Sequence) or not all(isinstance(v, str) for v in given):
        raise ConfigurationError(
            f"{field}={value!r}: expected a name or a list of names", field=field
        )
    return tuple(given) or None


@dataclass(frozen=True)
class GpuFilters:
    """Which GPU offers: every field None (the default) means "any".

    Build it with ``GpuFilters.of(...)`` from what a caller typed (a region or a list of
    them); the fields then hold the normalised value (``regions`` a tuple, ``gpu_count``
    an ``int``). Frozen and hashable: a cache key and a watch's shared-query key."""

    gpu_type: str | None = None
    gpu_count: int | None = None
    regions: tuple[str, ...] | None = None
    socket: str | None = None
    security: str | None = None
    data_center_id: str | None = None
    cloud_id: str | None = None
    disks: tuple[str, ...] | None = None
    provider: str | None = None

    def __post_init__(self) -> None:
        if self.gpu_count is not None:  # a whole number ≥ 1 (np.int64(8) → 8)
            object.__setattr__(self, "gpu_count", inputs.count("gpu_count", self.gpu_count, low=1))
        object.__setattr__(self, "regions", names("regions", self.regions))
        object.__setattr__(self, "disks", names("disks", self.disks))

    @classmethod
    def of(
        cls,
        gpu_type: str | None = None,
        gpu_count: int | None = None,
        regions: str | Sequence[str] | None = None,
        socket: str | None = None,
        security: str | None = None,
        data_center_id: str | None = None,
        cloud_id: str | None = None,
        disks: str | Sequence[str] | None = None,
        provider: str | None = None,
    ) -> GpuFilters:
        """The filters as callers give them (``regions="canada"`` or a list), checked."""
        return cls(
            gpu_type, gpu_count, names("regions", regions), socket, security, data_center_id,
            cloud_id, names("disks", disks), provider,
        )  # fmt: skip

    def query(self) -> dict[str, Any]:
        """What the API's availability endpoints take: the filters set (lists as lists),
        without ``provider``, which the API has no filter for."""
        sent: dict[str, Any] = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if value is None or field.name == "provider":
                continue
            sent[field.name] = list(value) if isinstance(value, tuple) else value
        return sent

    def keywords(self) -> dict[str, Any]:
        """Every filter as a keyword of ``Client.availability`` / ``Client.offer_models``."""
        return {field.name: getattr(self, field.name) for field in fields(self)}

    def without_provider(self) -> GpuFilters:
        """The same filters as the API sees them: ``provider`` is applied to the answer."""
        return replace(self, provider=None)

    def keeps(self, provider: str | None) -> bool:
        """Whether an offer of ``provider`` passes the ``provider`` filter."""
        return self.provider is None or provider == self.provider


FIELDS = tuple(field.name for field in fields(GpuFilters))
"""The filters' names, in the order ``Client.availability`` takes them."""
