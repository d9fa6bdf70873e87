"""Quote-locked rentals: ``maxPrice`` is the quote unless the user says otherwise, the offer
is re-read (one request) right before a create, and nothing is sent when it vanished or
now costs more than the cap. The sandbox moves prices and removes offers on request, and
itself refuses a create whose ``maxPrice`` is below the current price, so every path is
played end to end over real HTTP."""

from __future__ import annotations

from typing import Any

import httpx
import pandas as pd
import pytest

import prime_magics as pm
from prime_magics.frames import offer_frames as frames
from prime_magics.provisioning import PodRequest
from prime_magics.sandbox import SandboxServer
from tests.test_provisioning import CUSTOM_OFFER_JSON, GUIDE_OFFER_JSON

pytest_plugins = ("tests.magic_fixtures",)


def posts(sandbox: SandboxServer) -> list[Any]:
    return [r for r in sandbox.requests if r.method == "POST" and r.path == "/api/v1/pods/"]


def rereads(sandbox: SandboxServer) -> list[Any]:
    return [r for r in sandbox.requests if r.path.startswith("/api/v1/availability/")]


def guide_row(client: pm.Client) -> pd.Series[Any]:
    """The provisioning guide's fixed hyperstack H100 in CANADA-1, as a frame row."""
    frame = client.availability(cloud_id="n3-H100x1", data_center_id="CANADA-1")
    assert len(frame) == 1
    row: pd.Series[Any] = frame.iloc[0]
    return row


# -- the body --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "disk_gb"), [(GUIDE_OFFER_JSON, None), (CUSTOM_OFFER_JSON, 200)]
)
def test_the_default_cap_is_the_quote_for_every_offer_shape(
    source: dict[str, Any], disk_gb: int | None
) -> None:
    model = pm.GpuOffer.model_validate(source)
    row = frames.availability_frame([model]).iloc[0]
    for shape in (source, model, row):
        request = PodRequest.from_offer(shape, name="p", disk_gb=disk_gb)
        assert request.body()["pod"]["maxPrice"] == pm.quote(shape, disk_gb=disk_gb).total_hr
        assert request.cap_source == "quote" and "the quote" in request.cap_text


def test_none_sends_no_cap_and_a_number_sets_it() -> None:
    uncapped = PodRequest.from_offer(GUIDE_OFFER_JSON, name="p", max_price=None)
    assert "maxPrice" not in uncapped.body()["pod"] and "no price cap" in uncapped.cap_text
    capped = PodRequest.from_offer(GUIDE_OFFER_JSON, name="p", max_price=2.5)
    assert capped.body()["pod"]["maxPrice"] == 2.5 and "your cap" in capped.cap_text
    with pytest.raises(pm.ConfigurationError, match="'quote'"):
        PodRequest.from_offer(GUIDE_OFFER_JSON, name="p", max_price="cheap")  # type: ignore[arg-type]


# -- the re-read before a create ------------------------------------------------------------


def test_an_unchanged_offer_is_reread_once_then_rented(
    client: pm.Client, sandbox: SandboxServer
) -> None:
    with pm.Client(api_key=sandbox.api_key, base_url=sandbox.url) as reader:
        row = guide_row(reader)  # closed: its pages guessed past the end are in the log too
    request = PodRequest.from_offer(row, name="steady")
    sandbox.requests.clear()
    client.create_pod(request)
    assert len(rereads(sandbox)) == 1 and len(posts(sandbox)) == 1
    assert posts(sandbox)[0].json["pod"]["maxPrice"] == pytest.approx(1.9)


def test_a_price_that_rose_after_the_quote_sends_nothing(
    client: pm.Client, sandbox: SandboxServer
) -> None:
    request = PodRequest.from_offer(guide_row(client), name="too-late")
    assert sandbox.reprice_offer("n3-H100x1", 2.4, data_center="CANADA-1") == 1
    with pytest.raises(pm.PriceChangedError) as raised:
        client.create_pod(request)
    assert posts(sandbox) == []
    err = raised.value
    assert (err.old_hr, err.new_hr, err.cap_hr) == pytest.approx((1.9, 2.4, 1.9))
    assert "$1.9000/h" in str(err) and "$2.4000/h" in str(err) and "nothing was sent" in str(err)
    # the user re-confirms with the new price as the cap: then it goes
    client.create_pod(PodRequest.from_offer(request.offer, name="too-late", max_price=2.4))
    assert len(posts(sandbox)) == 1


def test_a_cap_below_the_quote_is_said_as_such_not_as_a_price_that_moved(
    client: pm.Client, sandbox: SandboxServer
) -> None:
    """Nothing moved: the cap was set below the quote. The refusal says that; the magic's
    hint (its flags) stays on the error for the command line."""
    request = PodRequest.from_offer(guide_row(client), name="low-cap", max_price=1.5)
    with pytest.raises(pm.PriceChangedError) as raised:
        client.create_pod(request)
    assert posts(sandbox) == []
    message = raised.value.message
    assert "moved" not in message and "below the quoted price" in message
    assert "$1.5000/h" in message and "$1.9000/h" in message and "nothing was sent" in message
    assert "--max-price" in str(raised.value)  # the CLI's wording, for the magic
    # below the quote and moved too: both are said
    sandbox.reprice_offer("n3-H100x1", 2.4, data_center="CANADA-1")
    with pytest.raises(pm.PriceChangedError, match=r"below the quoted.*now \$2\.4000/h"):
        client.create_pod(request)


