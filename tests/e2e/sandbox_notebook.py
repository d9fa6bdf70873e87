"""What the browser tests that drive the sandbox share: running a notebook whose cells must
all succeed, the sandbox URL its first cell printed, and the sandbox's control routes
(called from this process, as a second client would)."""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

from .lab import Notebook


def run_clean(notebook: Notebook, timeout_s: float) -> None:
    """Open the notebook, run every cell, and fail with each failed cell's error."""
    notebook.open()
    notebook.run_all(timeout_s)
    failed = notebook.errors()
    assert not failed, "cells failed:\n" + "\n".join(failed)


def sandbox_url(notebook: Notebook) -> str:
    """The URL a cell printed as ``SANDBOX http://127.0.0.1:PORT``."""
    for cell in notebook.save()["cells"]:
        for output in cell.get("outputs", []):
            found = re.search(r"SANDBOX (http://127\.0\.0\.1:\d+)", "".join(output.get("text", "")))
            if found:
                return found.group(1)
    raise AssertionError("no cell printed the sandbox's URL")


def control(url: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """A sandbox control route (``/_sandbox/…``), answered as JSON."""
    data = json.dumps(body or {}).encode() if method == "POST" else None
    request = urllib.request.Request(
        f"{url}{path}", data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())
