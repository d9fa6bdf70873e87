"""How a prime_magics frame shows itself: what matters first, money as money, NA as a dash.

The frames stay plain numeric pandas data (``df["total_hr"]`` is ``Float64``); only their
*display* changes, and only theirs: ``ViewFrame`` is a ``DataFrame`` subclass whose
``_repr_html_`` and ``__repr__`` show the view's leading columns with ``$`` amounts in
each row's currency and ``—`` for the unknown, under a one-line caption saying how many
rows there are, where they came from and how many columns are left out of the display.
Slices, sorts and ``head()`` keep the subclass, so ``df.prime.cheapest()`` shows its
costs too; any other DataFrame in the notebook renders exactly as before. Columns the
user picked by name (``df[["gpu_type", "total_hr", "currency"]]``) all show, in the
user's order, even those the view would otherwise leave to the caption.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, cast

import pandas as pd

from ..display.primitives import digits, usd

SOURCE = "prime_source"  # attrs key: "sandbox" when the rows are simulated
CURRENCY = "prime_currency"  # attrs key: {row label: currency} of the rows not in USD


@dataclass(frozen=True)
class View:
    """Which columns lead, how each money column reads, and what a row is called."""

    noun: str  # "offer", "disk offer", "pod" …
    lead: tuple[str, ...]
    money: dict[str, str] = field(default_factory=dict)  # column → per ("h", "month", "")
    more: str = "the rest"  # what the columns left out of the display hold
    decimals: dict[str, int] = field(default_factory=dict)  # column → digits (default 4/2)


def view_of(frame: pd.DataFrame, view: View) -> ViewFrame:
    """``frame`` as a ``ViewFrame`` (same data, same index)."""
    shown = cast(ViewFrame, ViewFrame(frame))
    shown.prime_view = view
    shown.attrs.update(frame.attrs)
    if "currency" in frame.columns:  # the few rows not in USD, for views without the column
        other = frame["currency"].dropna()
        shown.attrs[CURRENCY] = {k: str(v) for k, v in other[other != "USD"].items()}
    return shown


class ViewFrame(pd.DataFrame):
    """A DataFrame that displays through its ``View``; in every other way a DataFrame."""

    _metadata: ClassVar[list[str]] = ["prime_view", "prime_chosen"]
    prime_view: View | None = None
    prime_chosen: tuple[Any, ...] | None = None  # the columns the user picked by name

    @property
    def _constructor(self) -> Callable[..., ViewFrame]:
        return ViewFrame

    def __getitem__(self, key: Any) -> Any:
        """``df[[...]]`` as pandas does it, remembering the columns picked by name: the
        user asked for them, so each shows."""
        result = super().__getitem__(key)
        if isinstance(result, ViewFrame) and _names_columns(key, self.columns):
            result.prime_chosen = tuple(result.columns)
        return result

    # -- display -------------------------------------------------------------------------

    def _display_parts(self) -> tuple[str, pd.DataFrame, int]:
        view = self.prime_view
        assert view is not None
        chosen = [c for c in self.prime_chosen or () if c in self.columns]
        lead = chosen + [c for c in view.lead if c in self.columns and c not in chosen]
        left_out = len(self.columns) - len(lead)
        rows = len(self)
        limit = pd.get_option("display.max_rows") or rows
        shown = self if rows <= limit else self.head(pd.get_option("display.min_rows") or 10)
        cells = pd.DataFrame(index=shown.index)
        currency = shown["currency"] if "currency" in shown.columns else None
        other = self.attrs.get(CURRENCY, {})
        for column in lead:
            values = shown[column]
            if column in view.money:
                per = view.money[column]
                fixed = view.decimals.get(column, digits(per))  # a column lines up
                cells[column] = [
                    usd(None if pd.isna(v) else float(v), per, _currency(currency, other, i), fixed)
                    for i, v in zip(values.index, values, strict=True)
                ]
            else:
                cells[column] = [_plain(v) for v in values]
        caption = f"{rows} {view.noun}{'' if rows == 1 else 's'}"
        if self.attrs.get(SOURCE) == "sandbox":
            caption += " from the sandbox (simulated)"
        if left_out:
            caption += f" · {left_out} more columns ({view.more}) in df.columns"
        return caption, cells, rows - len(shown)

    def _repr_html_(self) -> str | None:
        if self.prime_view is None:
            return cast("str | None", pd.DataFrame._repr_html_(self))  # type: ignore[attr-defined]
        caption, cells, hidden = self._display_parts()
        table = cells.to_html(escape=True, border=0, classes="prime-frame")
        more = f"<div>… {hidden} more rows</div>" if hidden else ""
        return f'<div class="prime-frame-caption">{html.escape(caption)}</div>{table}{more}'

    def __repr__(self) -> str:
        if self.prime_view is None:
            return super().__repr__()
        caption, cells, hidden = self._display_parts()
        width = pd.get_option("display.width") or 80
        text = cells.to_string(line_width=width) if len(cells.columns) else ""
        return "\n".join([caption, text, *([f"… {hidden} more rows"] if hidden else [])])


def _names_columns(key: Any, columns: pd.Index) -> bool:
    """A list of column labels (``df[["a", "b"]]``), not a row mask or a slice."""
    if not isinstance(key, (list, pd.Index)) or not len(key):
        return False
    return all(not isinstance(k, bool) and k in columns for k in key)


def _currency(column: pd.Series[Any] | None, other: dict[Any, str], label: Any) -> str:
    """The row's currency: from its column when shown, else from the frame's note."""
    value = other.get(label) if column is None else column.get(label)
    return "USD" if value is None or pd.isna(value) else str(value)


def _plain(value: Any) -> Any:
    """An unknown as ``—``; lists as comma-separated; everything else as it is."""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) or "—"
    try:
        return "—" if pd.isna(value) else value
    except (TypeError, ValueError):  # an array-like cell
        return value
