"""Seeded generation of the GPU catalogue: which offers exist and what they cost.

Determinism is the point: one `random.Random(seed)` drives every draw, candidates are
enumerated from ordered tables (never from sets), and the result is sorted, so the same
seed gives byte-identical pages in any process. The guide offers (and a pinned twin of
one) are always included and never duplicated; the rest is a provider-balanced sample
of every (provider, data centre, GPU, count, security) combination, with a few spot
variants.
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass

from .catalog_data import (
    CRUSOE_DISK_INFO,
    GPU_MODELS,
    IMAGES_CPU,
    NEBIUS_SHARED_INFO,
    RUNPOD_DISK_INFO,
    STOCK_STATUSES,
    DataCentre,
    GpuModel,
    Provider,
)
from .guide_offers import PINNED_OFFERS
from .offers import NULL_SPEC, GpuOffer, ResourceSpec, fixed
from .providers import PROVIDERS

MULTINODE_COUNTS = (16, 32, 64)
GPUS_PER_NODE = 8
# Runpod dominates the real catalogue; the others are sampled evenly.
PROVIDER_SHARE = {"runpod": 3.0}
SPOT_SHARE = 0.08


@dataclass(frozen=True)
class _Slot:
    """One combination that may become an offer."""

    provider: Provider
    dc: DataCentre
    model: GpuModel
    count: int
    security: str
    spot: bool = False

    @property
    def cloud_id(self) -> str:
        base = self.provider.cloud_id(self.model.slug, self.count)
        return f"{base}-spot" if self.spot else base

    @property
    def key(self) -> tuple[str, str, str, int, str, str | None, str]:
        m = self.model
        return (
            self.provider.name,
            self.cloud_id,
            m.gpu_type,
            self.count,
            m.socket,
            self.dc.id,
            self.security,
        )

    @property
    def order(self) -> tuple[str, str, str, int, str, str, str]:
        """`key` with None made sortable."""
        m = self.model
        return (
            self.provider.name,
            self.cloud_id,
            m.gpu_type,
            self.count,
            m.socket,
            self.dc.id or "",
            self.security,
        )


def _single_slots() -> list[_Slot]:
    slots: list[_Slot] = []
    for p in PROVIDERS:
        for dc in p.dcs:
            for slug in p.models:
                model = GPU_MODELS[slug]
                for count in (1,) if model.gpu_type == "CPU_NODE" else p.counts:
                    for security in p.securities:
                        slots.append(_Slot(p, dc, model, count, security))
                        if p.spot and security == "secure_cloud":
                            slots.append(_Slot(p, dc, model, count, security, spot=True))
    return slots


def _multinode_slots() -> list[_Slot]:
    return [
        _Slot(p, dc, GPU_MODELS[slug], count, "secure_cloud")
        for p in PROVIDERS
        for dc in p.dcs
        if dc.id is not None
        for slug in p.multinode_models
        for count in MULTINODE_COUNTS
    ]


def _weighted_sample(rng: random.Random, slots: list[_Slot], k: int) -> list[_Slot]:
    """Sample k slots without replacement, each provider getting its share of weight.

    Efraimidis-Spirakis keys (u ** (1 / w)) keep it a single pass over ordered input,
    hence deterministic for a given rng state.
    """
    per_provider: dict[str, int] = {}
    for s in slots:
        per_provider[s.provider.name] = per_provider.get(s.provider.name, 0) + 1
    keyed = [
        (
            rng.random()
            ** (per_provider[s.provider.name] / PROVIDER_SHARE.get(s.provider.name, 1.0)),
            i,
        )
        for i, s in enumerate(slots)
    ]
    return [slots[i] for _, i in heapq.nlargest(k, keyed)]


def _choose(rng: random.Random, slots: list[_Slot], wanted: int, label: str) -> list[_Slot]:
    regular = [s for s in slots if not s.spot]
    spot = [s for s in slots if s.spot]
    if wanted > len(slots):
        raise ValueError(f"the sandbox catalogue holds at most {len(slots)} {label} offers")
    n_spot = min(len(spot), round(wanted * SPOT_SHARE))
    n_regular = min(len(regular), wanted - n_spot)
    n_spot = wanted - n_regular
    return _weighted_sample(rng, regular, n_regular) + _weighted_sample(rng, spot, n_spot)


def _resources(
    rng: random.Random, slot: _Slot
) -> tuple[ResourceSpec, ResourceSpec, ResourceSpec, ResourceSpec | None]:
    """Disk, vcpu, memory and shared-disk specs in the provider's style."""
    c, style = slot.count, slot.provider.style
    if slot.model.gpu_type == "CPU_NODE":
        vcpus = rng.choice((8, 16, 32))
        mem = vcpus * 4
    else:
        vcpus = c * rng.choice((8, 12, 16, 24, 28, 32))
        mem = c * rng.choice((64, 90, 125, 180, 250))
    vcpu, memory = fixed(vcpus), fixed(mem)
    if style == "runpod":
        low = 40 + 80 * c
        disk = ResourceSpec(low, low, 3000, 0.00014, 1, False, RUNPOD_DISK_INFO)
        return disk, vcpu, memory, NULL_SPEC
    if style == "datacrunch":
        return ResourceSpec(50, 100 * c, 10000, 0.0001, 10, False), vcpu, memory, None
    if style == "crusoe":
        disk = ResourceSpec(128, 128 * c, 8192, 0.00012, 1, True, CRUSOE_DISK_INFO)
        return disk, vcpu, memory, None
    if style == "nebius":
        disk = ResourceSpec(100, 200 * c, 8000, 0.00008, 10, True)
        vcpu = ResourceSpec(8 * c, 16 * c, 32 * c, 0.012, 2, True)
        memory = ResourceSpec(32 * c, 200 * c, 400 * c, 0.0035, 8, None)
        shared = ResourceSpec(0, 0, 10000, 0.00007, 100, False, NEBIUS_SHARED_INFO)
        return disk, vcpu, memory, shared
    if style == "prime":
        disk = ResourceSpec(50, 100 * c, 1000 * c, 0.0003, 10, False)
        vcpu = ResourceSpec(4, 16 * c, 32 * c, 0.004, 2, True)
        if rng.random() < 0.5:
            memory = ResourceSpec(16, 128 * c, 256 * c, 0.002, 16, None)
        return disk, vcpu, memory, None
    if style == "dc":
        return ResourceSpec(50, 100, 2000, 0.00008, 50, None), vcpu, memory, None
    return fixed(100 * c), vcpu, memory, None


