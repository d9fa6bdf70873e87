"""Fixtures and helpers shared by the ``%prime`` tests (tests/test_magics_*.py).

A test module loads them with ``pytest_plugins = ("tests.magic_fixtures",)`` (and imports
the helpers, which is why this module says PYTEST_DONT_REWRITE: pytest would otherwise
warn that it was imported before it could rewrite its asserts). From
conftest.py come the autouse isolation (empty ``HOME``, no ``PRIME_*``, default client
reset) and ``sandbox`` (the session's simulated API, fresh for each test).

- ``ip``: the process's ``InteractiveShell`` with ``%prime`` loaded (unloaded after). It is
  a plain shell, so ``PrimeMagics.widgets = "auto"`` means no widgets.
- ``magics``: the loaded ``PrimeMagics``; ``widgets_on``: its ``widgets`` set to True.
- ``prime_sandbox``: ``sandbox`` with the default client (the one ``%prime`` uses)
  pointed at it, holding ``FAKE_KEY``, which no output may ever show.
- ``home``: the isolated ``HOME`` (where ``~/.prime/config.json`` goes).
- ``Cell(ip, source)``: run a cell as a user would and keep what it showed;
  ``requests(server, method, path)``: what the sandbox received.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.interactiveshell import ExecutionResult, InteractiveShell
from IPython.utils.capture import capture_output
from traitlets.config import Config

import prime_magics as pm
from prime_magics.magics import PrimeMagics
from prime_magics.sandbox import RecordedRequest, SandboxServer
from prime_magics.transport.http import RetryPolicy

FAKE_KEY = "sk-test-0123456789abcdef"
WAIT_S = 20.0  # an upper bound for background work, never a timing assertion
Shell = Any  # InteractiveShell: its methods are only partly typed


@pytest.fixture
def home() -> Path:
    """The empty HOME conftest's autouse isolation set for this test."""
    return Path(os.environ["HOME"])


@pytest.fixture
def ip() -> Iterator[Shell]:
    """The process's IPython shell with ``%prime`` loaded (unloaded afterwards)."""
    if InteractiveShell.initialized():
        shell: Shell = InteractiveShell.instance()
    else:
        config = Config()
        config.HistoryManager.hist_file = ":memory:"
        shell = InteractiveShell.instance(config=config)
    shell.extension_manager.load_extension("prime_magics")
    yield shell
    shell.extension_manager.unload_extension("prime_magics")


@pytest.fixture
def magics(ip: Shell) -> PrimeMagics:
    """The ``PrimeMagics`` instance behind ``%prime`` in ``ip``."""
    loaded: PrimeMagics = ip.magics_manager.registry[PrimeMagics.__name__]
    return loaded


@pytest.fixture
def widgets_on(magics: PrimeMagics) -> PrimeMagics:
    """``%prime`` returns widgets in this plain shell, as it would in a Jupyter kernel."""
    magics.widgets = True
    return magics


@pytest.fixture
def prime_sandbox(
    sandbox: SandboxServer, ip: Shell, fast_retry: RetryPolicy
) -> Iterator[SandboxServer]:
    """The fresh sandbox, as ``%prime`` sees it: the default client, with ``FAKE_KEY``."""
    client = pm.Client(api_key=FAKE_KEY, base_url=sandbox.url, retry=fast_retry)
    pm.set_client(client)
    yield sandbox
    pm.set_client(None)
    client.close()


class Cell:
    """What one cell did: its result and everything it showed, as plain text."""

    def __init__(self, ip: Shell, source: str) -> None:
        with capture_output() as captured:
            self.result: ExecutionResult = ip.run_cell(source)
        self.shown: list[str] = [o.data.get("text/plain", "") for o in captured.outputs]
        self.html = "".join(o.data.get("text/html", "") for o in captured.outputs)
        self.stdout, self.stderr = captured.stdout, captured.stderr
        self.text = "\n".join([self.stdout, self.stderr, *self.shown])

    @property
    def error(self) -> BaseException | None:
        error: BaseException | None = self.result.error_in_exec
        return error

    def block(self, title: str) -> str:
        """The text of the code block titled ``title`` (e.g. "Request body") it showed."""
        prefix = f"{title}:\n"
        found = [text[len(prefix) :] for text in self.shown if text.startswith(prefix)]
        assert len(found) == 1, f"{len(found)} blocks titled {title!r} in:\n{self.text}"
        return found[0]


def requests(server: SandboxServer, method: str, path: str) -> list[RecordedRequest]:
    """What the sandbox received with this method at this full path (trailing / ignored)."""
    return [r for r in server.requests if r.method == method and r.path.rstrip("/") == path]
