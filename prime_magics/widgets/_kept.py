"""A panel's saved summary: an output shown under a display id, updated from any thread.

A panel's state changes long after its cell ran: in a poller's thread, or in a button's
callback. A notebook saved later (GitHub, nbviewer, nbconvert: no widget state) should
say what the panel said last, so the panel shows its summary as an output of its own and
updates it. The live view is a separate output that is never updated: a front end redraws
an output it is told to update, which would reset a grid's sort, a scroll, a focus. While
the view is live, a style it carries (``hide_while_live``) hides the summary, so the page
says everything once; once the view is gone (a closed panel, a reopened notebook), the
summary shows.

``IPython.display.update_display`` alone sends the update under whatever cell the kernel
is busy with (or last ran), and front ends route an update by that cell: a JupyterLab cell
that never showed the summary ignores it, and nbclient drops updates for cells other than
the running one. So an update goes out under the header of every cell that showed the
summary (where JupyterLab applies it, and what it saves), and once more under the current
one when that differs (what nbclient, executing a later cell, applies). Updates are only
sent when the texts changed.
"""

from __future__ import annotations

import html
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from IPython.display import display, update_display

Header = dict[str, Any]


class KeptDisplay:
    """Where one summary is shown, and the texts it last showed there."""

    def __init__(self) -> None:
        self.display_id = f"prime-{uuid.uuid4().hex}"
        self._shown_under: list[Header] = []  # the header of each cell that showed it
        self._texts: tuple[str, ...] | None = None  # None: not shown yet
        self._lock = threading.Lock()

    @property
    def shown(self) -> bool:
        return self._texts is not None

    def html(self, lines: list[str]) -> str:
        """The summary as HTML: the first line bold, one ``div`` per line after it, marked
        with this display's id for ``hide_while_live``."""
        items = "".join(f"<div>{html.escape(line)}</div>" for line in lines[1:])
        head = html.escape(lines[0]) if lines else ""
        return (
            f'<div class="prime-summary" data-prime-saved="{self.display_id}">'
            f"<b>{head}</b>{items}</div>"
        )

    def hide_while_live(self) -> str:
        """A ``<style>`` for the live view to carry: while it is on the page, the summary
        output (and its output area, so no empty box is left) is hidden."""
        mark = f'[data-prime-saved="{self.display_id}"]'
        return f"<style>.jp-OutputArea-child:has({mark}), {mark} {{display: none}}</style>"

    def show(self, bundle: dict[str, Any], texts: tuple[str, ...]) -> None:
        """Display ``bundle`` here, remembering the cell; ``texts`` is what ``update``
        compares (the saved mime types, not the live view)."""
        with self._lock:
            self._texts = texts
            header = _current_header()
            if header and header not in self._shown_under:
                self._shown_under.append(header)
        display(bundle, raw=True, display_id=self.display_id)  # type: ignore[no-untyped-call]

    def update(self, make: Callable[[], tuple[dict[str, Any], tuple[str, ...]]]) -> bool:
        """Send ``make()``'s bundle to every place this is shown, if its texts changed
        since the last time; True when sent. Nothing before ``show``."""
        with self._lock:
            if self._texts is None:
                return False
            bundle, texts = make()
            if texts == self._texts:
                return False
            self._texts = texts
            targets = list(self._shown_under)
        current = _current_header()
        for header in [*targets, *([current] if current not in targets else [])]:
            with _under(header):
                update_display(bundle, raw=True, display_id=self.display_id)  # type: ignore[no-untyped-call]
        return True


def _publisher() -> Any:
    from IPython.core.getipython import get_ipython

    shell = get_ipython()
    return None if shell is None else getattr(shell, "display_pub", None)


def _current_header() -> Header:
    header = getattr(_publisher(), "parent_header", None)
    return dict(header) if isinstance(header, dict) else {}


@contextmanager
def _under(header: Header) -> Iterator[None]:
    """Publish under ``header`` in this thread only (ipykernel's ``set_thread_parent``);
    outside a kernel, or with no header, as the publisher would anyway."""
    publisher = _publisher()
    set_parent = getattr(publisher, "set_thread_parent", None)
    if not header or set_parent is None:
        yield
        return
    token = set_parent({"header": header})
    try:
        yield
    finally:
        publisher.reset_thread_parent(token)
