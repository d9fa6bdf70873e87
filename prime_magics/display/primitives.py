"""The display's leaf: how anything is said, whatever it is about.

``Notice`` (a short message with a level), ``Table`` (a key/value summary), ``Code``,
``Confirmation``, money (``usd``: the one money formatter, currency-aware), durations,
colours and the sandbox label. Each object renders as plain text (``__repr__``, for
terminals, logs and nbval) and as HTML (``_repr_html_``, every value escaped). Colours
always set a foreground *and* a background (JupyterLab's ``--jp-*`` variables with
fallbacks), so a notice stays readable in light and dark themes. It imports nothing of
the domain, so every module may use it: a ``Quote`` and a watch event say themselves
with it, and the domain's longer sentences (``sentences``) are built on it.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from ..config import Settings, redact

LEVELS = ("info", "success", "warning", "error")


PALETTE = {  # the level's accent: a border, never the text colour (see ``colours``)
    "info": "var(--jp-info-color1, #1976d2)",
    "success": "var(--jp-success-color1, #388e3c)",
    "warning": "var(--jp-warn-color1, #f57c00)",
    "error": "var(--jp-error-color1, #d32f2f)",
}


SANDBOX_LABEL = "[simulator] simulated API: nothing here is real, rented or billed"


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


def digits(per: str = "h") -> int:
    """How many decimals an amount of money shows: 4 for a rate (``per`` ``h`` or a unit's
    ``GB/h``, ``GB/month``), 2 for an amount (``per`` empty) or a period's total (``day``,
    ``month``). One rule for ``usd`` and for a frame's money columns."""
    return 4 if per == "h" or "/" in per else 2


def usd(
    amount: float | None, per: str = "h", currency: str = "USD", decimals: int | None = None
) -> str:
    """The one money formatter: every amount of money the package shows reads through it.

    ``$1.2345/h`` and ``$0.1095/GB/month`` (a rate: 4 decimals, ``digits``), ``$28.50/day``
    and ``$12.30`` (an amount: 2 decimals); under a cent up to two more digits, so a tiny
    rate or a test budget still reads (``$0.000097/h``, ``$0.0003/GB/h``, not
    ``$0.000300/GB/h``). A dash when unknown. Another ``currency`` gets its own symbol
    (``€2.1000/h``) or code (``2.1000 CHF/h``). ``decimals`` fixes the digits, so a column
    of amounts lines up."""
    if amount is None or math.isnan(amount):
        return "—"
    if decimals is None:
        base = digits(per)
        number = f"{amount:,.{base + (2 if 0 < abs(amount) < 0.01 else 0)}f}"
        whole, _, fraction = number.partition(".")
        fraction = fraction[:base] + fraction[base:].rstrip("0")  # the extra digits only if needed
        number = f"{whole}.{fraction}"
    else:
        number = f"{amount:,.{decimals}f}"
    symbol = SYMBOLS.get(currency)
    shown = f"{symbol}{number}" if symbol else f"{number} {currency}"
    return f"{shown}/{per}" if per else shown


def hours_text(hours: float | None) -> str:
    """``3.5 h`` / ``12 days`` for a runway; a dash when unknown or endless."""
    if hours is None or math.isnan(hours):
        return "—"
    return f"{hours / 24:,.1f} days" if hours >= 72 else f"{hours:,.1f} h"


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """``1 match``, ``2 matches``: a count with its noun, never ``match(es)``."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


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


def sandbox_banner() -> Notice:
    """Put once above anything that came from the embedded sandbox."""
    return Notice(SANDBOX_LABEL, "warning")


def redacted(value: str, settings: Settings) -> str:
    """``value`` with the settings' API key (if any) blanked out."""
    return redact(value, settings.api_key)


__all__ = [
    "LEVELS",
    "PALETTE",
    "SANDBOX_LABEL",
    "SYMBOLS",
    "Code",
    "Confirmation",
    "Notice",
    "Table",
    "colours",
    "counted",
    "digits",
    "hours_text",
    "notice_html",
    "redacted",
    "sandbox_banner",
    "sandbox_tag_html",
    "seconds_text",
    "text",
    "timeline_text",
    "usd",
]
