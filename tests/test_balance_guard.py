"""A create the wallet cannot pay for one hour is not sent unless that is accepted."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import prime_magics as pm
from prime_magics.sandbox import SandboxConfig, SandboxServer, start_sandbox
from prime_magics.widgets import ProvisionForm
from tests.magic_fixtures import Cell, Shell

pytest_plugins = ("tests.magic_fixtures",)

CUSTOM = "sandbox-H100-custom"  # $2.72/h at its defaults


@pytest.fixture(scope="module")
def poor() -> Iterator[SandboxServer]:
    with start_sandbox(SandboxConfig(wallet_usd=1.0, provision_seconds=0.2)) as server:
        yield server


@pytest.fixture
def client(poor: SandboxServer) -> Iterator[pm.Client]:
    poor.reset()
    with pm.Client(api_key=poor.api_key, base_url=poor.url) as made:
        yield made


def posts(server: SandboxServer) -> list[Any]:
    return [r for r in server.requests if r.method == "POST" and "/pods" in r.path]


def row(client: pm.Client) -> Any:
    return client.availability(cloud_id=CUSTOM).iloc[0]


def test_a_create_the_wallet_cannot_pay_is_not_sent(client: pm.Client, poor: SandboxServer) -> None:
    request = pm.PodRequest.from_offer(row(client), name="too-dear")
    with pytest.raises(pm.BalanceTooLowError, match=r"\$1\.00.*\$2\.72") as refused:
        client.create_pod(request)
    assert "nothing was sent" in str(refused.value) and posts(poor) == []
    pod = client.create_pod(request, despite_balance=True)
    assert pod.name == "too-dear" and len(posts(poor)) == 1


def test_the_form_asks_a_second_time_and_says_why(client: pm.Client, poor: SandboxServer) -> None:
    form = ProvisionForm(row(client), client=client, name="form-dear", autostart=False)
    form.load()
    assert form.balance == pytest.approx(1.0, abs=0.01) and "wallet" in form.cost.value
    form.provision_button.click()
    form.confirm_button.click()
    assert posts(poor) == [] and form.pod is None
    assert "wallet is short" in form.status_text  # the refusal itself is said once, below
    assert "does not pay the first hour" in form.confirm_text.value
    assert "Rent it anyway?" in form.confirm_text.value  # a second, explicit question
    form.confirm_button.click()  # a second Confirm is not the answer to that question
    assert posts(poor) == [] and form.pod is None
    form.anyway_button.click()
    assert len(posts(poor)) == 1 and form.pod is not None
    form.close()


def test_the_magic_needs_despite_balance(ip: Shell, client: pm.Client, poor: SandboxServer) -> None:
    pm.set_client(client)
    ip.user_ns["offer"] = row(client)
    refused = Cell(ip, "%prime pods create --offer offer --name m --yes")
    assert "does not pay the first hour" in refused.stderr and posts(poor) == []
    accepted = Cell(ip, "%prime pods create --offer offer --name m --yes --despite-balance")
    assert accepted.error is None and len(posts(poor)) == 1