def _stock(rng: random.Random) -> str:
    names = [name for name, _ in STOCK_STATUSES]
    return rng.choices(names, weights=[w for _, w in STOCK_STATUSES])[0]


def _single_offer(rng: random.Random, slot: _Slot) -> GpuOffer:
    p, m, c = slot.provider, slot.model, slot.count
    per_gpu = round(rng.uniform(m.price_low, m.price_high), 4)
    if slot.spot:
        per_gpu = round(per_gpu * rng.uniform(0.4, 0.65), 4)
    community = slot.security == "community_cloud"
    if community:
        per_gpu = round(per_gpu * 0.8, 4)
    total = per_gpu * c  # left unrounded: the real API shows float artefacts too
    on_demand, community_price = (None, total) if community else (total, None)
    roll = rng.random()
    if roll < 0.02:
        on_demand = community_price = None  # listed but not priced
    elif community and roll < 0.12:
        on_demand = round(total * 1.15, 4)
    elif not community and roll < 0.12:
        community_price = round(total * 0.85, 4)  # a secure offer with both prices set
    disk, vcpu, memory, shared = _resources(rng, slot)
    sxm = m.socket.startswith("SXM")
    nvlink = sxm and c >= 2 and rng.random() < 0.5
    return GpuOffer(
        cloud_id=slot.cloud_id,
        gpu_type=m.gpu_type,
        socket=m.socket,
        provider=p.name,
        region=slot.dc.region,
        data_center=slot.dc.id,
        country=slot.dc.country,
        gpu_count=c,
        gpu_memory=m.memory_gb,
        disk=disk,
        vcpu=vcpu,
        memory=memory,
        shared_disk=shared,
        security=slot.security,
        on_demand=on_demand,
        community_price=community_price,
        images=IMAGES_CPU if m.gpu_type == "CPU_NODE" else p.images,
        internet_speed=rng.choice((None, None, None, 1000, 2500, 10000)),
        interconnect=900 if nvlink else None,
        interconnect_type="NVLink" if nvlink else None,
        provisioning_time=rng.choice((None, None, None, 2, 5, 10, 15, 30)),
        stock_status=_stock(rng),
        is_variable=(rng.random() < 0.7 or None) if p.variable else rng.choice((None, None, False)),
        is_spot=True if slot.spot else rng.choice((None, None, False)),
        # Hours charged up front; fractional on some offers, as the spec allows.
        prepaid_time=rng.choice((0.5, 1, 2.5, 24, 168)) if rng.random() < 0.06 else None,
        currency=p.currency,
    )


