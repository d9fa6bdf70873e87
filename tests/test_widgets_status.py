"""PodStatus: follows its pod until it is gone (slowly once settled), reads every status
through ``lifecycle.pod_state``, and terminates only a pod that is still there, once,
after a confirmation that shows ``describe_pod_termination``. Driven by ``step``/
``poll_once`` directly; no test waits on the thread."""

from __future__ import annotations

import html
import time
from collections.abc import Callable

import pytest

import prime_magics as pm
from prime_magics.display.primitives import SANDBOX_LABEL
from prime_magics.lifecycle import Phase
from prime_magics.loops import Loop
from prime_magics.models import Pod
from prime_magics.sandbox import SandboxServer
from prime_magics.widgets import PodStatus
from tests.widget_fixtures import calls, custom_row, pod_json, ready_pod, serving


@pytest.fixture
def pod(client: pm.Client) -> Pod:
    return ready_pod(client)


def panel_for(pod_id: str, client: pm.Client) -> PodStatus:
    return PodStatus(pod_id, client=client, poll_interval=0.05, autostart=False)


def test_a_ready_pod_shows_ssh_and_ports_and_is_then_followed_slowly(
    client: pm.Client, pod: Pod
) -> None:
    panel = panel_for(pod.id, client)
    assert panel.step() == pytest.approx(0.25)  # settled: poll_interval × 5
    assert panel.state is not None and panel.state.phase is Phase.READY
    assert panel.ssh == client.ssh_command(pod) and panel.ssh in panel.details.value
    assert "JUPYTER_NOTEBOOK" in panel.details.value and panel.progress.value == 100
    assert panel.status_level == "success" and "status-pod" in panel.heading.value
    assert SANDBOX_LABEL in panel.heading.value and not panel.terminate_button.disabled


def test_a_coming_pod_is_followed_at_the_fast_interval(
    mock_client: Callable[..., pm.Client],
) -> None:
    fixed = mock_client(serving(pod_json()))
    panel = PodStatus("pod-1", client=fixed, poll_interval=0.05, settled_interval=9.0,
                      autostart=False)  # fmt: skip
    assert panel.step() == 0.05
    assert panel.progress.value == 40 and "PROVISIONING" in panel.status_text


def test_a_failed_installation_says_why_and_keeps_terminate(
    mock_client: Callable[..., pm.Client],
) -> None:
    broken = pod_json(status="ACTIVE", installationStatus="ERROR",
                      installationFailure="image pull failed")  # fmt: skip
    panel = PodStatus("pod-1", client=mock_client(serving(broken)), settled_interval=9.0,
                      autostart=False)  # fmt: skip
    assert panel.step() == 9.0  # failed is settled, but still followed
    assert panel.status_level == "error" and "image pull failed" in panel.status_text
    assert not panel.terminate_button.disabled


def test_a_pod_terminated_from_another_cell_shows_terminated_in_one_poll(
    client: pm.Client, pod: Pod
) -> None:
    panel = panel_for(pod.id, client)
    seen: list[object] = []
    panel.observe(lambda change: seen.append(change["new"]), "pod")
    assert panel.step() is not None
    client.terminate_pod(pod.id, confirm=True)  # "another cell"
    assert panel.step() is None  # gone: nothing left to follow
    assert panel.state is not None and panel.state.phase is Phase.GONE
    assert "TERMINATED" in panel.summary.value and "TERMINATED" in panel.status_text
    assert panel.terminate_button.disabled and panel.ssh is None
    assert [p.status for p in seen if isinstance(p, Pod)] == ["ACTIVE", "TERMINATED"]
    assert panel.status == "TERMINATED" and panel.wait(0)  # settled: wait returns at once


def test_terminate_asks_with_the_clients_description_then_sends_once(
    client: pm.Client, pod: Pod, sandbox: SandboxServer
) -> None:
    panel = panel_for(pod.id, client)
    panel.terminate_button.click()
    description = client.describe_pod_termination(pod.id)
    assert panel.termination_text == description
    assert html.escape(description).replace("\n", "") in panel.confirm_text.value.replace("\n", "")
    assert panel.confirm_box.layout.display is None and panel.terminate_button.disabled
    panel.cancel_button.click()
    panel.confirm_button.click()  # withdrawn: nothing to confirm
    assert calls(sandbox, "DELETE", f"/pods/{pod.id}") == []
    panel.terminate_button.click()
    panel.confirm_button.click()
    panel.confirm_button.click()
    assert len(calls(sandbox, "DELETE", f"/pods/{pod.id}")) == 1
    assert panel.state is not None and panel.state.status == "TERMINATED"
    assert panel.terminate_button.disabled and panel.step() is None


