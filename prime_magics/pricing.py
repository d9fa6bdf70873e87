"""The cost model, written once: ``quote()`` for one offer and ``cost_columns()`` for a frame.

Both run the same two rule functions (``base_price`` and ``resource_cost``) on numpy
arrays; a single offer is just a 0-d array, so the widget's live quote and a DataFrame's
columns cannot drift apart. The rules, from the API guides:

- base price (whole instance): ``onDemand`` for secure cloud, ``communityPrice`` for
  community cloud, the other one when the first is null, unknown when both are;
- a resource (disk, vCPU, memory) at count ``c``: free when it has no unit price; free when
  the default is included in the price and ``c`` is the default; otherwise ``c × unit price``
  (so even a reduction below an included default is charged in full);
- ``total = base + disk + vcpu + memory``; ``per GPU = total / gpu_count``.

Prices are finite but may be huge (the spec bounds nothing): a product or sum that
overflows is unknown (NaN in a frame, ``None`` in a ``Quote``), never ``inf``, and numpy's
overflow warnings are silenced because that outcome is the answer, not a surprise.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from . import inputs
from .display.primitives import Table, usd
from .errors import ConfigurationError
from .models import ResourceSpec
from .offers import PARTS, AnyGpuOffer, Part, gpu_offer

CPU_NODE = "CPU_NODE"  # the spec's GPU type of an offer with no GPU
HOURS_PER_DAY = 24
HOURS_PER_MONTH = 730  # 365 × 24 / 12, the usual cloud billing month

FloatArray = npt.NDArray[np.float64]
_quiet = np.errstate(over="ignore", invalid="ignore")  # overflow → inf → NaN, on purpose


def known(value: float | None) -> float | None:
    """A finite float, or ``None`` for NaN, ``inf`` and ``None``: what a ``Quote`` shows."""
    return value if value is not None and math.isfinite(value) else None


SLACK_HR = 1e-9
"""Prices equal up to float noise (sums in another order) are the same price."""


def within_cap(price: float | None, cap: float | None) -> bool:
    """The one cap rule: ``price`` ($/h) is at or under ``cap``, up to float noise
    (``SLACK_HR``). No cap admits every price; an unknown price (None, NaN) is under no
    cap. The re-read before a create (``price_lock``), a watch's match and rent-first
    all ask this."""
    if cap is None:
        return True
    return price is not None and price <= cap + SLACK_HR  # NaN compares false: not under


def within_cap_column(prices: pd.Series[float], cap: float | None) -> pd.Series[bool]:
    """``within_cap`` for a frame's column (the explorer's "Max $/h"): False where unknown."""
    values = prices.to_numpy(dtype=float, na_value=np.nan)
    under = True if cap is None else values <= cap + SLACK_HR  # NaN compares false
    column: pd.Series[bool] = pd.Series(under, index=prices.index, dtype=bool)
    return column


def same_price(old: float, new: float) -> bool:
    """Two quotes of one offer are the same price up to float noise (``SLACK_HR``)."""
    return abs(old - new) <= SLACK_HR


def finite(values: Any) -> FloatArray:
    """NaN where arithmetic on finite prices overflowed: an unknown, never ``inf``."""
    array = np.asarray(values, dtype=float)
    out: FloatArray = np.where(np.isfinite(array), array, np.nan)
    return out


def base_price(on_demand: Any, community: Any, is_community: Any) -> FloatArray:
    """Whole-instance $/h; NaN where the offer has no usable price."""
    first = np.where(is_community, community, on_demand).astype(float)
    other = np.where(is_community, on_demand, community).astype(float)
    chosen: FloatArray = np.where(np.isnan(first), other, first)
    return chosen


@_quiet
def resource_cost(count: Any, default: Any, unit_price: Any, included: Any) -> FloatArray:
    """$/h for a resource at ``count``; NaN inputs mean "not given" and cost nothing."""
    count = np.asarray(count, dtype=float)
    unit_price = np.nan_to_num(np.asarray(unit_price, dtype=float), nan=0.0)
    free = np.asarray(included, dtype=bool) & (count == np.asarray(default, dtype=float))
    return np.where(free, 0.0, np.nan_to_num(count, nan=0.0) * unit_price)


def count_cost(spec: ResourceSpec, count: int) -> float | None:
    """$/h of one resource at ``count`` by ``resource_cost`` (the rule above): what a
    hint beside the control quotes, so it cannot say another rule than the quote uses."""
    cost = resource_cost(
        float(count),
        _na_float(spec.default_count),
        _na_float(spec.price_per_unit),
        bool(spec.default_included_in_price),
    )
    return known(float(cost))


def neighbour_counts(spec: ResourceSpec) -> list[int]:
    """The allowed counts one step either side of the default (where the offer allows
    them): the examples a hint prices to show what moving off the default costs."""
    if spec.default_count is None:
        return []
    step = spec.step or 1
    low = spec.min_count if spec.min_count is not None else 0
    high = spec.max_count
    around = (spec.default_count - step, spec.default_count + step)
    return [c for c in around if c >= low and (high is None or c <= high)]


@dataclass(frozen=True, repr=False)
class Quote:
    """What an offer costs per hour with the chosen resources, in ``currency``.

    ``None`` is unknown: no price, or one so large that the arithmetic overflowed."""

    gpu_hr: float | None
    disk_hr: float | None
    vcpu_hr: float | None
    memory_hr: float | None
    total_hr: float | None
    gpu_count: int | None
    disk_gb: int | None
    vcpus: int | None
    memory_gb: int | None
    is_variable: bool = False
    prepaid_hours: float | None = None
    currency: str = "USD"
    cpu_only: bool = False  # a CPU_NODE offer: "instance", never "GPU" or "per GPU"

    def __repr__(self) -> str:
        """``Quote: $2.8300/h = GPU $2.6900 + Disk $0.0600 + vCPU $0.0800 + Memory $0.0000
        (1× GPU, 200 GB disk, 20 vCPUs, 180 GB memory)``: the total, its parts, and the
        resources it is for."""
        cur = self.currency
        parts = " + ".join(f"{label} {usd(v, '', cur, 4)}" for label, v in self.lines()[:-1])
        shape = f"{self.gpu_count or '?'}× {'node' if self.cpu_only else 'GPU'}"
        sizes = [
            f"{value} {unit}"
            for value, unit in ((self.disk_gb, "GB disk"), (self.vcpus, "vCPUs"),
                                (self.memory_gb, "GB memory"))
            if value is not None
        ]  # fmt: skip
        return f"Quote: {usd(self.total_hr, 'h', cur)} = {parts} ({', '.join([shape, *sizes])})"

    def table(
        self,
        attached: Sequence[tuple[str, float | None]] = (),
        grand_total_hr: float | None = None,
        title: str = "Pod quote",
    ) -> Table:
        """Its parts, total, per GPU and up-front cost, then each attached disk
        (``(label, $/h)``, billed apart) and the grand total with them: what the magic's
        preview, the form and a notebook show. Longer spans are the forecast's."""
        cur = self.currency
        rows: list[tuple[str, Any]] = [(label, usd(v, currency=cur)) for label, v in self.lines()]
        if not self.cpu_only:  # a CPU node has no GPU to divide by
            rows.append(("per GPU", usd(self.per_gpu_hr, currency=cur)))
        if self.prepaid_cost is not None:
            hours = f"{self.prepaid_hours:g}"
            rows.append((f"up front ({hours} h)", usd(self.prepaid_cost, "", cur)))
        rows += [(f"disk {label}", usd(hourly)) for label, hourly in attached]
        if attached:
            rows.append(("Grand total", usd(grand_total_hr)))
        return Table(rows, title, strong={"Total", "Grand total"})

    def _repr_html_(self) -> str:
        """In a notebook: the same table the magic preview and the form show."""
        return self.table(title="Quote")._repr_html_()

    @property
    def per_gpu_hr(self) -> float | None:
        if self.total_hr is None or self.gpu_count is None:
            return None
        return self.total_hr / max(self.gpu_count, 1)

    @property
    def per_day(self) -> float | None:
        return None if self.total_hr is None else known(self.total_hr * HOURS_PER_DAY)

    @property
    def per_month(self) -> float | None:
        return per_month(self.total_hr)

    @property
    def prepaid_cost(self) -> float | None:
        """Charged up front at order time, whatever the pod's actual run time."""
        if not self.prepaid_hours or self.total_hr is None:
            return None
        return known(self.total_hr * self.prepaid_hours)

    def lines(self) -> list[tuple[str, float | None]]:
        """The breakdown as (label, $/h) pairs, in the order the guides print it."""
        return [
            ("Instance" if self.cpu_only else "GPU", self.gpu_hr),
            ("Disk", self.disk_hr),
            ("vCPU", self.vcpu_hr),
            ("Memory", self.memory_hr),
            ("Total", self.total_hr),
        ]


