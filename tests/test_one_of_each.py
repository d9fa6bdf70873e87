"""One of each: money is said by one formatter (``display.primitives.usd``), a price cap
is one rule (``pricing.within_cap``), and "the same offer" one definition
(``models.offer_key``). Each test fails when the one copy breaks or a second one comes
back. (Timestamps: test_timestamps.py; ask once then create once: test_widgets_confirm.py;
background loops: test_loops.py.)"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

import prime_magics
import prime_magics as pm
from prime_magics.capacity.match import WatchQuery
from prime_magics.display.primitives import digits, usd
from prime_magics.models import GpuOffer, offer_key
from prime_magics.price_lock import check_still_priced
from prime_magics.pricing import SLACK_HR, Quote, within_cap, within_cap_column
from prime_magics.provisioning import PodRequest
from prime_magics.rentals.budgets import refusal
from tests.test_provisioning import GUIDE_OFFER_JSON

PACKAGE = Path(prime_magics.__file__).parent


def sources(*, but: tuple[str, ...] = ()) -> dict[str, str]:
    """Every module's text but the sandbox's (a simulated server that imports nothing of
    the package) and ``but``'s, by its path in the package."""
    return {
        str(path.relative_to(PACKAGE)): path.read_text(encoding="utf-8")
        for path in sorted(PACKAGE.rglob("*.py"))
        if "sandbox" not in path.parts and str(path.relative_to(PACKAGE)) not in but
    }


# -- money -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "per", "shown"),
    [
        (12.3, "", "$12.30"),
        (1234.5, "", "$1,234.50"),
        (0.002, "", "$0.002"),  # under a cent: up to four digits, so a tiny budget reads
        (0.002, "month", "$0.002/month"),
        (28.5, "day", "$28.50/day"),
        (1.9, "h", "$1.9000/h"),
        (0.000097, "h", "$0.000097/h"),
        (0.1095, "GB/month", "$0.1095/GB/month"),  # a rate per unit: four digits
        (0.00015, "GB/h", "$0.00015/GB/h"),
        (0.0003, "GB/h", "$0.0003/GB/h"),  # never a trailing 00
        (0.0, "", "$0.00"),
        (-0.004, "", "$-0.004"),
        (None, "", "—"),
        (math.nan, "GB/h", "—"),
    ],
)
def test_the_one_money_formatter(amount: float | None, per: str, shown: str) -> None:
    assert usd(amount, per) == shown


def test_money_says_its_currency_and_a_column_lines_up() -> None:
    assert usd(2.1, currency="EUR") == "€2.1000/h" and usd(2.1, "", "CHF") == "2.10 CHF"
    assert usd(0.002, "", decimals=2) == "$0.00" and usd(1.9, decimals=2) == "$1.90/h"
    assert [digits(p) for p in ("h", "GB/h", "GB/month", "", "day", "month")] == [4, 4, 4, 2, 2, 2]


def test_the_budget_says_money_as_everything_else_does() -> None:
    from prime_magics.rentals.budgets import Budget, BudgetState

    state = BudgetState(Budget(0.002), spent_usd=0.004, burn_hr=0.0, now=0.0, counted=())
    said = refusal(state)
    assert said is not None and "budget of $0.002 is spent ($0.004 " in said


def test_the_cap_text_and_the_termination_say_money_through_usd() -> None:
    request = PodRequest.from_offer(GUIDE_OFFER_JSON, name="p", max_price=1234.5)
    assert "maxPrice $1,234.5000/h (your cap)" in request.cap_text
    euro = {**GUIDE_OFFER_JSON, "prices": {"onDemand": 1.9, "currency": "EUR"}}
    assert "maxPrice €1.9000/h" in PodRequest.from_offer(euro, name="p").cap_text


# An amount of money written by hand: "$" before a replacement field with a number format
# or a money-ish name, a hand-made "/h", or a second formatter named money.
BY_HAND = [
    re.compile(r"\$\{[^}]*:[^}]*[fg]\}"),
    re.compile(r"\$\{[^}]*(price|usd|cost|amount|limit|spent|balance|per_gb)[^}]*\}"),
    re.compile(r"def (money|dollars|price_text)\("),
]


def test_no_amount_of_money_is_formatted_by_hand() -> None:
    found = [
        f"{name}: {match.group(0)}"
        for name, text in sources(but=("display/primitives.py",)).items()
        for pattern in BY_HAND
        for match in pattern.finditer(text)
    ]
    assert found == []
    caught = ["${x:.2f}", "${pod.price_hr}", "def money("]  # what each pattern is for
    assert all(p.search(t) for p, t in zip(BY_HAND, caught, strict=True))


