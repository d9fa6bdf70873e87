"""The API's shapes as pydantic models, tolerant the way the real API needs.

Fields are snake_case in Python and camelCase on the wire. Everything the API may leave
null is optional, enums are plain strings (the API adds values without notice), and
unknown fields are kept (``extra="allow"``), so a new API field never breaks an old
client and ``model_dump(by_alias=True)`` gives back what came in.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Generic, TypeVar

from annotated_types import Ge, Le
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, FiniteFloat, field_validator
from pydantic.alias_generators import to_camel
from pydantic.functional_validators import BeforeValidator

T = TypeVar("T")

Int = Annotated[int, Ge(-(2**63)), Le(2**63 - 1)]
"""The API's integers may be any size; a frame holds 64 bits. Larger ones are unreadable
(NA with a warning, see ``responses``) rather than wrapped or rounded."""
Float = FiniteFloat
"""A JSON number may be too large for a float (``1e400``) or spelt ``NaN``/``Infinity``;
such a price is unreadable (NA with a warning), so ``inf`` never reaches a cost column."""
Total = Annotated[int, Le(1_000_000)]
"""A page's ``totalCount`` decides how many further pages are fetched; one beyond a million
items (10,000 requests) is not believed: it is unread (NA, with a warning), and only the
pages at hand are used rather than fetching for ever."""


class ApiModel(BaseModel):
    """Field names work in Python code; answers are read by alias only (``responses``), so
    an extra ``data_center`` key in an answer is kept as extra, never taken for
    ``dataCenter``."""

    # defer_build: a model's validator is built on its first use, not at import; the
    # availability frame (``_wire``) and ``%load_ext`` never need most of them
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="allow", frozen=True,
        defer_build=True,
    )  # fmt: skip


class ResourceSpec(ApiModel):
    """A resource (disk GB, vCPUs, memory GB) and how it may be changed and priced."""

    min_count: Int | None = None
    default_count: Int | None = None
    max_count: Int | None = None
    price_per_unit: Float | None = None
    step: Int | None = None
    default_included_in_price: bool | None = None
    additional_info: str | None = None

    @property
    def adjustable(self) -> bool:
        return self.min_count is not None or self.max_count is not None


class Prices(ApiModel):
    on_demand: Float | None = None
    community_price: Float | None = None
    is_variable: bool | None = None
    currency: str | None = None


class GpuOffer(ApiModel):
    """One rentable configuration. ``prices`` are for the whole instance, all GPUs."""

    cloud_id: str
    gpu_type: str
    gpu_count: Int | None = 1  # None: the API's value could not be read (NA, not 1)
    socket: str | None = None
    provider: str | None = None
    region: str | None = None
    data_center: str | None = None
    country: str | None = None
    gpu_memory: Int | None = None
    disk: ResourceSpec = Field(default_factory=ResourceSpec)
    shared_disk: ResourceSpec | None = None
    vcpu: ResourceSpec = Field(default_factory=ResourceSpec)
    memory: ResourceSpec = Field(default_factory=ResourceSpec)
    internet_speed: Float | None = None
    interconnect: Float | None = None
    interconnect_type: str | None = None
    provisioning_time: Int | None = None
    stock_status: str | None = None
    security: str | None = None
    prices: Prices = Field(default_factory=Prices)
    images: list[str] = Field(default_factory=list)
    is_spot: bool | None = None
    prepaid_time: Float | None = None
    is_multinode: bool = False

    @field_validator("disk", "vcpu", "memory", "prices", mode="before")
    @classmethod
    def _null_spec_is_empty(cls, value: Any) -> Any:
        return {} if value is None else value

    @field_validator("images", mode="before")
    @classmethod
    def _null_images_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value


OfferKey = tuple[Any, ...]


def offer_key(offer: GpuOffer) -> OfferKey:
    """The one definition of "the same offer": the fields a create names. A watch tells
    its polls' offers apart by it, and the re-read before a create finds its offer by it."""
    return (
        offer.provider, offer.cloud_id, offer.gpu_type, offer.gpu_count, offer.socket,
        offer.data_center, offer.country, offer.security, offer.is_multinode,
    )  # fmt: skip


class DiskOffer(ApiModel):
    """Where a network disk can be created, its size range and its $/GB/h."""

    cloud_id: str | None = None
    provider: str | None = None
    data_center: str | None = None
    country: str | None = None
    region: str | None = None
    spec: ResourceSpec = Field(default_factory=ResourceSpec)
    stock_status: str | None = None
    security: str | None = None
    is_multinode: bool | None = None

    @field_validator("spec", mode="before")
    @classmethod
    def _null_spec_is_empty(cls, value: Any) -> Any:
        return {} if value is None else value


class Page(ApiModel, Generic[T]):
    """An availability page: ``{items, totalCount}`` (``totalCount`` counts every page)."""

    items: list[T]
    total_count: Total | None = None


class Listing(ApiModel, Generic[T]):
    """A pods/disks/keys/teams page: ``{data, total_count}`` (offset and limit paging)."""

    data: list[T]
    total_count: Total | None = Field(
        default=None, validation_alias=AliasChoices("total_count", "totalCount")
    )


class SummaryPrice(ApiModel):
    on_demand: Float | None = None
    community_price: Float | None = None
    spot_price: Float | None = None


def _object_or_none(value: Any) -> Any:
    return value if isinstance(value, dict) else None


SummaryLeaf = Annotated[SummaryPrice | None, BeforeValidator(_object_or_none)]
"""The spec types only ``cheapest``; a region's entry may be any JSON (``additionalProperties:
true``), so one that is not an object is no price (``None``), not an unreadable value."""
GpuSummary = dict[str, dict[str, dict[str, SummaryLeaf] | None] | None]
"""``/availability/gpu-summary``: gpu type → gpu count → "cheapest" or region → prices."""


