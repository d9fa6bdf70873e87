"""Checks a create-pod or create-disk body against the catalogue, as the real API would.

The rules are the ones the guides state (counts within min/max and on the step, fixed
resources unchangeable, image among the offer's images, disks ACTIVE and in the offer's
location, team needed for sharing). Each broken rule becomes one 422
entry pointing at the offending field, so clients can be tested on how they report
validation errors; refusals that are not about a field (out of stock, over maxPrice) are
400s with a detail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .catalog import Catalog
from .errors import ApiError, BodyError, field_error
from .offers import JSON, DiskOffer, GpuOffer, Location, ResourceSpec
from .pricing import base_price, quote
from .schemas import CreateDisk, CreatePod

CUSTOM_TEMPLATE = "custom_template"
MAX_PRICE_SLACK = 1e-9


@dataclass(frozen=True)
class DiskFacts:
    """What provisioning needs to know about an existing disk."""

    status: str
    location: Location
    multinode: bool
    attached_to: tuple[str, ...]


@dataclass(frozen=True)
class PodPlan:
    offer: GpuOffer
    disk_size: int
    vcpus: int
    memory: int
    price_hr: float
    base_price_hr: float
    disk_ids: tuple[str, ...]


@dataclass(frozen=True)
class DiskPlan:
    offer: DiskOffer
    size: int
    price_hr: float


def count_problem(spec: ResourceSpec, value: int | None, unit: str) -> str | None:
    """Why `value` is not allowed by `spec`, or None when it is (None means default)."""
    if value is None:
        return None
    if spec.fixed:
        if spec.default_count is not None and value != spec.default_count:
            return f"fixed at {spec.default_count} {unit} for this offer; omit it or send that"
        return None
    if value < 1:
        return "must be a positive number"
    if spec.min_count is not None and value < spec.min_count:
        return f"must be at least {spec.min_count} {unit} (got {value})"
    if spec.max_count is not None and value > spec.max_count:
        return f"must be at most {spec.max_count} {unit} (got {value})"
    if spec.step and (value - (spec.min_count or 0)) % spec.step:
        return f"must be {spec.min_count or 0} plus a multiple of {spec.step} {unit} (got {value})"
    return None


def _where(provider: str, data_center: str | None, country: str | None) -> str:
    return f"{provider}/{data_center or country or 'anywhere'}"


def _candidates(body: CreatePod, catalog: Catalog) -> list[GpuOffer]:
    """Offers the body may mean: by cloudId and the body's other fields.

    `security` narrows only when sent: the official CLI sends `security: null`, and an
    offer with a secure and a community twin must then still be found (see `plan_pod`).
    """
    pod, provider = body.pod, body.provider.type
    candidates = catalog.offers_matching(
        provider, pod.cloudId, pod.gpuType, pod.gpuCount, pod.socket
    )
    here = [o for o in candidates if o.data_center in (None, pod.dataCenterId)]
    if pod.security is not None:
        here = [o for o in here if o.security == pod.security]
    if here:
        return here
    what = (
        f"cloudId={pod.cloudId!r}, gpuType={pod.gpuType!r}, gpuCount={pod.gpuCount}, "
        f"socket={pod.socket!r}"
    )
    if not candidates:
        msg = f"no {provider} offer matches {what}; take these values from /availability/gpus"
    else:
        places = sorted({f"{o.data_center} ({o.security})" for o in candidates})
        msg = (
            f"the {provider} offer {what} exists in {', '.join(places)}, not in "
            f"dataCenterId={pod.dataCenterId!r} security={pod.security!r}"
        )
    raise BodyError([field_error(("pod", "cloudId"), msg, pod.cloudId)])


def _disk_errors(
    ids: list[str], offer: GpuOffer, lookup: Callable[[str], DiskFacts | None]
) -> list[JSON]:
    errors: list[JSON] = []
    for i, disk_id in enumerate(ids):
        loc: tuple[str | int, ...] = ("disks", i)
        facts = lookup(disk_id)
        if ids.index(disk_id) != i:
            errors.append(field_error(loc, f"disk {disk_id} is listed twice", disk_id))
        elif facts is None:
            errors.append(field_error(loc, f"Disk {disk_id} not found", disk_id))
        elif facts.status != "ACTIVE":
            msg = f"disk {disk_id} is {facts.status}; only ACTIVE disks can be attached"
            errors.append(field_error(loc, msg, disk_id))
        elif facts.location != offer.location:
            msg = (
                f"disk {disk_id} is in {_where(*facts.location)}, this offer is in "
                f"{_where(*offer.location)}; filter /availability/gpus with disks={disk_id}"
            )
            errors.append(field_error(loc, msg, disk_id))
        elif facts.attached_to and not facts.multinode:
            msg = f"disk {disk_id} is already attached to pod {facts.attached_to[0]}"
            errors.append(field_error(loc, msg, disk_id))
    return errors


def plan_pod(
    body: CreatePod, catalog: Catalog, lookup: Callable[[str], DiskFacts | None]
) -> PodPlan:
    """The offer, resources and price a create-pod body asks for; raises when refused.

    When several offers fit (security twins under `security: null`), the first one the
    body is valid for is taken; when none is, the first one's refusal is reported.
    """
    refusal: BodyError | ApiError | None = None
    for offer in _candidates(body, catalog):
        try:
            return _plan_on(offer, body, lookup)
        except (BodyError, ApiError) as exc:
            refusal = refusal or exc
    assert refusal is not None  # _candidates never returns an empty list
    raise refusal


def _plan_on(
    offer: GpuOffer, body: CreatePod, lookup: Callable[[str], DiskFacts | None]
) -> PodPlan:
    pod = body.pod
    errors: list[JSON] = []
    if pod.country is not None and offer.country is not None and pod.country != offer.country:
        msg = f"this offer is in country {offer.country!r}"
        errors.append(field_error(("pod", "country"), msg, pod.country))
    if pod.image == CUSTOM_TEMPLATE:
        if not pod.customTemplateId:
            msg = "customTemplateId is required when image is 'custom_template'"
            errors.append(field_error(("pod", "customTemplateId"), msg, pod.customTemplateId))
    else:
        if pod.image not in offer.images:
            msg = f"image {pod.image!r} is not offered here; one of: {', '.join(offer.images)}"
            errors.append(field_error(("pod", "image"), msg, pod.image))
        if pod.customTemplateId is not None:
            msg = "customTemplateId needs image 'custom_template'"
            errors.append(field_error(("pod", "customTemplateId"), msg, pod.customTemplateId))
    for name, spec, value, unit in (
        ("diskSize", offer.disk, pod.diskSize, "GB"),
        ("vcpus", offer.vcpu, pod.vcpus, "vCPUs"),
        ("memory", offer.memory, pod.memory, "GB"),
    ):
        problem = count_problem(spec, value, unit)
        if problem is not None:
            errors.append(field_error(("pod", name), problem, value))
    sharing: dict[str, object] = {
        "shared_with_team": body.shared_with_team,
        "sharedWithTeam": body.sharedWithTeam,
        "team_member_ids": body.team_member_ids,
        "teamMemberIds": body.teamMemberIds,
    }
    for name, wish in sharing.items():
        if wish and body.team is None:
            errors.append(field_error((name,), f"{name} needs team.teamId", wish))
    disk_ids = body.disks or []
    errors.extend(_disk_errors(disk_ids, offer, lookup))
    if errors:
        raise BodyError(errors)
    if offer.stock_status == "Unavailable":
        raise ApiError(400, f"{offer.cloud_id} in {_where(*offer.location)} is out of stock")
    disk = pod.diskSize if pod.diskSize is not None else offer.disk.default_count
    vcpus = pod.vcpus if pod.vcpus is not None else offer.vcpu.default_count
    memory = pod.memory if pod.memory is not None else offer.memory.default_count
    price, base = quote(offer, disk, vcpus, memory), base_price(offer)
    if price is None or base is None:
        raise ApiError(400, f"{offer.cloud_id} has no price right now and cannot be rented")
    # A cap equal to the price up to float noise (the client sums in another order) is met.
    if pod.maxPrice is not None and price > pod.maxPrice + MAX_PRICE_SLACK:
        raise ApiError(
            400,
            f"The offer's current price {price} $/h is above this request's maxPrice "
            f"{pod.maxPrice} $/h; no pod was created",
        )
    return PodPlan(offer, disk or 0, vcpus or 0, memory or 0, price, base, tuple(disk_ids))


def plan_disk(body: CreateDisk, catalog: Catalog) -> DiskPlan:
    """The disk offer and price a create-disk body asks for; raises when refused."""
    d, provider = body.disk, body.provider.type
    offer = catalog.disk_offer_for(provider, d.dataCenterId, d.country)
    if offer is None:
        msg = (
            f"no {provider} disk offer in dataCenterId={d.dataCenterId!r}; "
            "take provider and dataCenterId from /availability/disks"
        )
        raise BodyError([field_error(("disk", "dataCenterId"), msg, d.dataCenterId)])
    errors: list[JSON] = []
    if d.cloudId is not None and d.cloudId != offer.cloud_id:
        msg = f"this disk offer needs cloudId={offer.cloud_id!r}"
        errors.append(field_error(("disk", "cloudId"), msg, d.cloudId))
    spec = offer.spec
    low, high = max(1, spec.min_count or 0), spec.max_count
    if d.size < low or (high is not None and d.size > high):
        msg = f"size must be between {low} and {high} GB (got {d.size})"
        errors.append(field_error(("disk", "size"), msg, d.size))
    elif spec.step and (d.size - (spec.min_count or 0)) % spec.step:
        msg = f"size must be a multiple of {spec.step} GB"
        errors.append(field_error(("disk", "size"), msg, d.size))
    if errors:
        raise BodyError(errors)
    return DiskPlan(offer, d.size, round(d.size * (spec.price_per_unit or 0.0), 10))
