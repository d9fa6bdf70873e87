"""``AvailabilityExplorer``: filter and sort GPU offers in a grid, click one to configure it.

Filters the API understands (GPU type and count, regions, security, socket) re-query
``client.availability(...)``; the others (max $/h, stock status, provider) only filter
the frame already fetched. Sorting, paging and per-column filters are the grid's own
(``OfferGrid``, drawn in the browser). Clicking a row sets the grid's ``selected_rows``,
which opens a ``ProvisionForm`` for that offer below the grid; ``select(label)`` does the
same from code. Rows keep the frame's own index labels, whatever is filtered or sorted.

The constructor does no I/O, so building one in a script or a test costs nothing:
``load()`` runs the first query (through ``Form.run``: a ``PrimeError`` is one line on the
status line), and first display calls it when nobody has. Given a ``frame``
(``df.prime.explore()``), the explorer starts from it and asks nothing until a server-side
filter changes. A dropdown's value is always one of its options: "any" is a real option
(``ANY``), never ``None``, which ipywidgets would send to the browser as "nothing chosen"
and draw as a blank box.
"""

from __future__ import annotations

import html
import math
from collections.abc import Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import pandas as pd
import traitlets as t

from ..pricing import within_cap_column
from ._form import Form
from .grid import COLUMNS, OfferGrid
from .provision import ProvisionForm

if TYPE_CHECKING:
    from ..client import Client

ANY = "any"
"""The "no filter" option of every dropdown (a value of its own, see the module doc)."""
SERVER_FILTERS = ("gpu_type", "gpu_count", "security", "socket")  # dropdowns; regions apart
EMPTY_COLUMNS = sorted({c for _, c in COLUMNS} | {"cloud_id"})
_BOX: dict[str, Any] = {"layout": {"width": "240px"}, "style": {"description_width": "72px"}}


def _dropdown(description: str) -> w.Dropdown:
    return w.Dropdown(description=description, **_BOX)


def distinct(values: Iterable[Any]) -> list[Any]:
    """Sorted distinct known values (NA and ``None`` left out); ints stay ints."""
    known = {v.item() if hasattr(v, "item") else v for v in values if not pd.isna(v)}
    return sorted(known, key=lambda v: (str(type(v)), v))


