"""Shared fixtures. Keep each one small and documented; add new ones under a heading.

- isolation (autouse): every test gets an empty ``HOME`` and no ``PRIME_*`` variables, so
  no test reads or writes the developer's real ``~/.prime/config.json`` or uses a real key;
  kernels start no guard process (``PRIME_MAGICS_GUARD=off``); the default client of
  ``pm.availability`` & co. is reset afterwards.
- ``fast_retry``: a ``RetryPolicy`` with millisecond backoff for retry tests.
- ``sandbox_server`` (session) / ``sandbox`` (per test, reset): the simulated API on
  127.0.0.1 with sub-second provisioning; ``client``: a ``pm.Client`` pointed at it.
- ``mock_client``: a factory for a ``pm.Client`` over an ``httpx.MockTransport`` handler,
  for faults easier to write as a function than to inject into the sandbox.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import httpx
import pytest

import prime_magics as pm
from prime_magics.sandbox import SandboxConfig, SandboxServer, start_sandbox
from prime_magics.transport.http import RetryPolicy

# -- isolation ---------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory, monkeypatch) -> Iterator[None]:
    """Point HOME at an empty directory and clear PRIME_*; reset the default client after."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    for name in [n for n in os.environ if n.startswith("PRIME_")]:
        monkeypatch.delenv(name)
    # no guard process per test: the guard's own tests start one and end exactly its pid
    monkeypatch.setenv("PRIME_MAGICS_GUARD", "off")
    yield
    pm.stop_sandbox()
    pm.set_client(None)


# -- HTTP ------------------------------------------------------------------------------------

FAST_RETRY = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05, total_budget=5.0)


@pytest.fixture
def fast_retry() -> RetryPolicy:
    """Three attempts, 10–50 ms apart: retry paths run without slowing the suite."""
    return FAST_RETRY


@pytest.fixture
def mock_client() -> Iterator[Callable[..., pm.Client]]:
    """``mock_client(handler, **client_kwargs)``: a Client whose HTTP goes to ``handler``.

    ``handler`` is an ``httpx.MockTransport`` function (``Request -> Response``); the
    client gets a test key, ``https://api.test`` and the fast retry policy unless given.
    """
    made: list[pm.Client] = []

    def make(handler: Callable[[httpx.Request], httpx.Response], **kwargs: object) -> pm.Client:
        options: dict[str, object] = {
            "api_key": "test-key-0123456789",
            "base_url": "https://api.test",
            "retry": FAST_RETRY,
        }
        options.update(kwargs)
        transport = httpx.MockTransport(handler)
        client = pm.Client(transport=transport, **options)  # type: ignore[arg-type]
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


# -- sandbox ---------------------------------------------------------------------------------

SANDBOX_CONFIG = SandboxConfig(provision_seconds=0.3, disk_provision_seconds=0.2)


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxServer]:
    """One simulated API for the whole session (seed 7, 320 + 12 offers, fast lifecycles)."""
    server = start_sandbox(SANDBOX_CONFIG, port=0)
    yield server
    server.stop()


@pytest.fixture
def sandbox(sandbox_server: SandboxServer) -> Iterator[SandboxServer]:
    """The session's sandbox, fresh for this test: no pods, disks, faults or logged requests."""
    sandbox_server.reset()
    yield sandbox_server
    sandbox_server.faults.clear()


@pytest.fixture
def client(sandbox: SandboxServer, fast_retry: RetryPolicy) -> Iterator[pm.Client]:
    """A client for the fresh sandbox, with fast retries; closed after the test."""
    with pm.Client(api_key=sandbox.api_key, base_url=sandbox.url, retry=fast_retry) as made:
        yield made


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests last: the slowest, and Playwright's sync API keeps an asyncio loop
    running in this thread until the session ends (which a later test may not expect)."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)
