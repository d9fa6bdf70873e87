"""``OfferGrid``: the offers of an availability frame in an interactive table.

The table is itables' ``ITable`` widget (DataTables in an anywidget), chosen over
ipydatagrid and over an anywidget of our own because it is made for exactly this and
kept up: its JavaScript ships inside the wheel (no CDN at run time), it renders in
JupyterLab 4, Notebook 7 and VS Code through anywidget, and DataTables brings
click-to-sort headers, paging (all rows are sent; pages are drawn in the browser),
per-column filters (ColumnControl: a value list for text columns, ``>``/``<``/``=``
conditions for numbers) and ``SearchBuilder`` for ranges ("between" on prices and
counts), and a ``selected_rows`` trait that row clicks set. ipydatagrid has no paging or
range filter of its own and draws on a canvas (no DOM rows to click in a test); an
anywidget of our own would re-implement all of that.

The grid shows a copy made for reading (``display_frame``): a subset of the columns
under short headers, the frame's own index as ``#`` (so row labels stay what
``df.loc`` takes, whatever is sorted or filtered), numbers kept numeric (nullable floats,
so missing ones travel as JSON ``null``) and formatted only when drawn: ``$`` and a fixed
number of decimals for money, an em dash for anything unknown. Money reads in its row's
currency (a hidden ``currency`` column: ``€17.9368``, as ``display.primitives.usd``
writes it) and sorts as the frame does: rows in another currency after the USD ones
whichever column is sorted either way, never compared with them by raw number.
``selected_rows`` holds positions in that copy; ``label_at`` turns one back into the
frame's index label.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Hashable, Iterator, Sequence
from contextlib import contextmanager
from math import isnan, nan
from typing import Any

import pandas as pd
from itables.typing import JavascriptFunction
from itables.widget import ITable

from ..display.primitives import SYMBOLS, usd
from ..frames.view import CURRENCY

UNKNOWN = "—"
MONEY_DECIMALS = 4  # as ``_display.usd`` shows $/h
COLUMNS = [  # what decides first: the GPU and the price
    ("GPU", "gpu_type"), ("×", "gpu_count"), ("total $/h", "total_hr"),
    ("$/GPU/h", "price_per_gpu_hr"), ("GPU GB", "gpu_memory_gb"), ("provider", "provider"),
    ("region", "region"), ("data center", "data_center"), ("security", "security"),
    ("socket", "socket"), ("stock", "stock_status"), ("disk GB", "disk_gb"),
    ("vCPUs", "vcpus"), ("mem GB", "memory_gb"),
]  # fmt: skip
MONEY = ("total_hr", "price_per_gpu_hr")
INDEX_NAME = "#"
CURRENCY_NAME = "currency"  # hidden: what the money render reads each row's currency from
CURRENCY_AT = len(COLUMNS) + 1  # its position in a row: after "#" and COLUMNS
SEARCH_NAME = "prices as shown"  # hidden: what the search box finds money by
SEARCH_AT = CURRENCY_AT + 1
PAGE_LENGTHS = (10, 25, 50, 100, 500)

# Drawn in the browser. Sorting reads the raw value, so a price sorts as a number; the
# filters read it too, except that an unknown one reads as the dash: a number condition
# ("less than $0.20") never counts an unknown price as cheap (DataTables would read an
# empty value as minus infinity), and a search for "—" finds the unknowns.
_UNKNOWN_JS = (
    "if (data === null || data === undefined) "
    f"{{ return type === 'display' || type === 'filter' ? '{UNKNOWN}' : data; }} "
)
# Money is drawn in the row's currency (its symbol, or the number then its code, as
# ``usd`` does). Rows in another currency come after the USD ones whichever way a column
# is sorted, as in the frame: every order is first by the hidden currency column
# (``orderFixed``), whose sort key is "0USD", "1EUR"…; amounts sort by their number.
_MONEY_RENDER = JavascriptFunction(
    f"function (data, type, row) {{ {_UNKNOWN_JS}"
    "if (type !== 'display') { return data; } "
    f"const cur = (row && row[{CURRENCY_AT}]) || 'USD'; "
    "const n = Number(data).toLocaleString('en-US', "
    f"{{minimumFractionDigits: {MONEY_DECIMALS}, maximumFractionDigits: {MONEY_DECIMALS}}}); "
    f"const sym = {json.dumps(SYMBOLS, ensure_ascii=False)}[cur]; "
    "return sym ? sym + n : n + ' ' + cur; }"
)
_CURRENCY_RENDER = JavascriptFunction(
    "function (data, type) { return type === 'sort' ? (data === 'USD' ? '0' : '1') + data : data; }"
)
_UNKNOWN_RENDER = JavascriptFunction(f"function (data, type) {{ {_UNKNOWN_JS}return data; }}")


def display_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The grid's copy of ``frame``: its index labels as ``#``, then its columns under their
    headers.

    Numbers become nullable floats (a missing one is JSON ``null``; itables would send a
    missing *integer* as the text ``<NA>``, which DataTables cannot sort as a number);
    text becomes plain strings with an em dash where it is unknown."""
    shown: pd.DataFrame = pd.DataFrame(index=frame.index.copy())
    labels = pd.Series(frame.index, index=frame.index)
    numeric = pd.api.types.is_numeric_dtype(labels)
    shown[INDEX_NAME] = labels.astype("Float64") if numeric else labels.map(str).astype(object)
    for label, column in COLUMNS:
        values = frame[column] if column in frame.columns else pd.Series(pd.NA, frame.index)
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            shown[label] = values.astype("Float64")
        else:
            text = values.astype(object).where(values.notna(), UNKNOWN)
            shown[label] = text.map(str).astype(object)
    shown[CURRENCY_NAME] = currencies = _currencies(frame)
    shown[SEARCH_NAME] = _prices_as_shown(frame, currencies)
    return shown


