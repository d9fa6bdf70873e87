"""The WatchPanel and ``%prime availability watch|history``: a new match is announced,
Rent now asks once and creates exactly one pod at the quoted cap, Configure opens a
preset ProvisionForm, rent-first shows armed and disarms, a failed poll shows, and
closing the panel stops polling. The panels' watches are stepped on a fake clock."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as w
import pytest
from IPython.display import display

import prime_magics as pm
from prime_magics import api
from prime_magics.display.primitives import usd
from prime_magics.sandbox import SandboxServer
from prime_magics.sandbox.market import WATCH_OFFER
from prime_magics.widgets import PodStatus, ProvisionForm, WatchPanel
from prime_magics.widgets.watch import BUTTON_WIDTH
from tests.magic_fixtures import Cell, Shell
from tests.test_watch import SHAPE, FakeClock, pod_posts
from tests.widget_fixtures import Published

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
    assert panel.row_cells == [] and panel.announcement == ""
    assert "No match yet" in panel.status_text
    assert panel.disarm_button.layout.display == "none"  # no rent-first: nothing to disarm
    sandbox.add_offer()
    clock.now += 15
    panel.watch.step()
    assert "New match" in panel.announcement and WATCH_OFFER.cloud_id in panel.announcement
    assert "prime-watch-new" in panel.banner.value and len(panel.row_cells) == 1
    assert "$17.6000/h" in " ".join(panel.row_cells[0])
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
    assert pod_posts(sandbox) == [] and len(panel.row_cells) == 1
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
    """``%prime simulator restart`` closes the client a watch polls: the watch takes the new
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
    assert len(panel.row_cells) == 1 and not panel.rent_buttons[0].disabled
    pm.use_sandbox(fresh=True)  # what `%prime simulator restart` does
    second = api.sandbox_server()
    assert second is not None and old.closed
    assert panel.rent_buttons[0].disabled and "client was closed" in panel.status_text
    panel.rent_buttons[0].click()  # the old sandbox's match: nothing is asked or sent
    assert panel.confirm_text.value == "" and pod_posts(first) == []
    clock.now += 15
    made.step()
    assert made.client is pm.get_client() and panel.client is made.client
    assert made.polls[-1].ok and not made.stopped
    assert panel.row_cells == [] and panel.rent_buttons == {}
    assert "No match yet" in panel.status_text and "announcement" not in panel.status_text
    assert panel.announcement == ""
    second.add_offer()
    clock.now += 15
    made.step()
    assert len(panel.row_cells) == 1 and not panel.rent_buttons[0].disabled
    said = " ".join([panel.status_text, *(p.error or "" for p in made.polls)])
    assert "RuntimeError" not in said and "internal error" not in said
    panel.close()


def test_a_watch_on_another_client_stops_when_it_is_closed_and_says_why(
    client: pm.Client, sandbox: SandboxServer, clock: FakeClock
) -> None:
    sandbox.add_offer()
    panel = panel_for(client, clock)
    panel.watch.step()
    assert len(panel.row_cells) == 1
    client.close()
    assert panel.rent_buttons[0].disabled and panel.configure_buttons[0].disabled
    clock.now += 15
    assert panel.watch.step() is None and panel.watch.stopped
    assert panel.row_cells == [] and panel.watch.matches.empty
    assert "client was closed" in panel.status_text and "Stopped" in panel.status_text
    assert "RuntimeError" not in panel.status_text
    panel.close()


# -- issue 21: a tidy grid, the form's question, the headline and the saved output ------


def test_the_matches_are_an_aligned_grid_sorted_per_gpu_under_a_plain_title(
    client: pm.Client, clock: FakeClock
) -> None:
    """Item 10: one grid row per match (aligned columns, same-width buttons, no wrapping),
    cheapest per GPU-hour first under a per-GPU cap, and it says so; no "any×" title."""
    made = pm.watch(
        gpu_type="H100_80GB", max_price_per_gpu=2.5, every=15, client=client, clock=clock,
        start=False,
    )  # fmt: skip
    panel = WatchPanel(made, autostart=False)
    made.step()
    assert "any×" not in panel.heading.value
    assert "Watching for H100_80GB, any count; at most $2.5000/h per GPU" in panel.heading.value
    assert panel.table is not None
    usd_rows = panel.table[panel.table["currency"].fillna("USD") == "USD"]
    per_gpu = list(usd_rows["price_per_gpu_hr"].astype(float))
    totals = list(usd_rows["total_hr"].astype(float))
    assert len(per_gpu) > 2 and per_gpu == sorted(per_gpu) and totals != sorted(totals)
    assert "cheapest per GPU-hour first" in panel.caption.value
    columns = 9  # Rent now, Configure (always in view), then seven facts
    template = f"{BUTTON_WIDTH} {BUTTON_WIDTH} repeat({columns - 2}, max-content)"
    assert panel.grid.layout.grid_template_columns == template
    assert len(panel.grid.children) == columns * (len(panel.offers) + 1)  # a header row
    buttons = [c for c in panel.grid.children if isinstance(c, w.Button)]
    assert len(buttons) == 2 * len(panel.offers)
    assert {b.layout.width for b in buttons} == {BUTTON_WIDTH}
    cells = [c for c in panel.grid.children if isinstance(c, w.HTML)]
    assert all("white-space:nowrap" in c.value for c in cells)
    first_row = panel.grid.children[columns : 2 * columns]
    assert first_row[3].value.endswith(f"{usd(per_gpu[0])}</span>")
    assert first_row[0] is panel.rent_buttons[0] and first_row[1] is panel.configure_buttons[0]
    assert f'title="{panel.offers[0].cloud_id}"' in first_row[2].value  # the id, on hover
    panel.close()


