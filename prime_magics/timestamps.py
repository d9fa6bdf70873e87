"""The API's timestamps, read once: RFC 3339 text → an aware UTC ``datetime``.

``moment`` is the one parser; ``epoch`` (seconds) and ``at_or_after`` (was something
created since a moment, allowing clock skew) are built on it, and a frame's vectorised
reading (``frames.rental_frames``) lets through only what ``SHAPE`` matches, so both
agree on every input. What is read:

- ``YYYY-MM-DDTHH:MM:SS`` (``T``, ``t`` or a space between), optional fractional seconds
  of any length (beyond microseconds cut off, as ``datetime`` holds no more);
- a zone ``Z``/``z`` or ``±HH:MM``; none at all means UTC (the API's own habit);
- anything else — a date alone, a week date, ``now``, surrounding blanks, ``24:00`` — is
  unreadable: None, never an error (the spec allows any string), and so is a moment
  ``datetime`` cannot hold once in UTC (year 1 at ``+14:00``).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

SHAPE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"(?:([Zz])|([+-])([01]\d|2[0-3]):([0-5]\d))?",
    re.ASCII,
)
"""What counts as an API timestamp (matched whole)."""

CLOCK_SKEW_S = 120.0
"""How far the API's clock may be behind ours when asking "created since?"."""


def moment(stamp: str | None) -> datetime | None:
    """An API timestamp as an aware UTC ``datetime``; None if absent or unreadable."""
    if not stamp:
        return None
    shape = SHAPE.fullmatch(stamp)
    if shape is None:
        return None
    year, month, day, hour, minute, second, fraction, _z, sign, off_h, off_m = shape.groups()
    offset = timedelta(hours=int(off_h or 0), minutes=int(off_m or 0))
    micro = int((fraction or "")[:6].ljust(6, "0"))
    try:
        local = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), micro,
            tzinfo=timezone(-offset if sign == "-" else offset),
        )  # fmt: skip
        return local.astimezone(timezone.utc)
    except (ValueError, OverflowError):  # 2024-02-30, 23:59:60, year 0 or 10000 in UTC
        return None


def epoch(stamp: str | None) -> float | None:
    """An API timestamp as epoch seconds; None if absent or unreadable."""
    when = moment(stamp)
    return None if when is None else when.timestamp()


def at_or_after(stamp: str | None, since: str | None, skew_s: float = CLOCK_SKEW_S) -> bool:
    """Whether ``stamp`` is at or after ``since`` less ``skew_s`` (the API's clock may lag
    ours): was it created since then? An unreadable ``stamp`` is not; an unreadable
    ``since`` excludes nothing."""
    created, start = epoch(stamp), epoch(since)
    return created is not None and (start is None or created >= start - skew_s)


__all__ = ["CLOCK_SKEW_S", "SHAPE", "at_or_after", "epoch", "moment"]
