"""The plain Python API says itself: shortcuts with the client's own signatures, one way
to set a budget, one naming scheme for models vs frames, and a docstring on every public
name (what ``help(pm.X)`` and a notebook's ``pm.X?`` show)."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

import prime_magics as pm
from prime_magics import api

# -- the shortcuts are the client's methods ----------------------------------------------

MIRRORED = {
    "availability", "disk_availability", "gpu_types", "pods", "pod", "pod_status",
    "pod_history", "create_pod", "wait_for_pod", "terminate_pod", "disks", "disk",
    "create_disk", "delete_disk", "sweep", "extend", "wallet", "guard_status", "remote",
}  # fmt: skip
"""Every ``pm.X`` that is ``get_client().X``; ``pm.budget`` is not (it sets or reads)."""


def shortcuts() -> set[str]:
    """The functions of ``pm.__all__`` named like a ``Client`` method."""
    return {
        name
        for name in pm.__all__
        if inspect.isfunction(getattr(pm, name)) and hasattr(pm.Client, name)
    } - {"budget"}


def test_the_shortcuts_are_the_ones_listed() -> None:
    assert shortcuts() == MIRRORED


def method_signature(name: str) -> inspect.Signature:
    """``Client.name``'s signature without ``self``: what the shortcut must show."""
    signature = inspect.signature(getattr(pm.Client, name))
    return signature.replace(parameters=list(signature.parameters.values())[1:])


@pytest.mark.parametrize("name", sorted(MIRRORED))
def test_a_shortcut_has_the_client_methods_signature(name: str) -> None:
    """Same parameters, kinds, defaults, annotations and return: no ``**filters: Any``."""
    assert inspect.signature(getattr(pm, name)) == method_signature(name)


class Recorder:
    """Stands in for the default client: records each call and its arguments."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        def record(*args: Any, **kwargs: Any) -> str:
            self.calls.append((name, args, kwargs))
            return f"answer of {name}"

        return record


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    made = Recorder()
    monkeypatch.setattr(api, "get_client", lambda: made)
    return made


@pytest.mark.parametrize("name", sorted(MIRRORED))
def test_a_shortcut_hands_every_argument_to_the_client(name: str, recorder: Recorder) -> None:
    """Each parameter given a value of its own reaches the client's method as that value
    (``pm.wait_for_pod(poll_interval=…)``, ``pm.create_pod(despite_balance=…)``…)."""
    given: dict[str, object] = {}
    args: list[object] = []
    kwargs: dict[str, object] = {}
    for parameter in method_signature(name).parameters.values():
        value = given[parameter.name] = object()
        if parameter.kind is parameter.POSITIONAL_ONLY:
            args.append(value)
        else:
            kwargs[parameter.name] = value
    answer = getattr(pm, name)(*args, **kwargs)
    returns = inspect.signature(getattr(pm.Client, name)).return_annotation
    assert answer == (None if returns == "None" else f"answer of {name}")
    [(called, sent_args, sent_kwargs)] = recorder.calls
    assert called == name
    bound = inspect.signature(getattr(pm.Client, name)).bind(None, *sent_args, **sent_kwargs)
    bound.apply_defaults()
    received = {k: v for k, v in bound.arguments.items() if k != "self"}
    assert received.keys() == given.keys()
    for key, value in given.items():
        assert received[key] is value, key


def test_the_new_shortcuts_are_exported() -> None:
    assert {"sweep", "extend", "wallet", "guard_status"} <= set(pm.__all__)


# -- one way to set a budget -------------------------------------------------------------


@pytest.fixture
def default_client(client: pm.Client) -> Iterator[pm.Client]:
    """The sandbox's client as the default one (``pm.budget`` & co. use it)."""
    pm.set_client(client)
    yield client
    pm.set_client(None)


def test_budget_sets_reads_and_lifts(default_client: pm.Client) -> None:
    assert pm.budget() is None
    state = pm.budget(25, day=True, hard=True)
    assert state is not None
    assert (state.budget.limit_usd, state.budget.day, state.budget.hard) == (25, True, True)
    read = pm.budget()
    assert read is not None and read.budget == state.budget
    assert default_client.budget() is not None  # the client's, not a copy
    assert pm.budget(off=True) is None
    assert pm.budget() is None and default_client.budget() is None


def test_budget_refuses_an_amount_with_off_and_flags_without_one(
    default_client: pm.Client,
) -> None:
    with pytest.raises(pm.ConfigurationError, match="off=True"):
        pm.budget(5, off=True)
    with pytest.raises(pm.ConfigurationError, match="day"):
        pm.budget(day=True)
    with pytest.raises(pm.ConfigurationError, match="hard"):
        pm.budget(hard=True)
    assert pm.budget() is None  # nothing was set by the refused calls


