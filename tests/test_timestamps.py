"""``timestamps``: the one reading of the API's timestamps. The scalar ``moment`` and the
frames' vectorised ``stamp_column`` agree on every stamp, tricky ones included (Z,
+00:00, no zone, fractional seconds of any length, offsets that cross a day or a year's
end, garbage), one at a time and mixed in one column; and nothing else in the package
parses a timestamp of the API."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pytest

import prime_magics
from prime_magics.frames.rental_frames import stamp_column
from prime_magics.timestamps import at_or_after, epoch, moment

UTC = timezone.utc

READABLE = {
    "2026-01-01T00:00:00Z": datetime(2026, 1, 1, tzinfo=UTC),
    "2026-01-01T00:00:00z": datetime(2026, 1, 1, tzinfo=UTC),
    "2026-01-01t00:00:00Z": datetime(2026, 1, 1, tzinfo=UTC),
    "2026-01-01 00:00:00Z": datetime(2026, 1, 1, tzinfo=UTC),
    "2026-01-01T00:00:00+00:00": datetime(2026, 1, 1, tzinfo=UTC),
    "2026-01-01T00:00:00-00:00": datetime(2026, 1, 1, tzinfo=UTC),
    "2026-01-01T00:00:00": datetime(2026, 1, 1, tzinfo=UTC),  # no zone: UTC
    "2026-01-01T05:30:00+05:30": datetime(2026, 1, 1, tzinfo=UTC),
    "2025-12-31T20:00:00-04:00": datetime(2026, 1, 1, tzinfo=UTC),  # across the year's end
    "2026-01-01T00:00:00.5Z": datetime(2026, 1, 1, 0, 0, 0, 500000, tzinfo=UTC),
    "2026-01-01T00:00:00.123Z": datetime(2026, 1, 1, 0, 0, 0, 123000, tzinfo=UTC),
    "2026-01-01T00:00:00.123456Z": datetime(2026, 1, 1, 0, 0, 0, 123456, tzinfo=UTC),
    "2026-01-01T00:00:00.123456789Z": datetime(2026, 1, 1, 0, 0, 0, 123456, tzinfo=UTC),
    "1969-12-31T23:59:59.9999999Z": datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    "2025-12-31T23:59:59.123456789-23:59": datetime(2026, 1, 1, 23, 58, 59, 123456, tzinfo=UTC),
    "2024-02-29T12:00:00Z": datetime(2024, 2, 29, 12, tzinfo=UTC),
    "0001-01-01T00:00:00Z": datetime(1, 1, 1, tzinfo=UTC),
    "9999-12-31T23:59:59.999999Z": datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
}
UNREADABLE = [
    None, "", "soon", "now", "today", "nan", "NaT", "2026-01-01", "2026-01-01T00",
    "2026-01-01T00:00", "20260101T000000Z", "2026-W01-4", "2026-1-1T00:00:00Z",
    "2026-01-01T0:00:00Z", " 2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z ",
    "2026-01-01T00:00:00ZZ", "+2026-01-01T00:00:00Z", "2026-01-01T00:00:00.Z",
    "2026-01-01T00:00:00,5Z", "2026-01-01T00:00:00+0530", "2026-01-01T00:00:00+05",
    "2026-01-01T00:00:00+00:00:30", "2026-01-01T00:00:00+24:00", "2026-01-01T00:00:00+05:60",
    "2026-01-01T24:00:00Z", "2026-01-01T23:59:60Z", "2025-02-29T00:00:00Z",
    "2026-02-30T00:00:00Z", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-23:59",
    "٢٠٢٦-01-01T00:00:00Z",
]  # fmt: skip
ALL = [*READABLE, *UNREADABLE]


@pytest.mark.parametrize("stamp", list(READABLE))
def test_a_readable_stamp_is_its_moment_in_utc(stamp: str) -> None:
    assert moment(stamp) == READABLE[stamp] and moment(stamp).tzinfo is UTC  # type: ignore[union-attr]
    assert epoch(stamp) == READABLE[stamp].timestamp()


@pytest.mark.parametrize("stamp", UNREADABLE)
def test_an_unreadable_stamp_is_none_never_an_error(stamp: str | None) -> None:
    assert moment(stamp) is None and epoch(stamp) is None


def expected(stamps: list[str | None]) -> list[pd.Timestamp | None]:
    moments = [moment(s) for s in stamps]
    return [None if m is None else pd.Timestamp(m) for m in moments]


def as_list(column: pd.Series[pd.Timestamp]) -> list[pd.Timestamp | None]:
    return [None if pd.isna(v) else v for v in column]


@pytest.mark.parametrize("stamp", ALL)
def test_the_frame_column_agrees_with_the_one_parser_on_each_stamp(stamp: str | None) -> None:
    assert as_list(stamp_column([stamp])) == expected([stamp])


@pytest.mark.parametrize(
    "stamps",
    [ALL, list(READABLE), [*READABLE, "now"], [*READABLE, "2026-02-30T00:00:00Z"], [], [None]],
    ids=["everything", "readable only", "with now", "with 30 February", "empty", "none"],
)
def test_the_frame_column_agrees_with_the_one_parser_in_one_column(
    stamps: list[str | None],
) -> None:
    column = stamp_column(stamps)
    assert str(column.dtype) == "datetime64[us, UTC]"
    assert as_list(column) == expected(stamps)


def test_created_since_allows_two_minutes_of_clock_skew() -> None:
    since = "2026-01-01T12:00:00+00:00"
    assert at_or_after("2026-01-01T12:00:00Z", since)
    assert at_or_after("2026-01-01T11:58:00Z", since)  # the API's clock two minutes behind
    assert not at_or_after("2026-01-01T11:57:59Z", since)
    assert not at_or_after(None, since) and not at_or_after("soon", since)
    assert at_or_after("2026-01-01T00:00:00Z", None)  # no start known: anything is since


def test_nothing_else_parses_an_api_timestamp() -> None:
    """The one parser: no other module reads an ISO timestamp (the sandbox, a server of its
    own, writes and reads its own)."""
    package = Path(prime_magics.__file__).parent
    readers = {
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if "sandbox" not in path.parts
        for text in [path.read_text(encoding="utf-8")]
        if "fromisoformat" in text or 'format="ISO8601"' in text or "def epoch" in text
    }
    assert readers == {"frames/rental_frames.py", "timestamps.py"}
    frames = (package / "frames" / "rental_frames.py").read_text(encoding="utf-8")
    assert "fromisoformat" not in frames and "SHAPE.fullmatch" in frames
