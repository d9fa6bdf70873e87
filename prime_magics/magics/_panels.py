"""The widgets ``%prime`` returns under its text previews when ``PrimeMagics.widgets`` is on.

Importing this module imports ipywidgets, so handlers import it inside the function and
only when a widget is wanted: ``%load_ext prime_magics`` stays light, and a terminal
never pays for it. The panels live in ``prime_magics.widgets``; here they are only preset
from a parsed command (``ConfirmPanel``, the one-button confirmation for terminate and
delete, is ``widgets.confirm``'s). Nothing is sent until a button is clicked. The magic
shows the sandbox banner above the widget, so ``PrimeMagics._answer`` turns the panel's
own label off: one label per output.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..display.primitives import Notice
from ..provisioning import DiskRequest, PodRequest
from ..widgets import DiskForm, ProvisionForm
from ..widgets.confirm import ConfirmPanel
from ._context import Context

__all__ = ["ConfirmPanel", "differences", "disk_form", "provision_form"]

if TYPE_CHECKING:
    from ..client import Client


def provision_form(
    request: PodRequest, client: Client, ctx: Context, hours: Sequence[float]
) -> ProvisionForm:
    """A ``ProvisionForm`` preset to the previewed request (and ``--forecast`` hours);
    warns where it differs."""
    form = ProvisionForm.from_request(request, client)
    form.forecast_hours = list(hours)
    _warn_if_different(request.body(), form.request, ctx, "Provision")
    return form


def disk_form(
    client: Client,
    ctx: Context,
    request: DiskRequest | None = None,
    *,
    data_center: str | None = None,
    provider: str | None = None,
    size_gb: int | None = None,
    name: str | None = None,
) -> DiskForm:
    """A ``DiskForm`` preset to ``request`` (the preview) or to whatever options were given."""
    if request is not None:
        data_center, provider = request.data_center_id, request.provider
        size_gb, name = request.size_gb, request.name
    form = DiskForm(client, data_center=data_center, name=name, size_gb=size_gb, provider=provider)
    if request is not None:
        _warn_if_different(request.body(), form.request, ctx, "Create disk")
    return form


def _warn_if_different(
    previewed: Mapping[str, Any], built: PodRequest | DiskRequest | None, ctx: Context, act: str
) -> None:
    """The form's button must send what the preview showed; say so when it would not."""
    fields = differences(previewed, None if built is None else built.body())
    if fields:
        ctx.show(
            Notice(
                f"The form below does not match what the command asked for in: "
                f"{', '.join(fields)}. Check it before {act}, or add --yes to send exactly "
                "what the command says.",
                "warning",
            )
        )


def differences(wanted: Mapping[str, Any], got: Mapping[str, Any] | None) -> list[str]:
    """Dotted paths (``pod.envVars``) whose values differ between two request bodies."""
    if got is None:
        return ["the whole request"]
    a, b = _flatten(wanted), _flatten(got)
    return sorted(key for key in a.keys() | b.keys() if a.get(key) != b.get(key))


def _flatten(body: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in body.items():
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat
