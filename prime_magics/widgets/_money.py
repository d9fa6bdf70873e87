"""How panels write money: ``$2.7500/h`` per hour, cents per day and month, one quote table.

Formatting only: the amounts come from ``pricing`` (a ``Quote``, ``per_month``,
``plus_attached_disks``) or from the API (a disk's ``priceHr``).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from .._display import usd
from ..pricing import Quote, plus_attached_disks


def per_hour(amount: float | None) -> str:
    """``$2.7500/h``; a dash when unknown."""
    return usd(amount)


def per_period(amount: float | None, unit: str) -> str:
    """An amount over a day, month or order, with cents: ``$1,985.60/month``."""
    return usd(amount, unit)


def sum_known(amounts: Sequence[float | None]) -> float | None:
    """Attached disks' $/h as the API reports them; unknown if any one is."""
    return plus_attached_disks(0.0, amounts)


def grand_total(q: Quote | None, disks_hr: Sequence[float | None]) -> float | None:
    """The pod's $/h plus its attached disks' $/h (disks are billed apart, attached or not)."""
    return plus_attached_disks(None if q is None else q.total_hr, disks_hr)


def money_table(rows: Iterable[tuple[str, str]], strong: Iterable[str] = ()) -> str:
    """A two-column HTML table of label → formatted amount; ``strong`` labels in bold."""
    bold = set(strong)
    cells = []
    for label, value in rows:
        tag = "th" if label in bold else "td"
        cells.append(
            f'<tr><td style="padding-right:1em">{html.escape(label)}</td>'
            f'<{tag} style="text-align:right">{html.escape(value)}</{tag}></tr>'
        )
    return f'<table class="prime-quote">{"".join(cells)}</table>'


def quote_rows(q: Quote | None, disks_hr: Sequence[float | None]) -> list[tuple[str, str]]:
    """GPU, disk, vCPU, memory, total, per GPU/day/month, prepaid, then attached disks."""
    if q is None:
        return [("Total", "—")]
    rows = [(label, per_hour(value)) for label, value in q.lines()]
    rows += [("Per GPU", per_hour(q.per_gpu_hr)), ("Per day", per_period(q.per_day, "day"))]
    rows += [("Per month", per_period(q.per_month, "month"))]
    if q.prepaid_cost is not None:
        rows += [(f"Up front ({q.prepaid_hours} h)", per_period(q.prepaid_cost, "order"))]
    if disks_hr:
        rows += [(f"Attached disks ({len(disks_hr)})", per_hour(sum_known(disks_hr)))]
        rows += [("Grand total", per_hour(grand_total(q, disks_hr)))]
    return rows