def test_set_budget_is_a_deprecated_alias_outside_all(default_client: pm.Client) -> None:
    assert "set_budget" not in pm.__all__
    with pytest.warns(DeprecationWarning, match=r"pm\.budget"):
        state = pm.set_budget(10, hard=True)
    assert state is not None and state.budget.hard and pm.budget() is not None
    with pytest.warns(DeprecationWarning, match=r"pm\.budget\(off=True\)"):
        assert pm.set_budget(None) is None
    assert pm.budget() is None


def test_budget_is_the_one_setter_in_its_signature() -> None:
    parameters = inspect.signature(pm.budget).parameters
    assert list(parameters) == ["usd", "day", "hard", "off"]
    assert all(parameters[p].kind is inspect.Parameter.KEYWORD_ONLY for p in ("day", "hard", "off"))


# -- models or a DataFrame: one naming scheme --------------------------------------------

FRAMES_AND_MODELS = {
    "availability": "offer_models",
    "disk_availability": "disk_offer_models",
    "pods": "pod_models",
    "disks": "disk_models",
}


def test_each_frame_method_has_its_models_twin() -> None:
    for frame_method, models_method in FRAMES_AND_MODELS.items():
        assert callable(getattr(pm.Client, frame_method))
        assert callable(getattr(pm.Client, models_method))
        shown = inspect.signature(getattr(pm.Client, frame_method)).return_annotation
        assert shown == "pd.DataFrame", frame_method
        listed = inspect.signature(getattr(pm.Client, models_method)).return_annotation
        assert listed.startswith("list["), models_method


def test_the_offer_models_take_the_availability_filters() -> None:
    """``offer_models`` takes what ``availability`` takes (same names, same order)."""
    frame = inspect.signature(pm.Client.availability).parameters
    models = inspect.signature(pm.Client.offer_models).parameters
    assert list(models) == list(frame)
    frame = inspect.signature(pm.Client.disk_availability).parameters
    models = inspect.signature(pm.Client.disk_offer_models).parameters
    assert list(models) == [p for p in frame if p != "size_gb"]


def test_models_and_frames_list_the_same_offers(client: pm.Client) -> None:
    offers = client.offer_models(gpu_type="H100_80GB", refresh=True)
    frame = client.availability(gpu_type="H100_80GB", refresh=True)
    assert offers and all(isinstance(o, pm.GpuOffer) for o in offers)
    assert isinstance(frame, pd.DataFrame) and len(frame) == len(offers)
    disks = client.disk_offer_models(refresh=True)
    assert disks and all(isinstance(d, pm.DiskOffer) for d in disks)
    assert len(client.disk_availability(refresh=True)) == len(disks)


def test_gpu_offers_and_disk_offers_are_deprecated_aliases(client: pm.Client) -> None:
    with pytest.warns(DeprecationWarning, match="offer_models"):
        old = client.gpu_offers("H100_80GB", refresh=True)
    assert old == client.offer_models("H100_80GB")
    with pytest.warns(DeprecationWarning, match="disk_offer_models"):
        old_disks = client.disk_offers(refresh=True)
    assert old_disks == client.disk_offer_models()


# -- every public name says what it is for -----------------------------------------------


def own_doc(value: Any) -> str:
    """The docstring written for ``value`` itself (a class's, not one it inherits)."""
    if inspect.isclass(value):
        return value.__dict__.get("__doc__") or ""
    if isinstance(value, property):
        value = value.fget
    return inspect.getdoc(value) or ""


def client_members() -> list[str]:
    return sorted(name for name in vars(pm.Client) if not name.startswith("_"))


@pytest.mark.parametrize("name", client_members())
def test_every_public_client_method_has_a_docstring(name: str) -> None:
    doc = own_doc(vars(pm.Client)[name])
    assert len(doc.split()) >= 4, f"Client.{name} has no docstring worth the name"


def documented_exports() -> list[str]:
    return sorted(
        name
        for name in pm.__all__
        if inspect.isfunction(getattr(pm, name)) or inspect.isclass(getattr(pm, name))
    )


@pytest.mark.parametrize("name", documented_exports())
def test_every_exported_function_and_class_has_a_docstring(name: str) -> None:
    doc = own_doc(getattr(pm, name))
    assert len(doc.split()) >= 3, f"pm.{name} has no docstring"
