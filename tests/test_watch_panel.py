"""The WatchPanel and ``%prime availability watch|history``: a new match is announced,
Rent now asks once and creates exactly one pod at the quoted cap, Configure opens a
preset ProvisionForm, rent-first shows armed and disarms, a failed poll shows, and
closing the panel stops polling. The panels' watches are stepped on a fake clock."""

from __future__ import annotations

from typing import Any

import pytest

import prime_magics as pm
from prime_magics import api
from prime_magics.sandbox import SandboxServer
from prime_magics.sandbox.market import WATCH_OFFER
from prime_magics.widgets import ProvisionForm, WatchPanel
from tests.magic_fixtures import Cell, Shell
from tests.test_watch import SHAPE, FakeClock, pod_posts

pytest_plugins = ("tests.magic_fixtures",)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def panel_for(client: pm.Client, clock: FakeClock, **kwargs: Any) -> WatchPanel:
    max_hours = kwargs.get("max_hours")
    made = pm.watch(
        **SHAPE, max_price_per_gpu=2.5, every=15, client=client, clock=clock, start=False,
        **kwargs,
    )  # fmt: skip
    return WatchPanel(made, autostart=False, max_hours=max_hours)


def test_a_new_match_is_announced_and_rent_now_creates_exactly_one_pod_at_the_quote(
    client: pm.Client, sandbox: SandboxServer, clock: FakeClock
) -> None:
    panel = panel_for(client, clock)
    panel.watch.step()
    assert panel.rows.children == () and panel.announcement == ""
    assert "No match yet" in panel.status_text
    assert panel.disarm_button.layout.display == "none"  # no rent-first: nothing to disarm
    sandbox.add_offer()
    clock.now += 15
    panel.watch.step()
    assert "New match" in panel.announcement and WATCH_OFFER.cloud_id in panel.announcement
    assert "prime-watch-new" in panel.banner.value and len(panel.rows.children) == 1
    assert "$17.6000/h" in panel.rows.children[0].children[2].value
    panel.rent_buttons[0].click()
    assert pod_posts(sandbox) == [] and "$17.6000/h" in panel.confirm_text.value
    panel.confirm_button.click()
    panel.confirm_button.click()  # a second click sends nothing
    panel.rent_buttons[0].click()
    posts = pod_posts(sandbox)
    assert len(posts) == 1 and posts[0].json["pod"]["maxPrice"] == pytest.approx(17.6)
    assert panel.pod is not None and "created" in panel.status_text
    panel.close()


def test_rent_now_after_a_maybe_created_answer_sends_nothing_more(
    client: pm.Client, sandbox: SandboxServer, clock: FakeClock
) -> None:
    """Rent now asks and creates through the panels' one helper: a 422 may be asked and
    sent again; a 503 (it may exist) locks every Rent now, a double click included."""
    sandbox.add_offer()
    panel = panel_for(client, clock)
    panel.watch.step()
    sandbox.faults.add("POST", "/pods", status=422)
    panel.rent_buttons[0].click()
    panel.confirm_button.click()
    assert "you can try again" in panel.status_text and not panel.submitted
    sandbox.faults.add("POST", "/pods", status=503)
    panel.rent_buttons[0].click()
    panel.confirm_button.click()
    panel.confirm_button.click()
    assert panel.submitted and "%prime pods list" in panel.status_text
    panel.rent_buttons[0].click()  # disabled, and its handler sends nothing either
    panel.confirm_button.click()
    assert len(pod_posts(sandbox)) == 2 and panel.pod is None
    panel.close()


def test_configure_opens_a_provision_form_preset_from_the_match(
    client: pm.Client, sandbox: SandboxServer, clock: FakeClock
) -> None:
    sandbox.add_offer()
    panel = panel_for(client, clock)
    panel.watch.step()
    panel.configure_buttons[0].click()
    form = panel.form_area.children[0]
    assert isinstance(form, ProvisionForm) and form.offer.cloud_id == WATCH_OFFER.cloud_id
    assert pod_posts(sandbox) == []
    panel.close()


def test_a_failed_poll_is_shown_in_the_panel(
    client: pm.Client, sandbox: SandboxServer, clock: FakeClock
) -> None:
    panel = panel_for(client, clock)
    sandbox.faults.add("GET", "/availability/gpus", status=503, times=None)
    panel.watch.step()
    sandbox.faults.clear()
    assert panel.status_level == "error" and "goes on" in panel.status_text
    assert "×" in panel.timeline.value
    clock.now += 60
    panel.watch.step()
    assert panel.status_level == "info"
    panel.close()


def test_rent_first_is_shown_armed_and_can_be_disarmed(
    client: pm.Client, sandbox: SandboxServer, clock: FakeClock
) -> None:
    panel = panel_for(client, clock, rent_first=True, max_hours=1)
    assert "ARMED" in panel.armed_line.value and not panel.disarm_button.disabled
    panel.disarm_button.click()
    assert "disarmed" in panel.armed_line.value and panel.disarm_button.disabled
    sandbox.add_offer()
    panel.watch.step()
    assert pod_posts(sandbox) == [] and len(panel.rows.children) == 1
    panel.close()


