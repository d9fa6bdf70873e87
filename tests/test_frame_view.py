"""How prime_magics frames display: what matters first, money as money, NA as a dash —
while the data stays numeric and every other DataFrame displays as before."""

from __future__ import annotations

from typing import Any

import pandas as pd

import prime_magics as pm
from prime_magics.frames import offer_frames as frames


def offer(cloud_id: str, price: float | None, **extra: Any) -> pm.GpuOffer:
    return pm.GpuOffer.model_validate(
        {
            "cloudId": cloud_id, "gpuType": "H100_80GB", "gpuCount": 2, "socket": "PCIe",
            "provider": "runpod", "security": "secure_cloud", "prices": {"onDemand": price},
            **extra,
        }
    )  # fmt: skip


def frame() -> pd.DataFrame:
    return frames.availability_frame(
        [
            offer("a", 2.5),
            offer("b", 0.008),
            offer("c", None),
            offer("eur", 2.0, prices={"onDemand": 2.0, "currency": "EUR"}),
        ]
    )


def html_of(df: pd.DataFrame) -> str:
    """What Jupyter shows (pandas-stubs do not declare ``_repr_html_``)."""
    return str(df._repr_html_())  # type: ignore[operator]


def test_money_reads_as_money_with_fixed_digits_in_each_rows_currency() -> None:
    html = html_of(frame())
    assert "$2.5000/h" in html and "$0.0080/h" in html  # four digits, never ragged
    assert "€2.0000/h" in html and "$2.0000/h" not in html  # the row's own currency
    assert "—" in html and "&lt;NA&gt;" not in html and "<NA>" not in html


def test_the_data_stays_numeric_and_the_caption_says_what_is_left_out() -> None:
    df = frame()
    assert str(df["total_hr"].dtype) == "Float64" and df["total_hr"].iloc[0] == 0.008
    text = repr(df).splitlines()
    assert text[0].startswith("4 offers · ") and "more columns" in text[0]
    assert "disk_min" not in repr(df) and "disk_min" in df.columns  # kept, not shown


def test_what_a_researcher_decides_on_leads_and_slices_keep_the_view() -> None:
    cheapest = frame().prime.cheapest(2)
    shown = html_of(cheapest)
    assert "total_hr" in shown and "price_per_gpu_hr" in shown and "$0.0040/h" in shown
    assert shown.index("gpu_type") < shown.index("total_hr") < shown.index("stock_status")
    assert repr(cheapest).startswith("2 offers")


def test_every_other_dataframe_displays_as_before() -> None:
    plain = pd.DataFrame({"total_hr": [1.5]})
    assert html_of(plain) == html_of(pd.DataFrame({"total_hr": [1.5]}))
    assert "prime-frame" not in html_of(plain)
    assert "offers" not in repr(plain) and "$" not in repr(plain)


def test_frames_from_the_sandbox_say_so(client: pm.Client) -> None:
    assert "from the sandbox (simulated)" in repr(client.availability(gpu_type="H100_80GB"))
    assert "disk offers from the sandbox" in repr(client.disk_availability())


def test_a_view_without_the_currency_column_still_shows_each_rows_currency() -> None:
    df = frame()
    shown = html_of(df[["gpu_type", "total_hr"]])
    assert "€2.0000/h" in shown and "$2.5000/h" in shown


def test_cheapest_never_compares_prices_across_currencies() -> None:
    cheapest = frame().prime.cheapest(4)
    assert list(cheapest["cloud_id"]) == ["b", "a", "eur"]  # EUR after every USD offer


def test_columns_picked_by_name_all_show_in_the_users_order() -> None:
    """``currency`` is left to the caption in the full view; picked by name, it shows."""
    df = frame()
    assert "currency" not in repr(df).splitlines()[1]
    picked = df[["gpu_type", "total_hr", "currency"]]
    text = repr(picked)
    header = text.splitlines()[1]
    assert header.index("gpu_type") < header.index("total_hr") < header.index("currency")
    assert "more columns" not in text.splitlines()[0] and "EUR" in text
    assert "currency" in html_of(picked) and "€2.0000/h" in html_of(picked)
    assert "currency" in html_of(picked.sort_values("total_hr"))  # kept through a sort
    assert "more columns" in repr(df[df["total_hr"] > 1]).splitlines()[0]  # a row mask picks none
