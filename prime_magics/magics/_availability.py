"""``%prime availability list | disks | gpu-types``: offers as DataFrames, costs included;
``%prime availability explore``: the same offers in an ``AvailabilityExplorer`` widget."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

import pandas as pd

from .. import api
from ..display.primitives import Notice
from ._context import Context, count_arg, gb_arg, positive_int, price_arg

if TYPE_CHECKING:
    from ..client import Client
    from ..widgets import AvailabilityExplorer


def add_list_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--gpu-type", metavar="T", help="e.g. H100_80GB (see gpu-types)")
    parser.add_argument("--gpu-count", type=count_arg, metavar="N", help="GPUs per offer")
    _add_location_arguments(parser)
    parser.add_argument("--socket", metavar="S", help="PCIe, SXM4, SXM5, …")
    parser.add_argument("--security", metavar="S", help="secure_cloud or community_cloud")
    parser.add_argument("--provider", metavar="P", help="only this provider's offers")
    parser.add_argument(
        "--disks",
        nargs="+",
        action="extend",
        metavar="ID",
        help="only offers that can attach these disks",
    )
    _add_refresh(parser)


def list_offers(args: argparse.Namespace, ctx: Context) -> pd.DataFrame:
    client = api.get_client()
    frame = client.availability(
        gpu_type=args.gpu_type,
        gpu_count=args.gpu_count,
        regions=args.regions,
        socket=args.socket,
        security=args.security,
        data_center_id=args.data_center,
        cloud_id=args.cloud_id,
        disks=args.disks,
        refresh=args.refresh,
        provider=args.provider,
    )
    hint = client.did_you_mean(args.gpu_type) if frame.empty else None
    return _labelled(frame, client, ctx, hint or "No GPU offers match these filters.")


def add_disks_arguments(parser: argparse.ArgumentParser) -> None:
    _add_location_arguments(parser)
    parser.add_argument(
        "--size", type=gb_arg, metavar="GB", help="add size_gb and cost_hr for this size"
    )
    _add_refresh(parser)


def list_disk_offers(args: argparse.Namespace, ctx: Context) -> pd.DataFrame:
    client = api.get_client()
    frame = client.disk_availability(
        regions=args.regions,
        data_center_id=args.data_center,
        cloud_id=args.cloud_id,
        size_gb=args.size,
        refresh=args.refresh,
    )
    return _labelled(frame, client, ctx, "No disk offers match these filters.")


def add_gpu_types_arguments(parser: argparse.ArgumentParser) -> None:
    _add_refresh(parser)


def list_gpu_types(args: argparse.Namespace, ctx: Context) -> list[str]:
    client = api.get_client()
    types = client.gpu_types(refresh=args.refresh)
    ctx.label(client)
    return types


def add_explore_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--gpu-type", metavar="T", help="start filtered to this GPU type")
    parser.add_argument("--gpu-count", type=count_arg, metavar="N", help="GPUs per offer")
    parser.add_argument(
        "--regions", nargs="+", action="extend", default=[], metavar="R", help="e.g. canada"
    )
    parser.add_argument("--socket", metavar="S", help="PCIe, SXM4, SXM5, …")
    parser.add_argument("--security", metavar="S", help="secure_cloud or community_cloud")
    parser.add_argument(
        "--provider", nargs="+", action="extend", default=[], metavar="P",
        help="only these providers' offers (filtered in the explorer)",
    )  # fmt: skip
    parser.add_argument("--max-price", type=price_arg, metavar="USD", help="at most this total $/h")
    parser.add_argument(
        "--max-rows", type=positive_int, default=25, metavar="N", help="rows per page (25)"
    )


def explore(args: argparse.Namespace, ctx: Context) -> AvailabilityExplorer:
    """The explorer preset to the options, loaded here so a bad key shows in its status."""
    ctx.require_widgets("availability explore", "here use df = %prime availability list …")
    from ..widgets import AvailabilityExplorer  # imports ipywidgets: only when wanted

    client = api.get_client()
    explorer = AvailabilityExplorer(
        client, max_rows=args.max_rows, gpu_type=args.gpu_type, gpu_count=args.gpu_count,
        regions=args.regions, security=args.security, socket=args.socket,
        max_price=args.max_price, provider=args.provider,
    )  # fmt: skip
    explorer.load()
    ctx.label(client)
    return explorer


def _add_location_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--regions", nargs="+", action="extend", metavar="R", help="e.g. united_states canada"
    )
    parser.add_argument("--data-center", metavar="D", help="a data center id, e.g. CANADA-1")
    parser.add_argument("--cloud-id", metavar="C", help="a provider's cloud id")


def _add_refresh(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--refresh", action="store_true", help="bypass the short-lived cache")


def _labelled(frame: pd.DataFrame, client: Client, ctx: Context, empty: str) -> pd.DataFrame:
    ctx.label(client)
    if frame.empty:
        ctx.show(Notice(empty, "warning"))
    return frame
