"""Everything a person reads, built once for magics and widgets: notices, key/value tables,
quote tables, pod and disk summaries, confirmations, colours and the sandbox label.

Each object renders as plain text (``__repr__``, for terminals, logs and nbval) and as
HTML (``_repr_html_``, every value escaped); widgets put the HTML into their ``HTML``
children, so a quote reads the same in ``%prime pods create`` and in ``ProvisionForm``.
Colours always set a foreground *and* a background (JupyterLab's ``--jp-*`` variables with
fallbacks), so a notice stays readable in light and dark themes. Nothing here knows the
API key: text that could carry it goes through ``redacted`` first. Models and quotes are
read by attribute only (imported for type hints), so this module stays below them.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from .config import Settings, redact

if TYPE_CHECKING:
    from .models import Disk, Pod
    from .pricing import Forecast, Quote
    from .provisioning import PodRequest
    from .watch_match import WatchEvent, WatchQuery

LEVELS = ("info", "success", "warning", "error")
PALETTE = {  # the level's accent: a border, never the text colour (see ``colours``)
    "info": "var(--jp-info-color1, #1976d2)",
    "success": "var(--jp-success-color1, #388e3c)",
    "warning": "var(--jp-warn-color1, #f57c00)",
    "error": "var(--jp-error-color1, #d32f2f)",
}
SANDBOX_LABEL = "[sandbox] simulated API: nothing here is real, rented or billed"
DEADLINE_CAVEAT = (
    "The deadline is kept by the guard process, also after the kernel is gone, while this "
    "machine is on (%prime guard shows it; the README says how to keep it across reboots)."
)


def colours(level: str) -> str:
    """The inline CSS for a level. Text and background are the theme's own pair (so they
    read in light, dark and high-contrast themes alike: measured by the browser test);
    the level shows as a coloured left border. A level's own light tint under its own
    colour read as orange on cream in JupyterLab's dark theme."""
    text = "var(--jp-ui-font-color1, #1f1f1f)"
    ground = "var(--jp-layout-color2, #eeeeee)"
    return f"color:{text};background:{ground};border-left:4px solid {PALETTE[level]};"


def notice_html(message: str, level: str = "info") -> str:
    """A message in its level's colours (pre-wrapped, escaped); empty for no message."""
    if not message:
        return ""
    style = (
        f"{colours(level)}padding:4px 8px;border-radius:4px;white-space:pre-wrap;"
        "font-family:var(--jp-code-font-family, monospace)"
    )
    body = html.escape(message)
    return f'<div class="prime-notice prime-{level}" style="{style}">{body}</div>'


def sandbox_tag_html() -> str:
    """The sandbox label inline (a panel's heading)."""
    style = f"{colours('warning')}padding:0 4px;border-radius:3px"
    return f'<span class="prime-sandbox" style="{style}">{html.escape(SANDBOX_LABEL)}</span>'


class Notice:
    """A short message for a person, with a level: info, success, warning or error."""

    def __init__(self, message: str, level: str = "info") -> None:
        if level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
        self.message = message
        self.level = level

    def __repr__(self) -> str:
        return self.message

    def _repr_html_(self) -> str:
        return notice_html(self.message, self.level)


class Code:
    """A block to copy: a JSON body or a curl line. Shown verbatim, never interpreted."""

    def __init__(self, text: str, title: str | None = None) -> None:
        self.text = text
        self.title = title

    def __repr__(self) -> str:
        return f"{self.title}:\n{self.text}" if self.title else self.text

    def _repr_html_(self) -> str:
        head = f"<b>{html.escape(self.title)}</b>" if self.title else ""
        return f"{head}<pre>{html.escape(self.text)}</pre>"


