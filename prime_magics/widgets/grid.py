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
number of decimals for money, an em dash for anything unknown. ``selected_rows`` holds
positions in that copy; ``label_at`` turns one back into the frame's index label.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import pandas as pd
from itables.typing import JavascriptFunction
from itables.widget import ITable

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
PAGE_LENGTHS = (10, 25, 50, 100, 500)

# Drawn in the browser. Sorting reads the raw value, so a price sorts as a number; the
# filters read it too, except that an unknown one reads as the dash: a number condition
# ("less than $0.20") never counts an unknown price as cheap (DataTables would read an
# empty value as minus infinity), and a search for "—" finds the unknowns.
_UNKNOWN_JS = (
    "if (data === null || data === undefined) "
    f"{{ return type === 'display' || type === 'filter' ? '{UNKNOWN}' : data; }} "
)
_MONEY_RENDER = JavascriptFunction(
    f"function (data, type) {{ {_UNKNOWN_JS}"
    "return type === 'display' ? '$' + Number(data).toLocaleString('en-US', "
    f"{{minimumFractionDigits: {MONEY_DECIMALS}, maximumFractionDigits: {MONEY_DECIMALS}}}) "
    ": data; }"
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
    return shown


def grid_options(page_length: int) -> dict[str, Any]:
    """The ``ITable`` options: one selectable row, paging, per-column filters, formats."""
    money = [i + 1 for i, (_, c) in enumerate(COLUMNS) if c in MONEY]  # +1: the "#" column
    lengths = sorted({page_length, *PAGE_LENGTHS})
    return {
        "select": {"style": "single", "items": "row"},
        "showIndex": False,  # the labels are the "#" column: sortable and searchable
        "maxBytes": 0,  # never downsample: a row left out could not be selected
        "pageLength": page_length,
        "lengthMenu": lengths,
        "order": [],  # the frame's order (cheapest first) until a header is clicked
        "columnControl": [["orderAsc", "orderDesc", "orderClear", "spacer", "search"]],
        "columnDefs": [
            {"targets": money, "render": _MONEY_RENDER, "className": "dt-right"},
            {"targets": "_all", "render": _UNKNOWN_RENDER},
        ],
        "layout": {"top1": "searchBuilder"},
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
        super().__init__(display_frame(self.frame), **self.options)

    def show(self, frame: pd.DataFrame, keep: Hashable | None = None) -> None:
        """Draw ``frame``'s rows; the row labelled ``keep`` (if shown) stays selected.

        Every option is passed again: ``ITable.update`` drops column definitions it was
        not given, and would otherwise carry the old selection *positions* to new rows."""
        self.frame = frame
        selected = self.positions([] if keep is None else [keep])
        self.update(display_frame(frame), selected_rows=selected, **self.options)

    def positions(self, labels: Sequence[Hashable]) -> list[int]:
        """The position in ``frame`` of the first row with one of these labels (or none)."""
        wanted = set(labels)
        return [i for i, label in enumerate(self.frame.index) if label in wanted][:1]

    def label_at(self, position: int) -> Hashable:
        """The index label (``df.loc`` key) of the row at ``position``."""
        label: Hashable = self.frame.index[position]
        return label
