"""``%prime sweep``, ``%prime pods extend``, ``%prime pods idle-stop``, ``%prime budget``
and ``%prime guard``: what is billing now, moving a deadline, ending an idle pod, a
spending limit, and the process that keeps them.

The sweep is ``client.sweep()`` (a DataFrame); where widgets show it also returns a
``SweepPanel`` with a terminate or delete button per row (each asking first) and a
"terminate all shown" behind a typed confirmation. Nothing is destroyed by the magic
itself: there is no ``--yes`` here, only the panel's explicit acts (and ``--hard``, the
user's own rule). The budget is ``client.set_budget``/``client.budget``; what the guard
did or found (an end at a deadline or a budget, a lost create found, a threshold, an
error that stops enforcement) is said after the next cell that runs (``show_findings``,
the after-cell hook).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from .. import api
from ..display.primitives import Notice, Table
from ..display.sentences import DEADLINE_CAVEAT, sweep_summary
from ._context import Context, hours_arg, idle_minutes_arg, usd_arg

if TYPE_CHECKING:
    import pandas as pd

    from ..widgets.budget import BudgetPanel
    from ..widgets.sweep import SweepPanel


def add_sweep_arguments(parser: argparse.ArgumentParser) -> None:
    """No options: the sweep always reads everything afresh."""


def sweep(args: argparse.Namespace, ctx: Context) -> pd.DataFrame | SweepPanel:
    client = api.get_client()
    frame = client.sweep()
    ctx.label(client)
    if not ctx.widgets:
        ctx.show(sweep_summary(frame))
        return frame
    from ..widgets.sweep import SweepPanel  # imports ipywidgets: only when wanted

    return SweepPanel(client, frame)  # it says the summary itself, once


def add_extend_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("pod_id", metavar="ID", help="a pod id (see %%prime sweep)")
    parser.add_argument("hours", type=hours_arg, metavar="HOURS", help="how much later")


def extend(args: argparse.Namespace, ctx: Context) -> Table:
    client = api.get_client()
    deadline = client.extend(args.pod_id, args.hours)
    ctx.label(client)
    ctx.show(Notice(DEADLINE_CAVEAT, "warning"))
    due: Any = deadline.due
    rows = [("pod", args.pod_id), ("stop after", f"{deadline.max_hours or 0:g} h of readiness")]
    rows.append(("deadline", _when(due)))
    return Table(rows, f"Deadline of pod {args.pod_id}")


def add_idle_stop_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("pod_id", metavar="POD", help="a pod id (see %%prime pods list)")
    parser.add_argument(
        "minutes", type=idle_minutes_arg, metavar="MINUTES",
        help="end the pod once no remote cell ran for this long (none: lift it)",
    )  # fmt: skip


def idle_stop(args: argparse.Namespace, ctx: Context) -> Table:
    client = api.get_client()
    rental = client.idle_stop(args.pod_id, args.minutes)
    ctx.label(client)
    rows: list[tuple[str, Any]] = [("pod", args.pod_id)]
    if rental.idle_minutes is None:
        rows.append(("idle stop", "none"))
    else:
        rows.append(("idle stop", f"after {rental.idle_minutes:g} min without a remote cell"))
        rows.append(("ends at", _when(rental.idle_due)))
        rows.append(("kept by", "the guard process (also when this kernel is gone)"))
    return Table(rows, f"Idle stop of pod {args.pod_id}")


def _when(epoch_s: float | None) -> str | None:
    if epoch_s is None:
        return None
    from datetime import datetime, timezone

    return datetime.fromtimestamp(epoch_s, timezone.utc).isoformat(timespec="seconds")


def add_budget_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "usd", type=usd_arg, nargs="?", metavar="USD", help="the limit (none: show it)"
    )
    parser.add_argument(
        "--day", action="store_true", help="a rolling 24 h over everything the store knows"
    )
    parser.add_argument(
        "--hard", action="store_true", help="at 100 %%, end what it counts without asking"
    )
    parser.add_argument("--off", action="store_true", help="lift the budget")


def budget(args: argparse.Namespace, ctx: Context) -> Table | BudgetPanel | None:
    from ..rentals.budget_words import BUDGET_CAVEAT, budget_notice, budget_table

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
    if ctx.widgets:
        from ..widgets.budget import BudgetPanel  # imports ipywidgets: only when wanted

        return BudgetPanel(client)  # it says the caveat itself, once
    ctx.show(Notice(BUDGET_CAVEAT))
    ctx.show(budget_notice(state))
    return budget_table(state)


def show_findings(ctx: Context) -> None:
    """Say what the guard did or found since the last cell (the after-cell hook): each
    finding once, in one kernel; a spent budget comes with the panel whose one button
    ends what it counts."""
    from ..rentals.findings import Findings
    from ..rentals.store import Store, StoreError

    try:
        found = Findings(Store()).take()
    except StoreError:
        return  # said where the store is needed: a create, a budget
    for finding in found:
        ctx.show(Notice(finding.text, finding.level))
        if finding.kind == "reached" and ctx.widgets:
            client = api.get_client()
            state = client.budget()
            if state is not None and state.live and client.settings.base_url == finding.base_url:
                from ..widgets.budget import BudgetPanel

                ctx.show(BudgetPanel(client))


def add_guard_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action", nargs="?", choices=("status", "stop", "start"), default="status",
        help="status (default): what it guards, its last round, its errors",
    )  # fmt: skip


def guard(args: argparse.Namespace, ctx: Context) -> Table | None:
    from ..display.guard import guard_table

    client = api.get_client()
    ctx.label(client)
    if args.action == "stop":
        pid = client.stop_guard()
        said = f"Guard process {pid} asked to stop." if pid else "No guard process runs."
        ctx.show(Notice(said + " Deadlines and budgets are not enforced while none runs.",
                        "warning"))  # fmt: skip
        return None
    if args.action == "start":
        pid = client.ensure_guard()
        ctx.show(Notice(f"Guard process {pid} started." if pid else "A guard already runs.",
                        "success"))  # fmt: skip
    return guard_table(client.guard_status())