def _prices_as_shown(frame: pd.DataFrame, currencies: pd.Series[Any]) -> pd.Series[Any]:
    """Each row's money as the grid draws it (``usd`` at ``MONEY_DECIMALS``: ``$2.7200``)
    and as a plain number (``2.7200``, ``2.72``), for the search box: a money cell's own
    search data is its raw float (``2.7199999999999998``), kept so that number conditions
    ("less than") compare numbers, and it contains neither what is shown nor ``2.72``."""
    words: list[list[str]] = [[] for _ in range(len(frame))]
    for column in (c for c in MONEY if c in frame.columns):
        amounts = pd.to_numeric(frame[column], errors="coerce").to_numpy(float, na_value=nan)
        for texts, amount, currency in zip(words, amounts, currencies, strict=True):
            if isnan(amount):
                continue
            plain = f"{amount:.{MONEY_DECIMALS}f}"
            texts += [usd(amount, "", currency, MONEY_DECIMALS), plain, plain.rstrip("0")]
    return pd.Series([" ".join(t) for t in words], index=frame.index, dtype=object)


def _currencies(frame: pd.DataFrame) -> pd.Series[Any]:
    """Each row's currency: its column, else the frame's note of the rows not in USD."""
    if "currency" in frame.columns:
        given = frame["currency"].astype(object)
    else:
        other = frame.attrs.get(CURRENCY, {})
        given = pd.Series([other.get(label) for label in frame.index], frame.index, object)
    said: pd.Series[Any] = given.where(given.notna(), "USD").map(str).astype(object)
    return said


def grid_options(page_length: int) -> dict[str, Any]:
    """The ``ITable`` options: one selectable row, paging, per-column filters, formats."""
    money = [i + 1 for i, (_, c) in enumerate(COLUMNS) if c in MONEY]  # +1: the "#" column
    visible = list(range(len(COLUMNS) + 1))  # "#" and COLUMNS: the hidden ones are not
    lengths = sorted({page_length, *PAGE_LENGTHS})
    return {
        "select": {"style": "single", "items": "row"},
        "showIndex": False,  # the labels are the "#" column: sortable and searchable
        "maxBytes": 0,  # never downsample: a row left out could not be selected
        "pageLength": page_length,
        "lengthMenu": lengths,
        "order": [],  # the frame's order (cheapest first) until a header is clicked
        "orderFixed": {"pre": [[CURRENCY_AT, "asc"]]},  # USD rows first, in every order
        "columnControl": [["orderAsc", "orderDesc", "orderClear", "spacer", "search"]],
        "columnDefs": [
            {  # first: an earlier definition wins over "_all"
                "targets": [CURRENCY_AT],
                "render": _CURRENCY_RENDER,
                "visible": False,
                "searchable": False,
            },
            {"targets": money, "render": _MONEY_RENDER, "className": "dt-right"},
            {"targets": "_all", "render": _UNKNOWN_RENDER},
            # hidden but searched (merged with "_all", which sets neither)
            {"targets": [SEARCH_AT], "visible": False, "searchable": True},
        ],
        "layout": {"top1": "searchBuilder"},
        "searchBuilder": {"columns": visible},  # conditions on what is shown only
        "text_in_header_can_be_selected": False,  # a click anywhere on a title sorts
        "scrollX": True,  # wide rows scroll inside the output, the header in step
        "classes": "display nowrap compact cell-border prime-offer-grid",
        "style": "table-layout:auto;width:auto;margin:0;caption-side:bottom",
    }


class OfferGrid(ITable):
    """An ``ITable`` of offers. ``show(frame)`` replaces the rows; ``selected_rows`` (a
    trait the browser sets on a row click) holds at most one position in ``frame``."""

    def __init__(self, page_length: int = 25) -> None:
        self.options = grid_options(page_length)
        self.frame: pd.DataFrame = pd.DataFrame()
        with _order_fixed_allowed():
            super().__init__(display_frame(self.frame), **self.options)

    def show(self, frame: pd.DataFrame, keep: Hashable | None = None) -> None:
        """Draw ``frame``'s rows; the row labelled ``keep`` (if shown) stays selected.

        Every option is passed again: ``ITable.update`` drops column definitions it was
        not given, and would otherwise carry the old selection *positions* to new rows."""
        self.frame = frame
        selected = self.positions([] if keep is None else [keep])
        with _order_fixed_allowed():
            self.update(display_frame(frame), selected_rows=selected, **self.options)

    def positions(self, labels: Sequence[Hashable]) -> list[int]:
        """The position in ``frame`` of the first row with one of these labels (or none)."""
        wanted = set(labels)
        return [i for i, label in enumerate(self.frame.index) if label in wanted][:1]

    def label_at(self, position: int) -> Hashable:
        """The index label (``df.loc`` key) of the row at ``position``."""
        label: Hashable = self.frame.index[position]
        return label


@contextmanager
def _order_fixed_allowed() -> Iterator[None]:
    """itables checks its options against its typed list, which lacks DataTables'
    ``orderFixed``: its warning would be shown in the notebook on every redraw."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", r".*\{'orderFixed'\}", SyntaxWarning)
        yield
