"""ConfirmPanel: one click does the act once; a blocked act (a disk attached to a live pod)
is a disabled button with the reason beside it, and sends nothing. And the one "ask once,
then create exactly once" every creating panel uses (``Form.propose``): a double click
sends one create, a certain refusal may be tried again, a maybe-created locks the form."""

from __future__ import annotations

import inspect
from collections.abc import Callable

import pytest

import prime_magics as pm
from prime_magics.display.primitives import Confirmation
from prime_magics.errors import (
    BalanceTooLowError,
    ConfigurationError,
    OutcomeUnknownError,
    PrimeError,
    ServerError,
    UnprocessableEntityError,
)
from prime_magics.sandbox import SandboxServer
from prime_magics.widgets import ProvisionForm, WatchPanel
from prime_magics.widgets._form import Form
from prime_magics.widgets.confirm import ConfirmPanel
from prime_magics.widgets.disk import DiskForm
from tests.widget_fixtures import calls, custom_row, make_disk


def test_deleting_an_attached_disk_is_disabled_with_the_reason(
    client: pm.Client, sandbox: SandboxServer
) -> None:
    from prime_magics.magics._context import Context
    from prime_magics.magics._disks import delete_disk

    disk = make_disk(client)
    pod = client.create_pod(pm.PodRequest.from_offer(custom_row(client), disks=[disk.id]))
    pm.set_client(client)
    args = type("Args", (), {"disk_id": disk.id, "yes": False})()
    panel = delete_disk(args, Context(user_ns={}, show=lambda _o: None, widgets=True))
    assert isinstance(panel, ConfirmPanel) and panel.confirm_button.disabled
    assert f"attached to pod {pod.id}: terminate it first" in panel.reason.value
    panel.confirm_button.click()  # click() ignores `disabled`; the handler must not
    assert calls(sandbox, "DELETE", f"/disks/{disk.id}") == []


def test_an_unblocked_act_runs_once(client: pm.Client) -> None:
    done: list[int] = []
    panel = ConfirmPanel(client, "Do it", "Do it", lambda: done.append(1), "Done.")
    assert not panel.confirm_button.disabled and panel.reason.value == ""
    panel.confirm_button.click()
    panel.confirm_button.click()
    assert done == [1] and panel.status_text == "Done." and panel.confirm_button.disabled


# -- ask once, then create exactly once: the one helper (Form.propose) -----------------------


class Creating(Form):
    """The smallest panel that creates: a "Create" button proposing ``create``."""

    def __init__(self, client: pm.Client, create: Callable[[], str], anyway: bool = False):
        super().__init__(client, "Create")
        self.made: list[str] = []
        self.create_button = self.button("Create", lambda: self.ask_once(create, anyway))
        self.create_step("Confirm", "%prime pods list", "Nothing was created.")
        self.layout_children(self.create_button, self.confirm_box)

    def ask_once(self, create: Callable[[], str], anyway: bool) -> None:
        again = (lambda: "despite") if anyway else None
        self.propose(Confirmation("Create it?", "$1.0000/h"), create, self.made.append,
                     "Creating…", again)  # fmt: skip


def counted(*outcomes: str | PrimeError) -> tuple[Callable[[], str], list[int]]:
    """A create that answers ``outcomes`` in turn, and the list counting its calls."""
    sent: list[int] = []

    def create() -> str:
        sent.append(1)
        outcome = outcomes[min(len(sent), len(outcomes)) - 1]
        if isinstance(outcome, PrimeError):
            raise outcome
        return outcome

    return create, sent


def test_a_double_click_sends_one_create(client: pm.Client) -> None:
    create, sent = counted("pod-1")
    form = Creating(client, create)
    form.confirm_button.click()  # nothing proposed yet: nothing to confirm
    form.create_button.click()
    assert sent == [] and form.proposed and "Create it?" in form.confirm_text.value
    form.confirm_button.click()
    form.confirm_button.click()  # a double click
    form.create_button.click()  # and asking again after it was sent
    form.confirm_button.click()
    assert sent == [1] and form.made == ["pod-1"] and form.submitted and not form.proposed


