"""Desktop notifications (``pm.notifications()``, ``announce``): what reaches the page.

The page's side (the browser's Notification API) is tested in the browser
(tests/e2e/test_e2e_notify.py); here the kernel's side: an announcement reaches the
widget's comm (the model's channel to the page) only while notifications are on, never
raises, and the notifier repeats the guard's new findings and a deadline ten minutes
away, each once. The rounds are called directly (``check``), on an injected clock.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

import prime_magics as pm
from prime_magics.display.guard import finding_title
from prime_magics.rentals.findings import Findings
from prime_magics.widgets import notify
from prime_magics.widgets.notify import Notifier, announce, notifications
from tests.rentals_fixtures import guide_request


class RecordingComm:
    """Stands in for the widget's comm: keeps what the kernel would send to the page."""

    kernel = object()  # ipywidgets sends only over a comm with a kernel
    comm_id = "recorded"

    def __init__(self, fail: bool = False) -> None:
        self.sent: list[dict[str, Any]] = []
        self.fail = fail

    def send(self, data: dict[str, Any], buffers: Any = None) -> None:
        if self.fail:
            raise RuntimeError("the kernel's socket is gone")
        self.sent.append(data)

    def announcements(self) -> list[dict[str, Any]]:
        return [m["content"] for m in self.sent if m.get("method") == "custom"]

    def close(self, *args: Any, **kwargs: Any) -> None:
        pass

    def on_msg(self, *args: Any) -> None:
        pass


@pytest.fixture
def notifier(monkeypatch: pytest.MonkeyPatch) -> Iterator[Notifier]:
    """The kernel's notifier, fresh, its comm recorded; stopped after the test."""
    made = Notifier()
    made.comm = RecordingComm()
    monkeypatch.setattr(notify, "_NOTIFIER", made)
    yield made
    made.comm = RecordingComm()
    made.enabled = False


def turn_on(notifier: Notifier) -> None:
    """What the page does once the user ticked the box and the browser allowed it."""
    notifier.permission = "granted"
    notifier._loop.stop = lambda: None  # type: ignore[method-assign]
    notifier._loop.start = lambda delay=0.0: None  # type: ignore[method-assign]
    notifier.enabled = True


def test_pm_notifications_is_the_one_switch_of_the_kernel(notifier: Notifier) -> None:
    assert pm.notifications() is notifications() is notifier
    assert "notifications" in pm.__all__


def test_announce_reaches_the_model_only_when_on(notifier: Notifier) -> None:
    comm = notifier.comm
    announce("watch", "New match", "8× H100_80GB at $17.6000/h")
    assert comm.announcements() == []  # off: nothing leaves the kernel
    turn_on(notifier)
    announce("watch", "New match", "8× H100_80GB at $17.6000/h")
    [sent] = comm.announcements()
    assert sent["type"] == "announce" and sent["kind"] == "watch"
    assert (sent["title"], sent["body"]) == ("New match", "8× H100_80GB at $17.6000/h")
    notifier.enabled = False  # the page unticked it
    announce("watch", "New match", "again")
    assert len(comm.announcements()) == 1


def test_announce_without_a_switch_or_with_a_broken_comm_never_raises(
    notifier: Notifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(notify, "_NOTIFIER", None)
    announce("ready", "Pod ready", "pod abc is ACTIVE")  # nobody asked for notifications
    monkeypatch.setattr(notify, "_NOTIFIER", notifier)
    turn_on(notifier)
    notifier.comm = RecordingComm(fail=True)
    announce("ready", "Pod ready", "pod abc is ACTIVE")
    assert notifier.announce("ready", "Pod ready", "pod abc is ACTIVE") is False


def test_the_guards_new_findings_are_announced_once_the_old_ones_never(
    notifier: Notifier, client: pm.Client
) -> None:
    pm.set_client(client)
    findings = Findings(client.store)
    base = client.settings.base_url
    findings.add(base, time.time(), "ended", "Pod old was terminated at its deadline.")
    turn_on(notifier)
    assert notifier.check() == notify.CHECK_EVERY_S
    assert notifier.comm.announcements() == []  # said before the switch: not news
    findings.add(base, time.time(), "ended", "Pod p1 was terminated at its deadline.")
    findings.add(base, time.time(), "warning", "80 % of your $5.0000 budget is spent.")
    notifier.check()
    notifier.check()
    said = [(m["kind"], m["title"], m["body"]) for m in notifier.comm.announcements()]
    assert said == [
        ("ended", finding_title("ended"), "Pod p1 was terminated at its deadline."),
        ("warning", finding_title("warning"), "80 % of your $5.0000 budget is spent."),
    ]
    assert finding_title("ended") == "Ended by the guard"
    # the in-cell notice is not taken away: the next cell still says both
    assert [f.text for f in findings.take()][-2:] == [b for _, _, b in said]


def test_a_deadline_ten_minutes_away_is_announced_once(
    notifier: Notifier, client: pm.Client
) -> None:
    pm.set_client(client)
    pod = client.create_pod(guide_request(client, name="short", max_hours=1))
    [rental] = client.guard_status().guarded
    assert rental.due is not None
    now = [rental.due - 11 * 60]
    notifier._clock = lambda: now[0]
    turn_on(notifier)
    notifier.check()
    assert notifier.comm.announcements() == []  # eleven minutes: not yet
    now[0] = rental.due - 9 * 60
    notifier.check()
    notifier.check()
    [sent] = notifier.comm.announcements()
    assert sent["kind"] == "deadline" and sent["title"] == "Deadline in ten minutes"
    assert sent["body"].startswith(f"Pod {pod.id} (short) ends in 9.0 min, at its deadline")


def test_off_the_rounds_end_and_read_nothing(notifier: Notifier, client: pm.Client) -> None:
    pm.set_client(client)
    assert notifier.check() is None


def test_a_pod_seen_pending_that_turns_ready_is_announced_once(
    notifier: Notifier, client: pm.Client
) -> None:
    from prime_magics.widgets import PodStatus
    from tests.widget_fixtures import settle

    turn_on(notifier)
    pod = client.create_pod(guide_request(client, name="followed"))
    panel = PodStatus(pod.id, client=client, poll_interval=0.02, autostart=False)
    panel.poll_once()
    assert panel.state is not None and panel.state.phase.value == "pending"
    settle(lambda: None if panel.state and panel.state.phase.value == "ready" else panel.step())
    panel.poll_once()
    said = [(m["kind"], m["title"]) for m in notifier.comm.announcements()]
    assert said == [("ready", f"Pod {pod.id} is ready")]
    again = PodStatus(pod.id, client=client, poll_interval=0.02, autostart=False)
    again.poll_once()  # opened on a pod already ready: not news
    assert len(notifier.comm.announcements()) == 1
    panel.close()
    again.close()
