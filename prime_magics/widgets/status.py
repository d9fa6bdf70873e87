"""``PodStatus``: follow one pod for as long as it exists, and terminate it.

The panel keeps following its pod until it is gone (TERMINATED, or a 404), every
``poll_interval`` seconds while it comes up and every ``settled_interval`` once it is ready
or failed, so a pod terminated from another cell shows TERMINATED within one slow period.
What a status means comes from ``lifecycle.pod_state`` alone. Polling runs in a daemon
thread (a ``loops.Loop``) over ``poll_once``, which tests call directly.

When the pod exposes a JUPYTER_NOTEBOOK port, the panel links its own Jupyter
(``http://IP:PORT/``, no secret in it). The ``jupyterPassword`` the create set is never
part of the panel's saved state: "Show Jupyter password" writes it into a transient
output, cleared again after ``REVEAL_S`` seconds or on the next click, so a notebook
saved (widget state included) or converted by nbconvert holds no password.

Terminate refreshes the pod first: on a pod already gone it says so and offers nothing;
otherwise it shows ``client.describe_pod_termination`` and waits for Confirm, which
refreshes once more and sends nothing if the pod went meanwhile.
"""

from __future__ import annotations

import html
import threading
import time
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import traitlets as t

from ..display.primitives import Confirmation, notice_html, usd
from ..display.sentences import DEADLINE_CAVEAT, deadline_text
from ..errors import NotFoundError, PrimeError
from ..lifecycle import Phase, State
from ..loops import Loop
from ..models import Pod
from ._form import Form, code_html, shown
from .notify import announce

if TYPE_CHECKING:
    from ..client import Client


def _ports_html(pod: Pod) -> str:
    rows = [
        f"<tr><td>{html.escape(str(p.internal))}</td><td>→ {html.escape(str(p.external))}</td>"
        f"<td>{html.escape(p.protocol or '')}</td>"
        f"<td>{html.escape(p.used_by or p.description or '')}</td></tr>"
        for p in pod.prime_port_mapping or []
    ]
    return f"<table><caption>Ports</caption>{''.join(rows)}</table>" if rows else ""


def jupyter_url(pod: Pod) -> str | None:
    """The pod's own Jupyter: its JUPYTER_NOTEBOOK port on its IP (no password in it);
    None while it exposes none."""
    port = next(
        (p for p in pod.prime_port_mapping or []
         if p.used_by == "JUPYTER_NOTEBOOK" and str(p.external or "*").isdigit()),
        None,
    )  # fmt: skip
    ip = pod.ip if isinstance(pod.ip, str) or pod.ip is None else next(iter(pod.ip), None)
    if port is None or not ip:
        return None
    host = f"[{ip}]" if ":" in ip else ip
    return f"http://{host}:{port.external}/"


LOG_LINES = 8
WARN_BEFORE_S = 600.0  # the deadline turns to a warning ten minutes before
REVEAL_S = 30.0  # a revealed Jupyter password is cleared again after this long
SHOW_PASSWORD = "Show Jupyter password"


