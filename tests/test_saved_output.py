"""A panel's saved output tells its last state: beside its live view (never updated, so a
front end never redraws it), it shows its summary under a display id of its own and
updates that output's text/plain and text/html as its state changes (once per change),
so nbconvert, GitHub and nbviewer show what the panel said last, not what it said first;
while the view is live, a style it carries hides the summary."""

from __future__ import annotations

from typing import Any

from IPython.core.displaypub import CapturingDisplayPublisher
from IPython.display import display

import prime_magics as pm
from prime_magics.widgets import PodStatus
from tests.widget_fixtures import Published, ready_pod

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def test_a_pod_status_saved_after_polls_says_the_pod_is_active(client: pm.Client) -> None:
    pod = ready_pod(client)
    panel = PodStatus(pod.id, client=client, poll_interval=0.05, autostart=False)
    with Published() as published:
        display(panel)  # type: ignore[no-untyped-call]
        (first,) = published.saved().values()
        assert "not read yet" in first["text/plain"]
        panel.poll_once()
        (last,) = published.saved().values()
    assert "ACTIVE" in last["text/plain"] and "ACTIVE" in last["text/html"]
    assert "not read yet" not in last["text/plain"]
    (view,) = [o["data"] for o in published.publisher.outputs if WIDGET_VIEW in o["data"]]
    assert view[WIDGET_VIEW]["model_id"] == panel.model_id and not published.updates_of(view)
    assert WIDGET_VIEW not in last  # the live view is one output, its summary another
    (ident,) = published.saved()
    assert f'data-prime-saved="{ident}"' in last["text/html"]
    assert f'[data-prime-saved="{ident}"]' in panel.heading.value  # hidden while live
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


class KernelLikePublisher(CapturingDisplayPublisher):
    """ipykernel's publisher, as far as routing goes: a current cell's header, and
    ``set_thread_parent`` to publish under another for one thread."""

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.parent_header: dict[str, Any] = {"msg_id": "cell-1"}
        self.sent_under: list[str] = []
        self._stack: list[dict[str, Any]] = []

    def set_thread_parent(self, parent: dict[str, Any]) -> int:
        self._stack.append(self.parent_header)
        self.parent_header = parent["header"]
        return len(self._stack)

    def reset_thread_parent(self, _token: int) -> None:
        self.parent_header = self._stack.pop()

    def publish(self, data: Any, metadata: Any = None, source: Any = None, **kw: Any) -> None:
        self.sent_under.append(self.parent_header["msg_id"])
        super().publish(data, metadata, source, **kw)  # type: ignore[no-untyped-call]


def test_an_update_goes_to_the_cell_that_showed_the_panel_and_to_the_running_one(
    client: pm.Client,
) -> None:
    pod = ready_pod(client)
    panel = PodStatus(pod.id, client=client, poll_interval=0.05, autostart=False)
    publisher = KernelLikePublisher()
    with Published(publisher):
        display(panel)  # type: ignore[no-untyped-call]  # in cell-1
        publisher.parent_header = {"msg_id": "cell-7"}  # the kernel has moved on
        panel.poll_once()  # a poller's update, later
    # JupyterLab applies (and saves) it in the cell that showed it; nbclient, running
    # cell-7, applies the copy sent under cell-7
    # the view, the summary, then the summary's update twice
    assert publisher.sent_under == ["cell-1", "cell-1", "cell-1", "cell-7"]
    panel.close()


def test_a_started_pod_status_is_first_shown_with_the_pods_state(client: pm.Client) -> None:
    """notebooks/provisioning.ipynb stored "not read yet": a started panel reads its pod
    once before it is shown, then follows it in the background."""
    pod = ready_pod(client)
    panel = PodStatus(pod.id, client=client, poll_interval=60)
    with Published() as published:
        display(panel)  # type: ignore[no-untyped-call]
        (first,) = published.saved().values()
    assert "ACTIVE" in first["text/plain"] and "not read yet" not in first["text/plain"]
    assert panel.polling
    panel.close()
