"""Create requests built from offers, checked against them before anything is sent.

``PodRequest.from_offer`` and ``DiskRequest.from_offer`` refuse, with a message saying
what would be accepted, every choice the API would refuse for a reason we can see
locally: counts off range or step, an image the offer lacks, a half-given custom
template, team sharing without a team, a disk size outside the disk offer. ``body()``
is exactly the JSON of the API guides; ``curl()`` shows it with ``$PRIME_API_KEY`` in
place of the key.
"""

from __future__ import annotations

import json
import re
import secrets
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from .config import Settings, Team, TeamChoice
from .display.primitives import usd
from .errors import ConfigurationError
from .inputs import MAX_HOURS, finite, hours, price_hr, size_gb
from .models import Disk, GpuOffer
from .offers import DISK_SIZE, PARTS, AnyDiskOffer, AnyGpuOffer, Part, disk_offer, gpu_offer
from .pricing import Quote, check_count, disk_cost_hr, known, per_month, quote

CUSTOM_TEMPLATE = "custom_template"
DEFAULT_IMAGE = "ubuntu_22_cuda_12"
QUOTE: Literal["quote"] = "quote"
MaxPrice = float | None | Literal["quote"]
"""``"quote"`` (the default): cap at the quoted total; a number: that cap; None: no cap."""
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,62}$")


_NO_TEAM_TO_SHARE = (
    "Sharing with a team needs a team: pass team_id, or configure one (PRIME_TEAM_ID or "
    "%prime config --team-id)."
)


def _check_name(name: str | None) -> None:
    if name is not None and not _NAME.match(name):
        raise ConfigurationError(
            f"name={name!r}: use 1–63 letters, digits, spaces, dots, dashes or underscores"
        )


def _default_name(*parts: str | None) -> str:
    """A readable name with a random suffix. The name is what finds a create again after
    its answer was lost, so two requests must never share one by accident."""
    words = [p for p in parts if p]
    base = re.sub(r"[^a-z0-9-]+", "-", "-".join(words).lower()).strip("-")[:56]
    return f"{base}-{secrets.token_hex(3)}"


def curl_line(method: str, url: str, body: Mapping[str, Any]) -> str:
    """A copy-paste curl command; the key stays in the reader's environment."""
    return (
        f"curl --request {method} --url {shlex.quote(url)} "
        '--header "Authorization: Bearer $PRIME_API_KEY" '
        "--header 'Content-Type: application/json' "
        f"--data {shlex.quote(json.dumps(body))}"
    )


HIDDEN = "(hidden)"
"""What a preview shows in place of a password."""


