"""The "handled, then the connection dropped" fault: a create happens, no answer arrives.

A client's "outcome unknown -> reconcile" path needs a server that really did the work
and then vanished, so the client sees a connection error (httpx's
`RemoteProtocolError: Server disconnected without sending a response`), not a status.
ASGI has no message for "close the socket", so `SandboxApp` (the sandbox's FastAPI
subclass) takes uvicorn's transport from the `send` it is called with and hands a closer
down the scope; the fault middleware runs the request with its answer discarded, then
calls it. Under a server without such a transport (an in-process ASGI client), the
response is started and then aborted instead, which such clients also report as a
broken response rather than a status.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CLOSE_KEY = "prime_sandbox.close_connection"


def connection_closer(send: Send) -> Callable[[], None] | None:
    """`transport.close` of the uvicorn request cycle `send` belongs to, if there is one."""
    cycle = getattr(send, "__self__", None)
    close = getattr(getattr(cycle, "transport", None), "close", None)
    return close if callable(close) else None


class SandboxApp(FastAPI):
    """FastAPI, plus the connection closer in every HTTP scope (see the module doc)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            closer = connection_closer(send)
            if closer is not None:
                scope = {**scope, CLOSE_KEY: closer}
        await super().__call__(scope, receive, send)


async def handle_then_drop(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    """Serve the request for its effects, throw the answer away, close the connection."""

    async def discard(message: Message) -> None:
        return None

    await app(scope, receive, discard)
    close = scope.get(CLOSE_KEY)
    if callable(close):
        close()
        # Let the server notice the lost connection, so it does not log a missing answer.
        for _ in range(3):
            await asyncio.sleep(0)
        return
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]}
    )
    raise ConnectionAbortedError("the sandbox dropped the connection after handling the request")
