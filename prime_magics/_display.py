"""What the magics show a person: notices, key/value tables, the sandbox banner.

Each object renders as plain text (``__repr__``, for terminals, logs and nbval) and as
HTML (``_repr_html_``, every value escaped). Nothing here knows the API key: text that
could carry it goes through ``redacted`` first, and settings only ever offer
``Settings.redacted_key``.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Iterator
from typing import Any

from .config import Settings, redact

LEVELS = ("info", "success", "warning", "error")
_COLOURS = {
    "info": "#e8f0fe",
    "success": "#e6f4ea",
    "warning": "#fef7e0",
    "error": "#fce8e6",
}


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
        style = (
            f"background:{_COLOURS[self.level]};padding:4px 8px;border-radius:4px;"
            "white-space:pre-wrap;font-family:var(--jp-code-font-family, monospace)"
        )
        body = html.escape(self.message)
        return f'<div class="prime-notice prime-{self.level}" style="{style}">{body}</div>'


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
    """A key/value summary (a pod, a quote, the settings); ``table["key"]`` reads a value."""

    def __init__(self, rows: Iterable[tuple[str, Any]], title: str | None = None) -> None:
        self.rows = [(str(key), value) for key, value in rows]
        self.title = title

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
            f'<td style="text-align:left">{html.escape(text(value))}</td></tr>'
            for key, value in self.rows
        )
        return f'<table class="prime-table">{caption}{body}</table>'


def text(value: Any) -> str:
    """How a value reads in a table: None and NaN as a dash, floats without noise."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def usd(amount: float | None, per: str = "h") -> str:
    """``$1.2345/h`` (tiny rates keep their digits), ``$28.50/day``; a dash when unknown."""
    if amount is None or math.isnan(amount):
        return "—"
    if per != "h":
        shown = f"${amount:,.2f}"
    elif 0 < abs(amount) < 0.01:
        shown = f"${amount:.6f}"
    else:
        shown = f"${amount:,.4f}"
    return f"{shown}/{per}" if per else shown


def sandbox_banner() -> Notice:
    """Put above anything that came from the embedded sandbox."""
    return Notice(
        "[sandbox] simulated offers, not real prices — nothing here is rented or billed",
        "warning",
    )


def redacted(value: str, settings: Settings) -> str:
    """``value`` with the settings' API key (if any) blanked out."""
    return redact(value, settings.api_key)


__all__ = ["Code", "Notice", "Table", "redacted", "sandbox_banner", "text", "usd"]