@dataclass(frozen=True)
class PodRequest:
    """A pod to create from one offer; build it with ``PodRequest.from_offer``."""

    offer: GpuOffer
    name: str
    image: str
    disk_gb: int | None = None
    vcpus: int | None = None
    memory_gb: int | None = None
    disks: tuple[str, ...] = ()
    max_price: float | None = None
    custom_template_id: str | None = None
    team_id: TeamChoice = Team.CONFIGURED
    share_with_team: bool = False
    team_member_ids: tuple[str, ...] | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    ssh_key_id: str | None = None
    max_hours: float | None = None
    cap_source: Literal["quote", "given", "none"] = "none"
    """Where ``max_price`` came from: the quote, the caller, or no cap at all."""
    idle_stop_minutes: float | None = None
    """End the pod once no remote cell ran on it for this long (the rentals guard)."""
    jupyter_password: str | None = field(default=None, repr=False)
    """The pod's own Jupyter password (``pod.jupyterPassword``); never shown."""
    quoted: Quote | None = field(default=None, repr=False, compare=False)
    """The quote ``from_offer`` checked the choices with: carried, so the price lock, the
    balance check, the record, the preview and the form read the offer's price once."""

    @classmethod
    def from_offer(
        cls,
        offer: AnyGpuOffer,
        name: str | None = None,
        image: str | None = None,
        disk_gb: int | None = None,
        vcpus: int | None = None,
        memory_gb: int | None = None,
        disks: Iterable[str | Disk] | str | Disk = (),
        max_price: MaxPrice = QUOTE,
        custom_template_id: str | None = None,
        team_id: TeamChoice = Team.CONFIGURED,
        share_with_team: bool = False,
        team_member_ids: Sequence[str] | None = None,
        env: Mapping[str, str] | None = None,
        ssh_key_id: str | None = None,
        max_hours: float | None = None,
        idle_stop_minutes: float | None = None,
        jupyter_password: str | None = None,
    ) -> PodRequest:
        """Check every choice against the offer; ``None`` keeps the offer's default.

        ``max_price`` defaults to the quote (``maxPrice`` = ``quote(...).total_hr``), so
        the pod is never billed above the price shown; ``None`` sends no cap. With
        ``max_hours`` the client terminates the pod that many hours after it became
        ready (kept by the guard process, ``rentals``). With ``idle_stop_minutes`` it
        ends the pod once no remote cell ran on it for that long (also kept by the guard).
        ``jupyter_password`` sets the pod's own Jupyter password (sent as
        ``pod.jupyterPassword``, never shown: the previews mask it).
        ``team_id`` defaults to the configured team (``Team``); ``None`` means none."""
        model = gpu_offer(offer)
        _check_rentable(model)
        _check_name(name)
        quoted = quote(model, disk_gb, vcpus, memory_gb)  # range and step checks, one truth
        image = cls._choose_image(model, image, custom_template_id)
        cap, source = _cap(max_price, quoted.total_hr)
        if max_hours is not None:  # inf: a pod never stopped; nan: a deadline never due
            max_hours = hours("max_hours", max_hours)
        if idle_stop_minutes is not None:
            idle_stop_minutes = finite(
                "idle_stop_minutes", idle_stop_minutes, low=0.0, high=MAX_HOURS * 60,
                low_open=True, unit="minutes",
            )  # fmt: skip
        if jupyter_password is not None and not jupyter_password:
            raise ConfigurationError("jupyter_password is empty: give one, or leave it None.")
        if (share_with_team or team_member_ids) and team_id is None:
            raise ConfigurationError(_NO_TEAM_TO_SHARE)
        disks = [disks] if isinstance(disks, (str, Disk)) else list(disks)  # once, not per char
        disk_models = [d for d in disks if isinstance(d, Disk)]
        for disk in disk_models:
            check_attachable(disk, model)
        return cls(
            offer=model,
            name=name or _default_name(model.gpu_type, model.data_center or model.provider),
            image=image,
            disk_gb=disk_gb,
            vcpus=vcpus,
            memory_gb=memory_gb,
            disks=tuple(d.id if isinstance(d, Disk) else d for d in disks),
            max_price=cap,
            custom_template_id=custom_template_id,
            team_id=team_id,
            share_with_team=share_with_team,
            team_member_ids=tuple(team_member_ids) if team_member_ids else None,
            env=dict(env or {}),
            ssh_key_id=ssh_key_id,
            max_hours=max_hours,
            cap_source=source,
            idle_stop_minutes=idle_stop_minutes,
            jupyter_password=jupyter_password,
            quoted=quoted,
        )

    @property
    def cap_text(self) -> str:
        """Which cap applies, in words, for previews and the form."""
        if self.max_price is None:
            return "no price cap (maxPrice not sent)"
        origin = "the quote" if self.cap_source == "quote" else "your cap"
        cap = usd(self.max_price, currency=self.offer.prices.currency or "USD")
        return f"maxPrice {cap} ({origin}): never billed above it"

    def for_settings(self, settings: Settings) -> PodRequest:
        """This request with its team decided (``Settings.team_for``): what is sent."""
        team = settings.team_for(self.team_id)
        if (self.share_with_team or self.team_member_ids) and not team:
            raise ConfigurationError(_NO_TEAM_TO_SHARE)
        return replace(self, team_id=team)

    @staticmethod
    def _choose_image(offer: GpuOffer, image: str | None, template: str | None) -> str:
        if template and image not in (None, CUSTOM_TEMPLATE):
            raise ConfigurationError(
                f"image={image!r} with custom_template_id: a custom template sets the image; "
                "leave image unset (it becomes 'custom_template')."
            )
        if template:
            return CUSTOM_TEMPLATE
        if image == CUSTOM_TEMPLATE:
            raise ConfigurationError("image='custom_template' needs custom_template_id.")
        if image is None:
            if DEFAULT_IMAGE in offer.images or not offer.images:
                return DEFAULT_IMAGE
            return next(i for i in offer.images if i != CUSTOM_TEMPLATE)
        if offer.images and image not in offer.images:
            raise ConfigurationError(
                f"image={image!r} is not offered here; choose one of: "
                + ", ".join(i for i in offer.images if i != CUSTOM_TEMPLATE)
            )
        return image

    def quote(self) -> Quote:
        """What this pod will cost per hour (attached network disks are billed apart):
        the quote it was built with, computed once."""
        if self.quoted is not None:
            return self.quoted
        return quote(self.offer, self.disk_gb, self.vcpus, self.memory_gb)

    def _changed(self, part: Part, value: int | None) -> int | None:
        return None if value is None or value == part.spec(self.offer).default_count else value

    def body(self) -> dict[str, Any]:
        """The JSON the API takes, key for key as in the provisioning guide.

        A request whose team is still ``Team.CONFIGURED`` carries no team here; the client
        sends ``for_settings(...).body()``, which names it."""
        o = self.offer
        pod: dict[str, Any] = {"name": self.name, "cloudId": o.cloud_id, "gpuType": o.gpu_type}
        pod["socket"] = o.socket  # required by the spec; from_offer refused offers without
        pod["gpuCount"] = o.gpu_count
        pod["image"] = self.image
        if self.custom_template_id:
            pod["customTemplateId"] = self.custom_template_id
        if o.data_center:
            pod["dataCenterId"] = o.data_center
        if o.country:
            pod["country"] = o.country
        if o.security:
            pod["security"] = o.security
        chosen = {"disk": self.disk_gb, "vcpu": self.vcpus, "memory": self.memory_gb}
        for part in PARTS:
            value = self._changed(part, chosen[part.key])
            if value is not None:
                pod[part.body_field] = value
        if self.max_price is not None:
            pod["maxPrice"] = self.max_price
        if self.ssh_key_id:
            pod["sshKeyId"] = self.ssh_key_id
        if self.env:
            pod["envVars"] = [{"key": k, "value": v} for k, v in self.env.items()]
        if self.jupyter_password:
            pod["jupyterPassword"] = self.jupyter_password
        body: dict[str, Any] = {"pod": pod, "provider": {"type": o.provider}}
        if isinstance(self.team_id, str):
            body["team"] = {"teamId": self.team_id}
        # The spec spells sharing shared_with_team/team_member_ids; the guide and the
        # official CLI (what the service has long accepted) sharedWithTeam/teamMemberIds.
        # The top level tolerates unknown keys, so both go: neither reading loses it.
        if self.share_with_team:
            body["sharedWithTeam"] = body["shared_with_team"] = True
        elif self.team_member_ids:
            body["teamMemberIds"] = body["team_member_ids"] = list(self.team_member_ids)
        if self.disks:
            body["disks"] = list(self.disks)
        return body

    def shown_body(self) -> dict[str, Any]:
        """``body()`` as previews show it: the Jupyter password masked."""
        body = self.body()
        if "jupyterPassword" in body["pod"]:
            body["pod"] = {**body["pod"], "jupyterPassword": HIDDEN}
        return body

    def curl(self, base_url: str = "https://api.primeintellect.ai") -> str:
        """The create as a curl line (the Jupyter password masked: put yours in)."""
        return curl_line("POST", f"{base_url}/api/v1/pods/", self.shown_body())


