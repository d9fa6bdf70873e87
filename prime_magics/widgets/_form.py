"""What every panel shares: a title with the sandbox tag, a status line, an ``Output`` for
callbacks, action buttons that are disabled while a request is in flight, and a poller.

Handlers are plain methods wired to buttons through ``Form.button``: a ``PrimeError`` they
raise becomes the status line (its text is written for a person); anything else is a bug
and keeps its traceback (shown in the panel's ``Output`` inside a kernel, raised outside).
A click that arrives while the panel is busy is dropped. ``Poller`` runs a check in a
daemon thread until it says "done" or is stopped, so the kernel stays free meanwhile.
"""

from __future__ import annotations

import html
import threading
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import pandas as pd

from .. import api
from .._display import Code
from ..errors import APIConnectionError, APIStatusError, ConfigurationError, PrimeError
from ..offers import plain

if TYPE_CHECKING:
    from ..client import Client

SANDBOX_TAG = "[sandbox: simulated, no money]"
_COLOURS = {"info": "#1a4d8f", "success": "#1e7b34", "warning": "#8a6100", "error": "#b3261e"}


def code_html(text: str, title: str | None = None) -> str:
    html_text: str = Code(text, title)._repr_html_()
    return html_text


def cell(row: pd.Series[Any] | Mapping[str, Any], column: str) -> Any:
    """A frame cell as a plain value, ``None`` for NA/NaN."""
    return plain(row.get(column))


def error_html(text: str | None) -> str:
    """An inline problem under the controls; empty when there is none."""
    if not text:
        return ""
    body = html.escape(text).replace("\n", "<br>")
    return f'<div style="color:{_COLOURS["error"]}">{body}</div>'


def shown(widget: Any, visible: bool) -> None:
    widget.layout.display = None if visible else "none"


def definitely_not_created(err: PrimeError) -> bool:
    """Refused before or by the API (safe to try again), as opposed to maybe created."""
    if isinstance(err, APIStatusError):
        return err.status_code < 500
    return isinstance(err, ConfigurationError) or type(err) is APIConnectionError


class Form(w.VBox):  # type: ignore[misc]
    """A panel: title, body children, status line and callback output, in that order."""

    def __init__(self, client: Client | None, title: str) -> None:
        super().__init__()
        self.client: Client = client if client is not None else api.get_client()
        self.heading = w.HTML()
        self.status_line = w.HTML()
        self.output = w.Output()
        self.status_text = ""
        self.status_level = "info"
        self.busy_now = False
        self.last_error: PrimeError | None = None
        self._title = title
        self._buttons: list[w.Button] = []
        self.set_title(title)

    # -- building ------------------------------------------------------------------------

    def set_title(self, title: str | None = None) -> None:
        """(Re)draw the title; the sandbox tag appears once the API said it is the sandbox."""
        self._title = title or self._title
        tag = f' <span style="color:#8a6100">{SANDBOX_TAG}</span>' if self.client.is_sandbox else ""
        self.heading.value = f"<b>{html.escape(self._title)}</b>{tag}"

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
        """Put a message on the status line (info, success, warning or error)."""
        self.status_text, self.status_level = text, level
        body = html.escape(text).replace("\n", "<br>")
        self.status_line.value = (
            f'<div style="color:{_COLOURS[level]}">{body}</div>' if text else ""
        )

    def can_enable(self, button: w.Button) -> bool:
        """Whether ``button`` may be clicked when the panel is idle; panels override."""
        return True

    def refresh_buttons(self) -> None:
        for button in self._buttons:
            button.disabled = self.busy_now or not self.can_enable(button)

    @contextmanager
    def busy(self, message: str | None = None) -> Iterator[None]:
        """Disable every action button while a request is in flight."""
        self.busy_now = True
        self.refresh_buttons()
        if message:
            self.show(message)
        try:
            yield
        finally:
            self.busy_now = False
            self.refresh_buttons()

    def run(self, handler: Callable[[], None]) -> None:
        """Run a click handler: dropped while busy; ``PrimeError`` → status line."""
        if self.busy_now:
            return
        with self.output, self.busy():
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
    """Call ``step`` every ``interval`` seconds in a daemon thread until it returns True,
    raises, or ``stop()`` is called. ``wait(timeout)`` blocks until the thread ended."""

    def __init__(
        self,
        step: Callable[[], bool],
        interval: float,
        name: str,
        on_crash: Callable[[BaseException], None],
    ) -> None:
        self._step = step
        self._interval = interval
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
        """Block up to ``timeout`` seconds for polling to end; True when it has."""
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        return not self.running

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                if self._step():
                    return
            except Exception as exc:  # a bug: no caller to raise to, so show it
                self.crash = exc
                self._on_crash(exc)
                return
            self._stop.wait(self._interval)
