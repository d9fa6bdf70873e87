"""What happens to every request before a route sees it: log, slashes, latency, faults, auth.

Every response also carries `x-prime-sandbox: 1`, so clients can tell simulated data
from real offers.

A plain ASGI middleware (not Starlette's BaseHTTPMiddleware) so it can read the body for
the log and then replay it to the route, and so a delayed request only sleeps with
`asyncio.sleep` (a fault's delay through `FaultPlan.sleep`, which a test may hold):
concurrent requests overlap, which is what the paging benchmark measures. Order matters
and mirrors a real deployment: the request is logged as received, a path in the other
slash spelling is redirected (307, as the real FastAPI server does: collections are
`/pods/`, items `/pods/{id}`), the network latency passes, an injected fault (a proxy's
503, a slow gateway, a dropped connection) answers before authentication, and only then
is the key checked.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import URL
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .drop import handle_then_drop
from .faults import API_PREFIX, Fault, FaultPlan, RequestLog, normalize_path

# Every answer says it is simulated, so a client can label sandbox data as such.
SANDBOX_HEADER = (b"x-prime-sandbox", b"1")
UNAUTHORIZED = (
    "Not authenticated: send 'Authorization: Bearer <api key>' "
    "(the sandbox accepts any non-empty key)"
)


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that yields the already-read body once, then defers to the real one."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


def _json_or_none(body: bytes) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def _labelled(send: Send) -> Send:
    """A `send` that adds the sandbox header to the response start."""

    async def labelled(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), SANDBOX_HEADER]}
        await send(message)

    return labelled


def _authorized(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return scheme.lower() == "bearer" and bool(token.strip())
    return False


async def _discarded(message: Message) -> None:
    """An answer nobody receives (the fault's own goes out instead)."""


def _fault_response(fault: Fault) -> Response:
    status = fault.status if fault.status is not None else 200
    headers = fault.headers or {}
    if status < 200 or status in (204, 304):
        return Response(b"", status, headers)
    if isinstance(fault.body, str):
        return Response(fault.body, status, headers, media_type="application/json")
    if fault.body is not None:
        return JSONResponse(fault.body, status, headers)
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return JSONResponse({"detail": f"{phrase} (injected by the sandbox)"}, status, headers)


class SlashRedirects:
    """Which path a request in the wrong slash spelling is sent to (Starlette's rule).

    Asks the app's own routes, so routes added by any module (pods, disks, ssh keys, ...)
    get it without being listed here.
    """

    def __init__(self, routes: Callable[[], Sequence[BaseRoute]]) -> None:
        self._routes = routes

    def _matches(self, scope: Scope, path: str) -> bool:
        probe = {**scope, "path": path, "root_path": ""}
        return any(r.matches(probe)[0] != Match.NONE for r in self._routes())

    def target(self, scope: Scope) -> str | None:
        """The other spelling when only it is served, else None (serve or 404 as is)."""
        path: str = scope["path"]
        if self._matches(scope, path):
            return None
        other = path[:-1] if path.endswith("/") else path + "/"
        return other if self._matches(scope, other) else None


class SandboxMiddleware:
    """Logs, redirects, delays, faults and authenticates `/api/v1`."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        faults: FaultPlan,
        log: RequestLog,
        latency_s: float,
        routes: Callable[[], Sequence[BaseRoute]],
    ) -> None:
        self.app = app
        self.faults = faults
        self.log = log
        self.latency_s = latency_s
        self.slashes = SlashRedirects(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _labelled(send)
        path: str = scope["path"]
        if path != API_PREFIX and not path.startswith(API_PREFIX + "/"):
            await self.app(scope, receive, send)
            return
        method: str = scope["method"]
        body = await _read_body(receive)
        raw_query: str = scope["query_string"].decode("latin-1")
        query = parse_qsl(raw_query, keep_blank_values=True)
        self.log.record(method, path, query, _json_or_none(body))
        target = self.slashes.target(scope)
        if target is not None:
            location = str(URL(scope={**scope, "path": target}))  # absolute, as Starlette's
            await RedirectResponse(location, status_code=307)(scope, receive, send)
            return
        if self.latency_s > 0:
            await asyncio.sleep(self.latency_s)
        fault = self.faults.take(method, normalize_path(path), query)
        replayed = _replay(body, receive)
        if fault is not None:
            if fault.delay_s > 0:
                await self.faults.sleep(fault.delay_s)  # a test may hold it instead
            if fault.drop_after_handling:
                await handle_then_drop(self._serve, scope, replayed, send)
                return
            if fault.answer_after_handling:  # the API acted; a gateway answers for it
                await self._serve(scope, replayed, _discarded)
                await _fault_response(fault)(scope, receive, send)
                return
            if fault.status is not None or fault.body is not None:
                await _fault_response(fault)(scope, receive, send)
                return
        await self._serve(scope, replayed, send)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Authenticate, then hand the request to the routes."""
        if not _authorized(scope):
            response = JSONResponse(
                {"detail": UNAUTHORIZED}, 401, headers={"WWW-Authenticate": "Bearer"}
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
