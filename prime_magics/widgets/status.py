"""``PodStatus``: follow one pod until it is ready, failed or gone, and terminate it.

Polling runs in a daemon thread (``Poller``), so other cells run meanwhile; it stops at a
final state (ACTIVE with its software installed, ERROR, TERMINATED, or a failed
installation) or when the panel is closed. Terminating first shows what will be lost
(``client.describe_pod_termination``) and waits for an explicit Confirm.
"""

from __future__ import annotations

import html
import threading
from typing import TYPE_CHECKING

import ipywidgets as w

from ..errors import NotFoundError, PrimeError
from ..models import Pod
from ._form import Form, Poller, code_html
from ._money import per_hour

if TYPE_CHECKING:
    from ..client import Client

FINAL_STATES = {"ERROR", "TERMINATED"}
FAILED_INSTALLATION = {"ERROR", "FAILED"}


def is_final(pod: Pod) -> bool:
    """Nothing more will change without the user acting."""
    if pod.status in FINAL_STATES or pod.installation_status in FAILED_INSTALLATION:
        return True
    return pod.status == "ACTIVE" and pod.installation_status in (None, "FINISHED")


def _ports_html(pod: Pod) -> str:
    rows = [
        f"<tr><td>{html.escape(str(p.internal))}</td><td>→ {html.escape(str(p.external))}</td>"
        f"<td>{html.escape(p.protocol or '')}</td>"
        f"<td>{html.escape(p.used_by or p.description or '')}</td></tr>"
        for p in pod.prime_port_mapping or []
    ]
    return f"<table><caption>Ports</caption>{''.join(rows)}</table>" if rows else ""


class PodStatus(Form):
    """Live status of pod ``pod_id``: progress, SSH command, ports, errors, Terminate."""

    def __init__(
        self,
        pod_id: str,
        client: Client | None = None,
        poll_interval: float = 2.0,
        autostart: bool = True,
    ) -> None:
        super().__init__(client, f"Pod {pod_id}")
        self.add_class("prime-pod-status")  # a stable hook for the browser test and CSS
        self.pod_id = pod_id
        self.pod: Pod | None = None
        self.status: str | None = None
        self.ssh: str | None = None
        self.terminated = False
        self.termination_text: str | None = None
        self._lock = threading.RLock()
        self.progress = w.IntProgress(value=0, min=0, max=100, description="Install")
        self.summary = w.HTML()
        self.details = w.HTML()
        self.terminate_button = self.button("Terminate", self._on_terminate, "danger")
        self.confirm_step("Confirm terminate", self._on_confirm, self._on_cancel)
        self.layout_children(
            self.summary, self.progress, self.details, self.terminate_button, self.confirm_box
        )
        self._poller = Poller(
            self.poll_once, poll_interval, f"prime-pod-{pod_id[:8]}", self.report_crash
        )
        self.refresh_buttons()
        if autostart:
            self.start()

    # -- polling -------------------------------------------------------------------------

    @property
    def polling(self) -> bool:
        return self._poller.running

    def start(self) -> None:
        """(Re)start polling in the background."""
        self._poller.start()

    def stop(self) -> None:
        self._poller.stop()

    def wait(self, timeout: float = 30.0) -> bool:
        """Block up to ``timeout`` s until polling stopped; True when it has."""
        return self._poller.wait(timeout)

    def close(self) -> None:
        self._poller.stop()
        super().close()

    def poll_once(self) -> bool:
        """Fetch the pod once and redraw; True when it reached a final state."""
        try:
            pod = self.client.pod(self.pod_id)
            ssh = self.client.ssh_command(pod) if pod.ssh_connection else None
        except NotFoundError as err:
            self.show(str(err), "error")
            return True
        except PrimeError as err:  # transient (network, 5xx): say so and keep polling
            self.show(str(err), "warning")
            return False
        with self._lock:
            self.pod, self.status, self.ssh = pod, pod.status, ssh
            self._draw(pod)
            self.refresh_buttons()
        return is_final(pod)

    def _draw(self, pod: Pod) -> None:
        self.set_title(f"Pod {pod.name or pod.id} ({pod.id})")
        install = pod.installation_status or "—"
        self.summary.value = (
            f"<b>{html.escape(pod.status or '?')}</b> · installation {html.escape(install)}"
            f" · {pod.gpu_count or '?'}× {html.escape(pod.gpu_name or '?')}"
            f" · {per_hour(pod.price_hr)}"
        )
        self.progress.value = int(pod.installation_progress or (100 if is_final(pod) else 0))
        parts = []
        if self.ssh:
            parts.append(code_html(self.ssh, "SSH"))
        parts.append(_ports_html(pod) if pod.status == "ACTIVE" else "")
        if pod.installation_failure:
            failure = html.escape(pod.installation_failure)
            parts.append(f'<div style="color:#b3261e">Installation failed: {failure}</div>')
        self.details.value = "".join(parts)
        if pod.status == "TERMINATED":
            self.show("Terminated: billing has stopped.", "success")
        elif pod.status == "ERROR" or pod.installation_status in {"ERROR", "FAILED"}:
            self.show(f"Pod {pod.status}: it may be billed until terminated.", "error")
        elif is_final(pod):
            self.show("Ready." if self.ssh else "Active.", "success")
        else:
            self.show(f"{pod.status}… (refreshing every few seconds)")

    # -- terminating ---------------------------------------------------------------------

    def can_enable(self, button: w.Button) -> bool:
        live = not self.terminated and self.status != "TERMINATED"
        if button is self.terminate_button:
            return live and self.termination_text is None
        return live

    def _on_terminate(self) -> None:
        """Step 1: say what will be lost; nothing is sent yet."""
        if self.terminated:
            return
        self.termination_text = self.client.describe_pod_termination(self.pod_id)
        self.ask(code_html(self.termination_text, "Terminate this pod?"))

    def _on_cancel(self) -> None:
        self.termination_text = None
        self.ask(None)
        self.show("Not terminated.")

    def _on_confirm(self) -> None:
        """Step 2: terminate (once)."""
        if self.terminated or self.termination_text is None:
            return
        self.terminated = True
        self.ask(None)
        try:
            self.client.terminate_pod(self.pod_id, confirm=True)
        except PrimeError:
            self.terminated = False
            self.termination_text = None
            raise
        self.show("Termination requested.", "success")
        if not self.polling:
            self.poll_once()
