"""``%prime disks …``: list, inspect, create (preview unless --yes), rename, delete (--yes).

A disk is billed from creation until deletion, attached or not, and deleting one destroys
its data for good: both need ``--yes``; without it the magic only shows what would happen.
With widgets on (``PrimeMagics.widgets``) the cell also returns the explicit act: a
``DiskForm`` preset to the preview (an empty one for a bare ``%prime disks create``), or
a one-click delete button.
"""

from __future__ import annotations

import argparse
import json
from functools import partial
from typing import TYPE_CHECKING, Any

import pandas as pd

from .. import api
from ..display.primitives import Code, Notice, Table, redacted, usd
from ..display.sentences import attached_problem, disk_table
from ..provisioning import DiskRequest
from ._context import Context, add_team_argument, disk_id_arg, flags_named, gb_arg

if TYPE_CHECKING:
    from ..client import Client
    from ..widgets import DiskForm
    from ..widgets.confirm import ConfirmPanel

_CANDIDATE_COLUMNS = ["provider", "data_center", "min_gb", "max_gb", "price_per_gb_hr"]
_REQUIRED = (("--size", "size"), ("--data-center", "data_center"))


def add_id_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "disk_id", type=disk_id_arg, metavar="ID", help="a disk id (see %%prime disks list)"
    )


def list_disks(args: argparse.Namespace, ctx: Context) -> pd.DataFrame:
    client = api.get_client()
    frame = client.disks()
    ctx.label(client)
    return frame


def get_disk(args: argparse.Namespace, ctx: Context) -> Table:
    client = api.get_client()
    disk = client.disk(args.disk_id)
    ctx.label(client)
    return disk_table(disk)


def add_create_arguments(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    required = "required, except in Jupyter where a form asks for it"
    add("--size", type=gb_arg, metavar="GB", help=f"size in GB ({required})")
    add("--data-center", metavar="D", help=f"where, see availability disks ({required})")
    add("--name", metavar="N", help="disk name (default: generated)")
    add("--provider", metavar="P", help="when several providers offer disks there")
    add_team_argument(parser)
    add(
        "--yes",
        action="store_true",
        help="really create the disk (it costs money); without it: a preview, and in "
        "Jupyter a form whose Create disk → Confirm creates it",
    )


def create_disk(args: argparse.Namespace, ctx: Context) -> Table | DiskForm | None:
    client = api.get_client()
    missing = [flag for flag, value in _REQUIRED if getattr(args, value) is None]
    if missing:  # only a form can ask for them, and only when nothing is sent yet
        if args.yes or not ctx.widgets:
            args._parser.error(f"the following arguments are required: {', '.join(missing)}")
        from . import _panels  # imports ipywidgets: only when a widget is wanted

        form = _panels.disk_form(
            client, ctx, data_center=args.data_center, provider=args.provider,
            size_gb=args.size, name=args.name,
        )  # fmt: skip
        ctx.label(client)
        return form
    offer = client.find_disk_offer(args.data_center, args.provider)
    with flags_named({"size_gb": "--size"}):
        request = DiskRequest.from_offer(
            offer, size_gb=args.size, name=args.name, team_id=args.team_id
        )
    if not args.yes:
        if not ctx.widgets:
            preview_disk(request, client, ctx)
            return None
        from . import _panels  # imports ipywidgets: only when a widget is wanted

        ctx.label(client)
        form = _panels.disk_form(client, ctx, request)
        ctx.show(
            Notice("Nothing was sent; Create disk in the form below, or add --yes.", "warning")
        )
        return form
    disk = client.create_disk(request)
    ctx.label(client)
    ctx.show(Notice(f"Disk {disk.id} created; it is billed until deleted.", "success"))
    return disk_table(disk)


def preview_disk(request: DiskRequest, client: Client, ctx: Context) -> None:
    """What ``--yes`` would send and cost, sending nothing."""
    ctx.label(client)
    hourly = request.quote_hr
    rows: list[tuple[str, Any]] = [
        ("size", f"{request.size_gb} GB"),
        ("where", f"{request.provider} {request.data_center_id or ''}".rstrip()),
        ("name", request.name),
        ("price per GB", usd(request.price_per_gb_hr)),
        ("cost", usd(hourly)),
        ("per month", usd(request.quote_month, "month")),
    ]
    ctx.show(Table(rows, "Disk quote (billed from creation until deletion, attached or not)"))
    body = json.dumps(request.body(), indent=2)
    ctx.show(Code(redacted(body, client.settings), "Request body"))
    curl = request.curl(client.settings.base_url)
    ctx.show(Code(redacted(curl, client.settings), "The same request with curl"))
    then = "use the form below, or add --yes" if ctx.widgets else "add --yes"
    ctx.show(Notice(f"Nothing was sent; {then} to create the disk.", "warning"))


def add_rename_arguments(parser: argparse.ArgumentParser) -> None:
    add_id_argument(parser)
    parser.add_argument("name", metavar="NAME", help="the new name")


def rename_disk(args: argparse.Namespace, ctx: Context) -> None:
    client = api.get_client()
    client.rename_disk(args.disk_id, args.name)
    ctx.label(client)
    ctx.show(Notice(f"Disk {args.disk_id} is now called {args.name!r}.", "success"))


def add_delete_arguments(parser: argparse.ArgumentParser) -> None:
    add_id_argument(parser)
    parser.add_argument(
        "--yes",
        action="store_true",
        help="really delete, with its data; without it: what would be lost, and in "
        "Jupyter a Delete button",
    )


def delete_disk(args: argparse.Namespace, ctx: Context) -> ConfirmPanel | None:
    client, disk_id = api.get_client(), args.disk_id
    return ctx.destroy(
        client,
        partial(client.delete_disk, disk_id, confirm=True),
        yes=args.yes,
        describe=partial(client.describe_disk_deletion, disk_id),
        verb="Delete",
        what=f"disk {disk_id}",
        done=f"Disk {disk_id} is being deleted.",
        blocked=lambda: attached_problem(client.disk(disk_id).pods),
    )
