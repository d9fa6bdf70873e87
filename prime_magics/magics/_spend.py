"""``%prime sweep`` and ``%prime pods extend``: what is billing now, and moving a deadline.

The sweep is ``client.sweep()`` (a DataFrame); where widgets show it also returns a
``SweepPanel`` with a terminate or delete button per row (each asking first) and a
"terminate all shown" behind a typed confirmation. Nothing is destroyed by the magic
itself: there is no ``--yes`` here, only the panel's explicit acts.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from .. import api
from .._display import DEADLINE_CAVEAT, Notice, Table, sweep_summary
from ._context import Context, positive_float

if TYPE_CHECKING:
    import pandas as pd

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
