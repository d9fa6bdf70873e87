"""Money refusals are their own branch of the error tree (``SpendRefusedError``), not
``ValueError``s: a price that moved, a wallet that cannot pay, a spent budget and the
API's cap refusal all say "nothing was rented", and ``except ValueError`` around a
create must not swallow that. Whoever treated them as "refused before sending" (the
rent-first watch, the forms) still does."""

from __future__ import annotations

from typing import Any

import pytest

import prime_magics as pm
from prime_magics import errors
from prime_magics.provisioning import PodRequest
from prime_magics.sandbox import SandboxServer
from tests.test_price_lock import guide_row, posts
from tests.test_provisioning import GUIDE_OFFER_JSON
from tests.test_watch import FakeClock, make

LOCAL_REFUSALS = [
    pm.PriceChangedError("moved", old_hr=1.9, new_hr=2.4, cap_hr=1.9),
    pm.BalanceTooLowError("the wallet cannot pay the first hour"),
    pm.BudgetSpentError("the budget is spent: nothing was sent"),
]
"""The refusals decided here, before anything is sent."""


def test_the_money_refusals_have_their_own_branch() -> None:
    assert issubclass(pm.SpendRefusedError, pm.PrimeError)
    assert not issubclass(pm.SpendRefusedError, ValueError)
    assert not issubclass(pm.SpendRefusedError, pm.ConfigurationError)
    for refusal in (pm.PriceChangedError, pm.BalanceTooLowError, pm.BudgetSpentError):
        assert issubclass(refusal, pm.SpendRefusedError)
        assert not issubclass(refusal, ValueError), refusal
        assert not issubclass(refusal, pm.ConfigurationError), refusal
    # the API's own cap refusal: a money refusal, and still the 400 it was
    assert issubclass(pm.PriceCapRefusedError, pm.SpendRefusedError)
    assert issubclass(pm.PriceCapRefusedError, pm.BadRequestError)
    assert issubclass(pm.PriceCapRefusedError, pm.APIStatusError)


def test_the_tree_in_the_docstring_draws_the_branch() -> None:
    doc = errors.__doc__ or ""
    assert "SpendRefusedError" in doc
    branch = doc[doc.index("SpendRefusedError") : doc.index("ConfirmationRequiredError")]
    for name in ("PriceChangedError", "BalanceTooLowError", "BudgetSpentError"):
        assert name in branch
    assert "SpendRefusedError" in errors.__all__
    assert pm.SpendRefusedError is errors.SpendRefusedError


def test_except_value_error_does_not_catch_a_moved_price(
    client: pm.Client, sandbox: SandboxServer
) -> None:
    request = PodRequest.from_offer(guide_row(client), name="moved")
    assert sandbox.reprice_offer("n3-H100x1", 2.4, data_center="CANADA-1") == 1
    with pytest.raises(pm.PriceChangedError) as raised:
        try:
            client.create_pod(request)
        except ValueError:  # a caller's "bad argument" handler
            pytest.fail("a moved price was caught as a ValueError")
    assert isinstance(raised.value, pm.SpendRefusedError) and posts(sandbox) == []


def test_a_bad_argument_is_still_a_value_error() -> None:
    with pytest.raises(ValueError):
        pm.PodRequest.from_offer(GUIDE_OFFER_JSON, name="p", max_price="cheap")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "refusal",
    [*LOCAL_REFUSALS, pm.PriceCapRefusedError("above the cap", status_code=400)],
    ids=lambda e: type(e).__name__,
)
def test_except_spend_refused_catches_every_money_refusal(refusal: pm.PrimeError) -> None:
    try:
        raise refusal
    except ValueError:
        pytest.fail(f"{type(refusal).__name__} was caught as a ValueError")
    except pm.SpendRefusedError as caught:
        assert caught is refusal and refusal.hint  # it says what to do next


@pytest.mark.parametrize("refusal", LOCAL_REFUSALS, ids=lambda e: type(e).__name__)
def test_rent_first_stays_armed_after_each_refusal_before_sending(
    client: pm.Client,
    sandbox: SandboxServer,
    monkeypatch: pytest.MonkeyPatch,
    refusal: pm.SpendRefusedError,
) -> None:
    """As when they were ``ConfigurationError``s: nothing was sent, so the watch keeps
    its claim, stays armed and rents the next match."""
    clock = FakeClock()
    watch = make(client, clock, rent_first=True, max_hours=2, name="first")
    armed = watch.rent_first
    assert armed is not None

    def refuse(*_: Any, **__: Any) -> pm.Pod:
        raise refusal

    monkeypatch.setattr(client, "create_pod", refuse)
    sandbox.add_offer(cloud_id="refused-h100x8", price=17.6)
    watch.step()
    assert armed.error is refusal and not armed.sent and armed.armed
    monkeypatch.undo()
    sandbox.add_offer(cloud_id="rented-h100x8", price=16.8)
    clock.now += 15
    watch.step()
    assert armed.pod is not None and not armed.armed


def test_rent_first_still_disarms_on_the_apis_cap_refusal(
    client: pm.Client, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The API's 400 came after the create was sent: never again, as before."""
    clock = FakeClock()
    watch = make(client, clock, rent_first=True, max_hours=2, name="first")
    armed = watch.rent_first
    assert armed is not None
    refusal = pm.PriceCapRefusedError("above the cap", status_code=400)

    def refuse(*_: Any, **__: Any) -> pm.Pod:
        raise refusal

    monkeypatch.setattr(client, "create_pod", refuse)
    sandbox.add_offer(cloud_id="refused-h100x8", price=17.6)
    watch.step()
    assert armed.error is refusal and armed.sent and not armed.armed


@pytest.mark.parametrize(
    "refusal",
    [*LOCAL_REFUSALS, pm.PriceCapRefusedError("above the cap", status_code=400)],
    ids=lambda e: type(e).__name__,
)
def test_the_forms_say_nothing_was_created_after_a_money_refusal(
    refusal: pm.SpendRefusedError,
) -> None:
    from prime_magics.widgets._form import create_failed, definitely_not_created

    assert definitely_not_created(refusal)
    assert "Nothing was created; you can try again." in create_failed(refusal, "%prime pods list")