def _na_float(value: Any) -> float:
    return math.nan if value is None else float(value)


def _refused(resource: Part, message: str) -> ConfigurationError:
    return ConfigurationError(message, field=resource.count_column)


def check_count(resource: Part, spec: ResourceSpec, count: int) -> None:
    """Refuse a count the API would refuse, saying what would be accepted; first, one no
    machine has (inf, nan, a fraction, beyond ``inputs``' bounds), even where the offer
    names no maximum."""
    if resource.unit == "GB":
        inputs.size_gb(resource.count_column, count)
    else:
        inputs.count(resource.count_column, count)
    label = f"{resource.count_column}={count}"
    if not spec.adjustable:
        if spec.default_count is not None and count != spec.default_count:
            raise _refused(
                resource,
                f"{label}: this offer's {resource.key} is fixed at "
                f"{spec.default_count} {resource.unit}",
            )
        return
    low = spec.min_count if spec.min_count is not None else 0
    high = spec.max_count
    step = spec.step or 1
    allowed = f"allowed {low}–{high if high is not None else '∞'} {resource.unit}"
    allowed += f" in steps of {step}" if step > 1 else ""
    if count < low or (high is not None and count > high):
        raise _refused(resource, f"{label} is out of range: {allowed}")
    if (count - low) % step:
        below = count - (count - low) % step
        raise _refused(
            resource, f"{label} is off its step: {allowed} (nearest: {below} or {below + step})"
        )


