"""What every panel shares: a title with the sandbox label, a status line, an ``Output``
for callbacks, action buttons disabled while a request is in flight, and a poller.

State is traits (``status_text``, ``status_level``, ``busy``, ``submitted``, and each
panel's results), so other code can ``observe`` a panel as it would any ipywidget; the
status line, the heading and the buttons are redrawn *from* those traits, never set
beside them. Handlers are plain methods wired to buttons through ``Form.button`` and run
through ``Form.run``: a ``PrimeError`` becomes the status line (its text is written for a
person); anything else is a bug and keeps its traceback. A click that arrives while the
panel is busy is dropped. ``Poller`` runs a step function in a daemon thread; tests call
the step (``poll_once``) directly instead.
"""

from __future__ import annotations

import html
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import traitlets as t

from .. import api
from ..display.primitives import Code, notice_html, sandbox_tag_html
from ..errors import APIConnectionError, APIStatusError, ConfigurationError, PrimeError

if TYPE_CHECKING:
    from ..client import Client


def code_html(text: str, title: str | None = None) -> str:
    html_text: str = Code(text, title)._repr_html_()
    return html_text


def shown(widget: Any, visible: bool) -> None:
    widget.layout.display = None if visible else "none"


def definitely_not_created(err: PrimeError) -> bool:
    """Refused before or by the API (safe to try again), as opposed to maybe created.

    A 4xx is the API saying no; a 5xx, a lost answer or an unreadable one may hide a
    create that happened, so the form stays locked and says to look first."""
    if isinstance(err, APIStatusError):
        return err.status_code < 500
    return isinstance(err, ConfigurationError) or type(err) is APIConnectionError


def create_failed(err: PrimeError, listing: str) -> str:
    """The status line after a failed create: whether trying again is safe."""
    if definitely_not_created(err):
        return f"{err}\nNothing was created; you can try again."
    return (
        f"{err.message}\nIt may or may not have been created: check {listing} "
        "before trying again (this form will not send it twice)."
    )


