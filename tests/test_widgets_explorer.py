"""AvailabilityExplorer against the sandbox: no I/O until load() (or first display),
server-side filters re-query once with their parameters, local ones never query and keep
the frame's row labels, a selection in the grid (``selected_rows``, set as the browser
sets it) opens a ProvisionForm for exactly that offer, and no dropdown is ever without a
value among its options (a blank box in the browser)."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pandas as pd
import pytest
from IPython.display import display

import prime_magics as pm
from prime_magics.display.primitives import SANDBOX_LABEL as SANDBOX_TAG
from prime_magics.display.primitives import usd
from prime_magics.frames.view import CURRENCY
from prime_magics.sandbox import SandboxServer
from prime_magics.widgets import AvailabilityExplorer, ProvisionForm
from prime_magics.widgets.explorer import ANY, SERVER_FILTERS
from prime_magics.widgets.grid import (
    CURRENCY_AT,
    INDEX_NAME,
    SEARCH_AT,
    SEARCH_NAME,
    UNKNOWN,
    display_frame,
    grid_options,
)
from tests.widget_fixtures import Published, calls, rejecting


@pytest.fixture
def explorer(client: pm.Client) -> AvailabilityExplorer:
    made = AvailabilityExplorer(client, max_rows=20)
    made.load()
    return made


def queries(sandbox: SandboxServer) -> list[list[tuple[str, str]]]:
    """One entry per ``client.availability`` that reached the API (its first page)."""
    requests = calls(sandbox, "GET", "/availability/gpus")
    return [r.query for r in requests if ("page", "1") in r.query]


def dropdowns(explorer: AvailabilityExplorer) -> list[Any]:
    return [explorer.dropdown(name) for name in SERVER_FILTERS]


def assert_no_blank_dropdown(explorer: AvailabilityExplorer) -> None:
    """What the browser draws: ``index`` is its ``selectedIndex``; None is a blank box."""
    for control in dropdowns(explorer):
        assert control.index is not None, control.description
        assert control.options[control.index][1] == control.value, control.description
        assert control.value is not None, control.description


def grid_labels(explorer: AvailabilityExplorer) -> list[Any]:
    shown = explorer.grid.df
    assert shown is not None
    return [int(v) for v in shown[INDEX_NAME]]


def test_the_constructor_asks_nothing_load_and_first_display_do(
    client: pm.Client, sandbox: SandboxServer
) -> None:
    before = len(sandbox.requests)
    explorer = AvailabilityExplorer(client)
    assert len(sandbox.requests) == before and not explorer.loaded
    assert_no_blank_dropdown(explorer)
    explorer._repr_mimebundle_()  # what IPython calls to display it
    assert explorer.loaded and len(queries(sandbox)) == 1
    assert len(explorer.frame) == len(client.availability()) > 0
    explorer._repr_mimebundle_()
    assert len(queries(sandbox)) == 1  # loaded once


def test_the_grid_lists_every_offer_cheapest_first_with_its_own_labels(
    explorer: AvailabilityExplorer, client: pm.Client
) -> None:
    frame = client.availability()
    assert SANDBOX_TAG in explorer.heading.value
    assert len(explorer.frame) == len(frame)
    assert grid_labels(explorer) == list(frame.index)
    usd = explorer.frame[explorer.frame["currency"] == "USD"]
    totals = list(usd["total_hr"].dropna())
    assert totals and totals == sorted(totals)  # cheapest first (per currency)
    assert explorer.grid.options["pageLength"] == 20
    assert "H100_80GB" in [value for _, value in explorer.gpu_type.options]
    assert_no_blank_dropdown(explorer)


def test_money_stays_numeric_and_is_drawn_with_dollars_and_unknowns_as_a_dash(
    explorer: AvailabilityExplorer,
) -> None:
    shown = display_frame(explorer.frame)
    assert shown["total $/h"].dtype == "Float64" and shown["$/GPU/h"].dtype == "Float64"
    assert shown["total $/h"].tolist() == explorer.frame["total_hr"].tolist()
    no_data_center = explorer.frame["data_center"].isna()
    assert no_data_center.any()
    assert set(shown.loc[no_data_center, "data center"]) == {UNKNOWN}
    hidden, money, unknown, _search = explorer.grid.options["columnDefs"]
    columns = list(shown.columns)
    assert [columns[i] for i in money["targets"]] == ["total $/h", "$/GPU/h"]
    assert '"USD": "$"' in money["render"] and "minimumFractionDigits: 4" in money["render"]
    assert [columns[i] for i in hidden["targets"]] == ["currency"] and not hidden["visible"]
    assert UNKNOWN in money["render"] and UNKNOWN in unknown["render"]
    # a missing number travels as JSON null (the render draws the dash), not as text
    missing = pd.DataFrame({"total_hr": pd.array([None, 1.5], dtype="Float64")}, index=[7, 9])
    assert display_frame(missing)["total $/h"].isna().tolist() == [True, False]
    explorer.grid.show(missing)
    assert (
        explorer.grid._dt_args["data_json"].startswith("[[7.0,")
        and "null" in (explorer.grid._dt_args["data_json"])
    )


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run the grid's JS")
def test_the_renders_draw_dollars_and_dashes_and_sort_and_filter_on_numbers() -> None:
    """The grid's render functions, run as the browser runs them (DataTables calls each
    with the cell's value and what it is for: display, filter, sort, type)."""
    money, unknown = (d["render"] for d in grid_options(10)["columnDefs"][1:3])
    cases = [None, 0.175, 1234.5, 3]
    script = (
        f"const m = ({money}); const u = ({unknown}); const out = {{}};"
        "for (const t of ['display', 'filter', 'sort', 'type'])"
        f" out[t] = [{json.dumps(cases)}.map(v => m(v, t)), [null, 3].map(v => u(v, t))];"
        "console.log(JSON.stringify(out));"
    )
    run = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=60)
    out = json.loads(run.stdout)
    assert out["display"] == [[UNKNOWN, "$0.1750", "$1,234.5000", "$3.0000"], [UNKNOWN, 3]]
    assert out["sort"] == out["type"] == [[None, 0.175, 1234.5, 3], [None, 3]]
    # an unknown price is never "less than $x" in a number filter: it reads as the dash
    assert out["filter"] == [[UNKNOWN, 0.175, 1234.5, 3], [UNKNOWN, 3]]


