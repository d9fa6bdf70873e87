"""Request bodies the sandbox accepts, shaped as the spec's request schemas.

Field names are the API's camelCase on purpose (no aliases): the body is the wire format.
`pod` and `disk` forbid unknown fields (`additionalProperties: false` in the spec), the
top levels ignore them, as the real server does; so a client may send both spellings of
the sharing fields. Enums are the spec's closed sets. Semantic checks against the
catalogue live in `validation.py`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from .spec_enums import EnvironmentType, GpuType, ProviderType, Security, Socket

PositiveInt = Annotated[int, Field(gt=0)]
DiskName = Annotated[str, Field(max_length=255)]


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _string_when_given(value: object) -> object:
    """The spec types `name` as a string that may be omitted: explicit null is a 422."""
    if value is None:
        raise ValueError("must be a string; omit it instead of sending null")
    return value


# A string that may be omitted but not sent as null.
OptionalString = Annotated[str | None, BeforeValidator(_string_when_given)]


class EnvVar(_Loose):
    key: str
    value: str


class PodSpec(_Closed):
    name: OptionalString = None
    cloudId: str
    gpuType: GpuType
    socket: Socket
    gpuCount: PositiveInt
    diskSize: PositiveInt | None = None
    vcpus: PositiveInt | None = None
    memory: PositiveInt | None = None
    maxPrice: float | None = None
    image: EnvironmentType = "ubuntu_22_cuda_12"
    customTemplateId: str | None = None
    dataCenterId: str | None = None
    country: str | None = None
    security: Security | None = None
    envVars: list[EnvVar] | None = None
    jupyterPassword: str | None = None
    sshKeyId: str | None = None
    autoRestart: bool | None = False
    prepaidForHr: Annotated[float, Field(gt=0)] | None = None


class ProviderRef(_Loose):
    type: ProviderType


class TeamRef(_Loose):
    teamId: str


class CreatePod(_Loose):
    pod: PodSpec
    provider: ProviderRef
    disks: list[str] | None = None
    team: TeamRef | None = None
    # The spec's spelling, then the guide's and the official CLI's.
    shared_with_team: bool = False
    team_member_ids: list[str] | None = None
    sharedWithTeam: bool | None = None
    teamMemberIds: list[str] | None = None

    @property
    def shared(self) -> bool:
        """Sharing asked for in either spelling."""
        return bool(self.shared_with_team or self.sharedWithTeam)

    @property
    def members(self) -> tuple[str, ...]:
        """Team members asked for in either spelling (the spec's wins when both)."""
        ids = self.team_member_ids if self.team_member_ids is not None else self.teamMemberIds
        return tuple(ids or ())


class DiskSpec(_Closed):
    size: PositiveInt
    name: Annotated[DiskName | None, BeforeValidator(_string_when_given)] = None
    country: str | None = None
    cloudId: str | None = None
    dataCenterId: str | None = None


class CreateDisk(_Loose):
    disk: DiskSpec
    provider: ProviderRef
    team: TeamRef | None = None


class RenameDisk(_Loose):
    name: str


class Reason(_Loose):
    """Body of the `/_sandbox/pods/{id}/...` failure controls."""

    reason: str | None = None


class OfferChange(_Loose):
    """`POST /_sandbox/offers/price` and `/_sandbox/offers/remove`: which offers, and
    (for a price move) the new base price in $/h."""

    cloudId: str
    dataCenter: str | None = None
    gpuCount: int | None = None
    security: str | None = None
    provider: str | None = None
    price: float | None = Field(default=None, gt=0)
    afterS: float = Field(default=0.0, ge=0)


class OfferAdd(_Loose):
    """`POST /_sandbox/offers/add`: list the market's 8×H100 (`market.WATCH_OFFER`), with
    these changes, now or `afterS` seconds later on the sandbox's clock."""

    cloudId: str | None = None
    dataCenter: str | None = None
    price: float | None = Field(default=None, gt=0)
    stockStatus: str | None = None
    afterS: float = Field(default=0.0, ge=0)


class FaultSpec(_Loose):
    """`POST /_sandbox/faults`: the same fields as `FaultPlan.add`."""

    method: str | None = "GET"
    path: str = "/api/v1/availability/gpus"
    status: int | None = 503
    times: int | None = Field(default=1, ge=1)
    delay_s: float = Field(default=0.0, ge=0)
    body: Any = None
    headers: dict[str, str] | None = None
    match_query: dict[str, str] | None = None
    drop_after_handling: bool = False
    answer_after_handling: bool = False
