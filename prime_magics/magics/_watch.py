"""``%prime availability watch``: a capacity watch (a ``WatchPanel`` where widgets show,
else the ``Watch``); ``%prime availability history``: what watches saw, from the store."""

from __future__ import annotations

import argparse
import re
from typing import TYPE_CHECKING, Any

import pandas as pd
from IPython.core.error import UsageError

from .. import api
from ..capacity.history import AvailabilityHistory
from ..capacity.match import STOCK_LEVELS
from ..capacity.watcher import Watch, availability_history, watch
from ..display.primitives import Notice
from ..errors import ConfigurationError
from ._context import Context, count_arg, hours_arg, positive_float, price_arg

if TYPE_CHECKING:
    from ..widgets import WatchPanel

UNITS = {"s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}


def duration(text: str) -> float:
    """``--for 90``, ``90s``, ``30m``, ``2h``, ``1d``: seconds."""
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d)?\s*", text.lower())
    if not found or not float(found.group(1)) > 0:
        raise argparse.ArgumentTypeError(f"expected a duration like 90s, 30m or 2h, got {text!r}")
    return float(found.group(1)) * UNITS[found.group(2) or "s"]


def add_watch_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--gpu-type", metavar="T", help="e.g. H100_80GB (see gpu-types)")
    parser.add_argument("--gpu-count", type=count_arg, metavar="N", help="GPUs per offer")
    parser.add_argument("--regions", nargs="+", action="extend", metavar="R", help="e.g. canada")
    parser.add_argument("--data-center", metavar="D", help="a data center id, e.g. CANADA-1")
    parser.add_argument("--socket", metavar="S", help="PCIe, SXM4, SXM5, …")
    parser.add_argument("--security", metavar="S", help="secure_cloud or community_cloud")
    parser.add_argument("--provider", metavar="P", help="only this provider's offers")
    parser.add_argument(
        "--max-price-per-gpu", type=price_arg, metavar="P", help="at most P $/GPU-hour"
    )
    parser.add_argument("--max-total", type=price_arg, metavar="P", help="at most P $/h")
    parser.add_argument(
        "--min-stock", choices=STOCK_LEVELS, metavar="LEVEL", help="Low … Available"
    )
    parser.add_argument(
        "--every", type=positive_float, default=60.0, metavar="S",
        help="seconds between polls (60; at least 15 against the real API)",
    )  # fmt: skip
    parser.add_argument(
        "--for", dest="duration", type=duration, metavar="DURATION",
        help="stop watching after DURATION: 90s, 30m or 2h (default: until stopped)",
    )  # fmt: skip
    parser.add_argument(
        "--rent-first", action="store_true",
        help="rent the first match at or under the caps, once (needs --max-hours)",
    )  # fmt: skip
    parser.add_argument(
        "--max-hours", type=hours_arg, metavar="H", help="terminate a rented pod after H h"
    )
    parser.add_argument("--name", metavar="N", help="the name of a pod --rent-first rents")


def start_watch(args: argparse.Namespace, ctx: Context) -> WatchPanel | Watch:
    if args.rent_first and not args.max_hours:
        raise UsageError("%prime availability watch: --rent-first needs --max-hours H")
    client = api.get_client()
    try:
        made = watch(
            gpu_type=args.gpu_type, gpu_count=args.gpu_count, regions=args.regions,
            socket=args.socket, security=args.security, data_center_id=args.data_center,
            provider=args.provider, max_price_per_gpu=args.max_price_per_gpu,
            max_total=args.max_total, min_stock=args.min_stock, every=args.every,
            duration=args.duration, client=client, start=False, rent_first=args.rent_first,
            max_hours=args.max_hours, name=args.name, follow=api.default_client,
        )  # fmt: skip
    except ConfigurationError as err:
        raise UsageError(f"%prime availability watch: {err}") from None
    ctx.label(client)
    if made.rent_first is not None and made.rent_first.replaced:
        ctx.show(Notice(made.rent_first.replaced, "warning"))
    if not ctx.widgets:
        ctx.show(Notice(f"Watching for {made.describe()} (stop it with .stop())."))
        return made.start()
    from ..widgets import WatchPanel  # imports ipywidgets: only when wanted

    return WatchPanel(made, max_hours=args.max_hours)


def add_history_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--gpu-type", metavar="T", help="only this GPU type")
    parser.add_argument("--gpu-count", type=count_arg, metavar="N", help="only this count")
    parser.add_argument("--clear", action="store_true", help="empty the history")


def history(args: argparse.Namespace, ctx: Context) -> pd.DataFrame | None:
    if args.clear:
        gone = AvailabilityHistory().clear()
        ctx.show(Notice(f"Availability history cleared ({gone} row(s)).", "success"))
        return None
    client = api.get_client()
    frame = availability_history(args.gpu_type, args.gpu_count, client=client)
    ctx.label(client)
    if frame.empty:
        ctx.show(Notice("Nothing seen yet: %prime availability watch … records what it sees."))
    return frame


__all__: list[Any] = ["add_history_arguments", "add_watch_arguments", "history", "start_watch"]
