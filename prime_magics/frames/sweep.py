"""The sweep: everything billing now, in one DataFrame, with what it cost so far.

Researchers' most expensive mistake is the pod or disk they forgot, and a disk bills by
the GB-hour whether attached or not. ``sweep_frame`` lists every live pod and disk with
its $/h, hours since creation and cost so far (``pricing.cost_so_far``, prepaid hours
up front, as budgets count it), the deadline the local store holds for it, and two flags:
``unattached_disk`` (a network disk no pod uses) and ``past_deadline`` (a deadline
passed, e.g. while the guard could not reach the API).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
import pandas as pd

from ..lifecycle import Phase, disk_state, pod_state
from ..models import Disk, Pod
from ..pricing import burn_rate, cost_so_far, runway_hours
from ..rentals.records import Rental
from ..timestamps import epoch
from .view import View, view_of

SWEEP_COLUMNS = [
    "kind", "id", "name", "status", "price_hr", "cost_so_far", "hours_running", "deadline",
    "attached_to", "unattached_disk", "past_deadline",
]  # fmt: skip
SWEEP = View("billing item", tuple(SWEEP_COLUMNS), {"price_hr": "h", "cost_so_far": ""})


def sweep_frame(
    pods: Sequence[Pod],
    disks: Sequence[Disk],
    deadlines: Mapping[str, Rental],
    now: datetime | None = None,
    prepaid: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """One row per pod or disk still billing, most expensive first; ``prepaid`` maps a
    pod id to its prepaid hours (the local store's)."""
    prepaid = prepaid or {}
    now = now or datetime.now(timezone.utc)
    live_pods = [p for p in pods if pod_state(p).phase is not Phase.GONE]
    live_disks = [d for d in disks if disk_state(d).phase is not Phase.GONE]
    dues = deadlines_due(live_pods, deadlines)
    rows: list[dict[str, object]] = []
    for pod in live_pods:
        due = dues.get(pod.id)
        cost = (pod.price_hr, pod.created_at, now, prepaid.get(pod.id))
        rows.append(
            _row("pod", pod.id, pod.name, pod.status, *cost)
            | {"deadline": _stamp(due), "attached_to": ", ".join(pod.disk_ids) or None}
            | {
                "unattached_disk": False,
                "past_deadline": due is not None and due <= now.timestamp(),
            }
        )
    for disk in live_disks:
        rows.append(
            _row("disk", disk.id, disk.name, disk.status, disk.price_hr, disk.created_at, now)
            | {"deadline": pd.NaT, "attached_to": ", ".join(disk.pods) or None}
            | {"unattached_disk": not disk.pods, "past_deadline": False}
        )
    return _frame(rows)


def prepaid_hours(records: Mapping[str, Rental]) -> dict[str, float]:
    """Each recorded pod's prepaid hours, by id: for the one cost so far."""
    return {i: r.prepaid_h for i, r in records.items() if r.prepaid_h is not None}


def deadlines_due(pods: Sequence[Pod], deadlines: Mapping[str, Rental]) -> dict[str, float]:
    """Each pod's deadline (epoch seconds) from the store's records, by pod id. A record
    for an older pod with a reused (sandbox) id is not this pod's: ``createdAt`` must match."""
    records = [(pod, deadlines.get(pod.id)) for pod in pods]
    return {
        pod.id: record.due
        for pod, record in records
        if record is not None and record.created_at == pod.created_at and record.due is not None
    }


def _row(
    kind: str, ident: str, name: str | None, status: str | None, price: float | None,
    created_at: str | None, now: datetime, prepaid_h: float | None = None,
) -> dict[str, object]:  # fmt: skip
    created = epoch(created_at)
    hours = np.nan if created is None else max(0.0, now.timestamp() - created) / 3600
    price_ = np.nan if price is None else price
    return {
        "kind": kind, "id": ident, "name": name, "status": status,
        "price_hr": price_,
        "cost_so_far": float(cost_so_far(price_, hours, prepaid_h)),
        "hours_running": hours,
    }  # fmt: skip


def _stamp(epoch_s: float | None) -> object:
    return pd.NaT if epoch_s is None else pd.Timestamp(epoch_s, unit="s", tz="UTC")


def _frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    raw = pd.DataFrame(rows, columns=SWEEP_COLUMNS)
    frame = pd.DataFrame(
        {
            "kind": raw["kind"].astype("string"),
            "id": raw["id"].astype("string"),
            "name": raw["name"].astype("string"),
            "status": raw["status"].astype("string"),
            "price_hr": raw["price_hr"].astype("Float64"),
            "cost_so_far": raw["cost_so_far"].astype("Float64").round(4),
            "hours_running": raw["hours_running"].astype("Float64").round(3),
            "deadline": pd.to_datetime(raw["deadline"], utc=True),
            "attached_to": raw["attached_to"].astype("string"),
            "unattached_disk": raw["unattached_disk"].astype("boolean"),
            "past_deadline": raw["past_deadline"].astype("boolean"),
        },
        columns=SWEEP_COLUMNS,
    )
    ordered = frame.sort_values("price_hr", ascending=False, kind="stable", na_position="last")
    result: pd.DataFrame = ordered.reset_index(drop=True)
    return view_of(result, SWEEP)


@dataclass(frozen=True)
class Burn:
    """The wallet against what runs: $/h of everything billing, and hours it lasts."""

    balance_usd: float | None
    burn_hr: float
    runway_h: float | None
    items: int


def burn(balance_usd: float | None, sweep: pd.DataFrame) -> Burn:
    prices = sweep["price_hr"].astype("Float64").fillna(np.nan).to_numpy(dtype=float)
    rate = burn_rate(prices)
    return Burn(balance_usd, rate, runway_hours(balance_usd, rate), len(sweep))