@pytest.mark.parametrize(("balance", "short"), [(40.0, True), (50.0, False), (None, False)])
def test_the_forecast_and_the_create_share_one_balance_rule(
    balance: float | None, short: bool
) -> None:
    """24 prepaid hours at $1.90/h: $45.60 up front. A wallet below it is short for the
    create's check and for the forecast alike, and then pays for no hour at all."""
    from prime_magics.errors import BalanceTooLowError
    from prime_magics.price_lock import check_balance
    from prime_magics.pricing import forecast_for

    offer = {**GUIDE_OFFER_JSON, "prepaidTime": 24}
    request = PodRequest.from_offer(offer, name="p")
    quoted = request.quote()
    assert quoted.prepaid_cost == pytest.approx(45.6) and quoted.total_hr is not None
    ahead = forecast_for(quoted, 0.0, balance)
    assert ahead.short is short and ahead.first_charge == pytest.approx(45.6)
    refused = False
    try:
        check_balance(request, 0.0, balance)
    except BalanceTooLowError:
        refused = True
    assert refused is short
    if balance is not None:
        assert ahead.runway_h == (0.0 if short else pytest.approx(balance / quoted.total_hr))


def test_a_vanished_offer_sends_nothing(client: pm.Client, sandbox: SandboxServer) -> None:
    request = PodRequest.from_offer(guide_row(client), name="gone", max_price=None)
    assert sandbox.remove_offer("n3-H100x1", data_center="CANADA-1") == 1
    with pytest.raises(pm.PriceChangedError, match="no longer listed") as raised:
        client.create_pod(request)
    assert raised.value.new_hr is None and posts(sandbox) == []


def test_a_lower_price_or_no_cap_still_rents(client: pm.Client, sandbox: SandboxServer) -> None:
    row = guide_row(client)
    sandbox.reprice_offer("n3-H100x1", 1.5, data_center="CANADA-1")
    client.create_pod(PodRequest.from_offer(row, name="cheaper"))
    sandbox.reprice_offer("n3-H100x1", 3.0, data_center="CANADA-1")
    client.create_pod(PodRequest.from_offer(row, name="whatever", max_price=None))
    assert [p.json["pod"]["name"] for p in posts(sandbox)] == ["cheaper", "whatever"]
    assert "maxPrice" not in posts(sandbox)[1].json["pod"]


def test_the_sandbox_refuses_a_cap_below_the_price_and_the_client_says_so(
    sandbox: SandboxServer,
) -> None:
    """The price moves in the instant between the re-read and the create: the API's own
    check (the spec's ``maxPrice``) refuses, and the message says it was the cap."""

    class MovesAfterTheReread(httpx.HTTPTransport):
        """Moves the price just before the create leaves: after every page of the re-read
        (they go out concurrently), so the client's own check cannot see it."""

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            if request.method == "POST" and request.url.path.endswith("/pods/"):
                sandbox.reprice_offer("n3-H100x1", 2.2, data_center="CANADA-1")
            return super().handle_request(request)

    with pm.Client(
        api_key=sandbox.api_key, base_url=sandbox.url, transport=MovesAfterTheReread()
    ) as racing:
        request = PodRequest.from_offer(guide_row(racing), name="raced")
        sandbox.catalog.restore()
        with pytest.raises(pm.PriceCapRefusedError) as raised:
            racing.create_pod(request)
    assert raised.value.status_code == 400 and len(posts(sandbox)) == 1
    text = str(raised.value)
    assert (
        "above your cap" in text and "maxPrice $1.9000/h" in text and "Nothing was rented" in text
    )
    assert "no pod was created" in text  # the sandbox's own detail
    assert sandbox.state.live_pod_ids() == []


def test_the_control_routes_move_and_remove_offers_until_reset(sandbox: SandboxServer) -> None:
    with httpx.Client(base_url=sandbox.url) as http:
        selector = {"cloudId": "n3-H100x1", "dataCenter": "CANADA-1"}
        moved = http.post("/_sandbox/offers/price", json={**selector, "price": 3.3})
        assert moved.status_code == 200 and len(moved.json()["changed"]) == 1
        head = {"Authorization": f"Bearer {sandbox.api_key}"}
        query = {"cloud_id": "n3-H100x1", "data_center_id": "CANADA-1"}
        listed = http.get("/api/v1/availability/gpus", params=query, headers=head).json()
        assert listed["items"][0]["prices"]["onDemand"] == 3.3
        assert http.post("/_sandbox/offers/remove", json=selector).status_code == 200
        listed = http.get("/api/v1/availability/gpus", params=query, headers=head).json()
        assert listed["items"] == []
        assert http.post("/_sandbox/offers/remove", json={"cloudId": "nope"}).status_code == 404
        http.post("/_sandbox/reset")
        listed = http.get("/api/v1/availability/gpus", params=query, headers=head).json()
        assert listed["items"][0]["prices"]["onDemand"] == 1.9


# -- what the preview says ---------------------------------------------------------------


def test_the_preview_says_which_cap_applies(ip: Any, prime_sandbox: SandboxServer) -> None:
    from tests.magic_fixtures import Cell

    ip.user_ns["df"] = pm.get_client().availability(cloud_id="n3-H100x1")
    quoted = Cell(ip, "%prime pods create --offer df[0]")
    assert "Price cap: maxPrice $1.9000/h (the quote)" in quoted.text
    assert '"maxPrice": 1.9' in quoted.text
    none = Cell(ip, "%prime pods create --offer df[0] --max-price none")
    assert "no price cap" in none.text and '"maxPrice"' not in none.text
    mine = Cell(ip, "%prime pods create --offer df[0] --max-price 2.25")
    assert "maxPrice $2.2500/h (your cap)" in mine.text
    assert posts(prime_sandbox) == []