def test_terminate_on_a_pod_already_gone_offers_nothing(
    client: pm.Client, pod: Pod, sandbox: SandboxServer
) -> None:
    panel = panel_for(pod.id, client)
    panel.poll_once()
    client.terminate_pod(pod.id, confirm=True)
    panel.terminate_button.click()  # refreshes first
    assert panel.confirm_box.layout.display == "none" and panel.termination_text is None
    assert "nothing to terminate" in panel.status_text and panel.terminate_button.disabled
    assert len(calls(sandbox, "DELETE", f"/pods/{pod.id}")) == 1  # only the other cell's


def test_confirm_after_the_pod_went_sends_nothing(
    client: pm.Client, pod: Pod, sandbox: SandboxServer
) -> None:
    panel = panel_for(pod.id, client)
    panel.terminate_button.click()
    client.terminate_pod(pod.id, confirm=True)
    panel.confirm_button.click()
    assert len(calls(sandbox, "DELETE", f"/pods/{pod.id}")) == 1
    assert "TERMINATED" in panel.status_text and panel.confirm_button.disabled


def test_an_unknown_pod_is_gone_and_a_message_not_a_traceback(client: pm.Client) -> None:
    panel = panel_for("no-such-pod", client)
    assert panel.step() is None
    assert "no-such-pod" in panel.status_text and "gone" in panel.status_text
    assert panel.terminate_button.disabled
    panel.terminate_button.click()  # refreshes, still gone: nothing asked
    assert panel.confirm_box.layout.display == "none"


def test_a_transient_failure_keeps_following(
    client: pm.Client, pod: Pod, sandbox: SandboxServer
) -> None:
    sandbox.faults.add("GET", f"/pods/{pod.id}", status=503, times=None)
    panel = panel_for(pod.id, client)
    assert panel.step() == 0.05 and panel.status_level == "warning"
    sandbox.faults.clear()
    assert panel.step() == pytest.approx(0.25) and panel.status_level == "success"


def test_the_poller_runs_the_step_until_it_says_done() -> None:
    pauses = iter([0.0, 0.0, None])
    steps: list[int] = []

    def step() -> float | None:
        steps.append(1)
        return next(pauses)

    Loop(step, "test", 1.0).run()  # the thread's body, inline
    assert len(steps) == 3


def test_a_stopped_poller_ends_and_a_crashing_one_backs_off_until_stopped() -> None:
    crashes: list[BaseException] = []
    waited: list[float] = []

    def crashed(exc: BaseException) -> None:
        crashes.append(exc)
        if len(crashes) == 3:
            poller.stop()

    poller = Loop(lambda: 1 / 0, "test", 0.05, on_error=crashed, wait=waited.append)
    poller.run()
    assert isinstance(poller.last_error, ZeroDivisionError) and len(crashes) == 3
    assert waited == [0.1, 0.2, 0.4]  # backed off each time, then ended on its stop event
    stopped = Loop(lambda: pytest.fail("stepped after stop"), "test", 1.0)
    stopped.stop()
    stopped.run()


def test_a_crash_in_the_panels_poll_is_shown_and_the_poller_goes_on(
    client: pm.Client, pod: Pod, monkeypatch: pytest.MonkeyPatch
) -> None:
    panel = panel_for(pod.id, client)
    monkeypatch.setattr(panel, "poll_once", lambda: 1 / 0)
    panel._poller._step = panel.step
    assert panel._poller.step() == pytest.approx(0.1)  # 0.05 s doubled: backed off
    assert "ZeroDivisionError" in panel.status_text and panel.status_level == "error"
    assert panel._poller.failures == 1


def test_close_stops_following(client: pm.Client, pod: Pod) -> None:
    panel = PodStatus(pod.id, client=client, poll_interval=60.0, autostart=False)
    panel.close()
    assert panel._poller._stop.is_set()


