"""Fixtures of the browser test: headless Chromium (Debian's, never a downloaded one), a
throw-away JupyterLab server, and a page per test. Screenshots and the server's log go to
``artifacts/e2e/`` under the repository (git-ignored); the run prints where.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .lab import ARTIFACTS, REPO, JupyterLab, Notebook7

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SAVED: list[Path] = []  # artifacts written during this run, announced at the end


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("failed-step-*.png"):  # from an earlier run
        old.unlink()
    return ARTIFACTS


@pytest.fixture(scope="session")
def saved_artifacts() -> list[Path]:
    return SAVED


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Chromium from /usr/bin, driven by Playwright; skipped (never passed) without it."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium to run the browser test")
    from playwright.sync_api import Error, sync_playwright

    try:
        playwright = sync_playwright().start()
    except Exception as exc:
        pytest.skip(f"Playwright's driver did not start: {exc}")
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    except Error as exc:
        playwright.stop()
        pytest.skip(f"Playwright could not start {CHROMIUM}: {exc.message.splitlines()[0]}")
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture(scope="session")
def lab(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory, artifacts: Path
) -> Iterator[JupyterLab]:
    """JupyterLab on a free loopback port, serving copies of the project's notebooks.

    It asks for ``browser`` first so that a missing Chromium skips before the server
    starts. Stopped (kernels, process group, stragglers) when the session ends.
    """
    server = JupyterLab(tmp_path_factory.mktemp("jupyterlab"), artifacts / "jupyterlab.log")
    SAVED.append(server.log_path)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def notebook7(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory, artifacts: Path
) -> Iterator[Notebook7]:
    """Jupyter Notebook 7 beside JupyterLab; skipped (never passed) when it is not
    installed (the ``notebook`` extra) or does not start."""
    import importlib.util

    if importlib.util.find_spec("notebook") is None:
        pytest.skip("Notebook 7 is not installed: pip install -e '.[notebook]'")
    server = Notebook7(tmp_path_factory.mktemp("notebook7"), artifacts / "notebook7.log")
    SAVED.append(server.log_path)
    try:
        try:
            server.start()
        except RuntimeError as exc:
            pytest.skip(f"Notebook 7 did not start: {str(exc).splitlines()[0]}")
        yield server
    finally:
        server.stop()


@pytest.fixture
def page(browser: Browser, lab: JupyterLab) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(30_000)
    page = context.new_page()
    yield page
    context.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SAVED:
        where = ARTIFACTS.relative_to(REPO) if ARTIFACTS.is_relative_to(REPO) else ARTIFACTS
        terminalreporter.write_sep("-", f"browser test artifacts in {where}/")
        for path in SAVED:
            if path.exists():
                terminalreporter.write_line(f"  {path.name}")
