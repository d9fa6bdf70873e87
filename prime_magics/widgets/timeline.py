"""The price and capacity timeline of an availability history, drawn with matplotlib.

One line per shape: its best $/GPU-hour at each poll (a dot per poll, a gap while
nothing of it was offered), the spans it was in stock shaded in its colour, the polls
that found none as ticks along the bottom, and the watch's cap per GPU as a dashed line.
``draw_timeline`` draws on any ``Axes`` (``df.prime.plot()`` on a history frame);
``timeline_html`` renders it as an inline SVG for the watch panel — text in a saved
notebook, no image file, no pyplot state touched from the watch's thread — or, without
matplotlib (the optional ``plot`` extra), as one line of text per shape.
"""

from __future__ import annotations

import io
from importlib.util import find_spec
from typing import Any

import pandas as pd

from ..capacity.history import ShapeTimeline, timelines
from ..display.primitives import notice_html, usd

MAX_SHAPES = 6  # the cheapest shapes drawn in the panel; more lines read as noise
TITLE = "Best price per GPU-hour over time (shaded: in stock)"
NO_OFFER = "_no offer"  # the label of the polls that found none (kept out of the legend)


def draw_timeline(
    frame: pd.DataFrame, ax: Any = None, cap: float | None = None, max_shapes: int | None = None
) -> Any:
    """Draw the history ``frame`` (``AvailabilityHistory.frame``) on ``ax`` (a new figure
    when None); returns the ``Axes``. ``cap``: the watch's cap per GPU-hour."""
    from matplotlib import dates

    lines = timelines(frame)[:max_shapes]
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(8, 3))
    for line in lines:
        _draw_shape(ax, line)
    if cap is not None:
        ax.axhline(cap, linestyle="--", color="grey", linewidth=1, label=f"cap {usd(cap)}")
    ax.set_ylabel("USD per GPU-hour")
    ax.set_title(TITLE if lines else "No availability seen yet")
    # minutes of polls or days of history: ticks and labels that fit the span
    locator = dates.AutoDateLocator(tz="UTC")  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(dates.ConciseDateFormatter(locator, tz="UTC"))  # type: ignore[no-untyped-call]
    ax.set_xlabel("UTC")
    ax.spines[["top", "right"]].set_visible(False)
    if lines or cap is not None:
        ax.legend(loc="upper left", fontsize="small", frameon=False)
    return ax


def _draw_shape(ax: Any, line: ShapeTimeline) -> None:
    prices = [float("nan") if p is None else p for p in line.best_per_gpu_hr]
    (drawn,) = ax.plot(line.seen_at, prices, marker=".", label=line.label)
    colour = drawn.get_color()
    for start, end in line.spans():
        ax.axvspan(start, end, color=colour, alpha=0.12, linewidth=0)
    none = [at for at, stocked in zip(line.seen_at, line.in_stock, strict=True) if not stocked]
    if none:  # at the bottom of the axes whatever the prices: y in axes units
        ax.plot(none, [0.02] * len(none), "|", color=colour, label=f"{NO_OFFER} {line.label}",
                transform=ax.get_xaxis_transform())  # fmt: skip


def timeline_html(frame: pd.DataFrame, cap: float | None = None) -> str:
    """The timeline as an inline SVG (with matplotlib) or a text summary (without)."""
    if frame.empty:
        return ""
    if find_spec("matplotlib") is None:
        said = "\n".join(line.summary() for line in timelines(frame)[:MAX_SHAPES])
        return notice_html(said, "info")
    return f'<div class="prime-watch-chart">{timeline_svg(frame, cap)}</div>'


def timeline_svg(frame: pd.DataFrame, cap: float | None = None) -> str:
    """``draw_timeline`` as an ``<svg>`` element (no XML prolog), text kept as text."""
    import matplotlib
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7.5, 2.8), layout="constrained")
    draw_timeline(frame, figure.add_subplot(), cap, MAX_SHAPES)
    out = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "prime-timeline"}):
        figure.savefig(out, format="svg")
    svg = out.getvalue()
    return svg[svg.index("<svg") :]