def test_a_failed_installation_shows_the_pods_log(
    client: pm.Client, sandbox: SandboxServer
) -> None:
    pod = client.create_pod(pm.PodRequest.from_offer(custom_row(client), name="log-pod"))
    sandbox.state.fail_installation(pod.id, "pip: no space left on device")
    panel = panel_for(pod.id, client)
    state = panel.poll_once()
    assert state is not None and state.phase is Phase.FAILED
    assert panel.logs == client.pod_logs(pod.id, tail=8) and panel.logs
    assert "Log" in panel.log_view.value and html.escape(panel.logs[-1]) in panel.log_view.value
    assert any("scheduled" in line for line in panel.logs)


# -- the pod's own Jupyter ------------------------------------------------------------------------

SECRET = "correct-horse-battery-staple"


def _every_state(widget: object) -> str:
    """The saved forms of the panel: every widget's state (what "Save Widget State" and
    nbconvert keep), its repr and its mime bundle."""
    import ipywidgets as w

    assert isinstance(widget, w.Widget)
    seen: list[str] = [repr(widget), str(widget._repr_mimebundle_())]
    stack: list[w.Widget] = [widget]
    while stack:
        item = stack.pop()
        seen.append(str(item.get_state()))
        for value in item.keys:
            child = getattr(item, value, None)
            children = child if isinstance(child, (tuple, list)) else [child]
            stack += [c for c in children if isinstance(c, w.Widget)]
    return "\n".join(seen)


def jupyter_pod(client: pm.Client) -> Pod:
    request = pm.PodRequest.from_offer(custom_row(client), name="nb", jupyter_password=SECRET)
    assert SECRET not in repr(request) and SECRET not in request.curl()
    assert request.body()["pod"]["jupyterPassword"] == SECRET  # sent as the spec says
    pod = client.create_pod(request)
    return client.wait_for_pod(pod.id, timeout=20, poll_interval=0.02, progress=False)


def test_a_pods_jupyter_is_linked_and_its_password_never_saved(client: pm.Client) -> None:
    from prime_magics.widgets.status import jupyter_url

    pod = jupyter_pod(client)
    assert pod.jupyter_password == SECRET and SECRET not in repr(pod)
    url = jupyter_url(pod)
    [port] = [p for p in pod.prime_port_mapping or [] if p.used_by == "JUPYTER_NOTEBOOK"]
    assert url == f"http://{pod.ip}:{port.external}/"
    panel = panel_for(pod.id, client)
    panel.poll_once()
    assert f'href="{url}"' in panel.jupyter_view.value
    assert panel.jupyter_box.layout.display is None  # shown
    assert SECRET not in _every_state(panel)
    panel.password_button.click()  # revealed, in the transient output only
    assert SECRET in str(panel.password_view.outputs)
    assert panel.password_button.description == "Hide"
    panel.password_button.click()  # hidden again
    assert panel.password_view.outputs == () and SECRET not in _every_state(panel)
    panel.reveal_seconds = 0.01
    panel.password_button.click()
    deadline = time.monotonic() + 10  # a bound, never a timing assertion
    while panel.password_view.outputs and time.monotonic() < deadline:
        time.sleep(0.01)
    assert SECRET not in _every_state(panel)  # cleared by itself
    panel.close()


def test_a_pod_without_a_jupyter_port_shows_no_link(
    mock_client: Callable[..., pm.Client],
) -> None:
    ready = pod_json(status="ACTIVE", installationStatus="FINISHED", installationProgress=100,
                     sshConnection="root@1.2.3.4 -p 22", ip="1.2.3.4")  # fmt: skip
    panel = PodStatus("pod-1", client=mock_client(serving(ready)), autostart=False)
    panel.poll_once()
    assert panel.jupyter_view.value == "" and panel.jupyter_box.layout.display == "none"


def test_a_gone_pod_bills_nothing_and_the_panel_says_so_not_its_old_rate(
    client: pm.Client, pod: Pod
) -> None:
    panel = panel_for(pod.id, client)
    panel.poll_once()
    assert "$2.7200/h" in panel.summary.value and "$2.7200/h" in panel.state_lines()[0]
    client.terminate_pod(pod.id, confirm=True)
    panel.poll_once()
    assert "$2.7200/h" not in panel.summary.value and "billing stopped" in panel.summary.value
    assert panel.state_lines() == [f"Pod {pod.id}: TERMINATED · $0.0000/h: gone, billing stopped"]
    assert panel.password_button.layout.width == "auto"  # its long label is never cut short
    panel.close()