def quote(
    offer: AnyGpuOffer,
    disk_gb: int | None = None,
    vcpus: int | None = None,
    memory_gb: int | None = None,
) -> Quote:
    """Price an offer (a model, a row of an availability frame, or the API's JSON) with
    chosen resources.

    ``None`` keeps the offer's default. Raises ``ConfigurationError`` for a count the offer
    does not allow.
    """
    model = gpu_offer(offer)
    chosen = {"disk": disk_gb, "vcpu": vcpus, "memory": memory_gb}
    costs: dict[str, float | None] = {}
    counts: dict[str, int | None] = {}
    for part in PARTS:
        spec = part.spec(model)
        count = chosen[part.key]
        if count is not None:
            check_count(part, spec, count)
        else:
            count = spec.default_count
        counts[part.key] = count
        cost = resource_cost(
            _na_float(count),
            _na_float(spec.default_count),
            _na_float(spec.price_per_unit),
            bool(spec.default_included_in_price),
        )
        costs[part.key] = known(float(cost))  # NaN only from overflow: unknown, not free
    prices = model.prices
    gpu_hr = known(
        float(
            base_price(
                _na_float(prices.on_demand),
                _na_float(prices.community_price),
                model.security == "community_cloud",
            )
        )
    )
    parts = [gpu_hr, *costs.values()]
    total = None if None in parts else known(sum(p or 0.0 for p in parts))
    return Quote(
        gpu_hr=gpu_hr,
        disk_hr=costs["disk"],
        vcpu_hr=costs["vcpu"],
        memory_hr=costs["memory"],
        total_hr=total,
        gpu_count=model.gpu_count,
        disk_gb=counts["disk"],
        vcpus=counts["vcpu"],
        memory_gb=counts["memory"],
        is_variable=bool(prices.is_variable),
        prepaid_hours=model.prepaid_time,
        currency=prices.currency or "USD",
        cpu_only=model.gpu_type == CPU_NODE,
    )


