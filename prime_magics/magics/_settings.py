"""``%prime config``, ``%prime login`` and ``%prime simulator``: where requests go, as whom.

The key is asked with ``getpass`` (never echoed) and only ever shown redacted.
"""

from __future__ import annotations

import argparse
import getpass

from .. import api, config
from ..display.primitives import Notice, Table, redacted
from ..errors import ConfigurationError
from ._context import Context

SANDBOX_EXTRA = "pip install 'prime_magics[sandbox]'"


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base-url", metavar="URL", help="save the API base URL")
    parser.add_argument("--team-id", metavar="ID", help="save the team resources belong to")


def show_config(args: argparse.Namespace, ctx: Context) -> Table:
    changes = {"base_url": args.base_url, "team_id": args.team_id}
    if args.base_url is not None:  # checked before it is saved: every later client reads it
        url = config.normalize_base_url(args.base_url)
        config.check_base_url(url, allow_insecure=config.insecure_allowed())
        changes["base_url"] = url
    saved = {key: value for key, value in changes.items() if value is not None}
    if saved:
        path = config.save_settings(**saved)
        api.set_client(None)
        ctx.show(Notice(f"Saved {', '.join(sorted(saved))} to {path}.", "success"))
    settings = api.get_client().settings
    source = settings.sources.get
    for key in saved:
        if source(key) != "config file":
            ctx.show(
                Notice(f"{key} comes from {source(key)}, which wins over the file.", "warning")
            )
    rows = [
        ("base URL", f"{settings.base_url}  ({source('base_url', 'default')})"),
        ("team", f"{settings.team_id or '(none)'}  ({source('team_id', 'default')})"),
        ("API key", f"{settings.redacted_key}  ({source('api_key', 'default')})"),
        ("config file", str(config.default_config_path())),
    ]
    server = api.sandbox_server()
    if server is not None and config.normalize_base_url(server.url) == settings.base_url:
        rows.append(("simulator", "running: the default client talks to the simulated API"))
    return Table([(key, redacted(value, settings)) for key, value in rows], "Prime settings")


def add_login_arguments(parser: argparse.ArgumentParser) -> None:
    """No options: the key is never passed on the command line, where history keeps it."""


def login(args: argparse.Namespace, ctx: Context) -> None:
    key = getpass.getpass("Prime Intellect API key (input hidden): ").strip()
    if not key:
        raise ConfigurationError("No key entered; nothing was saved.")
    path = config.save_settings(api_key=key)
    api.set_client(None)
    shown = config.Settings(secret=config.Secret(key)).redacted_key
    ctx.show(Notice(f"Saved API key {shown} to {path} (readable only by you).", "success"))
    source = api.get_client().settings.sources.get("api_key")
    if source != "config file":
        ctx.show(
            Notice(f"The key from {source} is used instead, as it wins over the file.", "warning")
        )


def add_sandbox_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action", nargs="?", choices=("start", "restart", "stop"), default="start",
        help="start (default; a running one is kept, with its pods and disks), restart "
        "(a fresh one) or stop the embedded simulated API",
    )  # fmt: skip
    parser.add_argument(
        "--market", action="store_true",
        help="a fresh simulator whose market moves (to try %%prime availability watch): "
        "an 8×H100 and a 1×H100 in CANADA-1 and an 8×A100 in US-1 change price (the "
        "H100s dip below $2/GPU-h), stock level or sell out every 1-2 minutes; the "
        "8×H100 is the only one of its shape and first appears after about a minute",
    )  # fmt: skip


RENAMED = (
    "%prime sandbox is now %prime simulator (the official CLI's prime sandbox is Prime's "
    "Sandboxes product); the old name still works, for now."
)


def old_sandbox_command(args: argparse.Namespace, ctx: Context) -> None:
    """``%prime sandbox``: what ``%prime simulator`` does, after one line saying the name."""
    ctx.show(Notice(RENAMED, "warning"))
    sandbox(args, ctx)


def sandbox(args: argparse.Namespace, ctx: Context) -> None:
    if args.action == "stop":
        if api.stop_sandbox():
            ctx.show(Notice("Simulator stopped; the default client uses your settings again."))
        else:
            ctx.show(Notice("No simulator was running."))
        return
    was = api.sandbox_server()
    try:
        market = {"market": True} if args.market else {}
        client = api.use_sandbox(fresh=args.action == "restart", **market)
    except ModuleNotFoundError as exc:
        if exc.name not in {"fastapi", "uvicorn", "starlette"}:
            raise
        raise ConfigurationError(
            f"The simulator needs {exc.name}, which is not installed.", hint=SANDBOX_EXTRA
        ) from exc
    if was is not None and args.action != "restart" and not args.market:
        ctx.show(
            Notice(
                f"[simulator] still running at {client.settings.base_url}, with its pods "
                "and disks. %prime simulator restart starts a fresh one.",
                "warning",
            )
        )
        return
    ctx.show(
        Notice(
            f"[simulator] running at {client.settings.base_url}. The default client now talks to "
            "a simulated API: nothing is rented, nothing costs money. "
            "%prime simulator stop to go back.",
            "warning",
        )
    )
