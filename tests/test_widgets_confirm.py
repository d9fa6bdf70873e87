"""ConfirmPanel: one click does the act once; a blocked act (a disk attached to a live pod)
is a disabled button with the reason beside it, and sends nothing."""

from __future__ import annotations

import prime_magics as pm
from prime_magics.sandbox import SandboxServer
from prime_magics.widgets.confirm import ConfirmPanel
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