class Table:
    """A key/value summary (a pod, a quote, the settings); ``table["key"]`` reads a value.

    ``strong`` keys (a total) are bold in HTML."""

    def __init__(
        self, rows: Iterable[tuple[str, Any]], title: str | None = None, strong: Iterable[str] = ()
    ) -> None:
        self.rows = [(str(key), value) for key, value in rows]
        self.title = title
        self.strong = frozenset(strong)

    def __getitem__(self, key: str) -> Any:
        for name, value in self.rows:
            if name == key:
                return value
        raise KeyError(key)

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __repr__(self) -> str:
        width = max((len(key) for key, _ in self.rows), default=0)
        lines = [self.title] if self.title else []
        lines += [f"{key:<{width}}  {text(value)}" for key, value in self.rows]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        caption = f"<caption>{html.escape(self.title)}</caption>" if self.title else ""
        body = "".join(
            f'<tr><th style="text-align:left">{html.escape(key)}</th>'
            f'<td style="text-align:left">{_bold(key in self.strong, text(value))}</td></tr>'
            for key, value in self.rows
        )
        return f'<table class="prime-table">{caption}{body}</table>'


def _bold(strong: bool, value: str) -> str:
    return f"<b>{html.escape(value)}</b>" if strong else html.escape(value)


class Confirmation:
    """ "Are you sure?": what an act costs or destroys, under a question, as a warning."""

    def __init__(self, question: str, details: str) -> None:
        self.question = question
        self.details = details

    def __repr__(self) -> str:
        return f"{self.question}\n{self.details}" if self.details else self.question

    def _repr_html_(self) -> str:
        return f"<b>{html.escape(self.question)}</b>" + notice_html(self.details, "warning")


def text(value: Any) -> str:
    """How a value reads in a table: None and NaN as a dash, floats without noise."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}


def usd(
    amount: float | None, per: str = "h", currency: str = "USD", decimals: int | None = None
) -> str:
    """``$1.2345/h`` (tiny rates keep their digits), ``$28.50/day``; a dash when unknown.
    Another ``currency`` gets its own symbol (``€2.1000/h``) or code (``2.1000 CHF/h``).
    ``decimals`` fixes the digits, so a column of amounts lines up."""
    if amount is None or math.isnan(amount):
        return "—"
    if decimals is not None:
        number = f"{amount:,.{decimals}f}"
    elif per != "h":
        number = f"{amount:,.2f}"
    elif 0 < abs(amount) < 0.01:
        number = f"{amount:.6f}"
    else:
        number = f"{amount:,.4f}"
    symbol = SYMBOLS.get(currency)
    shown = f"{symbol}{number}" if symbol else f"{number} {currency}"
    return f"{shown}/{per}" if per else shown


# -- quotes, pods, disks -------------------------------------------------------------------


def quote_table(
    quote: Quote | None,
    attached: Sequence[tuple[str, float | None]] = (),
    grand_total_hr: float | None = None,
    title: str = "Pod quote",
) -> Table:
    """A pod's quote: its parts, total, per GPU and up-front cost, then each attached disk
    (``(label, $/h)``, billed apart) and the grand total with them. Longer spans are
    ``forecast_table``'s (they include the disks and prepaid hours).

    The amounts are ``pricing``'s (``Quote``, ``plus_attached_disks``); only words here."""
    if quote is None:
        return Table([("Total", None)], title, strong={"Total"})
    cur = quote.currency
    rows: list[tuple[str, Any]] = [(label, usd(v, currency=cur)) for label, v in quote.lines()]
    if not quote.cpu_only:  # a CPU node has no GPU to divide by
        rows.append(("per GPU", usd(quote.per_gpu_hr, currency=cur)))
    if quote.prepaid_cost is not None:
        hours = f"{quote.prepaid_hours:g}"
        rows.append((f"up front ({hours} h)", usd(quote.prepaid_cost, "", cur)))
    rows += [(f"disk {label}", usd(hourly)) for label, hourly in attached]
    if attached:
        rows.append(("Grand total", usd(grand_total_hr)))
    return Table(rows, title, strong={"Total", "Grand total"})


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
        rows.append(("it pays for", hours_text(forecast.runway_h)))
    return Table(rows, "What it costs")


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


def hours_text(hours: float | None) -> str:
    """``3.5 h`` / ``12 days`` for a runway; a dash when unknown or endless."""
    if hours is None or math.isnan(hours):
        return "—"
    return f"{hours / 24:,.1f} days" if hours >= 72 else f"{hours:,.1f} h"