def test_closing_the_panel_stops_polling(client: pm.Client, clock: FakeClock) -> None:
    made = pm.watch(**SHAPE, every=15, client=client, clock=clock, start=False)
    panel = WatchPanel(made)
    assert made.running
    panel.close()
    assert made.wait(5)
    assert made.stopped and not made.running and made.step() is None


# -- the magic ---------------------------------------------------------------------------


def test_the_magic_returns_a_panel_and_refuses_rent_first_without_max_hours(
    ip: Shell, prime_sandbox: SandboxServer, widgets_on: Any
) -> None:
    cell = Cell(
        ip,
        "p = %prime availability watch --gpu-type H100_80GB --gpu-count 8 "
        "--max-price-per-gpu 2.5 --every 15 --for 2h",
    )
    assert cell.error is None
    panel = ip.user_ns["p"]
    assert isinstance(panel, WatchPanel) and panel.watch.duration == 7200
    panel.close()
    assert panel.watch.wait(5)
    refused = Cell(ip, "%prime availability watch --gpu-type H100_80GB --rent-first")
    assert "--max-hours" in refused.text and "Traceback" not in refused.text


def test_without_widgets_the_magic_returns_the_watch(
    ip: Shell, prime_sandbox: SandboxServer
) -> None:
    cell = Cell(ip, "w = %prime availability watch --gpu-type H100_80GB --every 15")
    assert cell.error is None and "Watching for" in cell.text
    made = ip.user_ns["w"]
    assert isinstance(made, pm.Watch)
    made.stop()
    assert made.wait(5)


def test_history_magic_shows_and_clears(
    ip: Shell, prime_sandbox: SandboxServer, clock: FakeClock
) -> None:
    pm.watch(**SHAPE, every=15, clock=clock, start=False).step()
    cell = Cell(ip, "h = %prime availability history --gpu-type H100_80GB --gpu-count 8")
    assert cell.error is None and list(ip.user_ns["h"]["offers"]) == [0]
    cleared = Cell(ip, "%prime availability history --clear")
    assert "cleared (1 row(s))" in cleared.text


# -- the kernel's client replaced (issue 21, item 1) -----------------------------------


def test_a_watch_on_the_default_client_follows_a_sandbox_restart(clock: FakeClock) -> None:
    """``%prime sandbox restart`` closes the client a watch polls: the watch takes the new
    sandbox's client, never shows the closed one's RuntimeError, and the old sandbox's
    match loses its Rent now at once (clicking it sends nothing) and its row at the poll."""
    pm.use_sandbox(fresh=True)
    first = api.sandbox_server()
    assert first is not None
    first.add_offer()
    made = pm.watch(**SHAPE, max_price_per_gpu=2.5, every=15, clock=clock, start=False)
    panel = WatchPanel(made, autostart=False)
    made.step()
    old = made.client
    assert len(panel.rows.children) == 1 and not panel.rent_buttons[0].disabled
    pm.use_sandbox(fresh=True)  # what `%prime sandbox restart` does
    second = api.sandbox_server()
    assert second is not None and old.closed
    assert panel.rent_buttons[0].disabled and "client was closed" in panel.status_text
    panel.rent_buttons[0].click()  # the old sandbox's match: nothing is asked or sent
    assert panel.confirm_text.value == "" and pod_posts(first) == []
    clock.now += 15
    made.step()
    assert made.client is pm.get_client() and panel.client is made.client
    assert made.polls[-1].ok and not made.stopped
    assert panel.rows.children == () and panel.rent_buttons == {}
    assert "No match yet" in panel.status_text and "announcement" not in panel.status_text
    assert panel.announcement == ""
    second.add_offer()
    clock.now += 15
    made.step()
    assert len(panel.rows.children) == 1 and not panel.rent_buttons[0].disabled
    said = " ".join([panel.status_text, *(p.error or "" for p in made.polls)])
    assert "RuntimeError" not in said and "internal error" not in said
    panel.close()


def test_a_watch_on_another_client_stops_when_it_is_closed_and_says_why(
    client: pm.Client, sandbox: SandboxServer, clock: FakeClock
) -> None:
    sandbox.add_offer()
    panel = panel_for(client, clock)
    panel.watch.step()
    assert len(panel.rows.children) == 1
    client.close()
    assert panel.rent_buttons[0].disabled and panel.configure_buttons[0].disabled
    clock.now += 15
    assert panel.watch.step() is None and panel.watch.stopped
    assert panel.rows.children == () and panel.watch.matches.empty
    assert "client was closed" in panel.status_text and "Stopped" in panel.status_text
    assert "RuntimeError" not in panel.status_text
    panel.close()
