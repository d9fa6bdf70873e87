"""What every ``%prime`` handler shares: the call context and argument types.

A handler is ``handler(args, ctx) -> value``: it reads parsed arguments, calls the plain
API, shows notices through ``ctx.show`` and returns what the cell should evaluate to — a
widget only when ``ctx.widgets`` says this shell can show one (``PrimeMagics.widgets``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from .._display import Confirmation, Notice, sandbox_banner
from ..config import Team, TeamChoice
from ..errors import ConfigurationError

if TYPE_CHECKING:
    from ..client import Client
    from ..widgets.confirm import ConfirmPanel


@dataclass(frozen=True)
class Context:
    """The user's namespace (for ``--offer VAR[ROW]``), where to display things, and
    whether to return widgets (resolved from ``PrimeMagics.widgets``)."""

    user_ns: Mapping[str, Any]
    show: Callable[[object], None]
    widgets: bool = False

    def require_widgets(self, command: str, instead: str) -> None:
        """Refuse a widget-only command where no widget can be shown."""
        if not self.widgets:
            raise UsageError(
                f"%prime {command} needs Jupyter widgets (a notebook kernel); {instead}. "
                "Widgets are on with %config PrimeMagics.widgets = True."
            )

    def destroy(
        self,
        client: Client,
        act: Callable[[], None],
        *,
        yes: bool,
        describe: Callable[[], str],
        button: str,
        done: str,
        blocked: Callable[[], str | None] | None = None,
        labelled: bool = False,
    ) -> ConfirmPanel | None:
        """With ``--yes``, terminate or delete; without, say what would be lost and, where
        widgets show, return a ``button`` that does it once (disabled, with the reason
        beside it, when ``blocked()`` says why it cannot be done now). ``labelled``: the
        sandbox banner is already above, in this output."""
        if yes:
            act()
            self.label(client)
            self.show(Notice(done, "success"))
            return None
        loss = describe()
        if not labelled:
            self.label(client)
        self.show(Confirmation(f"{button}?", loss))
        if not self.widgets:
            self.show(Notice("Nothing happened; add --yes to do it."))
            return None
        self.show(Notice("Nothing happened yet; the button below does it, once."))
        from ..widgets.confirm import ConfirmPanel  # imports ipywidgets: only when wanted

        panel = ConfirmPanel(client, button, button, act, done, blocked() if blocked else None)
        panel.sandbox_label = False  # the banner above already says it
        return panel

    def label(self, client: Client) -> None:
        """Show the sandbox banner when ``client``'s answers were simulated."""
        if client.is_sandbox:
            self.show(sandbox_banner())


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


def price_cap(text: str) -> float | str | None:
    """``--max-price P`` ($/h); ``none``: no cap at all; ``quote`` (the default): the quote."""
    if text.lower() in ("none", "quote"):
        return None if text.lower() == "none" else "quote"
    return positive_float(text)


@contextmanager
def flags_named(flags: Mapping[str, str]) -> Iterator[None]:
    """A ``ConfigurationError`` about ``disk_gb`` says ``--disk-size``: the user's word."""
    try:
        yield
    except ConfigurationError as err:
        raise err.named(flags.get(err.field or "", err.field or "")) from None


def team_choice(text: str) -> TeamChoice:
    """``--team-id T``; ``none`` says "no team" even when one is configured."""
    return None if text.lower() == "none" else text


def add_team_argument(parser: argparse.ArgumentParser) -> None:
    """``--team-id`` as pods create and disks create take it (default: ``Team.CONFIGURED``)."""
    parser.add_argument(
        "--team-id", type=team_choice, default=Team.CONFIGURED, metavar="T",
        help="default: the configured team; none: no team",
    )  # fmt: skip


def key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value