def test_a_server_side_filter_requeries_once_with_its_parameters(
    explorer: AvailabilityExplorer, sandbox: SandboxServer
) -> None:
    before = len(queries(sandbox))
    explorer.gpu_type.value = "H100_80GB"
    assert len(queries(sandbox)) == before + 1
    assert ("gpu_type", "H100_80GB") in queries(sandbox)[-1]
    assert set(explorer.frame["gpu_type"]) == {"H100_80GB"}
    explorer.gpu_count.value = 1
    explorer.regions.value = ("canada",)
    explorer.security.value = "secure_cloud"
    assert len(queries(sandbox)) == before + 4  # one query per change
    last = queries(sandbox)[-1]
    for pair in [("gpu_type", "H100_80GB"), ("gpu_count", "1"), ("regions", "canada"),
                 ("security", "secure_cloud")]:  # fmt: skip
        assert pair in last
    assert explorer.filters() == {
        "gpu_type": "H100_80GB", "gpu_count": 1, "regions": ["canada"], "security": "secure_cloud"
    }  # fmt: skip
    assert set(explorer.frame["region"]) == {"canada"} and set(explorer.frame["gpu_count"]) == {1}
    assert "sandbox-H100-custom" in set(explorer.frame["cloud_id"])
    assert_no_blank_dropdown(explorer)
    explorer.gpu_type.value = ANY
    assert "gpu_type" not in explorer.filters()
    assert_no_blank_dropdown(explorer)


