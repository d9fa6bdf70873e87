"""`start_sandbox`: serve the sandbox from a background thread on 127.0.0.1.

A daemon thread, so a forgotten server dies with the test process or kernel; the socket
is bound here (port 0 picks a free one) and handed to uvicorn, so the URL is known before
the server starts and no other process can take the port in between. Loopback only: the
sandbox is a local test double, never a network service.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

import uvicorn
from fastapi import FastAPI

from .app import build_app
from .catalog import Catalog, OfferSelector
from .config import DEFAULT_CONFIG, SandboxConfig
from .context import SandboxContext
from .faults import FaultPlan, RecordedRequest
from .market import watch_offer
from .ssh_endpoint import SshEndpoint
from .state import SandboxState

HOST = "127.0.0.1"
API_KEY = "sandbox-key"
START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 5.0


class SandboxServer:
    """A running sandbox: its URL, a key to use, and the live objects tests inspect.

    `requests` is the request log itself (a list, appended to as requests arrive);
    `faults` is where to inject failures; `state` holds the pods and disks; `ssh` is the
    SSH endpoint every pod answers on (its `faults`, its running commands' `pids()`).
    """

    api_key: str = API_KEY

    def __init__(
        self,
        app: FastAPI,
        context: SandboxContext,
        server: uvicorn.Server,
        thread: threading.Thread,
        port: int,
        ssh: SshEndpoint | None = None,
    ) -> None:
        self.app = app
        self.ssh = ssh
        self.context = context
        self.port = port
        self.url = f"http://{HOST}:{port}"
        self._server = server
        self._thread = thread
        self._stopped = False

    @property
    def config(self) -> SandboxConfig:
        return self.context.config

    @property
    def state(self) -> SandboxState:
        return self.context.state

    @property
    def catalog(self) -> Catalog:
        return self.context.catalog

    def reprice_offer(
        self,
        cloud_id: str,
        price: float,
        data_center: str | None = None,
        gpu_count: int | None = None,
        security: str | None = None,
        after_s: float = 0.0,
    ) -> int:
        """Move the matching offers' base price to `price` $/h now, or `after_s` seconds
        later on the sandbox's clock (POST /_sandbox/offers/price does the same); how many
        offers changed (0 when scheduled). Undone by reset."""
        selector = OfferSelector(cloud_id, data_center, gpu_count, security)
        if after_s > 0:
            self.context.market.reprice(selector, price, after_s)
            return 0
        return len(self.catalog.reprice(selector, price))

    def remove_offer(
        self,
        cloud_id: str,
        data_center: str | None = None,
        gpu_count: int | None = None,
        security: str | None = None,
        after_s: float = 0.0,
    ) -> int:
        """Take the matching offers away now, or `after_s` seconds later (sold out; POST
        /_sandbox/offers/remove); how many (0 when scheduled)."""
        selector = OfferSelector(cloud_id, data_center, gpu_count, security)
        if after_s > 0:
            self.context.market.remove(selector, after_s)
            return 0
        return len(self.catalog.remove(selector))

    def add_offer(
        self,
        cloud_id: str | None = None,
        price: float | None = None,
        after_s: float = 0.0,
        stock_status: str | None = None,
        data_center: str | None = None,
    ) -> dict[str, Any]:
        """Make the market's 8×H100 (`market.WATCH_OFFER`, $2.20/GPU-h; `price` is the
        whole instance's $/h) appear now or `after_s` seconds later on the sandbox's clock
        (POST /_sandbox/offers/add); its JSON. Undone by reset."""
        offer = watch_offer(cloud_id, price, stock_status, data_center)
        self.context.market.add(offer, after_s)
        return dict(offer.json)

    @property
    def faults(self) -> FaultPlan:
        return self.context.faults

    @property
    def requests(self) -> list[RecordedRequest]:
        return self.context.log.entries

    def reset(self) -> None:
        """Forget pods, disks, faults and logged requests (same as POST /_sandbox/reset)."""
        self.context.reset()

    def stop(self) -> None:
        """Shut the server down and wait for its thread; safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        if self.ssh is not None:
            self.context.state.ssh_endpoint = None
            self.ssh.stop()
        self._server.should_exit = True
        self._thread.join(timeout=STOP_TIMEOUT_S)

    def __enter__(self) -> SandboxServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "stopped" if self._stopped else "running"
        return f"<SandboxServer {self.url} seed={self.config.seed} {state}>"


def _bind(port: int) -> socket.socket:
    # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on accepted sockets whose
    # proto says TCP; with proto 0, Nagle holds every response body for ~40 ms.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
    except OSError:
        sock.close()
        raise
    return sock


def start_sandbox(
    config: SandboxConfig = DEFAULT_CONFIG,
    port: int = 0,
    *,
    monotonic: Callable[[], float] | None = None,
) -> SandboxServer:
    """Start a sandbox in a daemon thread and return once it accepts connections.

    `monotonic` replaces `time.monotonic` as the lifecycle clock (a fake clock in tests).
    """
    app, context = build_app(config, monotonic)
    sock = _bind(port)
    bound = int(sock.getsockname()[1])
    uv_config = uvicorn.Config(
        app,
        host=HOST,
        port=bound,
        log_level="warning",
        log_config=None,  # leave the host process's logging configuration alone
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(uv_config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"prime-sandbox-{bound}", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError(f"the sandbox did not start on {HOST}:{bound}")
        time.sleep(0.002)
    with socket.create_connection((HOST, bound), timeout=START_TIMEOUT_S):
        pass
    ssh = SshEndpoint(context)  # the pods' SSH endpoint, on its own free port
    try:
        ssh.start()
    except BaseException:
        server.should_exit = True
        thread.join(timeout=STOP_TIMEOUT_S)
        raise
    context.state.ssh_endpoint = ssh.address
    return SandboxServer(app, context, server, thread, bound, ssh)
