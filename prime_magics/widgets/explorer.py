"""``AvailabilityExplorer``: filter and sort GPU offers, then configure one.

Filters the API understands (GPU type and count, regions, security, socket) re-query
``client.availability(...)``; the others (max $/h, stock status) and the sort order only
filter and reorder the frame already fetched. Every number in the table is a column of
the availability frame, computed by ``pricing``. Choosing a row and Configure (or
``select(i)``) opens a ``ProvisionForm`` for that offer below the table. The first query
is ``load()``, run at the end of ``__init__`` through ``Form.run`` (see ``DiskForm``).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import pandas as pd

from .._display import usd
from ..offers import cell
from ._form import Form
from .provision import ProvisionForm

if TYPE_CHECKING:
    from ..client import Client

SORTS = [
    ("total $/h", "total_hr"),
    ("$/GPU/h", "price_per_gpu_hr"),
    ("GPU $/h", "gpu_price_hr"),
    ("GPU count", "gpu_count"),
    ("GPU memory", "gpu_memory_gb"),
    ("provisioning time", "provisioning_time_min"),
]
MONEY = ("total_hr", "price_per_gpu_hr")
TABLE_COLUMNS = [
    ("GPU", "gpu_type"), ("×", "gpu_count"), ("provider", "provider"), ("region", "region"),
    ("data center", "data_center"), ("security", "security"), ("socket", "socket"),
    ("stock", "stock_status"), ("disk GB", "disk_gb"), ("vCPUs", "vcpus"),
    ("mem GB", "memory_gb"), ("total $/h", "total_hr"), ("$/GPU/h", "price_per_gpu_hr"),
]  # fmt: skip

EMPTY_COLUMNS = sorted({c for _, c in (*TABLE_COLUMNS, *SORTS)} | {"cloud_id"})


def _any(values: Any) -> list[Any]:
    """``[("any", None), *sorted distinct values]`` for a filter dropdown."""
    distinct = sorted({v for v in values if v is not None and v is not pd.NA})
    return [("any", None), *((str(v), v) for v in distinct)]


def row_label(i: int, row: pd.Series[Any]) -> str:
    where = cell(row, "data_center") or cell(row, "region") or "?"
    return (
        f"{i}: {cell(row, 'gpu_count')}× {cell(row, 'gpu_type')} · {cell(row, 'provider')} · "
        f"{where} · {usd(cell(row, 'total_hr'))}"
    )


class AvailabilityExplorer(Form):
    """Browse offers with server- and client-side filters; configure one to rent it."""

    def __init__(self, client: Client | None = None, max_rows: int = 50) -> None:
        super().__init__(client, "GPU availability")
        self.add_class("prime-availability-explorer")  # a stable hook for the browser test and CSS
        self.max_rows = max_rows
        self.form: ProvisionForm | None = None
        self.raw: pd.DataFrame = pd.DataFrame(columns=EMPTY_COLUMNS)  # until load() answers
        self.frame: pd.DataFrame = self.raw
        self.gpu_type = w.Dropdown(options=_any([]), description="GPU")
        self.gpu_count = w.Dropdown(options=_any([]), description="GPU count")
        self.regions = w.SelectMultiple(options=[], description="Regions")
        self.security = w.Dropdown(options=_any([]), description="Security")
        self.socket = w.Dropdown(options=_any([]), description="Socket")
        self.max_price = w.BoundedFloatText(
            value=0.0, min=0.0, max=10**6, step=0.1, description="Max $/h (0: any)"
        )
        self.stock = w.SelectMultiple(options=[], description="Stock")
        self.sort_by = w.Dropdown(options=SORTS, value="total_hr", description="Sort by")
        self.descending = w.Checkbox(description="descending")
        self.table = w.HTML()
        self.row = w.Dropdown(options=[], description="Offer", layout={"width": "auto"})
        self.configure_button = self.button("Configure", self._on_configure, "primary")
        self.form_area = w.VBox()
        server = [self.gpu_type, self.gpu_count, self.regions, self.security, self.socket]
        local = [self.max_price, self.stock, self.sort_by, self.descending]
        self.layout_children(
            w.HBox([w.VBox(server[:3]), w.VBox(server[3:] + local[:2])]),
            w.HBox(local[2:]), self.table, w.HBox([self.row, self.configure_button]),
            self.form_area,
        )  # fmt: skip
        self.apply()
        self.run(self.load)
        for control in server:
            control.observe(lambda _c: self.run(self.requery), "value")
        for control in local:
            control.observe(lambda _c: self.apply(), "value")
        self.row.observe(lambda _c: self.refresh_buttons(), "value")

    def load(self) -> None:
        """The first query: every offer, and the filter choices it offers (raises PrimeError)."""
        every = self.client.availability()
        self.gpu_type.options = _any(self.client.gpu_types())
        self.gpu_count.options = _any(int(c) for c in every["gpu_count"].dropna())
        self.regions.options = _any(every["region"])[1:]
        self.security.options = _any(every["security"])
        self.socket.options = _any(every["socket"])
        self.stock.options = _any(every["stock_status"])[1:]
        self.raw = every
        self.apply()

    # -- data ----------------------------------------------------------------------------

    def filters(self) -> dict[str, Any]:
        """The server-side filters as ``client.availability`` keywords (unset ones left out)."""
        chosen = {
            "gpu_type": self.gpu_type.value,
            "gpu_count": self.gpu_count.value,
            "regions": list(self.regions.value) or None,
            "security": self.security.value,
            "socket": self.socket.value,
        }
        return {k: v for k, v in chosen.items() if v is not None}

    def requery(self) -> None:
        """Ask the API again with the server-side filters, then filter locally."""
        self.raw = self.client.availability(**self.filters())
        self.apply()

    def apply(self) -> None:
        """Local filters and sort on the fetched frame; redraw the table and row list."""
        df = self.raw
        if self.max_price.value:
            df = df[df["total_hr"].le(self.max_price.value).fillna(False)]
        if self.stock.value:
            df = df[df["stock_status"].isin(self.stock.value).fillna(False)]
        df = df.sort_values(
            self.sort_by.value, ascending=not self.descending.value, na_position="last",
            kind="stable",
        )  # fmt: skip
        self.frame = df.reset_index(drop=True)
        self.row.options = [(row_label(i, r), i) for i, (_, r) in enumerate(self.frame.iterrows())]
        self.table.value = self._table_html()
        shown = min(len(self.frame), self.max_rows)
        self.show(f"{len(self.frame)} offers ({len(self.raw)} fetched); showing {shown}.")
        self.refresh_buttons()

    def _table_html(self) -> str:
        head = "".join(f"<th>{html.escape(label)}</th>" for label, _ in TABLE_COLUMNS)
        rows = []
        for i, row in self.frame.head(self.max_rows).iterrows():
            cells = []
            for _, column in TABLE_COLUMNS:
                value = cell(row, column)
                text = usd(value) if column in MONEY else ("—" if value is None else value)
                cells.append(f"<td>{html.escape(str(text))}</td>")
            rows.append(f"<tr><td>{i}</td>{''.join(cells)}</tr>")
        return f'<table class="prime-offers"><tr><th>#</th>{head}</tr>{"".join(rows)}</table>'

    # -- choosing ------------------------------------------------------------------------

    def can_enable(self, button: w.Button) -> bool:
        return self.row.value is not None

    def select(self, i: int) -> ProvisionForm:
        """Choose row ``i`` of ``frame`` and open its ProvisionForm."""
        self.row.value = i
        return self.configure()

    def configure(self) -> ProvisionForm:
        """Open a ProvisionForm for the chosen row (replacing one that rented nothing)."""
        index = self.row.value
        if index is None:
            raise IndexError("no offer is selected")
        old = self.form
        self.form = ProvisionForm(self.frame.iloc[index], client=self.client)
        self.form.sandbox_label = False  # the explorer's heading already says it
        kept = () if old is None or not old.submitted else (old,)  # a rented pod stays in view
        if old is not None and not kept:
            old.close()
        self.form_area.children = (*kept, self.form)
        return self.form

    def _on_configure(self) -> None:
        if self.row.value is not None:
            self.configure()