class Form(w.VBox):  # type: ignore[misc]
    """A panel: title, body children, status line and callback output, in that order."""

    status_text = t.Unicode("", help="The status line's message (one, replaced each time).")
    status_level = t.Enum(["info", "success", "warning", "error"], "info")
    busy = t.Bool(False, help="A request is in flight: every action button is disabled.")
    submitted = t.Bool(False, help="The panel's one act was sent: it will not send again.")
    last_error = t.Any(None, allow_none=True, help="The last PrimeError a handler raised.")
    sandbox_label = t.Bool(True, help="Label the heading when the client is on the sandbox.")

    def __init__(self, client: Client | None, title: str) -> None:
        self.heading = w.HTML()
        self.status_line = w.HTML()
        self.output = w.Output()
        self._title = title
        self._buttons: list[w.Button] = []
        super().__init__()
        self.client: Client = client if client is not None else api.get_client()
        self.set_title(title)

    # -- building ------------------------------------------------------------------------

    def set_title(self, title: str | None = None) -> None:
        """(Re)draw the title; the sandbox label appears once the API said it is the sandbox."""
        self._title = title or self._title
        client = getattr(self, "client", None)
        labelled = self.sandbox_label and client is not None and client.is_sandbox
        tag = f" {sandbox_tag_html()}" if labelled else ""
        self.heading.value = f"<b>{html.escape(self._title)}</b>{tag}"

    @t.observe("sandbox_label")
    def _on_sandbox_label(self, _change: Any) -> None:
        self.set_title()

    # -- saved notebooks ---------------------------------------------------------------

    def summary_lines(self) -> list[str]:
        """What the panel says now, as lines: the title, panel facts, the status line."""
        return [self._title, *self.state_lines(), *([self.status_text] if self.status_text else [])]

    def state_lines(self) -> list[str]:
        """Panel-specific lines for ``summary_lines`` (offer and total, pod and status…)."""
        return []

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """The widget view, plus a text and HTML summary: a notebook saved without widget
        state (GitHub, nbviewer) shows what the panel said, not a widget repr."""
        bundle: dict[str, Any] = super()._repr_mimebundle_(**kwargs) or {}
        lines = self.summary_lines()
        bundle["text/plain"] = "\n".join(lines)
        items = "".join(f"<div>{html.escape(line)}</div>" for line in lines[1:])
        bundle["text/html"] = (
            f'<div class="prime-summary"><b>{html.escape(lines[0])}</b>{items}</div>'
        )
        return bundle

    def layout_children(self, *body: Any) -> None:
        self.children = (self.heading, *body, self.status_line, self.output)

    def button(self, description: str, handler: Callable[[], None], style: str = "") -> w.Button:
        """An action button whose clicks run ``handler`` through ``run``."""
        button = w.Button(description=description, button_style=style)
        button.on_click(lambda _b: self.run(handler))
        self._buttons.append(button)
        return button

    def confirm_step(
        self, label: str, on_confirm: Callable[[], None], on_cancel: Callable[[], None]
    ) -> w.VBox:
        """The hidden "are you sure?" box: ``confirm_text`` over Confirm / Cancel."""
        self.confirm_text = w.HTML()
        self.confirm_button = self.button(label, on_confirm, "danger")
        self.cancel_button = self.button("Cancel", on_cancel)
        buttons = w.HBox([self.confirm_button, self.cancel_button])
        self.confirm_box = w.VBox([self.confirm_text, buttons])
        shown(self.confirm_box, False)
        return self.confirm_box

    def ask(self, question_html: str | None) -> None:
        """Show the confirm box with this question; ``None`` hides it."""
        self.confirm_text.value = question_html or ""
        shown(self.confirm_box, question_html is not None)

    # -- state ---------------------------------------------------------------------------

    def show(self, text: str, level: str = "info") -> None:
        """Put a message on the status line, replacing the one before."""
        with self.hold_trait_notifications():
            self.status_text, self.status_level = text, level

    @t.observe("status_text", "status_level")
    def _draw_status(self, _change: Any) -> None:
        self.status_line.value = notice_html(self.status_text, self.status_level)

    def can_enable(self, button: w.Button) -> bool:
        """Whether ``button`` may be clicked when the panel is idle; panels override."""
        return True

    @t.observe("busy", "submitted")
    def _on_busy(self, _change: Any) -> None:
        self.refresh_buttons()

    def refresh_buttons(self) -> None:
        for button in self._buttons:
            button.disabled = self.busy or not self.can_enable(button)

    @contextmanager
    def working(self, message: str | None = None) -> Iterator[None]:
        """Disable every action button while a request is in flight."""
        self.busy = True
        if message:
            self.show(message)
        try:
            yield
        finally:
            self.busy = False

    def run(self, handler: Callable[[], None]) -> None:
        """Run a click handler (or a load): dropped while busy; ``PrimeError`` → status line."""
        if self.busy:
            return
        with self.output, self.working():
            try:
                handler()
            except PrimeError as err:
                self.last_error = err
                self.show(str(err), "error")
            finally:
                self.set_title()

    def report_crash(self, exc: BaseException) -> None:
        """A bug in a background thread: keep its traceback visible in the panel."""
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self.output.append_stderr(text)
        self.show(f"Internal error: {exc!r} (traceback below)", "error")


class Poller:
    """Run ``step`` in a daemon thread: it returns the seconds until the next step, or
    ``None`` when there is nothing left to follow. ``stop()`` ends it; a crash (a bug) goes
    to ``on_crash``. The thread only sleeps on its stop event, so ``stop`` is immediate."""

    def __init__(
        self,
        step: Callable[[], float | None],
        name: str,
        on_crash: Callable[[BaseException], None],
    ) -> None:
        self._step = step
        self._name = name
        self._on_crash = on_crash
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.crash: BaseException | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def wait(self, timeout: float) -> bool:
        """Block up to ``timeout`` s for the thread to end (after ``stop``); True if it has.
        For scripts and teardown; tests decide outcomes by calling the step instead."""
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        return not self.running

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                pause = self._step()
            except Exception as exc:  # a bug: no caller to raise to, so show it
                self.crash = exc
                self._on_crash(exc)
                return
            if pause is None:
                return
            self._stop.wait(pause)
