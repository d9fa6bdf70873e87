"""The create path reads the offer's price once: the request carries its quote.

``PodRequest.from_offer`` checks every choice by quoting the offer; the price lock, the
balance check, the write-ahead record and the preview all need that quote again. They
read the one the request carries instead of quoting the offer anew at each step.
"""

from __future__ import annotations

from typing import Any

import pytest

import prime_magics as pm
from prime_magics import provisioning
from prime_magics.sandbox import SandboxServer
from tests.magic_fixtures import Cell
from tests.widget_fixtures import custom_row

pytest_plugins = ("tests.magic_fixtures",)


def counting_quotes(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    calls: list[Any] = []
    real = provisioning.quote  # type: ignore[attr-defined]

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(provisioning, "quote", counted)
    return calls


def test_building_and_creating_a_pod_quotes_the_offer_once(
    client: pm.Client, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    row = custom_row(client)
    calls = counting_quotes(monkeypatch)
    request = pm.PodRequest.from_offer(row, name="once", max_hours=1)
    pod = client.create_pod(request)  # price lock, balance, record: the same quote
    assert len(calls) == 1
    assert request.quote() is request.quote() and pod.id in sandbox.state.live_pod_ids()


def test_the_preview_quotes_the_offer_once(
    ip: Any, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    pm.set_client(pm.Client(api_key=sandbox.api_key, base_url=sandbox.url))
    ip.user_ns["row"] = custom_row(pm.get_client())
    calls = counting_quotes(monkeypatch)
    cell = Cell(ip, "%prime pods create --offer row --name preview")
    assert cell.error is None and "Nothing was sent" in cell.text
    assert len(calls) == 1
    pm.set_client(None)
