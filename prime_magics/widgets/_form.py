"""What every panel shares: a title with the sandbox label, a status line, an ``Output``
for callbacks, action buttons disabled while a request is in flight, and a poller.

State is traits (``status_text``, ``status_level``, ``busy``, ``submitted``, and each
panel's results), so other code can ``observe`` a panel as it would any ipywidget; the
status line, the heading and the buttons are redrawn *from* those traits, never set
beside them. Handlers are plain methods wired to buttons through ``Form.button`` and run
through ``Form.run``: a ``PrimeError`` becomes the status line (its text is written for a
person); anything else is a bug and keeps its traceback. A click that arrives while the
panel is busy is dropped.

A panel that creates something bills from that moment, so "ask once, then create exactly
once" is written here once (``create_step``, ``propose``): the first click shows what it
costs, Confirm sends one create — a second click, or one after an answer that may hide a
created resource, sends nothing — and Cancel withdraws it.
"""

from __future__ import annotations

import html
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import ipywidgets as w
import traitlets as t
from IPython.display import display

from .. import api
from ..display.primitives import Code, Confirmation, notice_html, sandbox_tag_html
from ..errors import (
    APIConnectionError,
    APIStatusError,
    BalanceTooLowError,
    ConfigurationError,
    PrimeError,
    SpendRefusedError,
)
from ._kept import KeptDisplay

if TYPE_CHECKING:
    from ..client import Client

T = TypeVar("T")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


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
    refused = isinstance(err, (ConfigurationError, SpendRefusedError))  # before sending
    return refused or type(err) is APIConnectionError


def create_failed(err: PrimeError, listing: str) -> str:
    """The status line after a failed create: whether trying again is safe."""
    if definitely_not_created(err):
        return f"{err}\nNothing was created; you can try again."
    return (
        f"{err.message}\nIt may or may not have been created: check {listing} "
        "before trying again (this form will not send it twice)."
    )


@dataclass(frozen=True)
class Proposal(Generic[T]):
    """A create waiting for its confirmation (``Form.propose``)."""

    create: Callable[[], T]  # sends it: called at most once
    created: Callable[[T], None]  # what the form does with what was created
    creating: str | None = None  # the status line while it is sent
    anyway: Callable[[], T] | None = None  # the same create despite a short wallet
    despite_wallet: bool = False  # this is the second question: only "Rent anyway" sends it


