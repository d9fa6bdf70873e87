"""Pods, disks and billing history as DataFrames, with what each is costing so far.

Whatever the answer held, a frame is built: a timestamp that cannot be read (not RFC 3339,
or outside what a frame can hold once in UTC) is NaT, and a cost that overflows is NA,
never ``inf``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, Final

import numpy as np
import pandas as pd

from ..models import (
    Disk,
    HistoryItem,
    Pod,
    PodStatus,
    SshKey,
    TeamMember,
    TeamSummary,
    first_address,
)
from ..pricing import HOURS_PER_MONTH, cost_so_far
from ..timestamps import SHAPE, moment
from .view import View, view_of

POD_COLUMNS = [
    "id", "name", "status", "gpu_type", "gpu_count", "provider", "data_center", "price_hr",
    "created_at", "hours_running", "cost_so_far", "deadline", "past_deadline", "ssh", "ip",
    "installation_status", "installation_progress", "disk_ids",
]  # fmt: skip
DISK_COLUMNS = [
    "id", "name", "status", "provider", "data_center", "country", "size_gb", "price_hr",
    "price_month", "pods", "created_at",
]  # fmt: skip
HISTORY_COLUMNS = [
    "id", "name", "provider", "gpu_type", "gpu_count", "price_hr", "created_at",
    "terminated_at", "hours", "total_billed",
]  # fmt: skip
STATUS_COLUMNS = [
    "pod_id", "status", "installation_status", "installation_progress", "ssh", "ip",
    "price_hr", "installation_failure",
]  # fmt: skip
PODS = View("pod", tuple(POD_COLUMNS), {"price_hr": "h", "cost_so_far": ""})
DISKS = View("disk", tuple(DISK_COLUMNS), {"price_hr": "h", "price_month": "month"})
HISTORY = View("terminated pod", tuple(HISTORY_COLUMNS), {"price_hr": "h", "total_billed": ""})
STATUS = View("pod status", tuple(STATUS_COLUMNS), {"price_hr": "h"})


TIME_UNIT: Final = "datetime64[us, UTC]"  # ±290,000 years: any RFC 3339 year, in UTC, fits
_FIRST = pd.Timestamp(datetime.min.replace(tzinfo=timezone.utc))
_LAST = pd.Timestamp(datetime.max.replace(tzinfo=timezone.utc))


def stamp_column(values: Sequence[str | None]) -> pd.Series[pd.Timestamp]:
    """API timestamps as a UTC column: ``timestamps.moment`` for a whole column, equal to
    it on every value (NaT where it says None; ``tests/test_timestamps.py`` holds that).

    Only values of the one ``SHAPE`` reach pandas' vectorised parse (so ``now`` or a bare
    date is NaT here as it is None there); should that parse fail (a 30 February), each
    value is read by ``moment`` itself."""
    raw = pd.Series(list(values), dtype=object)
    shaped = raw.map(lambda v: isinstance(v, str) and SHAPE.fullmatch(v) is not None)
    candidates = raw.where(shaped.astype(bool)).str.upper()  # t and z read as T and Z
    try:
        parsed = pd.to_datetime(candidates, utc=True, format="ISO8601")
    except (ValueError, OverflowError, NotImplementedError):
        parsed = pd.Series([moment(v) for v in values], dtype=TIME_UNIT)
    as_us = parsed.astype(TIME_UNIT)
    # Year 1 at +14:00 is year 0 in UTC: pandas holds it, but cannot even print it.
    inside: pd.Series[pd.Timestamp] = as_us.where((as_us >= _FIRST) & (as_us <= _LAST))
    return inside


def _known(values: Any) -> pd.Series[float]:
    """As Float64, NA where arithmetic overflowed (an unknown, never ``inf``)."""
    series = pd.Series(values, dtype="Float64")
    known: pd.Series[float] = series.mask(np.isinf(series.to_numpy(float, na_value=np.nan)))
    return known


def _hours_between(
    start: pd.Series[pd.Timestamp], end: pd.Series[pd.Timestamp]
) -> pd.Series[float]:
    return _known((end - start).dt.total_seconds() / 3600)


def pods_frame(
    pods: Sequence[Pod],
    now: datetime | None = None,
    due: Mapping[str, float] | None = None,
    prepaid: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """One row per live pod, newest first; ``cost_so_far`` as ``pricing.cost_so_far``
    (price × hours since creation, prepaid hours up front: ``prepaid`` maps a pod id to
    them, from the local store).

    ``due`` maps a pod id to its deadline (epoch seconds, from the local store):
    ``deadline`` shows it and ``past_deadline`` flags one that passed, e.g. while the
    guard could not end it."""
    now = now or datetime.now(timezone.utc)
    due = due or {}
    prepaid = prepaid or {}
    deadlines = [due.get(p.id) for p in pods]
    created = stamp_column([p.created_at for p in pods])
    stamp = pd.Timestamp(now).tz_convert("UTC") if now.tzinfo else pd.Timestamp(now, tz="UTC")
    hours = _hours_between(created, pd.Series(stamp, index=created.index, dtype=TIME_UNIT))
    price = pd.array([p.price_hr for p in pods], dtype="Float64")
    frame: pd.DataFrame = pd.DataFrame(
        {
            "id": pd.array([p.id for p in pods], dtype="string"),
            "name": pd.array([p.name for p in pods], dtype="string"),
            "status": pd.array([p.status for p in pods], dtype="string"),
            "gpu_type": pd.array([p.gpu_name for p in pods], dtype="string"),
            "gpu_count": pd.array([p.gpu_count for p in pods], dtype="Int64"),
            "provider": pd.array([p.provider_type for p in pods], dtype="string"),
            "data_center": pd.array([pod_data_center(p) for p in pods], dtype="string"),
            "price_hr": price,
            "created_at": created,
            "hours_running": hours.round(3),
            "cost_so_far": _known(
                pd.Series(
                    cost_so_far(
                        price.to_numpy(dtype=float, na_value=np.nan),
                        hours.to_numpy(dtype=float, na_value=np.nan),
                        [prepaid.get(p.id, np.nan) for p in pods],
                    ),
                    index=hours.index,
                )
            ).round(4),
            "deadline": pd.to_datetime(pd.Series(deadlines, dtype=float), unit="s", utc=True),
            "past_deadline": pd.array(
                [d is not None and d <= now.timestamp() for d in deadlines], dtype="boolean"
            ),
            "ssh": pd.array([first_address(p.ssh_connection) for p in pods], dtype="string"),
            "ip": pd.array([first_address(p.ip) for p in pods], dtype="string"),
            "installation_status": pd.array([p.installation_status for p in pods], dtype="string"),
            "installation_progress": pd.array(
                [p.installation_progress for p in pods], dtype="Float64"
            ),
            "disk_ids": [p.disk_ids for p in pods],
        },
        columns=POD_COLUMNS,
    )
    ordered: pd.DataFrame = frame.sort_values("created_at", ascending=False, kind="stable")
    result: pd.DataFrame = ordered.reset_index(drop=True)
    return view_of(result, PODS)


def pod_data_center(pod: Pod) -> str | None:
    extra = pod.model_extra or {}
    value = extra.get("dataCenterId") or extra.get("dataCenter")
    return value if isinstance(value, str) else None


def status_frame(statuses: Sequence[PodStatus]) -> pd.DataFrame:
    """One row per pod asked about; money as money and the unknown as a dash on display."""
    frame: pd.DataFrame = pd.DataFrame(
        {
            "pod_id": pd.array([s.pod_id for s in statuses], dtype="string"),
            "status": pd.array([s.status for s in statuses], dtype="string"),
            "installation_status": pd.array(
                [s.installation_status for s in statuses], dtype="string"
            ),
            "installation_progress": pd.array(
                [s.installation_progress for s in statuses], dtype="Float64"
            ),
            "ssh": pd.array([first_address(s.ssh_connection) for s in statuses], dtype="string"),
            "ip": pd.array([first_address(s.ip) for s in statuses], dtype="string"),
            "price_hr": pd.array(
                [s.price_hr if s.price_hr is not None else s.cost_per_hr for s in statuses],
                dtype="Float64",
            ),
            "installation_failure": pd.array(
                [s.installation_failure for s in statuses], dtype="string"
            ),
        },
        columns=STATUS_COLUMNS,
    )
    return view_of(frame, STATUS)


def disks_frame(disks: Sequence[Disk]) -> pd.DataFrame:
    """One row per disk; ``price_month`` because disks are billed around the clock."""
    price = pd.array([d.price_hr for d in disks], dtype="Float64")
    frame: pd.DataFrame = pd.DataFrame(
        {
            "id": pd.array([d.id for d in disks], dtype="string"),
            "name": pd.array([d.name for d in disks], dtype="string"),
            "status": pd.array([d.status for d in disks], dtype="string"),
            "provider": pd.array([d.provider_type for d in disks], dtype="string"),
            "data_center": pd.array([d.info.data_center_id for d in disks], dtype="string"),
            "country": pd.array([d.info.country for d in disks], dtype="string"),
            "size_gb": pd.array([d.size for d in disks], dtype="Int64"),
            "price_hr": price,
            "price_month": _known(pd.Series(price) * HOURS_PER_MONTH).round(2),
            "pods": [list(d.pods) for d in disks],
            "created_at": stamp_column([d.created_at for d in disks]),
        },
        columns=DISK_COLUMNS,
    )
    ordered: pd.DataFrame = frame.sort_values("created_at", ascending=False, kind="stable")
    result: pd.DataFrame = ordered.reset_index(drop=True)
    return view_of(result, DISKS)


def history_frame(items: Sequence[HistoryItem]) -> pd.DataFrame:
    """Terminated pods with what each was billed; ``total`` sums ``total_billed``."""
    created = stamp_column([i.created_at for i in items])
    ended = stamp_column([i.terminated_at for i in items])
    frame: pd.DataFrame = pd.DataFrame(
        {
            "id": pd.array([i.id for i in items], dtype="string"),
            "name": pd.array([i.name for i in items], dtype="string"),
            "provider": pd.array([i.provider_type for i in items], dtype="string"),
            "gpu_type": pd.array([i.gpu_name for i in items], dtype="string"),
            "gpu_count": pd.array([i.gpu_count for i in items], dtype="Int64"),
            "price_hr": pd.array([i.price_hr for i in items], dtype="Float64"),
            "created_at": created,
            "terminated_at": ended,
            "hours": _hours_between(created, ended).round(3),
            "total_billed": pd.array([i.total_billed_price for i in items], dtype="Float64"),
        },
        columns=HISTORY_COLUMNS,
    )
    return view_of(frame, HISTORY)


def _strings(rows: Sequence[object], fields: dict[str, str]) -> pd.DataFrame:
    """A frame of string columns ``column → attribute`` (ids, names, roles)."""
    data = {c: pd.array([getattr(r, a) for r in rows], dtype="string") for c, a in fields.items()}
    frame: pd.DataFrame = pd.DataFrame(data, columns=list(fields))
    return frame


def ssh_keys_frame(keys: Sequence[SshKey]) -> pd.DataFrame:
    frame = _strings(keys, {"id": "id", "name": "name", "public_key": "public_key"})
    frame.insert(2, "is_primary", pd.Series([k.is_primary for k in keys], dtype="boolean"))
    return frame


def teams_frame(teams: Sequence[TeamSummary]) -> pd.DataFrame:
    fields = {"team_id": "team_id", "name": "name", "slug": "slug", "role": "role"}
    return _strings(teams, fields | {"created_at": "created_at"})


def members_frame(members: Sequence[TeamMember]) -> pd.DataFrame:
    fields = {"user_id": "user_id", "name": "user_name", "email": "user_email", "role": "role"}
    return _strings(members, fields | {"joined_at": "joined_at"})