def test_local_filters_do_not_query_and_keep_the_row_labels(
    explorer: AvailabilityExplorer, sandbox: SandboxServer
) -> None:
    before = len(sandbox.requests)
    explorer.max_price.value = "2"
    assert len(explorer.frame) and (explorer.frame["total_hr"] <= 2.0).all()
    explorer.stock.value = ("Available",)
    assert set(explorer.frame["stock_status"]) == {"Available"}
    explorer.provider.value = ("runpod", "nebius")
    assert set(explorer.frame["provider"]) <= {"runpod", "nebius"} and len(explorer.frame)
    assert len(sandbox.requests) == before
    labels = list(explorer.frame.index)
    assert set(labels) < set(explorer.raw.index) and labels != list(range(len(labels)))
    assert grid_labels(explorer) == labels  # the frame's own labels, not renumbered
    assert_no_blank_dropdown(explorer)


def test_selecting_a_row_opens_a_form_for_exactly_that_offer(
    explorer: AvailabilityExplorer,
) -> None:
    explorer.provider.value = ("runpod",)  # so that positions and labels differ
    label = explorer.frame.index[3]
    assert label != 3
    explorer.grid.selected_rows = [3]  # as a click in the browser sets it
    form: Any = explorer.form
    row = explorer.raw.loc[label]
    assert isinstance(form, ProvisionForm) and explorer.selected == label
    assert f"Provision {row['gpu_count']}× {row['gpu_type']}" in form.heading.value
    assert SANDBOX_TAG not in form.heading.value  # one label per output: the explorer's
    assert explorer.form_area.children == (form,)
    assert form.offer.cloud_id == row["cloud_id"] and form.offer.provider == row["provider"]
    assert form.offer.data_center == (None if pd.isna(row["data_center"]) else row["data_center"])
    assert form.total_hr == usd(row["total_hr"])
    explorer.grid.selected_rows = [5]
    assert explorer.form is not form and explorer.selected == explorer.frame.index[5]
    assert explorer.form_area.children == (explorer.form,)  # the unused form was replaced
    explorer.grid.selected_rows = []  # deselected: the form stays, it may be half filled
    assert explorer.form_area.children == (explorer.form,)


def test_a_local_filter_keeps_the_selection_a_requery_clears_it(
    explorer: AvailabilityExplorer,
) -> None:
    label = explorer.frame.index[-1]
    form = explorer.select(label)
    assert explorer.grid.selected_rows == [len(explorer.frame) - 1]
    explorer.stock.value = (explorer.raw.loc[label, "stock_status"],)
    assert explorer.grid.selected_rows == [list(explorer.frame.index).index(label)]
    assert explorer.form is form and explorer.selected == label  # not reopened
    explorer.gpu_count.value = 8  # new rows, new labels: nothing is selected in them
    assert explorer.grid.selected_rows == [] and explorer.selected is None
    assert explorer.form_area.children == (form,)
    with pytest.raises(KeyError):
        explorer.select("no such label")


def test_df_prime_explore_starts_from_the_frame_without_a_query(
    client: pm.Client, sandbox: SandboxServer
) -> None:
    cheapest = client.availability().prime.cheapest(12, per_gpu=True)
    before, asked = len(sandbox.requests), len(queries(sandbox))
    explorer = cheapest.prime.explore(client=client, max_rows=10)
    explorer._repr_mimebundle_()
    assert len(sandbox.requests) == before
    assert explorer.loaded and grid_labels(explorer) == list(cheapest.index)
    assert {v for _, v in explorer.gpu_type.options} == {ANY, *cheapest["gpu_type"]}
    assert_no_blank_dropdown(explorer)
    label = cheapest.index[2]
    explorer.grid.selected_rows = [2]
    assert explorer.form is not None
    assert explorer.form.offer.cloud_id == cheapest.loc[label, "cloud_id"]
    explorer.security.value = "secure_cloud"
    assert len(queries(sandbox)) == asked + 1
    assert ("security", "secure_cloud") in queries(sandbox)[-1]