def _cap(
    max_price: MaxPrice, quoted_hr: float | None
) -> tuple[float | None, Literal["quote", "given", "none"]]:
    """The ``maxPrice`` to send and where it came from."""
    if isinstance(max_price, str):
        if max_price != QUOTE:
            raise ConfigurationError(
                f"max_price={max_price!r}: use 'quote' (the default), a $/h number or None"
            )
        return (quoted_hr, "quote") if quoted_hr is not None else (None, "none")
    if max_price is None:
        return None, "none"
    return price_hr("max_price", max_price), "given"  # nan would compare false: no cap


def attach_problem(disk: Disk, offer: GpuOffer) -> str | None:
    """Why ``disk`` cannot join a pod made from ``offer`` (None: it can). The one rule:
    ACTIVE, of the offer's provider, and in its data centre when both name one."""
    label = disk.name or disk.id
    if disk.status != "ACTIVE":
        return f"Disk {label} is {disk.status}; only ACTIVE disks can be attached."
    where = disk.info.data_center_id
    other_provider = disk.provider_type and offer.provider and disk.provider_type != offer.provider
    if other_provider or (offer.data_center and where and where != offer.data_center):
        return (
            f"Disk {label} is in {disk.provider_type}/{where or disk.info.country}, "
            f"this offer in {offer.provider}/{offer.data_center or offer.country}; "
            "pick an offer with availability(disks=[...])."
        )
    return None


