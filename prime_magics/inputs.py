"""The door every id and every number passes before it reaches a request.

Ids. A pod, disk, SSH-key or team id goes into a URL path (``/pods/{id}``), and httpx
resolves dot segments the way a browser does: ``/pods/../disks/ID`` *is* ``/disks/ID``, so
``terminate_pod("../disks/ID")`` used to delete a disk. The API's ids are opaque tokens of
letters, digits, ``-`` and ``_`` (32 hex digits for pods and disks, ``team-…`` for teams),
so ``path_id`` accepts exactly that shape and returns it as ONE percent-encoded path
segment (``quote(id, safe="")``: a no-op for a valid id, and a second lock should the
shape ever be widened). Anything else (``..``, ``.``, ``/``, ``?``, ``#``, whitespace, an
empty string) cannot be meant as an id and is refused before anything is sent.

Numbers. Hours, prices, amounts, sizes and counts arrive from argparse (``float("inf")``
parses), from widgets and from plain Python, and a non-finite value or an absurd one is
never a choice a person made: ``max_hours=inf`` is a pod that is never stopped,
``max_price=nan`` a cap that compares false with everything, ``1e12`` GB a typo. ``finite``
refuses them, against the bounds below, set once here and meant as "beyond anything
billable", not as a policy: a larger value is certainly a mistake, a smaller one is left
to the API and the offer's own ranges (``pricing.check_count``).

- ``MAX_HOURS`` 10 000 h: more than a year (8 760 h) of one rental, the longest horizon
  a deadline (``max_hours``) or an extension can sensibly name.
- ``MAX_PRICE_HR`` $10 000/h: the dearest offers (8× the newest GPUs, multi-node
  clusters) cost tens to a few hundred dollars an hour; a cap 10 000 $/h is no cap.
- ``MAX_USD`` $1 000 000: a budget or amount above it is not a notebook's spending limit.
- ``MAX_GB`` 1 000 000 GB (1 PB): the largest disk offers are ~100 000 GB; memory of the
  largest multi-node machines stays well below it too.
- ``MAX_COUNT`` 10 000: GPUs or vCPUs in one pod; the largest offers have a few hundred.

``LARGEST`` is the bound of an argument whose kind is not known (argparse's generic
``positive_float``): no quantity we take is billable above it.
"""

from __future__ import annotations

import math
import numbers
import re
from urllib.parse import quote

from .errors import ConfigurationError

MAX_HOURS = 10_000.0
MAX_PRICE_HR = 10_000.0
MAX_USD = 1_000_000.0
MAX_GB = 1_000_000
MAX_COUNT = 10_000
LARGEST = max(MAX_HOURS, MAX_PRICE_HR, MAX_USD, MAX_GB, MAX_COUNT)

ID_MAX_LENGTH = 128
_ID = re.compile(rf"[A-Za-z0-9_-]{{1,{ID_MAX_LENGTH}}}")


def _shown(value: object, limit: int = 60) -> str:
    """``value`` as the message quotes it: repr (one line, escapes visible), shortened."""
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, numbers.Integral)):
        text = repr(float(value))  # np.float64(inf) → inf
    elif isinstance(value, numbers.Integral) and not isinstance(value, bool):
        text = str(int(value))
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def path_id(field: str, value: object, kind: str) -> str:
    """``value`` checked as a ``kind`` ("pod id") and returned as one encoded path segment.

    Raises ``ConfigurationError`` (``field`` set, so a magic can name its own argument)
    for anything that is not letters, digits, ``-`` and ``_``, 1–128 of them."""
    if not isinstance(value, str) or not _ID.fullmatch(value):
        too_long = isinstance(value, str) and len(value) > ID_MAX_LENGTH
        allowed = "letters, digits, - and _ only"
        allowed = f"at most {ID_MAX_LENGTH} characters" if too_long else allowed
        raise ConfigurationError(
            f"{field}={_shown(value)}: not a {kind} ({allowed})",
            hint="Copy it from its listing: %prime pods list, disks list, ssh-keys list…",
            field=field,
        )
    return quote(value, safe="")


def _amount(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,g}"


def finite(
    name: str,
    value: object,
    *,
    low: float,
    high: float,
    low_open: bool = False,
    unit: str = "",
) -> float:
    """``value`` as a float when it is a real, finite number in ``[low, high]`` (``(low,
    high]`` with ``low_open``); else ``ConfigurationError`` with ``field=name``, whose
    message starts ``name=value:`` and says what would be accepted."""
    units = f" {unit}" if unit else ""
    above = "more than" if low_open else "at least"
    wanted = f"{above} {_amount(low)} and at most {_amount(high)}{units}"

    def refuse(why: str) -> ConfigurationError:
        return ConfigurationError(f"{name}={_shown(value)}: {why}", field=name)

    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise refuse(f"expected a number ({wanted})")
    try:
        number = float(value)
    except OverflowError:  # an int too large for a float: far beyond any bound
        raise refuse(f"too large: {wanted}") from None
    if not math.isfinite(number):
        raise refuse(f"not a finite number: {wanted}")
    if number < low or (low_open and number == low) or number > high:
        raise refuse(f"out of range: {wanted}")
    return number


def whole(name: str, value: object, *, low: int, high: int, unit: str = "") -> int:
    """``finite``, and a whole number (a count or a size in GB); returned as an ``int``."""
    number = finite(name, value, low=low, high=high, unit=unit)
    if not number.is_integer():
        raise ConfigurationError(f"{name}={_shown(value)}: expected a whole number", field=name)
    return int(number)


def hours(name: str, value: object) -> float:
    """A duration in hours: ``max_hours``, a deadline's extension."""
    return finite(name, value, low=0.0, high=MAX_HOURS, low_open=True, unit="hours")


def price_hr(name: str, value: object) -> float:
    """A price or price cap in $/h: ``max_price``, ``max_total``, ``max_price_per_gpu``."""
    return finite(name, value, low=0.0, high=MAX_PRICE_HR, low_open=True, unit="$/h")


def usd(name: str, value: object) -> float:
    """An amount of money in USD: a budget."""
    return finite(name, value, low=0.0, high=MAX_USD, low_open=True, unit="USD")


def size_gb(name: str, value: object, *, low: int = 0) -> int:
    """A size in GB: a disk, memory."""
    return whole(name, value, low=low, high=MAX_GB, unit="GB")


def count(name: str, value: object, *, low: int = 0) -> int:
    """A count: GPUs, vCPUs."""
    return whole(name, value, low=low, high=MAX_COUNT)


__all__ = [
    "LARGEST",
    "MAX_COUNT",
    "MAX_GB",
    "MAX_HOURS",
    "MAX_PRICE_HR",
    "MAX_USD",
    "count",
    "finite",
    "hours",
    "path_id",
    "price_hr",
    "size_gb",
    "usd",
    "whole",
]