# -- the cap rule ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("price", "cap", "under"),
    [
        (2.0, 2.0, True),
        (2.0 + SLACK_HR / 10, 2.0, True),  # the same price up to float noise
        (0.1 + 0.2, 0.3, True),
        (2.0 + 1e-6, 2.0, False),
        (None, 2.0, False),
        (math.nan, 2.0, False),
        (5.0, None, True),
        (None, None, True),
    ],
)
def test_the_one_cap_rule(price: float | None, cap: float | None, under: bool) -> None:
    assert within_cap(price, cap) is under
    column = pd.Series([price], dtype="Float64")  # the explorer's filter: the same answers
    assert bool(within_cap_column(column, cap).iloc[0]) is under


def quoted(total: float, gpus: int = 8) -> Quote:
    return Quote(total, 0.0, 0.0, 0.0, total, gpus, None, None, None)


def test_a_watch_and_rent_first_and_the_reread_draw_the_cap_at_the_same_line() -> None:
    offer = GpuOffer.model_validate({**GUIDE_OFFER_JSON, "gpuCount": 8})
    query = WatchQuery(max_total=16.0)
    noise, above = 16.0 + SLACK_HR / 10, 16.0 + 1e-6
    assert query.refusal(offer, quoted(noise)) is None
    assert query.refusal(offer, quoted(above)) == "above the total cap"
    assert query.over_caps(noise, noise / 8, "USD") is None  # what rent-first asks
    assert query.over_caps(above, above / 8, "USD") == "above the total cap"
    per_gpu = WatchQuery(max_price_per_gpu=2.0)
    assert per_gpu.over_caps(16.0, 2.0 + SLACK_HR / 10, "USD") is None
    assert per_gpu.over_caps(16.0, 2.0 + 1e-6, "USD") == "above the cap per GPU"
    request = PodRequest.from_offer(GUIDE_OFFER_JSON, name="p", max_price=1.9)
    still = GpuOffer.model_validate(GUIDE_OFFER_JSON)
    check_still_priced(request, still.model_copy(update={"prices": still.prices.model_copy(
        update={"on_demand": 1.9 + SLACK_HR / 10})}))  # fmt: skip
    dearer = still.prices.model_copy(update={"on_demand": 1.9 + 1e-6})
    with pytest.raises(pm.PriceChangedError):
        check_still_priced(request, still.model_copy(update={"prices": dearer}))


def test_the_cap_rule_is_written_once() -> None:
    texts = sources()
    slack = [name for name, text in texts.items() if re.search(r"SLACK\w* = ", text)]
    added = [name for name, text in texts.items() if re.search(r"\+ SLACK_HR", text)]
    assert slack == ["pricing.py"] and added == ["pricing.py"]
    assert (
        "over_caps(" in texts["capacity/rent_first.py"] and "within_cap(" in texts["price_lock.py"]
    )
    assert "within_cap_column(" in texts["widgets/explorer.py"]


# -- the same offer ----------------------------------------------------------------------


def offer_json(**changes: Any) -> dict[str, Any]:
    return {**GUIDE_OFFER_JSON, **changes}


def serving(*offers: dict[str, Any]) -> tuple[list[str], Any]:
    paths: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        return httpx.Response(200, json=list(offers))

    return paths, handle


def test_the_reread_finds_its_offer_by_the_one_identity(mock_client: Any) -> None:
    """Two listings that differ only in what the old four-field check ignored (security):
    the re-read takes the one that is the same offer, never the first cheaper one."""
    community = offer_json(security="community_cloud", prices={"onDemand": 0.5})
    secure = offer_json(prices={"onDemand": 1.9})
    paths, handle = serving(community, secure)
    client = mock_client(handle)
    mine = GpuOffer.model_validate(secure)
    found = client._offers.reread(mine)
    assert found is not None and offer_key(found) == offer_key(mine)
    assert found.prices.on_demand == 1.9 and paths == ["/api/v1/availability/gpus"]
    other_country = offer_json(country="US")
    _, handle = serving(other_country)
    assert mock_client(handle)._offers.reread(mine) is None  # not the same offer: gone


def test_a_multi_node_offer_is_reread_from_its_listing(mock_client: Any) -> None:
    paths, handle = serving(offer_json())  # the multi-node listing does not say so
    mine = GpuOffer.model_validate(offer_json(isMultinode=True))
    found = mock_client(handle)._offers.reread(mine)
    assert found is not None and found.is_multinode and paths == ["/api/v1/availability/multi-node"]


def test_the_same_offer_is_defined_once() -> None:
    texts = sources()
    defining = [n for n, t in texts.items() if re.search(r"def (offer_key|same)\(", t)]
    assert defining == ["models.py"]
    assert "offer_key(" in texts["transport/offers_api.py"]
    assert "offer_key(" in texts["capacity/match.py"] and "offer_key(" in texts["capacity/state.py"]