def test_a_total_cap_sorts_by_total_and_says_so(client: pm.Client, clock: FakeClock) -> None:
    made = pm.watch(
        gpu_type="H100_80GB", max_total=20, every=15, client=client, clock=clock, start=False
    )
    panel = WatchPanel(made, autostart=False)
    made.step()
    assert panel.table is not None
    usd_rows = panel.table[panel.table["currency"].fillna("USD") == "USD"]
    totals = list(usd_rows["total_hr"].astype(float))
    assert totals == sorted(totals) and "cheapest in total first" in panel.caption.value
    panel.close()


def test_rent_now_asks_the_forms_question_and_follows_the_pod_to_active(
    client: pm.Client, sandbox: SandboxServer, clock: FakeClock
) -> None:
    """Item 10: Rent now asks what the form asks (cap, deadline, forecast to the deadline,
    wallet, budget), then follows the pod it created until it is ACTIVE."""
    client.set_budget(50)
    sandbox.add_offer()
    panel = panel_for(client, clock, max_hours=2)
    panel.watch.step()
    panel.rent_buttons[0].click()
    asked = html.unescape(panel.confirm_text.value)
    assert "Rent 8× H100_80GB at $17.6000/h?" in asked
    assert "Terminated 2 h after it is ready" in asked and "Price cap: " in asked
    assert "What it costs" in asked and "$35.20" in asked  # 2 h at $17.60
    assert "24 h" not in asked and "a month" not in asked  # it ends after 2 h
    assert "wallet" in asked and "it pays for" in asked
    assert "Budget: $0.00 of $50.00 spent" in asked
    assert pod_posts(sandbox) == []
    panel.confirm_button.click()
    assert len(pod_posts(sandbox)) == 1 and panel.pod is not None
    status = panel.pod_status
    assert isinstance(status, PodStatus) and panel.pod_area.children == (status,)
    assert status.pod_id == panel.pod.id and not status.polling  # autostart=False
    client.wait_for_pod(panel.pod.id, timeout=10, poll_interval=0.02, progress=False)
    status.poll_once()
    assert status.status == "ACTIVE"
    assert f"Pod {panel.pod.name} ({panel.pod.id}): ACTIVE" in panel.state_lines()
    panel.close()


def test_without_a_deadline_or_budget_the_question_says_so(
    client: pm.Client, sandbox: SandboxServer, clock: FakeClock
) -> None:
    sandbox.add_offer()
    panel = panel_for(client, clock)
    panel.watch.step()
    panel.rent_buttons[0].click()
    asked = html.unescape(panel.confirm_text.value)
    assert "No deadline" in asked and "Budget: none set." in asked and "24 h" in asked
    panel.close()


def test_the_headline_says_the_match_as_it_stands(
    client: pm.Client, sandbox: SandboxServer, clock: FakeClock
) -> None:
    """Item 5: after the announced match's price drops, the headline says the new price;
    after it goes, that it went (not "New match … at $17.6000/h")."""
    sandbox.add_offer()
    panel = panel_for(client, clock)
    panel.watch.step()
    assert panel.announcement.startswith("New match") and "$17.6000/h" in panel.announcement
    sandbox.reprice_offer(WATCH_OFFER.cloud_id, 17.18)
    clock.now += 15
    panel.watch.step()
    assert "to $17.1800/h" in panel.announcement and not panel.announcement.startswith("New")
    assert "$17.1800/h" in panel.banner.value
    sandbox.remove_offer(WATCH_OFFER.cloud_id)
    clock.now += 15
    panel.watch.step()
    assert panel.announcement.startswith("Gone") and "prime-warning" in panel.banner.value
    panel.close()


def test_a_new_match_is_announced_on_the_desktop_once(
    client: pm.Client, sandbox: SandboxServer, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Item 15: a new match goes to ``notify.announce`` (a desktop notification when the
    user turned them on); a price move of it is not a new match."""
    from prime_magics.widgets import watch as watch_module

    said: list[tuple[str, str, str]] = []
    monkeypatch.setattr(watch_module, "announce", lambda *args: said.append(args))
    sandbox.add_offer()
    panel = panel_for(client, clock)
    panel.watch.step()
    sandbox.reprice_offer(WATCH_OFFER.cloud_id, 17.18)
    clock.now += 15
    panel.watch.step()
    assert [(kind, title) for kind, title, _ in said] == [("watch", "New match")]
    assert "$17.6000/h" in said[0][2]
    panel.close()


def test_the_saved_output_tells_the_matches_as_they_stand(
    client: pm.Client, sandbox: SandboxServer, clock: FakeClock
) -> None:
    """Item 6: a notebook saved after polls shows the matches and their current prices,
    not "Waiting for the first poll…" nor the first price seen."""
    panel = panel_for(client, clock)
    with Published() as published:
        display(panel)  # type: ignore[no-untyped-call]
        (first,) = published.saved().values()
        assert "Waiting for the first poll" in first["text/plain"]
        sandbox.add_offer()
        sandbox.add_offer(cloud_id="sandbox-H100x8-SXM5-b", price=16.8)
        panel.watch.step()
        sandbox.reprice_offer(WATCH_OFFER.cloud_id, 16.0)
        clock.now += 15
        panel.watch.step()
        (last,) = published.saved().values()
    saved = last["text/plain"]
    assert "Waiting for the first poll" not in saved and "2 matches" in saved
    rows = [line for line in saved.splitlines() if "8× H100_80GB" in line and " · " in line]
    assert len(rows) == 2 and "$16.0000/h" in rows[0] and "$16.8000/h" in rows[1]
    assert "$16.0000/h" in html.unescape(last["text/html"])
    panel.close()