def _multinode_offer(rng: random.Random, slot: _Slot) -> GpuOffer:
    p, m, c = slot.provider, slot.model, slot.count
    nodes = c // GPUS_PER_NODE
    per_gpu = round(rng.uniform(m.price_low, m.price_high) * 0.95, 4)
    return GpuOffer(
        cloud_id=slot.cloud_id,
        gpu_type=m.gpu_type,
        socket=m.socket,
        provider=p.name,
        region=slot.dc.region,
        data_center=slot.dc.id,
        country=slot.dc.country,
        gpu_count=c,
        gpu_memory=m.memory_gb,
        disk=fixed(nodes * rng.choice((2000, 4000, 8000))),
        vcpu=fixed(nodes * rng.choice((128, 192, 224))),
        memory=fixed(nodes * rng.choice((1024, 1536, 2048))),
        shared_disk=None,
        security="secure_cloud",
        on_demand=per_gpu * c,
        community_price=None,
        images=p.images,
        internet_speed=rng.choice((10000, 25000)),
        interconnect=rng.choice((400, 800, 1600, 3200)),
        interconnect_type="InfiniBand",
        provisioning_time=rng.choice((30, 60, 120)),
        stock_status=_stock(rng),
        is_variable=None,
        is_spot=None,
        prepaid_time=rng.choice((None, None, 24, 1.5)),
        currency=p.currency,
        is_multinode=True,
    )


def sort_key(o: GpuOffer) -> tuple[str, int, str, str, str, str]:
    """The catalogue's stable order: pages never overlap or skip."""
    return (o.gpu_type, o.gpu_count, o.provider, o.data_center or "", o.cloud_id, o.security)


def generate_offers(
    seed: int, gpu_offers: int, multinode_offers: int
) -> tuple[list[GpuOffer], list[GpuOffer]]:
    """Single-node offers (guide offers included) and multi-node offers, each sorted."""
    rng = random.Random(seed)
    pinned_keys = {o.key for o in PINNED_OFFERS}
    single_slots = [s for s in _single_slots() if s.key not in pinned_keys]
    wanted = max(0, gpu_offers - len(PINNED_OFFERS))
    chosen = sorted(_choose(rng, single_slots, wanted, "single-node"), key=lambda s: s.order)
    single = [*PINNED_OFFERS, *(_single_offer(rng, s) for s in chosen)]
    multi_chosen = sorted(
        _choose(rng, _multinode_slots(), multinode_offers, "multi-node"), key=lambda s: s.order
    )
    multi = [_multinode_offer(rng, s) for s in multi_chosen]
    return sorted(single, key=sort_key), sorted(multi, key=sort_key)