def test_presets_are_among_the_options_before_and_after_loading(
    client: pm.Client, sandbox: SandboxServer
) -> None:
    explorer = AvailabilityExplorer(client, gpu_type="H100_80GB", gpu_count=8, max_price=50.0)
    assert explorer.gpu_type.value == "H100_80GB" and explorer.gpu_count.value == 8
    assert_no_blank_dropdown(explorer)
    explorer.load()
    assert ("gpu_type", "H100_80GB") in queries(sandbox)[-1]
    assert ("gpu_count", "8") in queries(sandbox)[-1]
    assert explorer.gpu_type.value == "H100_80GB" and explorer.gpu_count.value == 8
    assert (explorer.frame["total_hr"] <= 50.0).all()
    assert_no_blank_dropdown(explorer)


def test_a_rejected_key_loads_into_one_error_line(mock_client: Any) -> None:
    explorer = AvailabilityExplorer(mock_client(rejecting))
    explorer.load()
    assert isinstance(explorer.last_error, pm.AuthenticationError)
    assert explorer.status_level == "error" and len(explorer.frame) == 0
    assert explorer.status_line.value.count("prime-notice") == 1
    assert not explorer.loaded and explorer.grid.selected_rows == []
    assert_no_blank_dropdown(explorer)


# -- money in the row's currency (issue 21, item 2) ------------------------------------


def run_renders(values: list[Any], currencies: list[str]) -> dict[str, list[Any]]:
    """The money and currency renders, run as DataTables runs them: each value with its
    row (an array whose hidden currency cell is at ``CURRENCY_AT``)."""
    hidden, money, _ = (d["render"] for d in grid_options(10)["columnDefs"][:3])
    rows = [[None] * CURRENCY_AT + [c] for c in currencies]
    script = (
        f"const m = ({money}); const c = ({hidden});"
        f" const v = {json.dumps(values)}; const r = {json.dumps(rows)};"
        "console.log(JSON.stringify({display: v.map((x, i) => m(x, 'display', r[i])),"
        " sort: v.map((x, i) => m(x, 'sort', r[i])),"
        " group: r.map(row => c(row[row.length - 1], 'sort'))}));"
    )
    run = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    out: dict[str, list[Any]] = json.loads(run.stdout)
    return out


def test_the_grid_carries_each_rows_currency_in_a_hidden_column(
    explorer: AvailabilityExplorer,
) -> None:
    frame = explorer.frame
    shown = display_frame(frame)
    assert list(shown.columns).index("currency") == CURRENCY_AT
    assert shown["currency"].tolist() == frame["currency"].fillna("USD").tolist()
    assert "EUR" in set(shown["currency"])  # the sandbox's scaleway rows
    # every order the browser makes is first by that column (USD rows first)
    assert explorer.grid.options["orderFixed"] == {"pre": [[CURRENCY_AT, "asc"]]}
    # a view without the column still knows its rows' currencies (the frame's note)
    trimmed = frame.drop(columns="currency")
    trimmed.attrs[CURRENCY] = {k: "EUR" for k in frame.index[frame["currency"] == "EUR"]}
    assert display_frame(trimmed)["currency"].tolist() == shown["currency"].tolist()


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run the grid's JS")
def test_euro_offers_read_in_euros_and_sort_after_the_usd_ones_as_in_the_frame(
    explorer: AvailabilityExplorer,
) -> None:
    """The issue's scaleway rows read "$17.9368" and sorted among the USD rows by raw
    number; drawn, they read in euros, and sorted either way they come after every USD
    row (DataTables orders by the fixed currency key first, then the clicked column)."""
    out = run_renders([17.9368, 2.1, 1.5, None], ["EUR", "CHF", "USD", "EUR"])
    assert out["display"] == ["€17.9368", "2.1000 CHF", "$1.5000", UNKNOWN]
    shown = display_frame(explorer.frame)
    priced = shown[shown["total $/h"].notna()]
    totals = [float(v) for v in priced["total $/h"]]
    out = run_renders(totals, priced["currency"].tolist())
    keyed = list(zip(out["group"], out["sort"], priced["currency"], strict=True))
    ascending = [c for _, _, c in sorted(keyed, key=lambda k: (k[0], k[1]))]
    descending = [c for _, _, c in sorted(keyed, key=lambda k: (k[0], -k[1]))]
    in_frame = priced["currency"].tolist()  # the frame: USD cheapest first, then the rest
    assert "EUR" in in_frame and in_frame[0] == "USD"
    assert ascending == descending == in_frame


