"""Request bodies the sandbox accepts, so FastAPI itself produces type errors as 422s.

Field names are the API's camelCase on purpose (no aliases): the body is the wire format.
Unknown fields are ignored, as the real API does. Semantic checks against the catalogue
live in `validation.py`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class EnvVar(_Body):
    key: str
    value: str


class PodSpec(_Body):
    name: str | None = None
    cloudId: str
    gpuType: str
    socket: str | None = None
    gpuCount: int = Field(ge=1)
    image: str
    customTemplateId: str | None = None
    dataCenterId: str | None = None
    country: str | None = None
    security: str | None = None
    diskSize: int | None = None
    vcpus: int | None = None
    memory: int | None = None
    maxPrice: float | None = None
    jupyterPassword: str | None = None
    autoRestart: bool | None = None
    envVars: list[EnvVar] | None = None


class ProviderRef(_Body):
    type: str


class TeamRef(_Body):
    teamId: str


class CreatePod(_Body):
    pod: PodSpec
    provider: ProviderRef
    team: TeamRef | None = None
    sharedWithTeam: bool | None = None
    teamMemberIds: list[str] | None = None
    disks: list[str] | None = None


class DiskSpec(_Body):
    size: int
    name: str | None = None
    country: str | None = None
    cloudId: str | None = None
    dataCenterId: str | None = None


class CreateDisk(_Body):
    disk: DiskSpec
    provider: ProviderRef
    team: TeamRef | None = None


class RenameDisk(_Body):
    name: str = Field(min_length=1)


class FaultSpec(_Body):
    """`POST /_sandbox/faults`: the same fields as `FaultPlan.add`."""

    method: str | None = "GET"
    path: str = "/api/v1/availability/gpus"
    status: int | None = 503
    times: int | None = Field(default=1, ge=1)
    delay_s: float = Field(default=0.0, ge=0)
    body: Any = None
    headers: dict[str, str] | None = None
    match_query: dict[str, str] | None = None
