"""The ``%prime`` command tree: argparse mirroring the official ``prime`` CLI.

``COMMANDS`` is the one table of (subcommand → handler) pairs; the parser is built from it.
Parsing never leaves the kernel: a bad argument raises ``UsageError`` (one line, no
traceback) and ``--help`` prints usage, then raises ``HelpShown`` instead of exiting.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Callable
from typing import Any, NamedTuple, NoReturn

from IPython.core.error import UsageError

from . import _account, _availability, _disks, _pods, _remote, _settings, _spend, _watch
from ._context import Context, Handler, HelpShown

PROG = "%prime"


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` that reports instead of calling ``sys.exit``."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            sys.stderr.write(message)
        raise HelpShown


class Command(NamedTuple):
    path: tuple[str, ...]
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    handler: Handler


GROUPS = {
    "availability": "what can be rented, with costs (explore: in a widget)",
    "pods": "your pods: list, inspect, create, terminate",
    "disks": "your network disks: list, inspect, create, rename, delete",
    "ssh-keys": "your SSH public keys: list, add, make primary, delete",
    "teams": "your teams and their members",
    "files": "move a file to or from a pod over SFTP (all or nothing, with progress)",
}

COMMANDS: tuple[Command, ...] = (
    Command(
        ("availability", "list"),
        "GPU offers as a DataFrame, cheapest first",
        _availability.add_list_arguments,
        _availability.list_offers,
    ),
    Command(
        ("availability", "disks"),
        "network disk offers as a DataFrame",
        _availability.add_disks_arguments,
        _availability.list_disk_offers,
    ),
    Command(
        ("availability", "gpu-types"),
        "the GPU types the API knows",
        _availability.add_gpu_types_arguments,
        _availability.list_gpu_types,
    ),
    Command(
        ("availability", "explore"),
        "filter, sort and rent offers in a widget (Jupyter only)",
        _availability.add_explore_arguments,
        _availability.explore,
    ),
    Command(
        ("availability", "watch"),
        "watch for offers at your price in the background (a panel in Jupyter)",
        _watch.add_watch_arguments,
        _watch.start_watch,
    ),
    Command(
        ("availability", "history"),
        "what watches saw of a shape, over days (DataFrame); --clear empties it",
        _watch.add_history_arguments,
        _watch.history,
    ),
    Command(("pods", "list"), "your pods", _pods.add_no_arguments, _pods.list_pods),
    Command(("pods", "get"), "one pod's summary", _pods.add_id_argument, _pods.get_pod),
    Command(("pods", "status"), "status of pods", _pods.add_status_arguments, _pods.pod_status),
    Command(
        ("pods", "history"),
        "terminated pods and their bills",
        _pods.add_no_arguments,
        _pods.pod_history,
    ),
    Command(("pods", "ssh"), "the ssh command for a pod", _pods.add_id_argument, _pods.ssh),
    Command(
        ("pods", "create"),
        "rent a pod from an offer (preview and, in Jupyter, a form unless --yes)",
        _pods.add_create_arguments,
        _pods.create_pod,
    ),
    Command(
        ("pods", "extend"),
        "move a pod's deadline HOURS later (or give it one)",
        _spend.add_extend_arguments,
        _spend.extend,
    ),
    Command(
        ("pods", "idle-stop"),
        "end a pod once no remote cell ran for MINUTES (none: lift it)",
        _spend.add_idle_stop_arguments,
        _spend.idle_stop,
    ),
    Command(
        ("pods", "terminate"),
        "terminate a pod (says what is lost, and offers a button, unless --yes)",
        _pods.add_terminate_arguments,
        _pods.terminate_pod,
    ),
    Command(
        ("files", "put"),
        "upload LOCAL to the pod (REMOTE: a path or directory; default its home)",
        _remote.add_put_arguments,
        _remote.put,
    ),
    Command(
        ("files", "get"),
        "download REMOTE from the pod (LOCAL: a path or directory; default here)",
        _remote.add_get_arguments,
        _remote.get,
    ),
    Command(("disks", "list"), "your network disks", _pods.add_no_arguments, _disks.list_disks),
    Command(("disks", "get"), "one disk's summary", _disks.add_id_argument, _disks.get_disk),
    Command(
        ("disks", "create"),
        "create a network disk (preview and, in Jupyter, a form unless --yes)",
        _disks.add_create_arguments,
        _disks.create_disk,
    ),
    Command(("disks", "rename"), "rename a disk", _disks.add_rename_arguments, _disks.rename_disk),
    Command(
        ("disks", "delete"),
        "delete a disk and its data (says what is lost, and offers a button, unless --yes)",
        _disks.add_delete_arguments,
        _disks.delete_disk,
    ),
    Command(("ssh-keys", "list"), "your SSH keys", _account.add_no_arguments, _account.list_keys),
    Command(("ssh-keys", "add"), "upload a public key", _account.add_key_path, _account.add_key),
    Command(
        ("ssh-keys", "primary"),
        "make a key the one new pods get",
        _account.add_key_id,
        _account.make_primary,
    ),
    Command(("ssh-keys", "delete"), "delete a key", _account.add_key_id, _account.delete_key),
    Command(("teams", "list"), "your teams", _account.add_no_arguments, _account.list_teams),
    Command(("teams", "members"), "a team's members", _account.add_team_id, _account.list_members),
    Command(
        ("wallet",),
        "your balance, burn rate and runway",
        _account.add_no_arguments,
        _account.show_wallet,
    ),
    Command(
        ("sweep",),
        "everything billing now, with cost so far (and, in Jupyter, buttons to end it)",
        _spend.add_sweep_arguments,
        _spend.sweep,
    ),
    Command(
        ("budget",),
        "a spending limit for this kernel's rentals (--day: any 24 h; --hard: enforced)",
        _spend.add_budget_arguments,
        _spend.budget,
    ),
    Command(
        ("guard",),
        "the process that keeps deadlines and budgets when no kernel runs: status, stop",
        _spend.add_guard_arguments,
        _spend.guard,
    ),
    Command(
        ("config",),
        "show the settings in use; save --base-url / --team-id",
        _settings.add_config_arguments,
        _settings.show_config,
    ),
    Command(
        ("login",),
        "ask for an API key (hidden) and save it",
        _settings.add_login_arguments,
        _settings.login,
    ),
    Command(
        ("simulator",),
        "start or stop the embedded simulated API (no account, no money)",
        _settings.add_sandbox_arguments,
        _settings.sandbox,
    ),
    Command(
        ("sandbox",),
        "the old name of simulator (prime sandbox is Prime's Sandboxes product)",
        _settings.add_sandbox_arguments,
        _settings.old_sandbox_command,
    ),
)


def build_parser() -> Parser:
    root = Parser(
        prog=PROG,
        description="Rent GPUs from the notebook. The full reference: %prime?",
        epilog="%prime COMMAND --help shows a command's options. In Jupyter, previews come "
        "with a form or button that does the act (%config PrimeMagics.widgets).",
        allow_abbrev=False,
    )
    root.set_defaults(_handler=None, _parser=root)
    groups: dict[tuple[str, ...], argparse.ArgumentParser] = {(): root}
    children: dict[tuple[str, ...], Any] = {}  # a group's subcommand action
    for command in COMMANDS:
        for depth in range(1, len(command.path) + 1):
            path, parent = command.path[:depth], command.path[: depth - 1]
            if path in groups:
                continue
            if parent not in children:
                children[parent] = groups[parent].add_subparsers(
                    title="commands", metavar="COMMAND"
                )
            leaf = path == command.path
            text = command.help if leaf else GROUPS.get(path[-1], "")
            parser = children[parent].add_parser(
                path[-1], help=text, description=text, allow_abbrev=False
            )
            parser.set_defaults(_handler=command.handler if leaf else None, _parser=parser)
            if leaf:
                command.add_arguments(parser)
            groups[path] = parser
    return root


def parse(line: str) -> tuple[Handler | None, argparse.Namespace]:
    try:
        argv = shlex.split(line)
    except ValueError as exc:
        raise UsageError(f"{PROG}: cannot split the line: {exc}") from None
    args, extra = build_parser().parse_known_args(argv)
    if extra:  # reported by the subcommand that was reached, with its own usage hint
        args._parser.error(f"unrecognized arguments: {' '.join(extra)}")
    handler: Handler | None = args._handler
    return handler, args


def run(line: str, ctx: Context) -> Any:
    """Parse ``line`` and run its handler; a group without a subcommand prints its usage."""
    handler, args = parse(line)
    if handler is None:
        args._parser.print_help()
        raise HelpShown
    return handler(args, ctx)
