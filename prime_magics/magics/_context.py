"""What every ``%prime`` handler shares: the call context and argument types.

A handler is ``handler(args, ctx) -> value``: it reads parsed arguments, calls the plain
API, shows notices through ``ctx.show`` and returns what the cell should evaluate to.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import api
from .._display import sandbox_banner

if TYPE_CHECKING:
    from ..client import Client


@dataclass(frozen=True)
class Context:
    """The user's namespace (for ``--offer VAR[ROW]``) and where to display things."""

    user_ns: Mapping[str, Any]
    show: Callable[[object], None]

    def label(self, client: Client) -> None:
        """Show the sandbox banner when ``client``'s answers were simulated."""
        if client.is_sandbox or _is_embedded_sandbox(client):
            self.show(sandbox_banner())


def _is_embedded_sandbox(client: Client) -> bool:
    """Whether ``client`` talks to the sandbox ``%prime sandbox`` started, header or not."""
    server = api.sandbox_server()
    return server is not None and client.settings.base_url == server.url


Handler = Callable[[argparse.Namespace, Context], Any]


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number ≥ 1, got {value}")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text}")
    return value


def key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value
