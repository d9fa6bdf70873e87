"""The guard process keeps what a kernel set after that kernel is killed.

Real processes, as a researcher's machine has them: the sandbox in its own process, a
"kernel" (a Python process) that rents a pod and dies with ``os._exit`` (no cleanup, no
atexit), and the guard it started, detached. Whether the pod had a deadline, a hard
budget, or a create whose answer (and lookup) were lost, it must still end, the guard
must then go by itself, and a later kernel must be told. The
test records the pids it starts and ends exactly those, never a process found by name.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import prime_magics as pm
from prime_magics.rentals import daemon
from prime_magics.rentals.findings import Findings
from prime_magics.rentals.store import Store

BOUND_S = 30.0  # every wait below is bounded; a healthy run takes a few seconds


def wait_for(condition: Callable[[], bool], what: str) -> None:
    """Poll ``condition`` (real processes: no injectable clock across them), bounded."""
    until = time.monotonic() + BOUND_S
    while time.monotonic() < until:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"not within {BOUND_S:.0f} s: {what}")


@pytest.fixture
def sandbox_process() -> Iterator[str]:
    """The sandbox in its own process (it must outlive the kernel); its URL."""
    command = [sys.executable, "-m", "prime_magics.sandbox", "--port", "0",
               "--provision-seconds", "0.2"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


KERNEL = """
import os, sys
import httpx
import prime_magics as pm
url, case = sys.argv[1], sys.argv[2]
client = pm.Client(api_key="sandbox-key-0123456789", base_url=url)
row = client.availability(cloud_id="n3-H100x1", data_center_id="CANADA-1").iloc[0]
hours = None if case == "hard budget" else 0.001
request = pm.PodRequest.from_offer(row, name="forgotten", max_hours=hours)
if case == "lost answer":  # the API rents, the answer is lost, and so is the lookup
    faults = url + "/_sandbox/faults"
    httpx.post(faults, json={"method": "POST", "path": "/pods", "drop_after_handling": True})
    httpx.post(faults, json={"method": "GET", "path": "/pods", "status": 503, "times": 4})
if case == "hard budget":
    client.set_budget(0.0005, hard=True)  # $1.90/h spends it in about a second
try:
    client.create_pod(request)
except pm.OutcomeUnknownError:
    pass
os._exit(0)  # the kernel dies: no cleanup, nothing in it runs again
"""

CASES = ["deadline", "lost answer", "hard budget"]


def live_pods(url: str) -> list[str]:
    with pm.Client(api_key="sandbox-key-0123456789", base_url=url) as checker:
        return [p.id for p in checker.pod_models() if p.status != "TERMINATED"]


@pytest.mark.parametrize("case", CASES)
def test_what_the_kernel_set_is_kept_after_it_is_killed(
    sandbox_process: str, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    store = Store()  # under the test's HOME, as the kernel's and the guard's
    monkeypatch.setenv("PRIME_MAGICS_GUARD", "on")
    monkeypatch.setenv(daemon.ENV_PERIOD, "0.5")
    subprocess.run(
        [sys.executable, "-c", textwrap.dedent(KERNEL), sandbox_process, case],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    [pod_id] = live_pods(sandbox_process)  # rented, whatever the kernel learnt of it
    guard_pid: list[int] = []

    def guard_started() -> bool:
        status = daemon.status(store, sandbox_process)
        if status.pid is not None:
            guard_pid.append(status.pid)
        return bool(guard_pid)

    try:
        wait_for(guard_started, "the guard process records its pid")
        wait_for(
            lambda: live_pods(sandbox_process) == [],
            f"the pod is ended ({case}) with the kernel gone",
        )
        wait_for(
            lambda: not daemon.running(store, sandbox_process),
            "the guard leaves by itself once nothing is left",
        )
        found = Findings(store).take()
        assert any(f.kind == "ended" and pod_id in f.text for f in found)
        if case == "lost answer":
            assert any(f.kind == "found" and pod_id in f.text for f in found)
        log = daemon.log_path(store)
        assert log.stat().st_mode & 0o777 == 0o600
        assert "sandbox-key" not in log.read_text()  # the key is written nowhere
    finally:
        recorded = daemon.status(store, sandbox_process).pid  # a guard that started late too
        for pid in {*guard_pid[:1], *([recorded] if recorded else [])}:
            if daemon.running(store, sandbox_process):  # exactly the pid it recorded
                os.kill(pid, signal.SIGTERM)


def test_one_guard_per_api_and_stop(sandbox_process: str, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store()
    monkeypatch.setenv("PRIME_MAGICS_GUARD", "on")
    monkeypatch.setenv(daemon.ENV_PERIOD, "0.5")
    client = pm.Client(api_key="sandbox-key-0123456789", base_url=sandbox_process, store=store)
    started: list[int] = []
    try:
        row = client.availability(cloud_id="n3-H100x1", data_center_id="CANADA-1").iloc[0]
        client.create_pod(pm.PodRequest.from_offer(row, name="kept", max_hours=5))
        wait_for(lambda: client.guard_status().pid is not None, "the guard starts")
        pid = client.guard_status().pid
        assert pid is not None
        started.append(pid)
        assert client.ensure_guard() is None  # one runs: no second one
        assert client.stop_guard() == pid
        wait_for(lambda: not daemon.running(store, sandbox_process), "the guard stops")
    finally:
        for pid in started:
            if daemon.running(store, sandbox_process):
                os.kill(pid, signal.SIGTERM)
        client.close()


def test_a_guard_whose_store_was_removed_leaves(tmp_path: Path) -> None:
    """Nothing it recorded can be guarded any more: the round says the guard is done."""
    import logging

    store = Store(tmp_path / "gone" / "prime_magics.sqlite3")
    rounds = daemon._Rounds(None, store, "http://127.0.0.1:9", logging.getLogger("test"))  # type: ignore[arg-type]
    assert rounds.step() is None


def test_a_guard_on_loopback_gives_up_after_rounds_keep_failing(tmp_path: Path) -> None:
    import logging

    store = Store(tmp_path / "prime_magics.sqlite3")
    rounds = daemon._Rounds(None, store, "http://127.0.0.1:9", logging.getLogger("test"))  # type: ignore[arg-type]
    stopped: list[bool] = []
    rounds.failing_since = time.time() - daemon.GIVE_UP_LOOPBACK_S - 1
    rounds.failed(RuntimeError("a bug"), 30.0, lambda: stopped.append(True))
    assert stopped == [True]
