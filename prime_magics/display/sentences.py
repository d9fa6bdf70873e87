"""The domain's sentences, built once for magics and widgets on the display's primitives:
forecasts, price caps and deadlines, stock, the sweep's summary, pod and disk summaries,
what a watch waits for.

It sits above the domain (it reads quotes, requests, pods and watch queries) and nothing
in the domain imports it: a ``Quote`` and a watch event say themselves with the
primitives, so no circle runs through here. ``quote_table`` takes a quote that may be
missing (a form with nothing chosen yet).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .primitives import Notice, Table, hours_text, usd

if TYPE_CHECKING:
    from ..models import Disk, Pod
    from ..pricing import Forecast, Quote
    from ..provisioning import PodRequest


def quote_table(
    quote: Quote | None,
    attached: Sequence[tuple[str, float | None]] = (),
    grand_total_hr: float | None = None,
    title: str = "Pod quote",
) -> Table:
    """``Quote.table``, or an empty total while there is no quote yet."""
    if quote is None:
        return Table([("Total", None)], title, strong={"Total"})
    return quote.table(attached, grand_total_hr, title)


DEADLINE_CAVEAT = (
    "The deadline is kept by the guard process, also after the kernel is gone, while this "
    "machine is on (%prime guard shows it; the README says how to keep it across reboots)."
)


# -- quotes, pods, disks -------------------------------------------------------------------


def forecast_table(forecast: Forecast | None) -> Table:
    """What running it costs for 1, 8, 24 hours and a month (attached disks and prepaid
    hours included), then the wallet and how long it pays for this pod and its disks."""
    if forecast is None:
        return Table([], "What it costs")
    cur = forecast.currency
    rows: list[tuple[str, Any]] = [
        ("a month" if hours >= 700 else f"{hours:g} h", usd(amount, "", cur))
        for hours, amount in forecast.spans
    ]
    if forecast.balance is not None:
        rows.append(("wallet", usd(forecast.balance, "")))
        if forecast.short:
            rows.append(("it pays for", short_wallet_text(forecast.first_charge)))
        else:
            rows.append(("it pays for", hours_text(forecast.runway_h)))
    return Table(rows, "What it costs")


def short_wallet_text(first_charge: float | None) -> str:
    """The forecast's word when the wallet does not pay the first charge
    (``pricing.wallet_short``): the create is refused unless accepted anyway (the form's
    second question, the magic's ``--despite-balance``)."""
    return (
        f"nothing: the wallet does not cover the first charge ({usd(first_charge, '')}, "
        "up-front hours included)"
    )


def cap_lines(request: PodRequest) -> list[str]:
    """Which price cap and which deadline a create carries, in words."""
    lines = [f"Price cap: {request.cap_text}."]
    if request.max_hours:
        lines.append(f"Terminated {request.max_hours:g} h after it is ready. {DEADLINE_CAVEAT}")
    return lines


def stock_warning(stock_status: str | None) -> str | None:
    """What someone about to rent an offer out of stock should know first (None: nothing)."""
    if stock_status != "Unavailable":
        return None
    return (
        "Stock: Unavailable. The API usually refuses a create until it is back in stock; "
        "%prime availability watch says when it is."
    )


def deadline_text(
    due: float | None, left_s: float | None, estimated: bool, max_hours: float
) -> str:
    """``Terminated at 14:05 UTC (in 1 h 12 min)``: the deadline and its countdown."""
    from datetime import datetime, timezone

    if due is None or left_s is None:
        return f"Terminated {max_hours:g} h after it is ready (the clock starts then)."
    when = datetime.fromtimestamp(due, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    guess = (
        " (counted from its creation until it is ready; it never ends later)" if estimated else ""
    )
    if left_s <= 0:
        return f"Deadline {when}{guess} has passed: it is terminated at the next check."
    minutes, seconds = divmod(int(left_s), 60)
    hours, minutes = divmod(minutes, 60)
    countdown = f"{hours} h {minutes} min" if hours else f"{minutes} min {seconds} s"
    soon = " — less than 10 minutes left: Extend to keep it" if left_s <= 600 else ""
    return f"Terminated at {when}{guess}, in {countdown}{soon}."


def burn_rows(
    balance: float | None, burn_hr: float, runway_h: float | None, items: int
) -> list[tuple[str, str]]:
    """The wallet against what runs: balance, how many items bill now and their $/h, the
    hours it lasts. Every row speaks of now, so the count and the rate agree."""
    billing = f"{items} item{'s' * (items != 1)} (%prime sweep lists them)" if items else "nothing"
    return [
        ("balance", usd(balance, "")),
        ("billing now", billing),
        ("burn rate", usd(burn_hr)),
        ("runway", hours_text(runway_h) if burn_hr > 0 else "— (nothing is billing)"),
    ]


def sweep_summary(frame: Any) -> Notice:
    """One line over a sweep: how much bills, and what needs a look."""
    if len(frame) == 0:
        return Notice("Nothing is billing: no live pods or disks.", "success")
    rate = usd(float(frame["price_hr"].fillna(0).sum()))
    loose = int(frame["unattached_disk"].sum())
    late = int(frame["past_deadline"].sum())
    parts = [f"{len(frame)} billing now, {rate} in all"]
    parts += [f"{loose} disk(s) attached to nothing"] if loose else []
    parts += [f"{late} pod(s) past their deadline"] if late else []
    return Notice("; ".join(parts) + ".", "warning" if loose or late else "info")


# -- capacity watch --------------------------------------------------------------------


def disk_label(disk: Disk) -> str:
    """``scratch · 50 GB · $0.0075/h``: a disk in a list."""
    return f"{disk.name or disk.id} · {disk.size or '?'} GB · {usd(disk.price_hr)}"


def pod_table(pod: Pod) -> Table:
    """The summary a person reads; the jupyter password is never part of it."""
    progress = pod.installation_progress
    installing = f"{pod.installation_status or '—'}"
    installing += f" ({progress:g}%)" if progress is not None else ""
    rows: list[tuple[str, Any]] = [
        ("id", pod.id),
        ("name", pod.name),
        ("status", pod.status),
        ("installation", installing),
        ("gpu", f"{pod.gpu_count or '?'}× {pod.gpu_name or '?'}"),
        ("provider", pod.provider_type),
        ("price", usd(pod.price_hr)),
        ("image", pod.environment_type),
        ("created", pod.created_at),
        ("ssh", pod.ssh_connection),
        ("disks", ", ".join(pod.disk_ids) or None),
    ]
    return Table(rows, f"Pod {pod.name or pod.id}")


def disk_table(disk: Disk) -> Table:
    rows: list[tuple[str, Any]] = [
        ("id", disk.id),
        ("name", disk.name),
        ("status", disk.status),
        ("size", f"{disk.size} GB" if disk.size is not None else None),
        ("provider", disk.provider_type),
        ("data center", disk.info.data_center_id),
        ("price", usd(disk.price_hr)),
        ("created", disk.created_at),
        ("attached to", ", ".join(disk.pods) or None),
    ]
    return Table(rows, f"Disk {disk.name or disk.id}")


def attached_problem(pods: Sequence[str]) -> str | None:
    """Why a disk cannot be deleted now (the API refuses while a pod uses it), or None."""
    if not pods:
        return None
    return f"attached to pod {', '.join(pods)}: terminate it first"


__all__ = [
    "DEADLINE_CAVEAT",
    "attached_problem",
    "burn_rows",
    "cap_lines",
    "deadline_text",
    "disk_label",
    "disk_table",
    "forecast_table",
    "pod_table",
    "quote_table",
    "short_wallet_text",
    "stock_warning",
    "sweep_summary",
]