@_quiet
def cost_columns(columns: Mapping[str, Any]) -> dict[str, FloatArray]:
    """The cost columns of an availability frame, at each offer's default resources.

    ``columns`` maps the frame's raw column names to float arrays (NaN for null).
    """
    base = finite(
        base_price(
            columns["on_demand_hr"],
            columns["community_hr"],
            columns["security"] == "community_cloud",
        )
    )
    out = {"gpu_price_hr": base}
    total = base.copy()
    for part in PARTS:
        cost = finite(
            resource_cost(
                columns[part.count_column],
                columns[part.count_column],
                columns[part.column("unit_price_hr")],
                columns[part.column("included")],
            )
        )
        out[part.cost_column] = cost
        total = finite(total + cost)
    out["total_hr"] = total
    out["price_per_gpu_hr"] = finite(
        total / np.maximum(np.asarray(columns["gpu_count"], float), 1.0)
    )
    return out


def per_month(amount_hr: float | None) -> float | None:
    """An hourly price over a billing month (a disk is billed around the clock)."""
    return None if amount_hr is None else known(amount_hr * HOURS_PER_MONTH)


def plus_attached_disks(total_hr: float | None, disks_hr: Sequence[float | None]) -> float | None:
    """A pod's $/h plus its attached disks' $/h (billed apart); unknown if any part is."""
    if total_hr is None or any(d is None for d in disks_hr):
        return None
    return known(total_hr + sum(d or 0.0 for d in disks_hr))


@_quiet
def disk_cost_hr(size_gb: Any, price_per_gb_hr: Any) -> FloatArray:
    """A network disk is billed for its whole size, attached or not, from creation on."""
    return finite(np.asarray(size_gb, dtype=float) * np.asarray(price_per_gb_hr, dtype=float))


# -- spend: what is billing now, and for how long the wallet lasts ----------------------

FORECAST_HOURS: tuple[float, ...] = (1, 8, 24, HOURS_PER_MONTH)


def forecast_hours(text: str) -> tuple[float, ...]:
    """``"2, 12, 48"`` (or ``"month"``) as forecast horizons in hours; ValueError else."""
    problem = f"{text!r}: give positive hours, e.g. 2, 12, 48 or month"
    try:
        words = text.replace(",", " ").split()
        hours = tuple(HOURS_PER_MONTH if w.lower() == "month" else float(w) for w in words)
    except ValueError:
        raise ValueError(problem) from None
    if not hours or not all(math.isfinite(h) and h > 0 for h in hours):
        raise ValueError(problem)
    return hours


"""The spans previews price by default: an hour, a working day, a day, a billing month."""


def until_deadline(hours: Sequence[float], max_hours: float | None) -> tuple[float, ...]:
    """The forecast's spans for a pod terminated ``max_hours`` after it is ready: those up
    to the deadline, then the deadline itself (a pod that ends at 2 h costs nothing at
    8 h, so no span beyond it is priced). No deadline (None or 0) keeps them all."""
    if not max_hours:
        return tuple(hours)
    kept = [h for h in hours if h < max_hours]
    return (*kept, float(max_hours))


@dataclass(frozen=True)
class Forecast:
    """What a pod with its disks costs over ``spans`` ((hours, USD)), and the wallet."""

    spans: list[tuple[float, float | None]]
    currency: str
    balance: float | None
    runway_h: float | None  # hours the balance pays for this pod and its disks
    first_charge: float | None = None  # the first hour, prepaid hours all up front
    short: bool = False  # the wallet does not pay ``first_charge`` (``wallet_short``)