class AvailabilityExplorer(Form):
    """Browse offers with server- and client-side filters; click one to rent it."""

    selected = t.Any(None, allow_none=True, help="Index label of the offer whose form is open.")
    loaded = t.Bool(False, help="The explorer has offers to show (fetched or given).")

    def __init__(
        self,
        client: Client | None = None,
        frame: pd.DataFrame | None = None,
        max_rows: int = 25,
        *,
        gpu_type: str | None = None,
        gpu_count: int | None = None,
        regions: Sequence[str] = (),
        security: str | None = None,
        socket: str | None = None,
        max_price: float | None = None,
        stock: Sequence[str] = (),
        provider: Sequence[str] = (),
    ) -> None:
        super().__init__(client, "GPU availability")
        self.add_class("prime-availability-explorer")  # a stable hook for the browser test and CSS
        self._quiet = False
        self.form: ProvisionForm | None = None
        self.raw: pd.DataFrame = pd.DataFrame(columns=EMPTY_COLUMNS)  # until load() answers
        self.frame: pd.DataFrame = self.raw
        self.gpu_type = _dropdown("GPU")
        self.gpu_count = _dropdown("GPU count")
        self.security = _dropdown("Security")
        self.socket = _dropdown("Socket")
        self.regions = w.SelectMultiple(description="Regions", rows=4, **_BOX)
        # text, not a number box: empty reads "no limit" (its placeholder), never a 0
        # that would silently mean the same
        self.max_price = w.Text(
            value="" if max_price is None else f"{max_price:g}", placeholder="no limit",
            description="Max $/h", tooltip="Total $/h at most; empty: no limit", **_BOX,
        )  # fmt: skip
        self.stock = w.SelectMultiple(description="Stock", rows=3, **_BOX)
        self.provider = w.SelectMultiple(description="Provider", rows=4, **_BOX)
        self.chosen = w.HTML()  # the multi-selects' choices, whatever their lists show
        self.grid = OfferGrid(page_length=max_rows)
        self.form_area = w.VBox()
        chosen = {"gpu_type": gpu_type, "gpu_count": gpu_count, "security": security}
        chosen["socket"] = socket
        for name, value in chosen.items():
            self._offer(self.dropdown(name), [] if value is None else [value], value)
        for box, values in ((self.regions, regions), (self.stock, stock)):
            self._offer(box, values, tuple(values))
        self._offer(self.provider, provider, tuple(provider))
        self.layout_children(
            w.HBox([
                w.VBox([self.gpu_type, self.gpu_count, self.security, self.socket]),
                self.regions,
                w.VBox([self.max_price, self.stock]),
                self.provider,
            ]),
            self.chosen, self.grid, self.form_area,
        )  # fmt: skip
        for control in (*map(self.dropdown, SERVER_FILTERS), self.regions):
            control.observe(self._on_server_filter, "value")
        for control in (self.max_price, self.stock, self.provider):
            control.observe(self._on_local_filter, "value")
        self.grid.observe(self._on_grid_selection, "selected_rows")
        if frame is not None:
            self._fetched(frame)
        else:
            self.show("Not loaded yet: call load(), or display the explorer.")

    @property
    def price_limit(self) -> float | None:
        """The "Max $/h" filter: None when empty (no limit); raises ValueError for text
        that is not a price above 0."""
        text = self.max_price.value.strip().lstrip("$")
        if not text:
            return None
        try:
            limit = float(text)
        except ValueError:
            limit = math.nan
        if not (math.isfinite(limit) and limit > 0):
            raise ValueError(
                f"Max $/h {self.max_price.value!r}: give a price above 0, or leave it empty "
                "for no limit."
            )
        return limit

    def choices_text(self) -> str:
        """``Regions: canada, norway · Stock: any · Provider: any``: what the lists have
        selected, said in a line of its own since a scrolled list hides it."""
        boxes = (("Regions", self.regions), ("Stock", self.stock), ("Provider", self.provider))
        return " · ".join(f"{name}: {', '.join(map(str, box.value)) or ANY}" for name, box in boxes)

    def dropdown(self, name: str) -> w.Dropdown:
        """The dropdown of a server-side filter, by its ``client.availability`` keyword."""
        control: w.Dropdown = getattr(self, name)
        return control

    # -- data ----------------------------------------------------------------------------

    def load(self) -> None:
        """The first query, with the filters set so far (a PrimeError → the status line)."""
        self.run(self._load)

    def _load(self) -> None:
        every = self.client.availability(**self.filters())
        self._offer(self.gpu_type, self.client.gpu_types())
        self._fetched(every)

    def before_shown(self) -> None:
        if not self.loaded and self.last_error is None:
            self.load()  # shown before anyone loaded it: load now, so it is never empty

    def filters(self) -> dict[str, Any]:
        """The server-side filters as ``client.availability`` keywords (unset ones left out)."""
        chosen: dict[str, Any] = {name: self.dropdown(name).value for name in SERVER_FILTERS}
        chosen["regions"] = list(self.regions.value) or ANY
        return {k: v for k, v in chosen.items() if v != ANY}

    def requery(self) -> None:
        """Ask the API again with the server-side filters, then filter locally."""
        self._fetched(self.client.availability(**self.filters()))

    def _fetched(self, frame: pd.DataFrame) -> None:
        """A new frame: the filters offer what it holds; its labels are new (no selection)."""
        self.raw = frame
        self.loaded = True
        for name in SERVER_FILTERS:
            self._offer(self.dropdown(name), frame.get(name, ()))
        self._offer(self.regions, frame.get("region", ()))
        self._offer(self.stock, frame.get("stock_status", ()))
        self._offer(self.provider, frame.get("provider", ()))
        self.selected = None
        self.apply()

    def apply(self) -> None:
        """The local filters on the fetched frame; redraw the grid (its labels unchanged)."""
        df = self.raw
        self.chosen.value = html.escape(self.choices_text())
        try:
            limit, unread = self.price_limit, None
        except ValueError as err:
            limit, unread = None, str(err)
        if limit is not None:
            df = df[within_cap_column(df["total_hr"], limit)]
        if self.stock.value:
            df = df[df["stock_status"].isin(self.stock.value).fillna(False)]
        if self.provider.value:
            df = df[df["provider"].isin(self.provider.value).fillna(False)]
        self.frame = df
        with self.quietly():
            self.grid.show(df, keep=self.selected)
        if unread is not None:
            self.show(f"{unread} No price limit applied: {len(df)} offers.", "warning")
            return
        self.show(f"{len(df)} offers ({len(self.raw)} fetched). Click a row to configure it.")

    def state_lines(self) -> list[str]:
        """The filters as they stand, then the offer whose form is open and its state."""
        server = [f"{k} {v}" for k, v in self.filters().items() if k != "regions"]
        limit = self.max_price.value.strip() or "no limit"
        lines = [
            f"Filters: {', '.join(server) or 'none'} · Max $/h: {limit} · {self.choices_text()}"
        ]
        if self.form is not None:
            lines += ["Open: " + line for line in self.form.state_lines()[:1]]
            lines += self.form.state_lines()[1:]
        return lines

    @t.observe("selected")
    def _state_changed(self, _change: Any = None) -> None:
        self.keep_saved()

    # -- controls ------------------------------------------------------------------------

    @contextmanager
    def quietly(self) -> Iterator[None]:
        """Changes made here (options, the grid's rows) are not the user's: no handler runs."""
        was, self._quiet = self._quiet, True
        try:
            yield
        finally:
            self._quiet = was

    def _offer(self, control: Any, values: Iterable[Any], value: Any = None) -> None:
        """Add ``values`` to ``control``'s options (they only grow) and keep its value.

        A dropdown's first option is "any"; ``value`` (default: the current one) must be
        among the options afterwards, which is what keeps the browser's box from going
        blank (ipywidgets resets the index whenever the options change)."""
        single = isinstance(control, w.Dropdown)
        old = [v for _, v in control.options if v != ANY]
        keep = control.value if value is None else value
        known = distinct([*old, *values, *([keep] if single and keep is not None else [])])
        options = [(str(v), v) for v in known if v != ANY]
        with self.quietly():
            if single:
                control.options = [(ANY, ANY), *options]
                control.value = keep if keep in known else ANY
            else:
                control.options = options
                control.value = tuple(v for v in keep if v in known)

    def _on_server_filter(self, _change: Any) -> None:
        if not self._quiet:
            self.run(self.requery)

    def _on_local_filter(self, _change: Any) -> None:
        if not self._quiet:
            self.apply()

    # -- choosing ------------------------------------------------------------------------

    def _on_grid_selection(self, change: Any) -> None:
        """A row clicked in the browser (or ``grid.selected_rows`` set): open its form."""
        rows = change["new"]
        if self._quiet or not rows:
            return  # a deselection keeps the form open: it may be half filled in
        label = self.grid.label_at(rows[0])
        self.run(lambda: self._open(label))

    def select(self, label: Hashable) -> ProvisionForm:
        """Open a ProvisionForm for the offer labelled ``label`` (as ``df.loc`` takes)."""
        if label not in self.raw.index:
            raise KeyError(f"no offer labelled {label!r}")
        with self.quietly():
            self.grid.selected_rows = self.grid.positions([label])
        self._open(label)
        assert self.form is not None
        return self.form

    def _open(self, label: Hashable) -> None:
        """The form for row ``label`` (replacing one that rented nothing)."""
        old = self.form
        row: pd.Series[Any] = self.raw.loc[[label]].iloc[0]  # the first, if labels repeat
        self.form = ProvisionForm(row, client=self.client)
        self.form.sandbox_label = False  # the explorer's heading already says it
        # what the open form did (a pod rented, its status) is this panel's saved output too
        self.form.observe(self._state_changed, ["request", "pod", "status_text"])
        kept = () if old is None or not old.submitted else (old,)  # a rented pod stays in view
        if old is not None and not kept:
            old.close()
        self.form_area.children = (*kept, self.form)
        self.selected = label
