"""The guides' cost model, as the sandbox bills it (a pod's `priceHr`).

Duplicated on purpose from the client's pricing module: the sandbox imports nothing from
the package, so a bug in the client's arithmetic shows up as a mismatch in tests instead
of being agreed with.
"""

from __future__ import annotations

from .offers import GpuOffer, ResourceSpec


def base_price(offer: GpuOffer) -> float | None:
    """onDemand for secure cloud, communityPrice for community cloud, else the other."""
    first, second = offer.on_demand, offer.community_price
    if offer.security == "community_cloud":
        first, second = second, first
    return first if first is not None else second


def resource_cost(spec: ResourceSpec, count: int | None) -> float:
    """$/h for `count` units; a default that is included in the price costs nothing.

    Any change from an included default, even a reduction, is charged in full.
    """
    if spec.price_per_unit is None or count is None:
        return 0.0
    if spec.default_included is True and count == spec.default_count:
        return 0.0
    return count * spec.price_per_unit


def quote(offer: GpuOffer, disk: int | None, vcpus: int | None, memory: int | None) -> float | None:
    """Whole-instance $/h, or None for an offer without any price."""
    base = base_price(offer)
    if base is None:
        return None
    total = (
        base
        + resource_cost(offer.disk, disk)
        + resource_cost(offer.vcpu, vcpus)
        + resource_cost(offer.memory, memory)
    )
    return round(total, 10)  # drop float noise such as 2.7499999999999996