def check_attachable(disk: Disk, offer: GpuOffer) -> None:
    problem = attach_problem(disk, offer)
    if problem:
        raise ConfigurationError(problem)


def _check_rentable(offer: GpuOffer) -> None:
    """What the spec requires of a create that only the offer can supply."""
    needed = (
        ("socket", offer.socket),
        ("provider", offer.provider),
        ("GPU count", offer.gpu_count),
    )
    missing = [name for name, value in needed if not value]
    if missing:
        raise ConfigurationError(
            f"Offer {offer.cloud_id} names no {' or '.join(missing)}; the API requires it to "
            "create a pod, so this offer cannot be rented as it is."
        )


@dataclass(frozen=True)
class DiskRequest:
    """A network disk to create; ``from_offer`` checks the size against a disk offer."""

    size_gb: int
    data_center_id: str | None
    provider: str
    name: str | None = None
    cloud_id: str | None = None
    country: str | None = None
    team_id: TeamChoice = Team.CONFIGURED
    price_per_gb_hr: float | None = None

    def __post_init__(self) -> None:
        _check_name(self.name)
        size_gb("size_gb", self.size_gb, low=1)  # finite, whole, 1 GB up to a petabyte

    @classmethod
    def from_offer(
        cls,
        offer: AnyDiskOffer,
        size_gb: int,
        name: str | None = None,
        team_id: TeamChoice = Team.CONFIGURED,
    ) -> DiskRequest:
        model = disk_offer(offer)
        check_count(DISK_SIZE, model.spec, size_gb)
        if not model.provider:
            raise ConfigurationError("This disk offer names no provider; it cannot be ordered.")
        return cls(
            size_gb=size_gb,
            data_center_id=model.data_center,
            provider=model.provider,
            name=name or _default_name("disk", model.data_center or model.provider),
            cloud_id=model.cloud_id,
            country=model.country,
            team_id=team_id,
            price_per_gb_hr=model.spec.price_per_unit,
        )

    def for_settings(self, settings: Settings) -> DiskRequest:
        """This request with its team decided (``Settings.team_for``): what is sent."""
        return replace(self, team_id=settings.team_for(self.team_id))

    @property
    def quote_hr(self) -> float | None:
        """Billed from creation to deletion, attached or not."""
        if self.price_per_gb_hr is None:
            return None
        return known(float(disk_cost_hr(self.size_gb, self.price_per_gb_hr)))

    @property
    def quote_month(self) -> float | None:
        return per_month(self.quote_hr)

    def body(self) -> dict[str, Any]:
        disk: dict[str, Any] = {"size": self.size_gb}
        if self.name:
            disk["name"] = self.name
        if self.country:
            disk["country"] = self.country
        if self.cloud_id:
            disk["cloudId"] = self.cloud_id
        if self.data_center_id:
            disk["dataCenterId"] = self.data_center_id
        body: dict[str, Any] = {"disk": disk, "provider": {"type": self.provider}}
        if isinstance(self.team_id, str):
            body["team"] = {"teamId": self.team_id}
        return body

    def curl(self, base_url: str = "https://api.primeintellect.ai") -> str:
        return curl_line("POST", f"{base_url}/api/v1/disks/", self.body())
