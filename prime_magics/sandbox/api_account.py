"""`/ssh_keys/`, `/user/*`, `/teams/{id}/members`, `/billing/wallet`: routes over
`AccountState`, with the paths, parameters and bodies of the real spec.

The SSH key collection is declared `/ssh_keys/` with the slash, as in the spec; the
slash-less spelling is the middleware's to answer (307, before auth, for every route
alike), not a second route here. Field errors are `BodyError`s, so they come out in the
same 422 envelope as every other body error the app serves.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from .context import SandboxContext


class UploadSshKey(BaseModel):
    """The spec's `APISSHKeyUploadRequestConfig`."""

    model_config = ConfigDict(extra="ignore")
    name: str
    publicKey: str


class UpdateSshKey(BaseModel):
    """The spec's `APISSHKeyUpdateRequestConfig`."""

    model_config = ConfigDict(extra="ignore")
    isPrimary: bool | None = None


def router(ctx: SandboxContext) -> APIRouter:
    api = APIRouter()
    account = ctx.account

    @api.get("/ssh_keys/", tags=["SSH Keys"])
    def list_ssh_keys(offset: int = 0, limit: int = 100) -> JSONResponse:
        return JSONResponse(account.list_ssh_keys(offset, limit))

    @api.post("/ssh_keys/", tags=["SSH Keys"])
    def upload_ssh_key(body: UploadSshKey) -> JSONResponse:
        return JSONResponse(account.add_ssh_key(body.name, body.publicKey))

    @api.patch("/ssh_keys/{key_id}", tags=["SSH Keys"])
    def set_primary_key(key_id: str, body: UpdateSshKey) -> JSONResponse:
        return JSONResponse(account.set_primary_key(key_id, body.isPrimary))

    @api.delete("/ssh_keys/{key_id}", tags=["SSH Keys"])
    def delete_ssh_key(key_id: str) -> JSONResponse:
        return JSONResponse(account.delete_ssh_key(key_id))

    @api.get("/user/whoami", tags=["user"])
    def whoami() -> JSONResponse:
        return JSONResponse(account.whoami())

    @api.get("/user/teams", tags=["user"])
    def list_my_teams(offset: int = 0, limit: int = 100) -> JSONResponse:
        return JSONResponse(account.list_teams(offset, limit))

    @api.get("/teams/{team_id}/members", tags=["teams"])
    def list_team_members(team_id: str, offset: int = 0, limit: int = 100) -> JSONResponse:
        return JSONResponse(account.team_members(team_id, offset, limit))

    @api.get("/billing/wallet", tags=["Billing"])
    def wallet(
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        offset: Annotated[int, Query(ge=0)] = 0,
        teamId: str | None = None,
    ) -> JSONResponse:
        return JSONResponse(account.wallet(limit, offset, teamId))

    return api