def test_cancel_withdraws_and_confirm_then_sends_nothing(client: pm.Client) -> None:
    create, sent = counted("pod-1")
    form = Creating(client, create)
    form.create_button.click()
    form.cancel_button.click()
    form.confirm_button.click()
    assert sent == [] and form.status_text == "Nothing was created." and not form.submitted


@pytest.mark.parametrize(
    ("failure", "may_exist"),
    [
        (ConfigurationError("no"), False),
        (UnprocessableEntityError("no", status_code=422, detail=None, errors=[]), False),
        (ServerError("boom", status_code=503), True),
        (OutcomeUnknownError("lost", kind="pod", name="x", since="now"), True),
    ],
)
def test_after_a_failed_create_only_a_certain_refusal_may_be_sent_again(
    client: pm.Client, failure: PrimeError, may_exist: bool
) -> None:
    create, sent = counted(failure, "pod-2")
    form = Creating(client, create)
    form.create_button.click()
    form.confirm_button.click()
    assert form.submitted is may_exist and form.last_error is failure
    assert ("%prime pods list" if may_exist else "you can try again") in form.status_text
    form.create_button.click()  # once it may exist: locked, nothing asked, nothing sent
    form.confirm_button.click()
    assert sent == ([1] if may_exist else [1, 1])
    assert form.made == ([] if may_exist else ["pod-2"]) and not form.proposed


def test_a_short_wallet_is_asked_about_once_more_then_sent_anyway(client: pm.Client) -> None:
    create, sent = counted(BalanceTooLowError("does not pay the first hour"))
    form = Creating(client, create, anyway=True)
    form.create_button.click()
    form.confirm_button.click()
    assert sent == [1] and form.made == [] and not form.submitted
    assert "Rent it anyway?" in form.confirm_text.value and form.status_level == "warning"
    assert "question above" in form.status_text  # the question is drawn above the status
    form.confirm_button.click()  # a double click's second half answers nothing yet read
    assert sent == [1] and form.made == [] and form.proposed
    assert form.anyway_button.layout.display is None
    assert form.confirm_button.layout.display == "none"
    form.anyway_button.click()
    form.anyway_button.click()
    assert sent == [1] and form.made == ["despite"] and form.submitted


def test_without_anyway_a_short_wallet_is_a_refusal(client: pm.Client) -> None:
    create, sent = counted(BalanceTooLowError("does not pay the first hour"))
    form = Creating(client, create)
    form.create_button.click()
    form.confirm_button.click()
    assert "you can try again" in form.status_text and not form.proposed and sent == [1]


@pytest.mark.parametrize("panel", [ProvisionForm, WatchPanel, DiskForm])
def test_every_creating_panel_confirms_through_the_one_helper(panel: type[Form]) -> None:
    """No panel keeps its own step 2: Confirm is ``Form._create_once`` for each."""
    assert "_on_confirm" not in vars(panel) and "_pending" not in inspect.getsource(panel)
    assert "create_step(" in inspect.getsource(panel)
    assert "propose(" in inspect.getsource(panel)


def test_the_panel_asks_once_and_its_saved_output_follows_the_click(client: pm.Client) -> None:
    from IPython.display import display

    from tests.panel_text import view_text
    from tests.widget_fixtures import Published

    done: list[int] = []
    loss = "Its data is lost for good."
    panel = ConfirmPanel(client, "Delete disk d1?", "Delete", lambda: done.append(1),
                         "Disk d1 is being deleted.", details=loss)  # fmt: skip
    seen = view_text(panel)
    assert seen.count("Delete disk d1?") == 1 and seen.count("lost for good") == 1, seen
    with Published() as published:
        display(panel)  # type: ignore[no-untyped-call]
        (first,) = published.saved().values()
        assert "lost for good" in first["text/plain"]
        panel.confirm_button.click()
        (last,) = published.saved().values()
    assert done == [1] and "Disk d1 is being deleted." in last["text/plain"]
    assert "lost for good" not in last["text/plain"]  # it is no longer a question