# -- issue 21, item 11: the price limit, the search, the selection; item 6 ------------


def test_max_price_empty_is_no_limit_in_words_and_zero_is_not_a_silent_no_limit(
    explorer: AvailabilityExplorer, sandbox: SandboxServer
) -> None:
    """ "Max $/h 0" meant no limit without a word: empty (placeholder "no limit") is
    now no limit, and 0 is refused aloud."""
    assert explorer.max_price.value == "" and explorer.max_price.placeholder == "no limit"
    assert explorer.price_limit is None and len(explorer.frame) == len(explorer.raw)
    explorer.max_price.value = "2"
    assert explorer.price_limit == 2.0 and (explorer.frame["total_hr"] <= 2.0).all()
    explorer.max_price.value = "0"
    assert explorer.status_level == "warning" and "above 0" in explorer.status_text
    assert "No price limit applied" in explorer.status_text
    explorer.max_price.value = ""
    assert explorer.status_level == "info" and len(explorer.frame) == len(explorer.raw)
    assert "Max $/h: no limit" in explorer.summary_lines()[1]


def test_the_search_finds_a_price_as_shown_and_as_a_plain_number(
    explorer: AvailabilityExplorer,
) -> None:
    """A search for "2.72" found nothing while "$2.7200" was shown: the cell's search data
    was the raw float 2.7199999999999998. A hidden searchable column holds each price as
    drawn and as plain numbers; the money cells keep their numbers for the conditions."""
    frame = explorer.frame
    label = frame.index[frame["cloud_id"] == "sandbox-H100-custom"][0]
    assert "2.72" not in repr(float(frame.loc[label, "total_hr"]))  # the trap itself
    shown = display_frame(frame)
    columns = list(shown.columns)
    assert columns.index(SEARCH_NAME) == SEARCH_AT
    words = shown.loc[label, SEARCH_NAME].split()
    assert {"$2.7200", "2.7200", "2.72"} <= set(words)
    euro = frame.index[frame["currency"] == "EUR"][0]
    assert shown.loc[euro, SEARCH_NAME].startswith("€")  # as the grid draws it
    (search,) = [d for d in grid_options(10)["columnDefs"] if d["targets"] == [SEARCH_AT]]
    assert search["visible"] is False and search["searchable"] is True
    assert SEARCH_AT not in grid_options(10)["searchBuilder"]["columns"]
    assert shown["total $/h"].dtype == "Float64"  # still a number for "less than"


def test_the_chosen_regions_are_said_in_a_line_of_their_own(
    explorer: AvailabilityExplorer,
) -> None:
    """A scrolled Regions list hid what was selected; a line says it."""
    assert "Regions: any · Stock: any · Provider: any" in explorer.chosen.value
    regions = [v for _, v in explorer.regions.options][-2:]  # the ones a list scrolls to
    explorer.regions.value = tuple(regions)
    assert f"Regions: {', '.join(regions)}" in explorer.chosen.value
    explorer.provider.value = ("runpod",)
    assert "Provider: runpod" in explorer.chosen.value


def test_the_saved_output_says_the_filters_and_the_open_offer(
    explorer: AvailabilityExplorer,
) -> None:
    """Item 6: the saved summary follows the filters and the offer opened from the grid."""
    with Published() as published:
        display(explorer)  # type: ignore[no-untyped-call]
        explorer.gpu_type.value = "H100_80GB"
        (saved,) = published.saved().values()
        assert "gpu_type H100_80GB" in saved["text/plain"]
        frame = explorer.frame
        form = explorer.select(frame.index[frame["cloud_id"] == "sandbox-H100-custom"][0])
        (saved,) = published.saved().values()
        assert f"Open: {form.state_lines()[0]}" in saved["text/plain"]
        form.resources["disk"].value = 205  # off its step: the open form rents nothing
        (saved,) = published.saved().values()
    assert "Nothing to rent yet" in saved["text/plain"] and "off its step" in saved["text/plain"]
