"""A throw-away JupyterLab server for the browser test, and what a test does with it.

``JupyterLab.start`` serves a temporary folder on 127.0.0.1 (free port, random token)
with its own HOME, settings and workspaces, so nothing of the developer's Jupyter set-up
or ``~/.prime`` leaks in; ``stop`` shuts its kernels down, ends its process group and
kills any kernel that outlived it. ``Notebook`` drives one open notebook through
JupyterLab's own menus, as a person would.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "artifacts" / "e2e"  # git-ignored
STARTUP_TIMEOUT_S = 90.0
# Settings a person would click away: the news/update toasts, and the notebook's
# windowing (cells out of view stay in the page, so locators see every output).
THEMES = "/lab/api/settings/@jupyterlab/apputils-extension:themes"  # Notebook 7's too
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class JupyterLab:
    """A running ``jupyter lab`` serving ``root / "notebooks"``."""

    module = "jupyterlab"
    app = "LabApp"
    extra_flags: tuple[str, ...] = ("--LabApp.extension_manager=readonly",)  # no PyPI look-ups

    def __init__(self, root: Path, log_path: Path) -> None:
        self.root = root
        self.notebooks = root / "notebooks"
        self.runtime = root / "runtime"
        self.log_path = log_path
        self.port = free_port()
        self.token = secrets.token_hex(24)
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    # -- life cycle ----------------------------------------------------------------------

    def start(self) -> None:
        home = self.root / "home"
        settings = self.root / "settings"
        for folder in (home, settings, self.root / "workspaces", self.notebooks, self.runtime):
            folder.mkdir(parents=True, exist_ok=True)
        for name, values in LAB_SETTINGS.items():
            path = settings / f"{name}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PRIME_", "JUPYTER"))}
        env.update(
            HOME=str(home),
            IPYTHONDIR=str(home / ".ipython"),
            JUPYTER_CONFIG_DIR=str(home / ".jupyter"),
            JUPYTER_RUNTIME_DIR=str(self.runtime),
        )
        command = [
            sys.executable, "-m", self.module,
            "--no-browser", "--ServerApp.open_browser=False",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.notebooks}",
            f"--{self.app}.user_settings_dir={settings}",
            f"--{self.app}.workspaces_dir={self.root / 'workspaces'}",
            "--ServerApp.terminals_enabled=False",
            *self.extra_flags,
        ]  # fmt: skip
        if os.geteuid() == 0:  # containers and CI runners
            command.append("--allow-root")
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command,
                cwd=self.notebooks,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, ended as one in stop()
            )
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"jupyter lab exited with status {self.process.returncode}:\n{self.log_tail()}"
                )
            try:
                self.api("GET", "/api/status", timeout=2)
                return
            except (OSError, urllib.error.URLError):
                time.sleep(0.25)
        raise RuntimeError(
            f"jupyter lab did not answer /api/status within {STARTUP_TIMEOUT_S:.0f} s:\n"
            + self.log_tail()
        )

    def stop(self) -> None:
        """Shut the kernels down, end the server's process group, kill any straggler."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            try:
                for kernel in self.api("GET", "/api/kernels", timeout=5):
                    self.api("DELETE", f"/api/kernels/{kernel['id']}", timeout=20)
            except (OSError, urllib.error.URLError, ValueError):
                pass  # the group is ended below anyway
            _end_group(process)
        for pid in self._kernel_pids():  # kernels run in sessions of their own
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def _kernel_pids(self) -> list[int]:
        """Processes whose command line names this server's runtime folder: its kernels."""
        marker = str(self.runtime).encode()
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if marker in (entry / "cmdline").read_bytes():
                    pids.append(int(entry.name))
            except OSError:
                continue
        return pids

    # -- helpers -------------------------------------------------------------------------

    def api(self, method: str, path: str, timeout: float = 10) -> Any:
        request = urllib.request.Request(
            f"{self.url}{path}",
            method=method,
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            body = answer.read()
        return json.loads(body) if body else None

    def set_theme(self, name: str) -> None:
        """Save the theme setting through the server (what Settings → Theme does); pages
        opened afterwards load in it."""
        body = json.dumps({"raw": json.dumps({"theme": name})}).encode()
        request = urllib.request.Request(
            f"{self.url}{THEMES}", data=body, method="PUT",
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )  # fmt: skip
        with urllib.request.urlopen(request, timeout=10):
            pass

    def kernel_connections(self, path: str) -> int:
        """How many front ends (browser tabs) hold a connection to ``path``'s kernel."""
        for session in self.api("GET", "/api/sessions"):
            if session["path"] == path:
                return int(session["kernel"]["connections"])
        return 0

    def add_notebook(self, source: Path, clear_outputs: bool = True) -> Path:
        """Copy a notebook into the served folder, without its stored outputs."""
        notebook = json.loads(source.read_text())
        if clear_outputs:
            for cell in notebook["cells"]:
                if cell["cell_type"] == "code":
                    cell["outputs"], cell["execution_count"] = [], None
            notebook["metadata"].pop("widgets", None)
        target = self.notebooks / source.name
        target.write_text(json.dumps(notebook, indent=1))
        return target

    def write_notebook(self, name: str, sources: list[str]) -> Path:
        """A small notebook of code cells, written straight into the served folder."""
        cells: list[dict[str, Any]] = [
            {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
             "source": source, "id": f"cell-{n}"}
            for n, source in enumerate(sources)
        ]  # fmt: skip
        kernel = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
        notebook = {
            "cells": cells,
            "metadata": {"kernelspec": kernel, "language_info": {"name": "python"}},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
        target = self.notebooks / name
        target.write_text(json.dumps(notebook, indent=1))
        return target

    def tree_url(self, name: str) -> str:
        """The notebook alone in a fresh workspace of its own: a restored layout would
        reopen earlier notebooks beside it, and Run menu commands could then miss it."""
        workspace = re.sub(r"[^A-Za-z0-9]+", "-", name)
        return f"{self.url}/lab/workspaces/{workspace}/tree/{name}?token={self.token}&reset"

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


class Notebook7(JupyterLab):
    """A running Jupyter Notebook 7 (``jupyter notebook``): the same server, settings and
    widgets as JupyterLab, one notebook per browser tab."""

    module = "notebook"
    app = "JupyterNotebookApp"
    extra_flags: tuple[str, ...] = ()

    def tree_url(self, name: str) -> str:
        return f"{self.url}/notebooks/{name}?token={self.token}"

    def new_from_tree(self, tree: Page) -> Page:
        """Make a notebook as a user does: the file browser (``/tree``) → New → Python 3
        (ipykernel). Notebook 7 opens it in a new tab, which is returned; ``tree`` stays
        open on the file browser."""
        tree.goto(f"{self.url}/tree?token={self.token}")
        tree.get_by_text("New", exact=True).first.click()  # the toolbar's New menu
        with tree.context.expect_page() as opened:
            tree.locator(".lm-Menu").get_by_role("menuitem", name=re.compile(r"^Python 3")).click()
        return opened.value


def _end_group(process: subprocess.Popen[bytes]) -> None:
    for sig, wait_s in ((signal.SIGTERM, 15.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(wait_s)
            return
        except subprocess.TimeoutExpired:
            continue


class Notebook:
    """One notebook open in JupyterLab, driven through the menus."""

    def __init__(self, page: Page, lab: JupyterLab, name: str) -> None:
        self.page = page
        self.lab = lab
        self.name = name
        self.panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")

    def open(self, timeout_s: float = 60) -> None:
        """Load the notebook and wait until its kernel is connected and idle."""
        self.page.goto(self.lab.tree_url(self.name))
        self.wait_until_ready(timeout_s)

    def wait_until_ready(self, timeout_s: float = 60) -> None:
        """Wait until the notebook shown in the page has its kernel connected and idle."""
        self.panel.locator(".jp-Cell").first.wait_for(timeout=timeout_s * 1000)
        kernel = self.panel.locator(".jp-KernelName").first
        # Before its session starts the notebook shows "No Kernel" and an idle indicator;
        # Run All then would run nothing.
        self._wait(timeout_s, "its kernel to connect", lambda: self._kernel_ready(kernel))

    def menu(self, menu: str, item: str) -> None:
        """Click ``menu`` in the menu bar (JupyterLab's or Notebook 7's), then ``item``."""
        self.page.locator(".lm-MenuBar").first.get_by_role(
            "menuitem", name=menu, exact=True
        ).click()
        self.page.locator(".lm-Menu").get_by_role("menuitem", name=item, exact=True).click()

    def run_all(self, timeout_s: float) -> None:
        """Run → Run All Cells, then wait until every code cell has run and the kernel is
        idle (twice in a row, half a second apart: JupyterLab sends cells one by one)."""
        self.menu("Run", "Run All Cells")
        # JupyterLab sometimes drops a Run All sent just after the kernel connected; ask
        # again (only) while not a single cell has started.
        for _ in range(3):
            try:
                self._wait(10, "the first cell to start", self._started)
                break
            except TimeoutError:
                self.panel.locator(".jp-Notebook").first.click(position={"x": 5, "y": 5})
                self.menu("Run", "Run All Cells")
        calm = 0

        def done() -> bool:
            nonlocal calm
            calm = calm + 1 if self._status() == "idle" and not self._not_run() else 0
            return calm >= 2

        self._wait(timeout_s, "every cell to run", done)

    def run_typed(self, source: str, timeout_s: float) -> None:
        """Type ``source`` at the end of the notebook's last cell, run it with Shift+Enter, and
        wait until it has run and the kernel is idle (as ``run_all`` does)."""
        typed = len(self._prompts()) - 1  # Shift+Enter adds a cell below it
        editor = self.panel.locator(".jp-CodeCell .cm-content").last
        editor.click()
        self.page.keyboard.press("Control+End")  # after what the cell holds, on a new line
        before = "\n" if editor.inner_text().strip() else ""
        self.page.keyboard.insert_text(before + source)  # as pasted: no auto-closed brackets
        self.page.keyboard.press("Shift+Enter")
        calm = 0

        def done() -> bool:
            nonlocal calm
            ran = re.fullmatch(r"\[\d+\]:", self._prompts()[typed].strip()) is not None
            calm = calm + 1 if ran and self._status() == "idle" else 0
            return calm >= 2

        self._wait(timeout_s, "the typed cell to run", done)

    def _prompts(self) -> list[str]:
        return self.panel.locator(".jp-CodeCell .jp-InputPrompt").all_inner_texts()

    def _started(self) -> bool:
        return any(re.fullmatch(r"\[(\d+|\*)\]:", p.strip()) for p in self._prompts())

    def _status(self) -> str | None:
        indicator = self.panel.locator(".jp-Notebook-ExecutionIndicator").first
        return indicator.get_attribute("data-status") if indicator.count() else None

    def _kernel_ready(self, kernel: Locator) -> bool:
        name = kernel.inner_text().strip() if kernel.count() else ""
        return name not in ("", "No Kernel") and self._status() == "idle"

    def _not_run(self) -> list[str]:
        """Prompts of code cells that have not (or not yet) run: ``[ ]:`` or ``[*]:``."""
        return [p for p in self._prompts() if not re.fullmatch(r"\[\d+\]:", p.strip())]

    def _wait(self, timeout_s: float, what: str, ready: Callable[[], bool]) -> None:
        deadline = time.monotonic() + timeout_s
        while not ready():
            if time.monotonic() > deadline:
                waiting = self._not_run()
                raise TimeoutError(
                    f"{self.name}: gave up waiting {timeout_s:.0f} s for {what} "
                    f"(kernel {self._status()!r}; {len(waiting)} code cells not run: "
                    f"{', '.join(sorted(set(waiting))) or 'none'})"
                )
            time.sleep(0.5)

    def save(self) -> dict[str, Any]:
        """Save with Ctrl+S and return the notebook as stored on disk."""
        path = self.lab.notebooks / self.name
        before = path.stat().st_mtime_ns
        self.panel.locator(".jp-Notebook").first.click(position={"x": 5, "y": 5})
        self.page.keyboard.press("Control+s")
        deadline = time.monotonic() + 20
        while path.stat().st_mtime_ns == before:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name} was not saved within 20 s of Ctrl+S")
            time.sleep(0.2)
        stored: dict[str, Any] = json.loads(path.read_text())
        return stored

    def errors(self) -> list[str]:
        """The cells that failed, from the saved notebook: ``cell 3: NameError: …``."""
        found = []
        for number, cell in enumerate(self.save()["cells"], start=1):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    found.append(f"cell {number}: {output['ename']}: {output['evalue']}")
        return found


class StepFailed(AssertionError):
    """A step of the browser test failed; the message names it in plain words."""


class Steps:
    """``with steps("click Provision"): ...`` — a failure inside says which step failed,
    and leaves a screenshot of the page at that moment next to the other artifacts."""

    def __init__(self, page: Page, artifacts: Path, saved: list[Path]) -> None:
        self.page = page
        self.artifacts = artifacts
        self.saved = saved
        self.count = 0

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        self.count += 1
        try:
            yield
        except Exception as exc:
            slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60]
            shot = self.artifacts / f"failed-step-{self.count:02d}-{slug}.png"
            try:
                self.page.screenshot(path=str(shot), full_page=True)
                self.saved.append(shot)
                where = f"\nscreenshot of the page: {shot}"
            except Exception as shot_error:  # the page may be gone; the step's error matters
                where = f"\n(no screenshot: {shot_error})"
            raise StepFailed(f"step {self.count} failed: {name}\n{exc}{where}") from exc

    def screenshot(self, target: Locator | Page, name: str) -> Path:
        """A PNG of one element (or of what the page shows), kept with the artifacts."""
        path = self.artifacts / name
        target.screenshot(path=str(path))
        self.saved.append(path)
        return path


def copy_file(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


CUT_SHORT_JS = """
(root) => [...root.querySelectorAll('.widget-label, .jupyter-button, .widget-toggle-button')]
  .filter((e) => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
  .map((e) => e.innerText || e.title)
"""


def cut_short(panel: Locator) -> list[str]:
    """The labels and buttons in ``panel`` whose text does not fit (the "Terminate all
    sho…" of issue 21): what a reader cannot read in full."""
    cut: list[str] = panel.evaluate(CUT_SHORT_JS)
    return cut
