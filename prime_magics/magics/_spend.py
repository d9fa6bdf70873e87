"""``%prime sweep``, ``%prime pods extend`` and ``%prime budget``: what is billing now,
moving a deadline, and a spending limit for the kernel.

The sweep is ``client.sweep()`` (a DataFrame); where widgets show it also returns a
``SweepPanel`` with a terminate or delete button per row (each asking first) and a
"terminate all shown" behind a typed confirmation. Nothing is destroyed by the magic
itself: there is no ``--yes`` here, only the panel's explicit acts (and ``--hard``, the
user's own rule). The budget is ``client.set_budget``/``client.budget``; its thresholds
are said after the next cell that runs (``show_budget_events``, the after-cell hook).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from .. import api
from .._display import DEADLINE_CAVEAT, Notice, Table, sweep_summary
from ._context import Context, positive_float

if TYPE_CHECKING:
    import pandas as pd

    from ..budget_guard import BudgetGuard
    from ..widgets.budget import BudgetPanel
    from ..widgets.sweep import SweepPanel


def add_sweep_arguments(parser: argparse.ArgumentParser) -> None:
    """No options: the sweep always reads everything afresh."""


def sweep(args: argparse.Namespace, ctx: Context) -> pd.DataFrame | SweepPanel:
    client = api.get_client()
    frame = client.sweep()
    ctx.label(client)
    ctx.show(sweep_summary(frame))
    if not ctx.widgets:
        return frame
    from ..widgets.sweep import SweepPanel  # imports ipywidgets: only when wanted

    panel = SweepPanel(client, frame)
    panel.sandbox_label = False  # the banner above already says it
    return panel


def add_extend_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("pod_id", metavar="ID", help="a pod id (see %%prime sweep)")
    parser.add_argument("hours", type=positive_float, metavar="HOURS", help="how much later")


def extend(args: argparse.Namespace, ctx: Context) -> Table:
    client = api.get_client()
    deadline = client.extend(args.pod_id, args.hours)
    ctx.label(client)
    ctx.show(Notice(DEADLINE_CAVEAT, "warning"))
    due: Any = deadline.due
    rows = [("pod", args.pod_id), ("stop after", f"{deadline.max_hours:g} h of readiness")]
    rows.append(("deadline", _when(due)))
    return Table(rows, f"Deadline of pod {args.pod_id}")


def _when(epoch_s: float | None) -> str | None:
    if epoch_s is None:
        return None
    from datetime import datetime, timezone

    return datetime.fromtimestamp(epoch_s, timezone.utc).isoformat(timespec="seconds")


def add_budget_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "usd", type=positive_float, nargs="?", metavar="USD", help="the limit (none: show it)"
    )
    parser.add_argument(
        "--day", action="store_true", help="a rolling 24 h over everything the store knows"
    )
    parser.add_argument(
        "--hard", action="store_true", help="at 100 %%, end what it counts without asking"
    )
    parser.add_argument("--off", action="store_true", help="lift the budget")


def budget(args: argparse.Namespace, ctx: Context) -> Table | BudgetPanel | None:
    from .._display_budget import BUDGET_CAVEAT, budget_notice, budget_table

    client = api.get_client()
    if (args.off or args.usd is None) and (args.day or args.hard):
        args._parser.error("--day and --hard go with an amount: %prime budget 50 --hard")
    if args.off:
        client.set_budget(None)
        ctx.show(Notice("No budget now: nothing is counted or ended for it.", "success"))
        return None
    state = (
        client.budget()
        if args.usd is None
        else client.set_budget(args.usd, day=args.day, hard=args.hard)
    )
    ctx.label(client)
    if state is None:
        ctx.show(Notice("No budget is set: %prime budget 50 sets one (USD, this kernel)."))
        return None
    ctx.show(Notice(BUDGET_CAVEAT))
    if ctx.widgets:
        from ..widgets.budget import BudgetPanel  # imports ipywidgets: only when wanted

        panel = BudgetPanel(client)
        panel.sandbox_label = False  # the banner above already says it
        return panel
    ctx.show(budget_notice(state))
    return budget_table(state)


def show_budget_events(guard: BudgetGuard, ctx: Context) -> None:
    """Say each threshold the budget crossed since the last cell (the after-cell hook);
    a spent budget comes with the panel whose one button ends what it counts."""
    from .._display_budget import event_notice

    for event in guard.take_unshown():
        ctx.show(event_notice(event))
        if event.level == "reached" and ctx.widgets and event.state.live and guard.client:
            from ..widgets.budget import BudgetPanel

            ctx.show(BudgetPanel(guard.client))
