"""The price and capacity timeline (issue 21, item 16): an availability history plotted
per shape — the best $/GPU-hour at each poll, gaps and ticks where none was offered,
shaded spans while in stock, the cap — from ``availability_history(...).prime.plot()``
and, as an inline SVG (or a line of text without matplotlib), in the watch panel."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any, cast

import matplotlib
import numpy as np
import pytest
from matplotlib import dates
from matplotlib.patches import Rectangle

import prime_magics as pm
from prime_magics.capacity.history import AvailabilityHistory, ShapeSeen, timelines
from prime_magics.capacity.watcher import availability_history
from prime_magics.sandbox import SandboxServer
from prime_magics.widgets import WatchPanel
from prime_magics.widgets import timeline as timeline_module
from tests.test_watch import SHAPE, FakeClock

matplotlib.use("Agg")

T0 = 1_700_000_000.0


def num(values: Any) -> list[float]:
    """Matplotlib's date numbers of datetimes (what an Axes holds as x)."""
    return [float(x) for x in dates.date2num(values)]  # type: ignore[no-untyped-call]


POLLS = [  # (seconds after T0, offers, best $/GPU-h)
    (0, 1, 2.1), (60, 0, None), (120, 2, 1.9), (180, 1, 2.0), (240, 0, None),
]  # fmt: skip


def history(tmp_path: Path, client: pm.Client) -> tuple[AvailabilityHistory, list[datetime]]:
    store = AvailabilityHistory(tmp_path / "history.sqlite3")
    for after, offers, best in POLLS:
        total = None if best is None else best * 8
        seen = ShapeSeen("H100_80GB", 8, offers, best, total, "hyperstack", "CANADA-1")
        store.record("sandbox", [seen], at=T0 + after)
    times = [datetime.fromtimestamp(T0 + after, timezone.utc) for after, _, _ in POLLS]
    return store, times


def test_a_history_frame_plots_best_prices_per_poll_and_in_stock_spans(
    tmp_path: Path, client: pm.Client
) -> None:
    store, times = history(tmp_path, client)
    frame = availability_history("H100_80GB", 8, client=client, store=store)
    ax = frame.prime.plot(cap=2.0)
    (line,) = [drawn for drawn in ax.lines if drawn.get_label() == "8× H100_80GB"]
    np.testing.assert_array_equal(line.get_ydata(), [2.1, np.nan, 1.9, 2.0, np.nan])
    assert num(line.get_xdata()) == num(times)
    (none,) = [drawn for drawn in ax.lines if "no offer" in str(drawn.get_label())]
    assert num(none.get_xdata()) == num([times[1], times[4]])
    (cap,) = [drawn for drawn in ax.lines if str(drawn.get_label()).startswith("cap")]
    assert set(np.asarray(cap.get_ydata(), dtype=float)) == {2.0}
    spans = timelines(frame)[0].spans()
    assert spans == [(times[0], times[1]), (times[2], times[4])]
    patches = [cast(Rectangle, p) for p in ax.patches]
    shaded = sorted(x for p in patches for x in (p.get_x(), p.get_x() + p.get_width()))
    expected = [x for span in spans for x in num(list(span))]
    assert shaded == pytest.approx(expected)
    assert "in stock" in ax.get_title()


def test_an_offer_frame_still_plots_its_bars(client: pm.Client) -> None:
    frame = client.availability(gpu_type="H100_80GB")
    ax = frame.prime.plot()
    assert ax.get_title() == "Cheapest price per GPU-hour, and who offers it" and ax.patches


def test_the_watch_panel_draws_the_timeline_as_inline_svg_and_redraws_it(
    client: pm.Client, sandbox: SandboxServer
) -> None:
    clock = FakeClock()
    made = pm.watch(**SHAPE, max_price_per_gpu=2.5, every=15, client=client, clock=clock,
                    start=False)  # fmt: skip
    panel = WatchPanel(made, autostart=False)
    assert panel.chart.value == ""  # nothing seen yet
    made.step()
    first = panel.chart.value
    assert first.startswith('<div class="prime-watch-chart"><svg') and "8× H100_80GB" in first
    sandbox.add_offer()
    clock.now += 15
    made.step()
    assert panel.chart.value != first and "<svg" in panel.chart.value
    assert "cap $2.5000/h" in panel.chart.value
    panel.close()


def test_without_matplotlib_the_panel_says_the_timeline_in_a_line(
    client: pm.Client, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(timeline_module, "find_spec", lambda _name: None)
    clock = FakeClock()
    made = pm.watch(**SHAPE, every=15, client=client, clock=clock, start=False)
    panel = WatchPanel(made, autostart=False)
    made.step()
    sandbox.add_offer()
    clock.now += 15
    made.step()
    assert "<svg" not in panel.chart.value
    assert "8× H100_80GB: in stock in 1 of 2 polls, best $2.2000/h per GPU" in panel.chart.value
    panel.close()