def first_address(value: str | list[str | None] | None) -> str | None:
    """``sshConnection``/``ip`` may be a string, a list (multi-node) or ``[null]``."""
    if isinstance(value, list):
        return next((v for v in value if v), None)
    return value or None


class PortMapping(ApiModel):
    internal: str | int | None = None
    external: str | int | None = None
    protocol: str | None = None
    used_by: str | None = None
    description: str | None = None


class AttachedResource(ApiModel):
    resource_type: str | None = None
    id: str | None = None
    status: str | None = None
    is_detachable: bool | None = None
    mount_path: str | None = None
    resource_path: str | None = None
    size: Float | None = None
    is_shared: bool | None = None

    @field_validator("id", mode="before")
    @classmethod
    def _numeric_id_is_text(cls, value: Any) -> Any:
        """The spec allows a numeric id here; it is an identifier, so keep it as text."""
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("size", mode="before")
    @classmethod
    def _text_size_is_a_number_or_none(cls, value: Any) -> Any:
        """The spec allows any string here; one that is not a number is no size."""
        if not isinstance(value, str):
            return value
        try:
            number = float(value)
        except ValueError:
            return None
        return number if math.isfinite(number) else None


class Pod(ApiModel):
    """A pod as the API returns it; the jupyter password is kept out of the repr."""

    id: str
    name: str | None = None
    status: str | None = None
    provider_type: str | None = None
    type: str | None = None
    installation_status: str | None = None
    installation_failure: str | None = None
    installation_progress: Float | None = None
    created_at: str | None = None
    updated_at: str | None = None
    terminated_at: str | None = None
    gpu_name: str | None = None
    gpu_count: Int | None = None
    socket: str | None = None
    price_hr: Float | None = None
    environment_type: str | None = None
    custom_template_id: str | None = None
    prime_port_mapping: list[PortMapping] | None = None
    ssh_connection: str | list[str | None] | None = None
    ip: str | list[str | None] | None = None
    resources: dict[str, Any] | None = None
    attached_resources: list[AttachedResource] | None = None
    team_id: str | None = None
    is_spot: bool | None = None
    jupyter_password: str | None = Field(default=None, repr=False)

    @property
    def network_disks(self) -> list[AttachedResource]:
        """Network disks attached to the pod (its own, non-detachable disk excluded)."""
        return [
            r
            for r in self.attached_resources or []
            if r.id and r.resource_type == "DISK" and r.is_detachable is not False
        ]

    @property
    def disk_ids(self) -> list[str]:
        return [r.id for r in self.network_disks if r.id]


class PodStatus(ApiModel):
    pod_id: str
    status: str | None = None
    provider_type: str | None = None
    ssh_connection: str | list[str | None] | None = None
    ip: str | list[str | None] | None = None
    price_hr: Float | None = None
    cost_per_hr: Float | None = None
    prime_port_mapping: list[PortMapping] | None = None
    installation_status: str | None = None
    installation_failure: str | None = None
    installation_progress: Float | None = None


class HistoryItem(ApiModel):
    id: str
    name: str | None = None
    provider_type: str | None = None
    type: str | None = None
    created_at: str | None = None
    terminated_at: str | None = None
    gpu_name: str | None = None
    gpu_count: Int | None = None
    socket: str | None = None
    price_hr: Float | None = None
    total_billed_price: Float | None = None


class DiskInfo(ApiModel):
    cloud_id: str | None = None
    country: str | None = None
    is_multinode: bool | None = None
    data_center_id: str | None = None


class Disk(ApiModel):
    """A network disk as the API lists it: its id, name, status, size (GB), where it is,
    the pods it is attached to and its price (``price_hr``)."""

    id: str
    name: str | None = None
    status: str | None = None
    provider_type: str | None = None
    size: Int | None = None
    info: DiskInfo = Field(default_factory=DiskInfo)
    price_hr: Float | None = None
    created_at: str | None = None
    updated_at: str | None = None
    terminated_at: str | None = None
    team_id: str | None = None
    pods: list[str] = Field(default_factory=list)
    clusters: list[str] = Field(default_factory=list)

    @field_validator("info", mode="before")
    @classmethod
    def _null_info_is_empty(cls, value: Any) -> Any:
        return {} if value is None else value

    @field_validator("pods", "clusters", mode="before")
    @classmethod
    def _null_list_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value


class SshKey(ApiModel):
    id: str
    name: str | None = None
    public_key: str | None = None
    is_primary: bool | None = None
    is_user_key: bool | None = None
    user_id: str | None = None


class TeamSummary(ApiModel):
    team_id: str
    name: str | None = None
    slug: str | None = None
    role: str | None = None
    created_at: str | None = None


class TeamMember(ApiModel):
    user_id: str
    user_name: str | None = None
    user_email: str | None = None
    role: str | None = None
    joined_at: str | None = None


class Wallet(BaseModel):
    """``/billing/wallet``: the balance and the latest billing rows, in snake_case."""

    # deferred as ``ApiModel``: built at import it cost ~25 ms of ``%load_ext`` (the first
    # validator built also scans the installed packages for pydantic plugins)
    model_config = ConfigDict(extra="allow", frozen=True, defer_build=True)

    wallet_id: str | None = None
    team_id: str | None = None
    balance_usd: Float | None = None
    currency: str | None = None
    total_billings: Int | None = None
    recent_billings: list[dict[str, Any]] = Field(default_factory=list)
