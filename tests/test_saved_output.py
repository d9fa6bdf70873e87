"""A panel's saved output tells its last state: shown under a display id of its own, it
updates that display's text/plain and text/html as its state changes (once per change),
so nbconvert, GitHub and nbviewer show what the panel said last, not what it said first."""

from __future__ import annotations

from IPython.display import display

import prime_magics as pm
from prime_magics.widgets import PodStatus
from tests.widget_fixtures import Published, ready_pod

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def test_a_pod_status_saved_after_polls_says_the_pod_is_active(client: pm.Client) -> None:
    pod = ready_pod(client)
    panel = PodStatus(pod.id, client=client, poll_interval=0.05, autostart=False)
    with Published() as published:
        display(panel)
        (first,) = published.saved().values()
        assert "not read yet" in first["text/plain"]
        panel.poll_once()
        (last,) = published.saved().values()
    assert "ACTIVE" in last["text/plain"] and "ACTIVE" in last["text/html"]
    assert "not read yet" not in last["text/plain"]
    assert last[WIDGET_VIEW]["model_id"] == panel.model_id  # still the live widget
    updates = published.updates
    with published:
        panel.poll_once()  # nothing changed: nothing sent
    assert published.updates == updates
    panel.close()


def test_a_panel_never_shown_publishes_nothing(client: pm.Client) -> None:
    pod = ready_pod(client)
    panel = PodStatus(pod.id, client=client, poll_interval=0.05, autostart=False)
    with Published() as published:
        panel.poll_once()
    assert published.publisher.outputs == []
    panel.close()
