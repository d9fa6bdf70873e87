"""``%prime ssh-keys …``, ``%prime teams …`` and ``%prime wallet``: the account, as the
official CLI's ``prime ssh-keys``, ``prime teams`` and ``prime wallet`` show it."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from .. import api
from ..display.primitives import Notice, Table
from ..display.sentences import burn_rows
from ..errors import ConfigurationError
from ..frames.sweep import burn
from ._context import Context, key_id_arg, team_id_arg


def add_no_arguments(parser: argparse.ArgumentParser) -> None:
    """Commands that take no options."""


def add_key_path(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", metavar="PATH", help="an OpenSSH public key file (.pub)")
    parser.add_argument("--name", metavar="N", help="default: the file name")


def add_key_id(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("key_id", type=key_id_arg, metavar="ID")


def add_team_id(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "team_id", type=team_id_arg, nargs="?", metavar="TEAM",
        help="default: the configured team",
    )  # fmt: skip


def list_keys(args: argparse.Namespace, ctx: Context) -> pd.DataFrame:
    client = api.get_client()
    frame = client.ssh_keys()
    ctx.label(client)
    return frame


def add_key(args: argparse.Namespace, ctx: Context) -> Table:
    path = Path(args.path).expanduser()
    if path.suffix != ".pub":
        raise ConfigurationError(f"{path}: give the public key (.pub), never the private key.")
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigurationError(f"Cannot read {path}: {exc.strerror}") from None
    client = api.get_client()
    key = client.add_ssh_key(args.name or path.stem, text)
    ctx.label(client)
    return Table([("id", key.id), ("name", key.name), ("primary", key.is_primary)], "SSH key")


def make_primary(args: argparse.Namespace, ctx: Context) -> None:
    client = api.get_client()
    client.set_primary_ssh_key(args.key_id)
    ctx.label(client)
    ctx.show(Notice(f"SSH key {args.key_id} is now the primary key.", "success"))


def delete_key(args: argparse.Namespace, ctx: Context) -> None:
    client = api.get_client()
    client.delete_ssh_key(args.key_id)
    ctx.label(client)
    ctx.show(Notice(f"SSH key {args.key_id} deleted.", "success"))


def list_teams(args: argparse.Namespace, ctx: Context) -> pd.DataFrame:
    client = api.get_client()
    frame = client.teams()
    ctx.label(client)
    return frame


def list_members(args: argparse.Namespace, ctx: Context) -> pd.DataFrame:
    client = api.get_client()
    frame = client.team_members(args.team_id)
    ctx.label(client)
    return frame


def show_wallet(args: argparse.Namespace, ctx: Context) -> Table:
    client = api.get_client()
    wallet = client.wallet()
    spend = burn(wallet.balance_usd, client.sweep())
    ctx.label(client)
    past = wallet.total_billings
    rows = [
        *burn_rows(spend.balance_usd, spend.burn_hr, spend.runway_h, spend.items),
        ("currency", wallet.currency),
        ("team", wallet.team_id or "(personal)"),
        ("past charges", None if past is None else f"{past} in the wallet's billing history"),
    ]
    return Table(rows, "Wallet")
