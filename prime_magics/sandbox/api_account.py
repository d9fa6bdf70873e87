"""`/ssh_keys/`, `/user/*`, `/teams/{id}/members`, `/billing/wallet`: routes over
`AccountState`, with the paths, parameters and bodies of the real spec.

The SSH key collection is `/ssh_keys/` with the slash, as in the spec; the slash-less
form answers 307 to it (what the real FastAPI server does), so a client that follows
redirects still works and one that does not learns the canonical path. Field errors are
answered with the spec's `ErrorResponse` (`{"errors": [{"param", "details"}]}`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict

from .account import JSON, InvalidField
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


def _answer(action: Callable[[], JSON]) -> JSONResponse:
    try:
        return JSONResponse(action())
    except InvalidField as exc:
        return JSONResponse(exc.body(), status_code=422)


def router(ctx: SandboxContext) -> APIRouter:
    api = APIRouter()
    account = ctx.account

    @api.api_route("/ssh_keys", methods=["GET", "POST"], include_in_schema=False)
    def ssh_keys_without_slash(request: Request) -> RedirectResponse:
        return RedirectResponse(request.url.replace(path=request.url.path + "/"), 307)

    @api.get("/ssh_keys/", tags=["SSH Keys"])
    def list_ssh_keys(offset: int = 0, limit: int = 100) -> JSONResponse:
        return JSONResponse(account.list_ssh_keys(offset, limit))

    @api.post("/ssh_keys/", tags=["SSH Keys"])
    def upload_ssh_key(body: UploadSshKey) -> JSONResponse:
        return _answer(lambda: account.add_ssh_key(body.name, body.publicKey))

    @api.patch("/ssh_keys/{key_id}", tags=["SSH Keys"])
    def set_primary_key(key_id: str, body: UpdateSshKey) -> JSONResponse:
        return _answer(lambda: account.set_primary_key(key_id, body.isPrimary))

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
