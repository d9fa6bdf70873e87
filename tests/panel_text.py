"""What a person reads in a widget cell: the outputs the magic showed, then the panel's
view as the front end draws it (headings, HTML, button labels; hidden boxes left out).
A sentence said twice in one cell is then counted twice, whichever of the two said it.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import html
import re
from typing import Any

import ipywidgets as w

TAG = re.compile(r"<[^>]+>")


def view_text(widget: Any) -> str:
    """The visible text of a widget tree, one line per leaf."""
    if getattr(widget.layout, "display", None) == "none":
        return ""
    if isinstance(widget, (w.HTML, w.Label)):
        return html.unescape(TAG.sub("\n", widget.value)).strip()
    if isinstance(widget, w.Button):
        return f"[{widget.description}]"
    if isinstance(widget, w.Box):
        return "\n".join(filter(None, (view_text(child) for child in widget.children)))
    return ""


def cell_text(shown: str, panel: Any) -> str:
    """A cell's shown outputs (``Cell.text``, with its panel assigned, not displayed) and
    the panel's view."""
    return f"{shown}\n{view_text(panel)}"


def sandbox_labels(text: str) -> int:
    return text.count("[simulator]")
