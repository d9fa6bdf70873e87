"""What every ``%prime`` handler shares: the call context and argument types.

A handler is ``handler(args, ctx) -> value``: it reads parsed arguments, calls the plain
API, shows notices through ``ctx.show`` and returns what the cell should evaluate to — a
widget only when ``ctx.widgets`` says this shell can show one (``PrimeMagics.widgets``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from .. import inputs
from ..config import Team, TeamChoice
from ..display.primitives import Confirmation, Notice, sandbox_banner
from ..errors import ConfigurationError

if TYPE_CHECKING:
    from ..client import Client
    from ..widgets.confirm import ConfirmPanel


class HelpShown(Exception):
    """Usage was printed for ``--help``: nothing left to do, and nothing went wrong."""


@dataclass(frozen=True)
class Context:
    """The user's namespace (for ``--offer VAR[ROW]``), where to display things, and
    whether to return widgets (resolved from ``PrimeMagics.widgets``)."""

    user_ns: Mapping[str, Any]
    show: Callable[[object], None]
    widgets: bool = False
    banners: list[object] = field(default_factory=list, repr=False, compare=False)

    @property
    def labelled(self) -> bool:
        """The sandbox banner was shown in this output (a panel returned under it does not
        repeat it: ``PrimeMagics._answer``)."""
        return bool(self.banners)

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
        verb: str,
        what: str,
        done: str,
        blocked: Callable[[], str | None] | None = None,
        labelled: bool = False,
    ) -> ConfirmPanel | None:
        """With ``--yes``, terminate or delete; without, say what would be lost ("``verb``
        ``what``?") and, where widgets show, return a ``verb`` button that does it once
        (disabled, with the reason beside it, when ``blocked()`` says why it cannot be
        done now). The panel asks the question itself, so it is said once. ``labelled``:
        the sandbox banner is already above, in this output."""
        if yes:
            act()
            self.label(client)
            self.show(Notice(done, "success"))
            return None
        loss, question = describe(), f"{verb} {what}?"
        if not labelled:
            self.label(client)
        if not self.widgets:
            self.show(Confirmation(question, loss))
            self.show(Notice("Nothing happened; add --yes to do it."))
            return None
        from ..widgets.confirm import ConfirmPanel  # imports ipywidgets: only when wanted

        reason = blocked() if blocked else None
        panel = ConfirmPanel(client, question, verb, act, done, reason, details=loss)
        panel.sandbox_label = False  # the banner above already says it
        return panel

    def label(self, client: Client) -> None:
        """Show the sandbox banner when ``client``'s answers were simulated."""
        if client.is_sandbox:
            banner = sandbox_banner()
            self.show(banner)
            self.banners.append(banner)


Handler = Callable[[argparse.Namespace, Context], Any]


def _checked(text: str, parse: Callable[[str], Any], check: Callable[[str, Any], Any]) -> Any:
    """``text`` parsed, then through its door in ``inputs`` (finite, in its bounds): an
    argparse error naming the flag, one line, before anything is read or sent."""
    try:
        value = parse(text)
    except ValueError:
        kind = "whole number" if parse is int else "number"
        raise argparse.ArgumentTypeError(f"expected a {kind}, got {text!r}") from None
    try:
        return check("value", value)
    except ConfigurationError as err:  # "value=inf: not a finite …" → "inf: not a finite …"
        raise argparse.ArgumentTypeError(err.message.removeprefix("value=")) from None


def positive_int(text: str) -> int:
    """A whole number ≥ 1 of a kind not said (``--max-rows``): up to ``inputs.LARGEST``."""
    checked: int = _checked(
        text, int, lambda n, v: inputs.whole(n, v, low=1, high=int(inputs.LARGEST))
    )
    return checked


def count_arg(text: str) -> int:
    """``--gpu-count``, ``--vcpus``: a count ≥ 1, at most ``inputs.MAX_COUNT``."""
    checked: int = _checked(text, int, lambda n, v: inputs.count(n, v, low=1))
    return checked


def gb_arg(text: str) -> int:
    """``--disk-size``, ``--memory``, ``--size``: GB ≥ 1, at most ``inputs.MAX_GB``."""
    checked: int = _checked(text, int, lambda n, v: inputs.size_gb(n, v, low=1))
    return checked


def positive_float(text: str) -> float:
    """A number > 0 of a kind not said (``--every`` seconds): finite, up to
    ``inputs.LARGEST``; hours, prices and amounts have their own, tighter types."""
    checked: float = _checked(
        text, float, lambda n, v: inputs.finite(n, v, low=0.0, high=inputs.LARGEST, low_open=True)
    )
    return checked


def hours_arg(text: str) -> float:
    """``--max-hours H``, ``extend HOURS``: hours > 0, at most ``inputs.MAX_HOURS``."""
    checked: float = _checked(text, float, inputs.hours)
    return checked


def minutes_arg(text: str) -> float:
    """``--idle-stop MINUTES``: minutes > 0, at most ``inputs.MAX_HOURS`` hours' worth."""
    checked: float = _checked(
        text, float,
        lambda n, v: inputs.finite(n, v, low=0.0, high=inputs.MAX_HOURS * 60, low_open=True,
                                   unit="minutes"),
    )  # fmt: skip
    return checked


def idle_minutes_arg(text: str) -> float | None:
    """``idle-stop POD MINUTES``: minutes, or ``none`` to lift the idle stop."""
    return None if text.lower() in ("none", "off") else minutes_arg(text)


def price_arg(text: str) -> float:
    """``--max-total P``, ``--max-price-per-gpu P``: $/h > 0, at most ``inputs.MAX_PRICE_HR``."""
    checked: float = _checked(text, float, inputs.price_hr)
    return checked


def usd_arg(text: str) -> float:
    """``%prime budget USD``: an amount > 0, at most ``inputs.MAX_USD``."""
    checked: float = _checked(text, float, inputs.usd)
    return checked


def price_cap(text: str) -> float | str | None:
    """``--max-price P`` ($/h); ``none``: no cap at all; ``quote`` (the default): the quote."""
    if text.lower() in ("none", "quote"):
        return None if text.lower() == "none" else "quote"
    return price_arg(text)


def _id_arg(field: str, kind: str) -> Callable[[str], str]:
    """An argparse type for an id: ``inputs.path_id``'s shape, or the flag named in one line."""

    def parse(text: str) -> str:
        try:
            inputs.path_id(field, text, kind)
        except ConfigurationError as err:
            raise argparse.ArgumentTypeError(err.message.removeprefix(f"{field}=")) from None
        return text

    parse.__name__ = kind.replace(" ", "_")  # argparse names the type in some messages
    return parse


pod_id_arg = _id_arg("pod_id", "pod id")
disk_id_arg = _id_arg("disk_id", "disk id")
key_id_arg = _id_arg("key_id", "SSH key id")
team_id_arg = _id_arg("team_id", "team id")


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
