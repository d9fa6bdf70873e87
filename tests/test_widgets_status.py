"""PodStatus against the sandbox: polls in a thread until a final state, then stops;
Terminate shows what is lost and sends nothing before Confirm."""

from __future__ import annotations

import time

import pytest

import prime_magics as pm
from prime_magics.models import Pod
from prime_magics.sandbox import SandboxServer
from prime_magics.widgets import PodStatus
from prime_magics.widgets._form import SANDBOX_TAG
from tests.widget_fixtures import WAIT_S, calls, custom_row


@pytest.fixture
def pod(client: pm.Client) -> Pod:
    return client.create_pod(pm.PodRequest.from_offer(custom_row(client), name="status-pod"))


def test_polls_in_the_background_until_ready_then_stops(client: pm.Client, pod: Pod) -> None:
    panel = PodStatus(pod.id, client=client, poll_interval=0.05)
    assert panel.wait(WAIT_S), "polling should stop once the pod is ready"
    assert not panel.polling
    assert panel.status == "ACTIVE" and panel.pod is not None
    assert panel.pod.installation_status == "FINISHED"
    assert panel.ssh is not None and panel.ssh.startswith("ssh -i ")
    assert panel.ssh == client.ssh_command(panel.pod)
    assert panel.ssh in panel.details.value
    assert "Ports" in panel.details.value and "JUPYTER_NOTEBOOK" in panel.details.value
    assert panel.progress.value == 100
    assert panel.status_level == "success" and "status-pod" in panel.heading.value
    assert SANDBOX_TAG in panel.heading.value


def test_poll_once_without_a_thread(client: pm.Client, pod: Pod) -> None:
    panel = PodStatus(pod.id, client=client, autostart=False)
    assert not panel.polling and panel.status is None
    for _ in range(200):  # bounded: the sandbox pod is ready after 0.3 s
        if panel.poll_once():
            break
        time.sleep(0.02)
    assert panel.status == "ACTIVE" and not panel.polling


def test_terminate_needs_confirmation(client: pm.Client, pod: Pod, sandbox: SandboxServer) -> None:
    panel = PodStatus(pod.id, client=client, poll_interval=0.05)
    assert panel.wait(WAIT_S)
    panel.terminate_button.click()
    assert "lost for good" in panel.confirm_text.value
    assert panel.confirm_box.layout.display is None
    assert calls(sandbox, "DELETE", f"/pods/{pod.id}") == []
    panel.cancel_button.click()
    panel.confirm_button.click()  # withdrawn: nothing to confirm
    assert calls(sandbox, "DELETE", f"/pods/{pod.id}") == []
    panel.terminate_button.click()
    panel.confirm_button.click()
    panel.confirm_button.click()
    assert len(calls(sandbox, "DELETE", f"/pods/{pod.id}")) == 1
    assert panel.status == "TERMINATED" and panel.terminated
    assert panel.terminate_button.disabled and not panel.polling


def test_close_stops_polling(client: pm.Client, pod: Pod) -> None:
    panel = PodStatus(pod.id, client=client, poll_interval=60.0)
    panel.close()
    assert panel.wait(WAIT_S) and not panel.polling


def test_an_unknown_pod_is_a_message_not_a_traceback(client: pm.Client) -> None:
    panel = PodStatus("no-such-pod", client=client, poll_interval=0.05)
    assert panel.wait(WAIT_S)
    assert panel.status_level == "error" and "no-such-pod" in panel.status_text
    assert panel._poller.crash is None
