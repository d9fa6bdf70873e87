"""Quote-locked rentals: nothing is rented above the price the user saw.

A ``PodRequest`` carries ``maxPrice`` (by default the quote, ``provisioning``). Right
before the create, the client re-reads the offer with one request and hands it here:
``check_still_priced`` refuses — before anything is sent — an offer that vanished or
now costs more than the cap, saying old versus new price. Should the price move in the
instant between that read and the create, the API refuses the create itself (the spec's
``maxPrice``); ``cap_refusal`` turns that 400 into a message that says so.
"""

from __future__ import annotations

from .display.primitives import usd
from .errors import (
    BadRequestError,
    BalanceTooLowError,
    PriceCapRefusedError,
    PriceChangedError,
)
from .models import GpuOffer
from .pricing import first_hour, quote, same_price, wallet_short, within_cap
from .provisioning import PodRequest


def check_still_priced(request: PodRequest, fresh: GpuOffer | None) -> None:
    """Raise ``PriceChangedError`` when the re-read offer ``fresh`` cannot be rented
    under ``request``'s cap (or is gone); return quietly when it can."""
    quoted = request.quote()
    old, cap, cur = quoted.total_hr, request.max_price, quoted.currency
    what = f"{request.offer.gpu_count}× {request.offer.gpu_type} ({request.offer.cloud_id})"
    if fresh is None:
        raise PriceChangedError(
            f"The offer {what} in {request.offer.data_center or request.offer.country} is no "
            f"longer listed (it was {usd(old, currency=cur)} when quoted); nothing was sent.",
            old_hr=old,
            new_hr=None,
            cap_hr=cap,
        )
    new = quote(fresh, request.disk_gb, request.vcpus, request.memory_gb).total_hr
    if within_cap(new, cap):
        return
    if not within_cap(old, cap):  # below the quote from the start: not a move
        now = (
            ""
            if old is None or new is None or same_price(old, new)
            else f" (it is now {usd(new, currency=cur)})"
        )
        message = (
            f"The cap of {usd(cap, currency=cur)} is below the quoted price of {what}, "
            f"{usd(old, currency=cur)}{now}; nothing was sent."
        )
    else:
        message = (
            f"The price of {what} moved from {usd(old, currency=cur)} (quoted) to "
            f"{usd(new, currency=cur)}, above the cap of {usd(cap, currency=cur)}; "
            "nothing was sent."
        )
    raise PriceChangedError(
        message,
        old_hr=old,
        new_hr=new,
        cap_hr=cap,
    )


def cap_refusal(err: BadRequestError, request: PodRequest) -> PriceCapRefusedError | None:
    """The API's 400 for a too-low ``maxPrice`` as a message that says so; None for any
    other 400."""
    if request.max_price is None or "maxprice" not in str(err.detail or err.message).lower():
        return None
    quoted = request.quote()
    cap, was = (usd(v, currency=quoted.currency) for v in (request.max_price, quoted.total_hr))
    return PriceCapRefusedError(
        f"The API refused the create: the offer's price is now above your cap "
        f"maxPrice {cap} (quoted {was}). "
        f"Nothing was rented. The API said: {err.detail or err.message}",
        status_code=err.status_code,
        detail=err.detail,
    )


def check_balance(request: PodRequest, disks_hr: float | None, balance: float | None) -> None:
    """A create whose first hour (with its disks and prepaid hours) the wallet cannot pay
    is not sent without ``despite_balance``; an unknown balance never blocks (the API
    refuses what it cannot bill)."""
    need = first_hour(request.quote(), disks_hr)
    if need is None or balance is None or not wallet_short(need, balance):
        return
    raise BalanceTooLowError(
        f"Your balance ({usd(balance, '')}) does not pay the first hour of this pod "
        f"({usd(need, '')} with its disks and prepaid hours); nothing was sent."
    )