def forecast_for(
    quote: Quote,
    disks_hr: float | None,
    balance: float | None,
    hours: Sequence[float] = FORECAST_HOURS,
    max_hours: float | None = None,
) -> Forecast:
    """The forecast over ``hours`` (none past a deadline ``max_hours`` after ready:
    ``until_deadline``) and the wallet against it. A wallet that does not pay the first
    charge (``wallet_short``) pays for no hour at all: the create is refused."""
    rate = plus_attached_disks(quote.total_hr, [disks_hr])
    need = first_hour(quote, disks_hr)
    short = wallet_short(need, balance)
    return Forecast(
        forecast(quote.total_hr, quote.prepaid_hours, disks_hr, until_deadline(hours, max_hours)),
        quote.currency,
        balance,
        0.0 if short else runway_hours(balance, rate or 0.0),
        need,
        short,
    )


def first_hour(quote: Quote, disks_hr: float | None = 0.0) -> float | None:
    """What the first hour of a pod costs with its disks (prepaid hours all up front)."""
    return forecast(quote.total_hr, quote.prepaid_hours, disks_hr, hours=(1,))[0][1]


def wallet_short(first_charge: float | None, balance: float | None) -> bool:
    """The one balance rule: the wallet does not pay a pod's first charge (``first_hour``:
    its first hour with its disks, prepaid hours all up front). An unknown balance or
    charge is never short (the API refuses what it cannot bill). The create's check
    (``price_lock.check_balance``) and the form's forecast both ask this."""
    return balance is not None and first_charge is not None and balance < first_charge


@_quiet
def cost_so_far(price_hr: Any, hours: Any, prepaid_hours: Any = None) -> FloatArray:
    """What a pod or disk billed since creation: its $/h × the hours it has existed, or
    × its prepaid hours while fewer have passed (``billed``, vectorised). The one cost so
    far: the sweep, the pods list, budgets and the wallet all use this rule."""
    hours_ = np.asarray(hours, dtype=float)
    if prepaid_hours is not None:
        hours_ = np.maximum(hours_, np.nan_to_num(np.asarray(prepaid_hours, dtype=float)))
    return finite(np.asarray(price_hr, dtype=float) * hours_)


def burn_rate(prices_hr: Sequence[float | None] | Any) -> float:
    """$/h of everything billing now; unknown prices count as nothing (said where shown)."""
    values = np.asarray(list(prices_hr), dtype=float) if len(prices_hr) else np.zeros(0)
    return float(np.nansum(values))


def runway_hours(balance: float | None, burn_hr: float) -> float | None:
    """How many hours ``balance`` pays for at ``burn_hr``; None when either is unknown or
    nothing burns (an infinite runway is not a number worth printing)."""
    if balance is None or not burn_hr > 0:
        return None
    return max(balance, 0.0) / burn_hr


def forecast(
    pod_hr: float | None,
    prepaid_hours: float | None = None,
    disks_hr: float | None = 0.0,
    hours: Sequence[float] = FORECAST_HOURS,
) -> list[tuple[float, float | None]]:
    """(hours, USD) for running a pod that long, with its attached disks.

    Prepaid hours are charged up front, so a run shorter than them still costs them all
    (``pod_hr × max(h, prepaid)``); the disks bill by the hour apart (``disks_hr × h``)."""
    if pod_hr is None or disks_hr is None:
        return [(h, None) for h in hours]
    return [(h, billed(pod_hr, h, prepaid_hours) + disks_hr * h) for h in hours]


def billed(price_hr: float, hours: float, prepaid_hours: float | None = None) -> float:
    """What ``hours`` of a rental at ``price_hr`` cost: prepaid hours are charged up front,
    so a shorter run still costs them all (forecasts, budgets and ``cost_so_far`` share
    this rule)."""
    return float(cost_so_far(price_hr, hours, prepaid_hours))