class PodStatus(Form):
    """Live status of pod ``pod_id``: progress, SSH command, ports, errors, Terminate."""

    pod = t.Instance(Pod, allow_none=True, help="The pod as last fetched (None: not yet, or gone).")
    state = t.Instance(State, allow_none=True, help="What the last fetch means (lifecycle).")
    ssh = t.Unicode(None, allow_none=True, help="The SSH command, once the pod has an address.")
    termination_text = t.Unicode(None, allow_none=True, help="What Confirm would destroy.")
    logs = t.List(t.Unicode(), help="The pod's last log lines, read while it installs or failed.")
    deadline_left = t.Float(
        None, allow_none=True, help="Seconds until the pod's deadline (None: it has none)."
    )

    def __init__(
        self,
        pod_id: str,
        client: Client | None = None,
        poll_interval: float = 2.0,
        autostart: bool = True,
        settled_interval: float | None = None,
    ) -> None:
        super().__init__(client, f"Pod {pod_id}")
        self.add_class("prime-pod-status")  # a stable hook for the browser test and CSS
        self.pod_id = pod_id
        self.poll_interval = poll_interval
        self.settled_interval = poll_interval * 5 if settled_interval is None else settled_interval
        self._follow = self.client.follow_pod(pod_id)
        self._lock = threading.RLock()
        self._settled = threading.Event()  # for wait(): set once the pod settled
        self._poller = Loop(
            self.step, f"prime-pod-{pod_id[:8]}", poll_interval, on_error=self.report_crash
        )
        self.progress = w.IntProgress(value=0, min=0, max=100, description="Install")
        self.summary = w.HTML()
        self.details = w.HTML()
        self.log_view = w.HTML()
        self.deadline_view = w.HTML()
        self.extend_hours = w.BoundedFloatText(value=1.0, min=0.1, max=10**4, step=0.5,
                                               description="Extend (h)")  # fmt: skip
        self.extend_button = self.button("Extend", self._on_extend)
        self.jupyter_view = w.HTML()
        self.password_button = self.button(SHOW_PASSWORD, self._on_password)
        self.password_button.layout.width = "auto"  # its label is never cut short
        self.password_view = w.Output()  # holds the password only while revealed
        self._hide_timer: threading.Timer | None = None
        self.reveal_seconds = REVEAL_S
        self.jupyter_box = w.VBox(
            [self.jupyter_view, w.HBox([self.password_button, self.password_view])]
        )
        shown(self.jupyter_box, False)
        self.terminate_button = self.button("Terminate", self._on_terminate, "danger")
        self.confirm_step("Confirm terminate", self._on_confirm, self._on_cancel)
        self.layout_children(
            self.summary, self.progress, self.details, self.jupyter_box, self.log_view,
            self.deadline_view, w.HBox([self.extend_hours, self.extend_button]),
            self.terminate_button, self.confirm_box,
        )  # fmt: skip
        self.refresh_buttons()
        if autostart:  # read once now, so the panel is never first shown "not read yet"
            after = self.step()
            if after is not None:
                self._poller.start(after)

    @property
    def gone(self) -> bool:
        return self.state is not None and self.state.phase is Phase.GONE

    # -- polling -------------------------------------------------------------------------

    @property
    def polling(self) -> bool:
        return self._poller.running

    def start(self) -> None:
        """(Re)start following the pod in the background."""
        if not self.gone:
            self._poller.start()

    def stop(self) -> None:
        self._poller.stop()

    def state_lines(self) -> list[str]:
        if self.state is None:
            return [f"Pod {self.pod_id}: not read yet"]
        return [f"Pod {self.pod_id}: {self.status} · {self.rate_text}"]

    @property
    def rate_text(self) -> str:
        """What the pod bills now: its price while it exists; nothing once it is gone
        (never the rate it had)."""
        if self.gone:
            return f"{usd(0.0)}: gone, billing stopped"
        return usd(None if self.pod is None else self.pod.price_hr)

    @property
    def status(self) -> str | None:
        """The API's words for the last state (``ACTIVE``, ``TERMINATED``…), None before."""
        return None if self.state is None else self.state.status

    def wait(self, timeout: float = 30.0) -> bool:
        """For scripts and notebooks: block up to ``timeout`` s until the pod settled (ready,
        failed or gone) or nothing follows it any more; True when so. Tests call the step."""
        end = time.monotonic() + timeout
        while not (self._settled.is_set() or not self.polling):
            if time.monotonic() >= end:
                return False
            self._settled.wait(0.05)
        return True

    def close(self) -> None:
        poller = getattr(self, "_poller", None)
        if poller is not None:
            poller.stop()
        if getattr(self, "password_view", None) is not None:
            self.hide_password()
        super().close()

    def step(self) -> float | None:
        """The poller's step: fetch once, then how long until the next (None: gone)."""
        state = self.poll_once()
        if state is None:  # a transient failure: try again soon
            return self.poll_interval
        if state.phase is Phase.GONE:
            return None
        return self.poll_interval if state.phase is Phase.PENDING else self.settled_interval

    def poll_once(self) -> State | None:
        """Fetch the pod once and redraw; None when the fetch failed (said on the status line)."""
        with self._lock:
            try:
                state = self._follow.step()
                pod = self._follow.last
                ssh = self.client.ssh_command(pod) if pod and pod.ssh_connection else None
            except PrimeError as err:  # transient (network, 5xx): say so and keep following
                self.show(f"{err.message} (still following)", "warning")
                return None
            logs = self._read_logs(pod, state)
            self._announce_change(state)
            with self.hold_trait_notifications():
                self.pod, self.ssh, self.state = pod, ssh, state
                self.logs = logs
            if state.settled:
                self._settled.set()
            self._draw(state)
            self.refresh_buttons()
            return state

    def _announce_change(self, state: State) -> None:
        """A pod seen pending that turns ready or failed is said on the desktop (if the
        user turned notifications on); a panel opened on a settled pod says nothing."""
        before = self.state
        if before is None or before.phase is not Phase.PENDING:
            return
        if state.phase is Phase.READY:
            announce("ready", f"Pod {self.pod_id} is ready", state.status)
        elif state.phase is Phase.FAILED:
            announce("failed", f"Pod {self.pod_id} failed", state.reason or state.status)

    def _read_logs(self, pod: Pod | None, state: State) -> list[str]:
        """While it installs (or once it failed) the log says what is happening; a pod
        that is ready or gone is not asked (one request less per poll)."""
        if pod is None or pod.status != "ACTIVE" or state.phase is Phase.READY:
            return list(self.logs) if state.phase is Phase.READY else []
        try:
            return self.client.pod_logs(self.pod_id, tail=LOG_LINES)
        except PrimeError:  # logs are a nicety: never a reason to stop following
            return list(self.logs)

    def _draw(self, state: State) -> None:
        pod = self.pod
        if pod is not None:
            self.set_title(f"Pod {pod.name or pod.id} ({pod.id})")
        install = (pod.installation_status if pod else None) or "—"
        facts = [f"<b>{html.escape(state.status)}</b>", f"installation {html.escape(install)}"]
        if pod is not None:
            facts += [f"{pod.gpu_count or '?'}× {html.escape(pod.gpu_name or '?')}"]
        if pod is not None or self.gone:
            facts += [html.escape(self.rate_text)]
        self.summary.value = " · ".join(facts)
        ready = state.phase is Phase.READY
        self.progress.value = int((pod and pod.installation_progress) or (100 if ready else 0))
        parts = [code_html(self.ssh, "SSH")] if self.ssh and not self.gone else []
        parts.append(_ports_html(pod) if pod is not None and ready else "")
        self.details.value = "".join(parts)
        self._draw_jupyter(pod if ready and not self.gone else None)
        self.log_view.value = code_html("\n".join(self.logs), "Log") if self.logs else ""
        self._draw_deadline()
        self.show(*_status_message(state, self.pod_id, self.ssh, self.poll_interval))
        self.keep_saved()

    # -- the pod's own Jupyter -------------------------------------------------------------

    def _draw_jupyter(self, pod: Pod | None) -> None:
        url = jupyter_url(pod) if pod is not None else None
        shown(self.jupyter_box, url is not None)
        if url is None:
            self.jupyter_view.value = ""
            self.hide_password()
            return
        link = html.escape(url)
        self.jupyter_view.value = (
            f'Jupyter on the pod: <a href="{link}" target="_blank" rel="noopener">{link}</a>'
        )
        shown(self.password_button, bool(pod and pod.jupyter_password))

    def _on_password(self) -> None:
        """Reveal the password into the transient output (cleared after
        ``reveal_seconds``), or hide it again."""
        pod = self.pod
        if self._hide_timer is not None or pod is None or not pod.jupyter_password:
            self.hide_password()
            return
        self.password_view.append_stdout(pod.jupyter_password)
        self.password_button.description = "Hide"
        self._hide_timer = threading.Timer(self.reveal_seconds, self.hide_password)
        self._hide_timer.daemon = True
        self._hide_timer.start()

    def hide_password(self) -> None:
        """Clear a revealed password (the output holds nothing of it afterwards)."""
        timer, self._hide_timer = self._hide_timer, None
        if timer is not None:
            timer.cancel()
        self.password_view.outputs = ()
        self.password_button.description = SHOW_PASSWORD

    # -- the deadline ----------------------------------------------------------------------

    def _draw_deadline(self) -> None:
        """The deadline and a countdown; a warning from ten minutes before."""
        deadline = None if self.gone else self.client.deadline(self.pod_id)
        if deadline is None:
            self.deadline_left, self.deadline_view.value = None, ""
            return
        due = deadline.due
        left = None if due is None else due - self.client.rentals.clock()
        self.deadline_left = left
        level = "warning" if left is not None and left <= WARN_BEFORE_S else "info"
        text = deadline_text(due, left, deadline.ready_at is None, deadline.max_hours or 0.0)
        self.deadline_view.value = notice_html(f"{text}\n{DEADLINE_CAVEAT}", level)

    def _on_extend(self) -> None:
        """Move the deadline (or set one) ``extend_hours`` later; the rule is the user's."""
        self.client.extend(self.pod_id, float(self.extend_hours.value))
        self._draw_deadline()
        self.show(f"Deadline moved {self.extend_hours.value:g} h later.", "success")

    # -- terminating ---------------------------------------------------------------------

    def can_enable(self, button: w.Button) -> bool:
        if self.gone or self.submitted:
            return False
        if button is self.extend_button:
            return True
        if button is self.terminate_button:
            return self.termination_text is None
        return True

    @t.observe("termination_text", "state")
    def _on_terminable(self, _change: Any) -> None:
        self.refresh_buttons()

    def _on_terminate(self) -> None:
        """Step 1: refresh, then say what will be lost; nothing is sent yet."""
        if self.submitted or self.poll_once() is None or self.gone:
            return
        try:
            self.termination_text = self.client.describe_pod_termination(self.pod_id)
        except NotFoundError:  # went between the two requests
            self.poll_once()
            return
        ask = Confirmation("Terminate this pod?", self.termination_text)
        self.ask(ask._repr_html_())

    def _on_cancel(self) -> None:
        self.termination_text = None
        self.ask(None)
        self.show("Not terminated.")

    def _on_confirm(self) -> None:
        """Step 2: refresh; if the pod is still there, terminate it (once)."""
        if self.submitted or self.termination_text is None:
            return
        self.ask(None)
        self.termination_text = None
        if self.poll_once() is None or self.gone:
            return
        self.submitted = True
        try:
            self.client.terminate_pod(self.pod_id, confirm=True)
        except PrimeError:
            self.submitted = False
            raise
        self.poll_once()
        if not self.gone:
            self.show("Termination requested.", "success")


def _status_message(state: State, pod_id: str, ssh: str | None, every: float) -> tuple[str, str]:
    """The status line for a state: (text, level)."""
    if state.phase is Phase.GONE:
        if state.status == "NOT FOUND":
            return f"Pod {pod_id} is gone ({state.reason}); nothing to terminate.", "warning"
        return f"Pod {pod_id} is {state.status}: billing stopped; nothing to terminate.", "success"
    if state.phase is Phase.FAILED:
        return f"{state.status}: {state.reason}. It may be billed until terminated.", "error"
    if state.phase is Phase.READY:
        return ("Ready." if ssh else "Active."), "success"
    return f"{state.status}… (refreshing every {every:g} s)", "info"
