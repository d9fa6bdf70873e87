"""Offer shapes of the simulated catalogue and their exact JSON form.

The JSON keys, their order and their nulls copy the real API's captured responses
(`availability_response.json`, `availability_disks.json`), and every value is one the
spec's `GpuAvailability` / `DiskAvailability` schemas allow (`socket` always set,
`sharedDisk` an object, all-null when the offer has none, as in the captures). Offers
are immutable, so the catalogue can serialise each one once and hand the same dict to
every request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]

# Where an offer or a disk lives: network disks attach only within one provider's data
# centre. Offers without a data centre (e.g. `dc_*` providers) are located by country.
Location = tuple[str, str | None, str | None]


def location_key(provider: str, data_center: str | None, country: str | None) -> Location:
    """Key under which disks and offers are compared for attachability."""
    return (provider, data_center, None if data_center is not None else country)


@dataclass(frozen=True)
class ResourceSpec:
    """One adjustable or fixed resource (disk, vcpu, memory, shared disk) of an offer.

    Only `default_count` set means a fixed configuration; min/max/step/price make it
    adjustable and priced. `default_included` is the API's `defaultIncludedInPrice`.
    """

    min_count: int | None = None
    default_count: int | None = None
    max_count: int | None = None
    price_per_unit: float | None = None
    step: int | None = None
    default_included: bool | None = None
    additional_info: str | None = None

    @property
    def fixed(self) -> bool:
        """True when the count cannot be changed from its default."""
        return self.min_count is None and self.max_count is None

    def as_json(self) -> JSON:
        return {
            "minCount": self.min_count,
            "defaultCount": self.default_count,
            "maxCount": self.max_count,
            "pricePerUnit": self.price_per_unit,
            "step": self.step,
            "defaultIncludedInPrice": self.default_included,
            "additionalInfo": self.additional_info,
        }


def fixed(count: int) -> ResourceSpec:
    """A resource the provider does not let you change (the guide's hyperstack offer)."""
    return ResourceSpec(default_count=count)


NULL_SPEC = ResourceSpec()


@dataclass(frozen=True)
class GpuOffer:
    """A single-node or multi-node GPU offer, as `/availability/gpus` lists it."""

    cloud_id: str
    gpu_type: str
    socket: str
    provider: str
    region: str | None
    data_center: str | None
    country: str | None
    gpu_count: int
    gpu_memory: int
    disk: ResourceSpec
    vcpu: ResourceSpec
    memory: ResourceSpec
    security: str
    on_demand: float | None
    community_price: float | None
    images: tuple[str, ...]
    shared_disk: ResourceSpec | None = None
    internet_speed: int | None = None
    interconnect: int | None = None
    interconnect_type: str | None = None
    provisioning_time: int | None = None
    stock_status: str = "Available"
    is_variable: bool | None = None
    is_spot: bool | None = None
    prepaid_time: float | None = None
    currency: str = "USD"
    is_multinode: bool = False
    json: JSON = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Serialised once: the catalogue serves the same dict to every page request.
        object.__setattr__(self, "json", self._build_json())

    @property
    def location(self) -> Location:
        return location_key(self.provider, self.data_center, self.country)

    @property
    def key(self) -> tuple[str, str, str, int, str, str | None, str]:
        """What identifies an offer when a pod is created from it."""
        return (
            self.provider,
            self.cloud_id,
            self.gpu_type,
            self.gpu_count,
            self.socket,
            self.data_center,
            self.security,
        )

    def _build_json(self) -> JSON:
        body: JSON = {
            "cloudId": self.cloud_id,
            "gpuType": self.gpu_type,
            "socket": self.socket,
            "provider": self.provider,
            "region": self.region,
            "dataCenter": self.data_center,
            "country": self.country,
            "gpuCount": self.gpu_count,
            "gpuMemory": self.gpu_memory,
            "disk": self.disk.as_json(),
            "sharedDisk": (self.shared_disk or NULL_SPEC).as_json(),
            "vcpu": self.vcpu.as_json(),
            "memory": self.memory.as_json(),
            "internetSpeed": self.internet_speed,
            "interconnect": self.interconnect,
            "interconnectType": self.interconnect_type,
            "provisioningTime": self.provisioning_time,
            "stockStatus": self.stock_status,
            "security": self.security,
            "prices": {
                "onDemand": self.on_demand,
                "communityPrice": self.community_price,
                "isVariable": self.is_variable,
                "currency": self.currency,
            },
            "images": list(self.images),
            "isSpot": self.is_spot,
            "prepaidTime": self.prepaid_time,
        }
        if self.is_multinode:
            # A cluster-only extra: clients must keep or ignore unknown fields.
            body["isMultinode"] = True
        return body


@dataclass(frozen=True)
class DiskOffer:
    """A network-disk offer in one location, as `/availability/disks` lists it."""

    provider: str
    data_center: str | None
    country: str | None
    region: str | None
    spec: ResourceSpec
    cloud_id: str | None = None
    stock_status: str = "Available"
    security: str = "secure_cloud"
    is_multinode: bool = False
    json: JSON = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "json",
            {
                "cloudId": self.cloud_id,
                "provider": self.provider,
                "dataCenter": self.data_center,
                "country": self.country,
                "region": self.region,
                "spec": self.spec.as_json(),
                "stockStatus": self.stock_status,
                "security": self.security,
                "isMultinode": self.is_multinode,
            },
        )

    @property
    def location(self) -> Location:
        return location_key(self.provider, self.data_center, self.country)
