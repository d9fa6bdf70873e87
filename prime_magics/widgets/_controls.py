"""Controls built from an offer's constraints, for ``ProvisionForm``.

An adjustable resource becomes a ``BoundedIntText`` carrying the offer's min, max and step
(the box clamps to the range; an off-step value reaches ``PodRequest.from_offer``, which
says what would be accepted); a fixed one becomes read-only text.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

import ipywidgets as w

from ..models import Disk, GpuOffer
from ..offers import Part as Resource
from ..pricing import quote
from ..provisioning import CUSTOM_TEMPLATE, DEFAULT_IMAGE
from ._money import per_hour

NO_LIMIT = 10**7
LABELS = {"disk": "Disk GB", "vcpu": "vCPUs", "memory": "Memory GB"}


def offer_header(o: GpuOffer) -> str:
    """GPU × count · provider · where · security · stock · base price."""
    facts = [
        f"<b>{o.gpu_count}× {html.escape(o.gpu_type)}</b>",
        html.escape(o.provider or "?"),
        html.escape(" / ".join(v for v in (o.data_center, o.region, o.country) if v) or "?"),
        html.escape(o.security or "?"),
        f"stock {html.escape(o.stock_status or '?')}",
        f"base {per_hour(quote(o).gpu_hr)}" + (" (variable)" if o.prices.is_variable else ""),
    ]
    return " · ".join(facts)


def resource_control(offer: GpuOffer, resource: Resource) -> Any:
    spec = getattr(offer, resource.key)
    label = LABELS[resource.key]
    if not spec.adjustable:
        text = "—" if spec.default_count is None else f"{spec.default_count} (fixed)"
        return w.Text(value=text, description=label, disabled=True)
    low = spec.min_count if spec.min_count is not None else 0
    high = spec.max_count if spec.max_count is not None else NO_LIMIT
    value = spec.default_count if spec.default_count is not None else low
    step = spec.step or 1
    return w.BoundedIntText(value=value, min=low, max=high, step=step, description=label)


def image_dropdown(offer: GpuOffer) -> w.Dropdown:
    """The offer's images, then "custom template" (which needs a template id)."""
    images = [i for i in offer.images if i != CUSTOM_TEMPLATE] or [DEFAULT_IMAGE]
    return w.Dropdown(
        options=[*((i, i) for i in images), ("custom template", CUSTOM_TEMPLATE)],
        value=DEFAULT_IMAGE if DEFAULT_IMAGE in images else images[0],
        description="Image",
    )


def max_price_control() -> w.BoundedFloatText:
    return w.BoundedFloatText(
        value=0.0, min=0.0, max=NO_LIMIT, step=0.01, description="Max $/h (0: none)"
    )


def attachable(disks: Iterable[Disk], offer: GpuOffer) -> list[Disk]:
    """Your ACTIVE disks in the offer's data centre (all ACTIVE ones if it names none)."""
    here = offer.data_center
    return [
        d for d in disks if d.status == "ACTIVE" and (here is None or d.info.data_center_id == here)
    ]


def disk_label(disk: Disk) -> str:
    return f"{disk.name or disk.id} · {disk.size or '?'} GB · {per_hour(disk.price_hr)}"
