"""``%prime pods …``: list, inspect, create (preview unless --yes), terminate (--yes).

Creating and terminating cost or destroy something, so without ``--yes`` they only show
what would happen: the quote, the exact JSON body and a curl line, or what would be lost.
With widgets on (``PrimeMagics.widgets``) the cell also returns the explicit act: a
``ProvisionForm`` preset to the previewed request, or a one-click terminate button.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

import pandas as pd

from .. import api
from ..display.primitives import Code, Notice, Table, redacted
from ..display.sentences import cap_lines, forecast_table, pod_table, quote_table, stock_warning
from ..errors import ConfigurationError
from ..models import GpuOffer
from ..pricing import (
    FORECAST_HOURS,
    forecast_for,
    forecast_hours,
    plus_attached_disks,
)
from ..provisioning import PodRequest
from ._context import (
    Context,
    add_team_argument,
    count_arg,
    disk_id_arg,
    flags_named,
    gb_arg,
    hours_arg,
    key_value,
    minutes_arg,
    pod_id_arg,
    price_cap,
)

if TYPE_CHECKING:
    from ..client import Client
    from ..widgets import ProvisionForm
    from ..widgets.confirm import ConfirmPanel

_OFFER_EXPR = re.compile(r"\s*([A-Za-z_]\w*)\s*(?:\[\s*(-?\d+)\s*\])?\s*")
_CANDIDATE_COLUMNS = ["cloud_id", "gpu_type", "gpu_count", "provider", "data_center", "total_hr"]


def add_id_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "pod_id", type=pod_id_arg, metavar="ID", help="a pod id (see %%prime pods list)"
    )


def add_no_arguments(parser: argparse.ArgumentParser) -> None:
    """Commands without options still answer --help."""


def list_pods(args: argparse.Namespace, ctx: Context) -> pd.DataFrame:
    """The pods; one past its deadline (it passed while no guard could end it) is said
    above the frame, with the way to end it (where widgets show, its terminate button)."""
    client = api.get_client()
    frame = client.pods()
    ctx.label(client)
    for row in frame[frame["past_deadline"].fillna(False)].itertuples():
        pod_id, due = str(row.id), row.deadline.strftime("%Y-%m-%d %H:%M UTC")
        late = f"Pod {pod_id} passed its deadline ({due}) and still bills: nothing ended it."
        if not ctx.widgets:
            ctx.show(Notice(f"{late} End it: %prime pods terminate {pod_id} --yes", "warning"))
            continue
        ctx.show(Notice(late, "warning"))
        ctx.show(_terminate(client, pod_id, ctx, yes=False, labelled=True))
    return frame


def get_pod(args: argparse.Namespace, ctx: Context) -> Table:
    client = api.get_client()
    pod = client.pod(args.pod_id)
    ctx.label(client)
    return pod_table(pod)


def add_status_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "pod_ids", type=pod_id_arg, metavar="ID", nargs="+", help="one or more pod ids"
    )


def pod_status(args: argparse.Namespace, ctx: Context) -> pd.DataFrame:
    client = api.get_client()
    frame = client.pod_status(args.pod_ids)
    ctx.label(client)
    return frame


def pod_history(args: argparse.Namespace, ctx: Context) -> pd.DataFrame:
    client = api.get_client()
    frame = client.pod_history()
    ctx.label(client)
    return frame


def ssh(args: argparse.Namespace, ctx: Context) -> None:
    """The pod's ssh line; a pod that is gone says so (it never gets an address again),
    one still coming up says it has none yet."""
    client = api.get_client()
    follow = client.follow_pod(args.pod_id)
    state = follow.step()  # the one reading of a status (lifecycle); a 404 is gone too
    gone = state.phase == "gone"
    command = None if gone or follow.last is None else client.ssh_command(follow.last)
    ctx.label(client)
    if gone:
        said = f"Pod {args.pod_id} is {state.status}: it is gone, so it has no SSH address."
        ctx.show(Notice(said, "warning"))
    elif command is None:
        ctx.show(Notice(f"Pod {args.pod_id} has no SSH address yet; see %prime pods status."))
    else:
        ctx.show(Code(redacted(command, client.settings)))


def add_create_arguments(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("offer_expr", nargs="?", metavar="OFFER", help="same as --offer")
    add("--offer", metavar="VAR[ROW]", help="row ROW of an availability DataFrame VAR")
    add("--cloud-id", metavar="C", help="find the offer by cloud id …")
    add("--data-center", metavar="D", help="… and data center")
    add("--gpu-type", metavar="T", help="narrows --cloud-id")
    add("--gpu-count", type=count_arg, metavar="N", help="narrows --cloud-id")
    add("--name", metavar="N", help="pod name (default: generated)")
    add("--image", metavar="I", help="one of the offer's images")
    add("--disk-size", type=gb_arg, metavar="GB", help="instance disk size")
    add("--vcpus", type=count_arg, metavar="N", help="vCPUs (default: the offer's)")
    add("--memory", type=gb_arg, metavar="GB", help="memory in GB (default: the offer's)")
    add(
        "--disks", nargs="+", action="extend", type=disk_id_arg, metavar="ID",
        help="network disks to attach",
    )  # fmt: skip
    add(
        "--max-price",
        type=price_cap,
        default="quote",
        metavar="P",
        help="maxPrice in $/h (default: the quote; none: no cap)",
    )
    add(
        "--max-hours",
        type=hours_arg,
        metavar="H",
        help="terminate the pod H hours after it is ready (while a kernel with prime_magics runs)",
    )
    add(
        "--idle-stop",
        type=minutes_arg,
        metavar="MINUTES",
        help="terminate the pod once no remote cell ran for MINUTES (kept by the guard)",
    )
    add(
        "--custom-template-id",
        metavar="T",
        help="your template's id (with --image custom_template)",
    )
    add_team_argument(parser)
    add("--share-with-team", action="store_true", help="share with every member of the team")
    add(
        "--add-members",
        nargs="+",
        action="extend",
        metavar="USER_ID",
        help="share with these team members (see %%prime teams members)",
    )
    add("--ssh-key-id", metavar="ID", help="an SSH key of %%prime ssh-keys list (default: primary)")
    add(
        "--env",
        nargs="+",
        action="extend",
        type=key_value,
        metavar="KEY=VALUE",
        help="environment variables for the pod",
    )
    add(
        "--forecast",
        nargs="+",
        type=forecast_hour,
        metavar="H",
        help="the hours to forecast (default: 1 8 24 month)",
    )
    add(
        "--despite-balance",
        action="store_true",
        help="rent even though the wallet does not pay the first hour",
    )
    add(
        "--yes",
        action="store_true",
        help="really create the pod (it costs money); without it: a preview, and in "
        "Jupyter a form whose Provision → Confirm rents it",
    )


def create_pod(args: argparse.Namespace, ctx: Context) -> Table | ProvisionForm | None:
    client = api.get_client()
    offer = _chosen_offer(args, ctx.user_ns, client)
    with flags_named(POD_FLAGS):
        request = PodRequest.from_offer(
            offer,
            name=args.name,
            image=args.image,
            disk_gb=args.disk_size,
            vcpus=args.vcpus,
            memory_gb=args.memory,
            disks=args.disks or (),
            max_price=args.max_price,
            custom_template_id=args.custom_template_id,
            team_id=args.team_id,
            share_with_team=args.share_with_team,
            team_member_ids=args.add_members,
            env=dict(args.env or ()),
            ssh_key_id=args.ssh_key_id,
            max_hours=args.max_hours,
            idle_stop_minutes=args.idle_stop,
        )
    if not args.yes:
        if not ctx.widgets:
            preview_pod(request, client, ctx, args.forecast or FORECAST_HOURS)
            return None
        # One cost table: the form's (its Show request holds the body and the curl line).
        from . import _panels  # imports ipywidgets: only when a widget is wanted

        ctx.label(client)
        form = _panels.provision_form(request, client, ctx, args.forecast or FORECAST_HOURS)
        ctx.show(Notice(FORM_NOTICE.format(act="Provision"), "warning"))
        return form
    pod = client.create_pod(request, despite_balance=args.despite_balance)
    ctx.label(client)
    ctx.show(Notice(f"Pod {pod.id} created. Follow it: %prime pods status {pod.id}", "success"))
    return pod_table(pod)


FORM_NOTICE = (
    "Nothing was sent; {act} in the form below (Show request: its JSON body and a curl "
    "line), or add --yes."
)
POD_FLAGS = {
    "disk_gb": "--disk-size", "vcpus": "--vcpus", "memory_gb": "--memory",
    "idle_stop_minutes": "--idle-stop",
}  # fmt: skip


def forecast_hour(text: str) -> float:
    """One ``--forecast`` value: hours, or ``month``."""
    try:
        return forecast_hours(text)[0]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def preview_pod(
    request: PodRequest, client: Client, ctx: Context, hours: Sequence[float] = FORECAST_HOURS
) -> None:
    """What ``--yes`` would send and cost, sending nothing."""
    ctx.label(client)
    quote = request.quote()
    offer = request.offer
    rows: list[tuple[str, Any]] = [
        ("offer", f"{offer.gpu_count}× {offer.gpu_type} {offer.socket or ''}".rstrip()),
        ("where", f"{offer.provider} {offer.data_center or offer.country or ''}".rstrip()),
        ("name", request.name),
        ("image", request.image),
        ("resources", f"{quote.disk_gb} GB disk, {quote.vcpus} vCPUs, {quote.memory_gb} GB RAM"),
    ]
    ctx.show(Table(rows, "Pod"))
    attached = [(d.name or d.id, d.price_hr) for d in map(client.disk, request.disks)]
    grand = plus_attached_disks(quote.total_hr, [hourly for _, hourly in attached])
    ctx.show(quote_table(quote, attached, grand))
    disks_hr = plus_attached_disks(0.0, [hourly for _, hourly in attached])
    ahead = forecast_for(quote, disks_hr, client.balance(), hours, request.max_hours)
    ctx.show(forecast_table(ahead))
    uncapped = request.max_price is None
    level = "warning" if uncapped else "info"
    variable = "This offer's price is variable. " if quote.is_variable else ""
    ctx.show(Notice(variable + "\n".join(cap_lines(request)), level))
    if stock := stock_warning(offer.stock_status):
        ctx.show(Notice(stock, "warning"))
    prepared = client.prepare(request)  # the team decided once, for the body and the curl
    body = json.dumps(prepared.shown_body(), indent=2)
    ctx.show(Code(redacted(body, client.settings), "Request body"))
    curl = prepared.curl(client.settings.base_url)
    ctx.show(Code(redacted(curl, client.settings), "The same request with curl"))
    then = "Provision in the form below, or add --yes" if ctx.widgets else "add --yes"
    ctx.show(Notice(f"Nothing was sent; {then} to provision.", "warning"))


def add_terminate_arguments(parser: argparse.ArgumentParser) -> None:
    add_id_argument(parser)
    parser.add_argument(
        "--yes",
        action="store_true",
        help="really terminate; without it: what would be lost, and in Jupyter a Terminate button",
    )


def terminate_pod(args: argparse.Namespace, ctx: Context) -> ConfirmPanel | None:
    return _terminate(api.get_client(), args.pod_id, ctx, yes=args.yes)


def _terminate(
    client: Client, pod_id: str, ctx: Context, *, yes: bool, labelled: bool = False
) -> ConfirmPanel | None:
    return ctx.destroy(
        client,
        partial(client.terminate_pod, pod_id, confirm=True),
        yes=yes,
        describe=partial(client.describe_pod_termination, pod_id),
        verb="Terminate",
        what=f"pod {pod_id}",
        done=f"Pod {pod_id} is terminating.",
        labelled=labelled,
    )


def _chosen_offer(
    args: argparse.Namespace, user_ns: Mapping[str, Any], client: Client
) -> pd.Series[Any] | GpuOffer:
    if args.offer and args.offer_expr:
        raise ConfigurationError("Give the offer once: OFFER or --offer, not both.")
    expr = args.offer or args.offer_expr
    if expr and (args.cloud_id or args.data_center or args.gpu_type or args.gpu_count):
        raise ConfigurationError(
            "--offer already fixes the offer; --cloud-id, --data-center, --gpu-type and "
            "--gpu-count are for finding one without it."
        )
    if expr:
        return offer_from_namespace(expr, user_ns)
    if args.cloud_id:
        return client.find_offer(args.cloud_id, args.data_center, args.gpu_type, args.gpu_count)
    raise ConfigurationError(
        "Which offer? Pass --offer df[ROW] (df = %prime availability list …) "
        "or --cloud-id C --data-center D."
    )


def offer_from_namespace(expr: str, user_ns: Mapping[str, Any]) -> pd.Series[Any] | GpuOffer:
    """``VAR`` or ``VAR[ROW]``: a GpuOffer, a row, or the row labelled ROW (the number at
    the left of the displayed table, as for ``df.prime.quote(ROW)``) of an availability frame."""
    match = _OFFER_EXPR.fullmatch(expr)
    if match is None:
        raise ConfigurationError(f"--offer {expr!r}: write VAR or VAR[ROW], e.g. --offer df[0]")
    name, row = match.group(1), match.group(2)
    if name not in user_ns:
        raise ConfigurationError(
            f"--offer {expr}: no variable {name!r} in this notebook",
            hint="Make one first: df = %prime availability list …",
        )
    value = user_ns[name]
    if isinstance(value, pd.DataFrame):
        if row is None and len(value) != 1:
            raise ConfigurationError(f"--offer {name}: it has {len(value)} rows; say {name}[ROW]")
        if row is None:
            value = value.iloc[0]
        elif int(row) in value.index:
            value = value.loc[int(row)]
        else:
            shown = ", ".join(str(label) for label in value.index[:8])
            raise ConfigurationError(
                f"--offer {expr}: {name} has no row {row}; its rows are {shown}"
                f"{', …' if len(value) > 8 else ''} (the numbers at the left of the table)"
            )
    elif row is not None:
        raise ConfigurationError(f"--offer {expr}: {name} is not a DataFrame; drop [ROW]")
    if isinstance(value, GpuOffer):
        return value
    if isinstance(value, pd.Series) and {"cloud_id", "gpu_type"} <= set(value.index):
        return value
    raise ConfigurationError(
        f"--offer {expr}: expected a row of %prime availability list (or a GpuOffer), "
        f"got {type(value).__name__}"
    )
