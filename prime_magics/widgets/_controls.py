"""Controls built from an offer's constraints, for ``ProvisionForm``.

An adjustable resource becomes a ``BoundedIntText`` carrying the offer's min, max and step
(the box clamps to the range; an off-step value reaches ``PodRequest.from_offer``, which
says what would be accepted); a fixed one becomes read-only text.
"""

from __future__ import annotations

import html
import math
from typing import Any

import ipywidgets as w

from ..display.primitives import usd
from ..errors import ConfigurationError
from ..models import GpuOffer
from ..offers import Part
from ..pricing import count_cost, neighbour_counts, quote, within_cap
from ..provisioning import CUSTOM_TEMPLATE, DEFAULT_IMAGE, QUOTE, MaxPrice

NO_LIMIT = 10**7
LABELS = {"disk": "Disk GB", "vcpu": "vCPUs", "memory": "Memory GB"}
LABEL_WIDTH = "9em"
"""The one description width of a form's controls: wide enough for its longest label
("Idle stop (min)", "Attach disks") in the notebook's font, so no label is cut short and
every input starts at the same place (ipywidgets' default, 80px, cuts longer ones)."""


def labelled(control: Any) -> Any:
    """``control`` with the forms' shared description width (``LABEL_WIDTH``)."""
    control.style.description_width = LABEL_WIDTH
    return control


def offer_header(o: GpuOffer) -> str:
    """GPU × count · provider · where · security · stock · base price."""
    facts = [
        f"<b>{o.gpu_count or '?'}× {html.escape(o.gpu_type)}</b>",
        html.escape(o.provider or "?"),
        html.escape(" / ".join(v for v in (o.data_center, o.region, o.country) if v) or "?"),
        html.escape(o.security or "?"),
        f"stock {html.escape(o.stock_status or '?')}",
        f"base {usd(quote(o).gpu_hr)}" + (" (variable)" if o.prices.is_variable else ""),
    ]
    return " · ".join(facts)


def resource_control(offer: GpuOffer, resource: Part) -> Any:
    spec = getattr(offer, resource.key)
    label = LABELS[resource.key]
    if not spec.adjustable:
        text = "—" if spec.default_count is None else f"{spec.default_count} (fixed)"
        return w.Text(value=text, description=label, disabled=True)
    low = spec.min_count if spec.min_count is not None else 0
    value = spec.default_count if spec.default_count is not None else low
    # Not a BoundedIntText: it would clamp 5000 to 1000 without a word. A value outside
    # the range or off the step reaches PodRequest.from_offer, which says what it allows.
    return w.IntText(value=value, step=spec.step or 1, description=label)


def resource_hint(offer: GpuOffer, resource: Part) -> str:
    """``50–1000 GB, steps of 10 · $0.000300/GB/h (100 GB included)``: beside the input."""
    spec = resource.spec(offer)
    if not spec.adjustable:
        return ""
    low = spec.min_count if spec.min_count is not None else 0
    high = "∞" if spec.max_count is None else str(spec.max_count)
    parts = [f"{low}–{high} {resource.unit}" + (f", steps of {spec.step}" if spec.step else "")]
    unit = resource.unit.rstrip("s") if resource.unit.endswith("s") else resource.unit
    if spec.price_per_unit:
        price = usd(spec.price_per_unit, f"{unit}/h", offer.prices.currency or "USD")
        parts.append(price)
    if spec.default_included_in_price and spec.default_count is not None:
        parts.append(included_text(offer, resource))
    return f'<span class="prime-hint">{html.escape(" · ".join(parts))}</span>'


def included_text(offer: GpuOffer, resource: Part) -> str:
    """``16 included (free); any other count is charged in full: 14 → $0.0560/h, 18 →
    $0.0720/h``. The prices are ``pricing.count_cost``'s (the quote's rule), and "in
    full" is said only when they are the whole count × unit price, so the hint cannot
    promise another rule than the one the quote charges."""
    spec = resource.spec(offer)
    default = spec.default_count
    currency = offer.prices.currency or "USD"
    at_default = count_cost(spec, default) if default is not None else None
    head = f"{default} included" + (" (free)" if at_default == 0 else "")
    others = [(c, count_cost(spec, c)) for c in neighbour_counts(spec)]
    if not others:
        return head
    unit = spec.price_per_unit or 0.0
    in_full = all(cost is not None and math.isclose(cost, c * unit) for c, cost in others)
    examples = ", ".join(f"{c} → {usd(cost, currency=currency)}" for c, cost in others)
    rule = "any other count is charged in full" if in_full else "other counts"
    return f"{head}; {rule}: {examples}"


def image_dropdown(offer: GpuOffer) -> w.Dropdown:
    """The offer's images, then "custom template" (which needs a template id)."""
    images = [i for i in offer.images if i != CUSTOM_TEMPLATE] or [DEFAULT_IMAGE]
    return w.Dropdown(
        options=[*((i, i) for i in images), ("custom template", CUSTOM_TEMPLATE)],
        value=DEFAULT_IMAGE if DEFAULT_IMAGE in images else images[0],
        description="Image",
    )


CAP_MODES = [("the quote", "quote"), ("my cap", "given"), ("no cap", "none")]


def max_price_control() -> w.BoundedFloatText:
    """The cap for "my cap"; typing a value here selects it. 0 is no cap of any kind:
    "my cap" needs a price above 0 (``chosen_cap``), "no cap" is its own choice."""
    return w.BoundedFloatText(
        value=0.0,
        min=0.0,
        max=NO_LIMIT,
        step=0.01,
        description="Max $/h",
        tooltip='Your cap, above 0 (for none, choose "no cap")',
    )


def cap_mode_control() -> w.ToggleButtons:
    """Which ``maxPrice`` the pod gets: the quote (the default), a cap of yours, or none."""
    return w.ToggleButtons(options=CAP_MODES, value="quote", description="Price cap")


def stop_after_control() -> w.BoundedFloatText:
    """Hours after the pod is ready when the client terminates it (0: never)."""
    return w.BoundedFloatText(
        value=0.0,
        min=0.0,
        max=NO_LIMIT,
        step=0.5,
        description="Max hours",
        tooltip="Terminate the pod this many hours after it is ready (0: never)",
    )


def idle_stop_control() -> w.BoundedFloatText:
    """Minutes without a remote cell after which the guard ends the pod (0: never)."""
    return w.BoundedFloatText(
        value=0.0,
        min=0.0,
        max=NO_LIMIT * 60,
        step=5.0,
        description="Idle stop (min)",
        tooltip="Terminate the pod once no remote cell ran for this many minutes (0: never)",
    )


MY_CAP_NEEDED = 'Max $/h: enter your cap, above 0 (or choose "no cap" to send none).'


def chosen_cap(mode: str, value: float) -> MaxPrice:
    """The controls as ``PodRequest.from_offer``'s ``max_price``. "my cap" at 0 is no
    silent "no cap": it is refused until a cap is entered (raises ConfigurationError)."""
    if mode == "quote":
        return QUOTE
    if mode != "given":
        return None
    if value == 0:  # any other bad number (NaN, negative) is refused by from_offer's door
        raise ConfigurationError(MY_CAP_NEEDED, field="max_price")
    return value


def cap_below_quote(cap: float | None, quote_hr: float | None, currency: str = "USD") -> str | None:
    """A cap the quote is above (``pricing.within_cap``), said before Confirm in the
    form's words; None when the quote is within the cap (or either is unknown)."""
    if cap is None or quote_hr is None or within_cap(quote_hr, cap):
        return None
    return (
        f"Your cap of {usd(cap, currency=currency)} is below the quote of "
        f"{usd(quote_hr, currency=currency)}: Confirm would send "
        'nothing. Raise Max $/h to at least the quote, or choose "the quote" or "no cap".'
    )
