"""The widgets ``%prime`` returns under its text previews when ``PrimeMagics.widgets`` is on.

Importing this module imports ipywidgets, so handlers import it inside the function and
only when a widget is wanted: ``%load_ext prime_magics`` stays light, and a terminal
never pays for it. The panels live in ``prime_magics.widgets``; here they are only preset
from a parsed command, plus ``ConfirmPanel``, the one-button confirmation for terminate
and delete. Nothing is sent until a button is clicked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from .._display import Notice
from ..provisioning import DiskRequest, PodRequest
from ..widgets import DiskForm, ProvisionForm
from ..widgets._form import Form
from ._context import Context

if TYPE_CHECKING:
    from ..client import Client


class ConfirmPanel(Form):
    """One danger button that runs ``action`` once; the outcome goes on the status line.

    The button is disabled by the first click, whatever the outcome, and a second click
    (``Button.click()`` ignores ``disabled``) sends nothing: after an error the act may
    or may not have happened, so look (``%prime pods list``) before trying again.
    """

    def __init__(
        self, client: Client, title: str, label: str, action: Callable[[], None], done: str
    ) -> None:
        super().__init__(client, title)
        self.action = action
        self.done = done
        self.clicked = False
        self.confirm_button: w.Button = self.button(label, self._on_click, "danger")
        self.layout_children(self.confirm_button)
        self.show("Nothing is sent until you click; the button works once.")

    def can_enable(self, button: w.Button) -> bool:
        return not self.clicked

    def _on_click(self) -> None:
        if self.clicked:
            return
        self.clicked = True
        self.refresh_buttons()
        self.show(f"{self.confirm_button.description}…")
        self.action()  # a PrimeError becomes the status line (Form.run)
        self.show(self.done, "success")


def provision_form(request: PodRequest, client: Client, ctx: Context) -> ProvisionForm:
    """A ``ProvisionForm`` preset to the previewed request; warns where it differs."""
    form = ProvisionForm.from_request(request, client)
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
    if size_gb is not None and form.size.value != size_gb:  # clamped to the offer's range
        ctx.show(Notice(f"--size {size_gb} is outside this offer's range; see the form."))
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
                f"The form below does not match this preview in: {', '.join(fields)}. "
                f"Check it before {act}, or add --yes to send exactly the body above.",
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