RENT_ANYWAY = "Rent anyway"


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
        self._proposal: Proposal[Any] | None = None
        self._listing = ""
        self._kept = KeptDisplay()
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
        self.heading.value = f"<b>{html.escape(self._title)}</b>{tag}{self._kept.hide_while_live()}"

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
        """The widget view, with the panel's summary as its text/plain and text/html (what
        a tool that asks the panel for one bundle gets; IPython shows two outputs, below)."""
        self.before_shown()
        bundle: dict[str, Any] = super()._repr_mimebundle_(**kwargs) or {}
        summary, _ = self._summary()
        return bundle | summary

    def before_shown(self) -> None:
        """What a panel does as it is first shown (the explorer loads its offers)."""

    def _ipython_display_(self) -> None:
        """Two outputs (by ``display()`` and as a cell's result alike): the live view, and
        what the panel says, under a display id of its own that ``keep_saved`` updates. A
        front end redraws an output it is told to update, so the view is never updated (its
        sort, scroll and focus stay); its summary is hidden while the view is live, by a
        style the view's heading carries (``_kept``), and is what a notebook saved without
        widget state (GitHub, nbviewer, nbconvert) shows."""
        self.before_shown()
        view = {WIDGET_VIEW: super()._repr_mimebundle_()[WIDGET_VIEW], "text/plain": self._title}
        display(view, raw=True)  # type: ignore[no-untyped-call]
        self._kept.show(*self._summary())

    def _summary(self) -> tuple[dict[str, Any], tuple[str, ...]]:
        lines = self.summary_lines()
        bundle = {"text/plain": "\n".join(lines), "text/html": self._kept.html(lines)}
        return bundle, (bundle["text/plain"], bundle["text/html"])

    def keep_saved(self) -> None:
        """Bring the panel's saved summary (text/plain and text/html, wherever it is shown)
        up to date with what it says now: a notebook saved later shows the panel's last
        state, not its first. Panels call it after each change of state that
        ``state_lines`` reads; the status line and handlers call it themselves."""
        self._kept.update(self._summary)

    def layout_children(self, *body: Any) -> None:
        self.children = (self.heading, *body, self.status_line, self.output)

    def button(self, description: str, handler: Callable[[], None], style: str = "") -> w.Button:
        """An action button whose clicks run ``handler`` through ``run``; it is as wide as
        its label (ipywidgets' fixed width cuts longer labels short)."""
        button = w.Button(
            description=description, button_style=style, layout=w.Layout(width="auto")
        )
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

    # -- ask once, then create exactly once ----------------------------------------------

    def create_step(self, label: str, listing: str, withdrawn: str) -> w.VBox:
        """The confirm box of a create: ``propose`` asks; Confirm sends the proposed create
        exactly once; Cancel withdraws it, saying ``withdrawn``. ``listing`` is where to look
        after an answer that may hide a created resource (``%prime pods list``)."""
        self._listing = listing
        box = self.confirm_step(label, self._create_once, lambda: self.withdraw(withdrawn))
        self.anyway_button = self.button(RENT_ANYWAY, self._create_despite_wallet, "danger")
        box.children[1].children = (self.confirm_button, self.anyway_button, self.cancel_button)
        shown(self.anyway_button, False)
        return box

    def propose(
        self,
        confirmation: Confirmation,
        create: Callable[[], T],
        created: Callable[[T], None],
        creating: str | None = None,
        anyway: Callable[[], T] | None = None,
        *,
        despite_wallet: bool = False,
    ) -> None:
        """Step 1: ask ``confirmation``; Confirm then calls ``create`` once and hands its
        result to ``created``. Nothing is sent here, nor once the form has sent its one
        create. ``anyway`` is the same create accepting a wallet that does not pay the
        first hour: when ``create`` is refused for it (nothing was sent), the form asks a
        second time, saying why, and only its own button ("Rent anyway") sends
        ``anyway``: a double click on Confirm cannot answer a question not yet read."""
        if self.submitted:
            return
        self._proposal = Proposal(create, created, creating, anyway, despite_wallet)
        self.ask(confirmation._repr_html_())
        if hasattr(self, "anyway_button"):
            shown(self.confirm_button, not despite_wallet)
            shown(self.anyway_button, despite_wallet)

    @property
    def proposed(self) -> bool:
        """A create is waiting for its confirmation."""
        return self._proposal is not None

    def withdraw(self, said: str) -> None:
        """Forget the proposed create and hide the question; nothing is sent."""
        self._proposal = None
        self.ask(None)
        self.show(said)

    def changed(self, button: str) -> None:
        """The controls changed: a question still open asked about something else, so it
        is withdrawn (what is confirmed is always what is shown)."""
        if self.proposed:
            self.withdraw(f"The form changed: click {button} again to confirm the new choice.")

    def _create_once(self, despite_wallet: bool = False) -> None:
        """Step 2 (Confirm): the proposed create, exactly once. A create certainly refused
        (``definitely_not_created``) leaves the form free to propose again; any other
        failure locks it, since the resource may exist and bill. A click of the other
        question's button (a Confirm that arrives after the wallet question) sends nothing."""
        proposal = self._proposal
        if self.submitted or proposal is None or proposal.despite_wallet != despite_wallet:
            return
        self.submitted, self._proposal = True, None
        self.ask(None)
        if proposal.creating:
            self.show(proposal.creating)
        try:
            made = proposal.create()
        except BalanceTooLowError as err:  # nothing was sent: ask once more, saying why
            if proposal.anyway is None:
                self._failed(err)
                return
            self.submitted = False
            # the refusal is said once, in the question; the status line only points there
            self.show("Nothing was sent: the wallet is short (see the question above).", "warning")
            again = Confirmation("Rent it anyway?", err.message)
            self.propose(
                again, proposal.anyway, proposal.created, proposal.creating, despite_wallet=True
            )
            return
        except PrimeError as err:
            self._failed(err)
            return
        proposal.created(made)

    def _create_despite_wallet(self) -> None:
        self._create_once(despite_wallet=True)

    def _failed(self, err: PrimeError) -> None:
        self.submitted = not definitely_not_created(err)
        self.last_error = err
        self.show(self.failure_text(err), "error")

    def failure_text(self, err: PrimeError) -> str:
        """What the status line says after a failed create (``create_failed``); a panel
        overrides it to speak of its own controls instead of the command line's flags."""
        return create_failed(err, self._listing)

    # -- state ---------------------------------------------------------------------------

    def show(self, text: str, level: str = "info") -> None:
        """Put a message on the status line, replacing the one before."""
        with self.hold_trait_notifications():
            self.status_text, self.status_level = text, level

    @t.observe("status_text", "status_level")
    def _draw_status(self, _change: Any) -> None:
        self.status_line.value = notice_html(self.status_text, self.status_level)
        self.keep_saved()

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
                self.keep_saved()

    def report_crash(self, exc: BaseException) -> None:
        """A round of the panel's background loop (``loops.Loop``) failed; the loop backs
        off and goes on. A ``PrimeError`` is said as it is; anything else is a bug and
        keeps its traceback visible in the panel."""
        if isinstance(exc, PrimeError):
            self.show(f"{exc.message} (trying again)", "warning")
            return
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self.output.append_stderr(text)
        self.show(f"Internal error: {exc!r} (traceback below)", "error")