def burn_rows(
    balance: float | None, burn_hr: float, runway_h: float | None
) -> list[tuple[str, str]]:
    """The wallet against what runs: balance, $/h of everything billing, hours it lasts."""
    return [
        ("balance", usd(balance, "")),
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


def quote_line(quote: Quote) -> str:
    """``Quote: $2.8300/h = GPU $2.6900 + Disk $0.0600 + vCPU $0.0800 + Memory $0.0000
    (1× GPU, 200 GB disk, 20 vCPUs, 180 GB memory)``."""
    cur = quote.currency
    parts = " + ".join(f"{label} {usd(v, '', cur, 4)}" for label, v in quote.lines()[:-1])
    shape = f"{quote.gpu_count or '?'}× {'node' if quote.cpu_only else 'GPU'}"
    sizes = [
        f"{value} {unit}"
        for value, unit in ((quote.disk_gb, "GB disk"), (quote.vcpus, "vCPUs"),
                            (quote.memory_gb, "GB memory"))
        if value is not None
    ]  # fmt: skip
    return f"Quote: {usd(quote.total_hr, 'h', cur)} = {parts} ({', '.join([shape, *sizes])})"


# -- capacity watch --------------------------------------------------------------------


def watch_title(query: WatchQuery) -> str:
    """``8× H100_80GB at most $2.5000/h per GPU (canada)``: what a watch waits for."""
    shape = f"{query.gpu_count or 'any'}× {query.gpu_type or 'any GPU'}"
    caps = []
    if query.max_price_per_gpu is not None:
        caps.append(f"at most {usd(query.max_price_per_gpu)} per GPU")
    if query.max_total is not None:
        caps.append(f"at most {usd(query.max_total)} in total")
    if query.min_stock is not None:
        caps.append(f"stock {query.min_stock} or more")
    where = [v for v in (query.provider, query.data_center_id, query.socket, query.security) if v]
    where += list(query.regions or ())
    return " ".join([shape, ", ".join(caps), f"({', '.join(where)})" if where else ""]).strip()


def offer_place(offer: Any) -> str:
    """``hyperstack CANADA-1 (sandbox-H100x8-SXM5)`` for a GPU offer."""
    where = " ".join(v for v in (offer.provider, offer.data_center or offer.country) if v)
    return f"{where} ({offer.cloud_id})"


def watch_event_text(event: WatchEvent) -> str:
    """One line per event: ``New match: 8× H100_80GB hyperstack CANADA-1 … at $17.60/h``."""
    o, cur = event.offer, event.currency
    what = f"{o.gpu_count}× {o.gpu_type} {offer_place(o)}"
    price = f"{usd(event.total_hr, currency=cur)} ({usd(event.per_gpu_hr, currency=cur)} per GPU)"
    if event.kind == "appeared":
        return f"New match: {what} at {price}"
    if event.kind == "price_changed":
        was = usd(event.old_total_hr, currency=cur)
        return f"Price changed: {what} from {was} to {price}"
    return f"Gone: {what} ({event.reason}; last {usd(event.total_hr, currency=cur)})"


def seconds_text(seconds: float | None) -> str:
    """``45 s``, ``12 min``, ``3.5 h``: how long something has been visible."""
    if seconds is None or math.isnan(seconds):
        return "—"
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"


def timeline_text(matched: Sequence[int | None], width: int = 40) -> str:
    """The last polls as one line: ``█`` a poll with matches, ``·`` one without, ``×``
    one that failed (None)."""
    marks = ["×" if m is None else ("█" if m else "·") for m in matched[-width:]]
    return "".join(marks)


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


def sandbox_banner() -> Notice:
    """Put once above anything that came from the embedded sandbox."""
    return Notice(SANDBOX_LABEL, "warning")


def redacted(value: str, settings: Settings) -> str:
    """``value`` with the settings' API key (if any) blanked out."""
    return redact(value, settings.api_key)


__all__ = [
    "DEADLINE_CAVEAT",
    "Code",
    "Confirmation",
    "Notice",
    "Table",
    "attached_problem",
    "burn_rows",
    "cap_lines",
    "colours",
    "deadline_text",
    "disk_label",
    "disk_table",
    "hours_text",
    "notice_html",
    "pod_table",
    "quote_table",
    "redacted",
    "sandbox_banner",
    "sandbox_tag_html",
    "sweep_summary",
    "text",
    "usd",
]
