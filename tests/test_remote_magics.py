"""``%%prime run``, ``%prime files`` and ``pm.remote`` against the sandbox's SSH endpoint.

Each test rents real sandbox pods through the default client (the one ``%prime`` uses),
registers an ed25519 key through the sandbox's ``/ssh_keys/`` and writes it as this
test's ``~/.ssh/id_ed25519`` (conftest gives every test an empty HOME). Then the magics
run in the process's IPython shell, as a user would run them: nothing is faked, the
cost line is checked against the ``Remote``'s own ``last_run`` and the pod's price.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from IPython.core.error import UsageError

import prime_magics as pm
from prime_magics.display.primitives import usd
from prime_magics.sandbox import SandboxServer
from prime_magics.ssh.library import asyncssh
from tests.magic_fixtures import Cell, Shell, requests
from tests.rentals_fixtures import guide_request

pytest_plugins = ("tests.magic_fixtures",)

COST_LINE = re.compile(r"^ran (\d+\.\d) s on (pod \w{6} \(1× H100_80GB\)): (\$[\d.,]+)$")
WAIT_S = 30.0


@pytest.fixture
def ssh_key(prime_sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A key registered with the sandbox, as this test's ~/.ssh/id_ed25519 (no agent)."""
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    key = asyncssh.generate_private_key("ssh-ed25519", comment="test@remote-magics")
    pm.get_client().add_ssh_key("remote-magics", key.export_public_key().decode())
    ssh_dir = Path.home() / ".ssh"
    ssh_dir.mkdir(mode=0o700, exist_ok=True)
    path = ssh_dir / "id_ed25519"
    key.write_private_key(path)
    path.chmod(0o600)
    return path


def rent(name: str) -> pm.Pod:
    """A ready sandbox pod (the guide's 1× H100 in CANADA-1), rented by the default client."""
    client = pm.get_client()
    created = client.create_pod(guide_request(client, name=name))
    return client.wait_for_pod(created.id, timeout=WAIT_S, poll_interval=0.05, progress=False)


@pytest.fixture
def pod(ssh_key: Path) -> pm.Pod:
    return rent("remote-one")


@pytest.fixture
def activity(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The pods ``note_activity`` was told about, in order (the real one still runs)."""
    rentals = pm.get_client().rentals
    real: Callable[[str], None] = rentals.note_activity
    noted: list[str] = []

    def note(pod_id: str) -> None:
        noted.append(pod_id)
        real(pod_id)

    monkeypatch.setattr(rentals, "note_activity", note)
    yield noted


def gone(pid: int) -> bool:
    """No such process, or only its zombie left."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")
    except (OSError, IndexError):
        return True


def wait_until(condition: Callable[[], bool], within: float = WAIT_S) -> bool:
    """Poll ``condition`` until it holds or ``within`` seconds pass (a bound only)."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def cost_of(cell: Cell) -> re.Match[str]:
    lines = cell.stdout.strip().splitlines()
    assert lines, cell.text
    found = COST_LINE.match(lines[-1])
    assert found, f"no cost line at the end of:\n{cell.text}"
    return found


def test_a_remote_cell_streams_pushes_pulls_and_says_its_cost(
    ip: Shell, pod: pm.Pod, activity: list[str]
) -> None:
    ip.user_ns["frame"] = pd.DataFrame({"x": np.arange(10.0), "y": 3 * np.arange(10.0) + 1})
    cell = Cell(
        ip,
        "%%prime run --push frame --pull slope intercept\n"
        "import sys\n"
        "import numpy as np\n"
        "A = np.c_[frame['x'], np.ones(len(frame))]\n"
        "(slope, intercept), *_ = np.linalg.lstsq(A, frame['y'].to_numpy(), rcond=None)\n"
        "print('rows on the pod:', len(frame))\n"
        "print('a warning on stderr', file=sys.stderr)\n",
    )
    assert cell.error is None, cell.text
    assert "rows on the pod: 10" in cell.stdout
    assert "a warning on stderr" in cell.stderr and "a warning" not in cell.stdout
    assert ip.user_ns["slope"] == pytest.approx(3.0)
    assert ip.user_ns["intercept"] == pytest.approx(1.0)

    found = cost_of(cell)
    remote = pm.get_client().remote(pod.id)
    assert remote.last_run is not None and pod.price_hr
    seconds = remote.last_run.wall_seconds
    assert found.group(1) == f"{seconds:.1f}"
    assert found.group(2) == f"pod {pod.id[:6]} (1× H100_80GB)"
    assert found.group(3) == usd(seconds * pod.price_hr / 3600, "")
    assert activity == [pod.id, pod.id]  # at the start and at the end
    rental = pm.get_client().rentals.book.live(pm.get_client().settings.base_url, "pod", pod.id)
    assert rental is not None and rental.active_at is not None


def test_a_remote_exception_fails_the_cell_with_the_pods_traceback(
    ip: Shell, pod: pm.Pod, activity: list[str]
) -> None:
    cell = Cell(ip, "%%prime run\nprint('before')\ndef inner():\n    return 1 / 0\ninner()\n")
    assert isinstance(cell.error, UsageError), cell.text
    said = str(cell.error)
    assert "ZeroDivisionError" in said and "Traceback" in said
    assert 'File "<remote>", line 3, in inner' in said
    assert "prime_magics" not in said and "asyncssh" not in said  # none of our internals
    assert "before" in cell.stdout
    cost_of(cell)  # it ran, and the pod billed for it: the cost is said too
    assert activity == [pod.id, pod.id]


def test_an_unpicklable_push_is_named_and_nothing_runs(ip: Shell, pod: pm.Pod) -> None:
    ip.user_ns["handle"] = open(os.devnull)  # noqa: SIM115  (a file cannot be pickled)
    try:
        cell = Cell(ip, "%%prime run --push handle\nprint('ran')\n")
    finally:
        ip.user_ns["handle"].close()
    assert isinstance(cell.error, UsageError)
    assert "push 'handle' cannot be pickled" in str(cell.error)
    assert "ran" not in cell.stdout

    missing = Cell(ip, "%%prime run --push nowhere\nprint('ran')\n")
    assert isinstance(missing.error, UsageError)
    assert "--push nowhere: no such variable" in str(missing.error)


def test_the_pod_is_a_variable_and_defaults_to_the_only_live_one(
    ip: Shell, ssh_key: Path, prime_sandbox: SandboxServer
) -> None:
    none = Cell(ip, "%%prime run\nprint('ran')\n")
    assert isinstance(none.error, UsageError) and "no live pod" in str(none.error)

    first = rent("remote-first")
    only = Cell(ip, "%%prime run\nimport os\nprint('in', os.getcwd())\n")
    assert only.error is None, only.text
    assert cost_of(only).group(2).startswith(f"pod {first.id[:6]}")

    second = rent("remote-second")
    several = Cell(ip, "%%prime run\nprint('ran')\n")
    assert isinstance(several.error, UsageError)
    assert "2 live pods" in str(several.error) and second.id in str(several.error)

    ip.user_ns["POD"] = second.id
    by_dollar = Cell(ip, "%%prime run $POD\nprint('on the second')\n")
    assert by_dollar.error is None, by_dollar.text
    assert cost_of(by_dollar).group(2).startswith(f"pod {second.id[:6]}")
    asked = len(requests(prime_sandbox, "GET", f"/api/v1/pods/{second.id}"))
    again = Cell(ip, "%%prime run $POD\npass\n")  # the pod is kept with its Remote
    assert again.error is None and cost_of(again).group(2).startswith(f"pod {second.id[:6]}")
    assert len(requests(prime_sandbox, "GET", f"/api/v1/pods/{second.id}")) == asked

    ip.user_ns["chosen"] = first  # a Pod, by its variable's name
    by_name = Cell(ip, "%%prime run chosen\nprint('on the first')\n")
    assert by_name.error is None, by_name.text
    assert cost_of(by_name).group(2).startswith(f"pod {first.id[:6]}")

    unknown = Cell(ip, "%%prime run $NOWHERE\nprint('ran')\n")
    assert isinstance(unknown.error, UsageError) and "NOWHERE" in str(unknown.error)


def test_an_interrupt_stops_the_remote_process(
    ip: Shell, pod: pm.Pod, tmp_path: Path, activity: list[str]
) -> None:
    """A real SIGINT to the kernel's (main) thread while the cell runs on the pod."""
    said = tmp_path / "pid"

    def interrupt() -> None:
        if wait_until(lambda: said.exists() and said.read_text().endswith("\n")):
            signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)

    threading.Thread(target=interrupt, daemon=True).start()
    cell = Cell(
        ip,
        "%%prime run --timeout 60\nimport os, threading\n"
        f"open({str(said)!r}, 'w').write(f'{{os.getpid()}}\\n')\n"
        "threading.Event().wait()\n",
    )
    assert isinstance(cell.error, KeyboardInterrupt), cell.text
    pid = int(said.read_text())
    assert wait_until(lambda: gone(pid)), f"remote process {pid} still runs"
    assert activity == [pod.id, pod.id]

    late = Cell(ip, "%%prime run --timeout 1\nimport threading\nthreading.Event().wait()\n")
    assert isinstance(late.error, UsageError) and "longer than 1 s" in str(late.error)


def test_a_cell_magic_other_than_run_is_refused(ip: Shell) -> None:
    cell = Cell(ip, "%%prime pods\nprint('ran')\n")
    assert isinstance(cell.error, UsageError) and "one command, run" in str(cell.error)

    helped = Cell(ip, "%%prime run --help\nprint('executed')\n")
    assert helped.error is None and "--push NAME" in helped.stdout
    assert "executed" not in helped.text
    bad = Cell(ip, "%%prime run --timeout soon\nprint('ran')\n")
    assert isinstance(bad.error, UsageError) and "--timeout" in str(bad.error)


def test_files_put_and_get_round_trip(
    ip: Shell, pod: pm.Pod, tmp_path: Path, activity: list[str]
) -> None:
    local = tmp_path / "weights.bin"
    local.write_bytes(os.urandom(3_000_000))
    ip.user_ns["POD"] = pod.id
    put = Cell(ip, f"sent = %prime files put {local} model.bin --pod $POD")
    assert put.error is None, put.text
    assert ip.user_ns["sent"] == "model.bin"
    assert f"→ pod {pod.id[:6]} (1× H100_80GB):model.bin (3.0 MB)" in put.text
    assert "3.00M/3.00M" in put.stderr  # the progress bar reached the end

    back = tmp_path / "back.bin"
    get = Cell(ip, f"%prime files get model.bin {back}")  # the only live pod
    assert get.error is None, get.text
    assert f"→ {back} (3.0 MB)" in get.text
    digest = hashlib.sha256
    assert digest(back.read_bytes()).hexdigest() == digest(local.read_bytes()).hexdigest()
    assert activity == [pod.id] * 4

    gone = Cell(ip, f"%prime files get nothing-here.bin {tmp_path}")
    assert isinstance(gone.error, UsageError)
    assert len(str(gone.error).splitlines()) == 1  # one line, no traceback
    assert not (tmp_path / "nothing-here.bin").exists()

    absent = Cell(ip, f"%prime files put {tmp_path / 'absent.bin'}")
    assert isinstance(absent.error, UsageError) and "is not a file" in str(absent.error)


def test_pm_remote_on_the_default_client(pod: pm.Pod, ssh_key: Path) -> None:
    remote = pm.remote()
    assert isinstance(remote, pm.Remote)
    assert remote is pm.remote(pod.id)  # one Remote per pod per client
    assert remote.label == f"pod {pod.id[:6]} (1× H100_80GB)"
    seen: list[tuple[str, str]] = []
    values: dict[str, Any] = remote.run(
        "y = x * 2\nprint('doubled')", push={"x": 21}, pull=["y"],
        on_output=lambda stream, text: seen.append((stream, text)),
    )  # fmt: skip
    assert values == {"y": 42}
    assert seen == [("stdout", "doubled\n")]
    assert remote.last_run is not None and remote.last_run.wall_seconds > 0
    with pytest.raises(pm.RemoteError) as raised:
        remote.run("raise KeyError('k')")
    assert "KeyError" in str(raised.value)

    keyed = pm.remote(identity=ssh_key)  # another identity: a new Remote, kept from now on
    assert keyed is not remote and pm.remote() is keyed and pm.remote(pod.id) is keyed
    assert keyed.run("z = 1", pull=["z"]) == {"z": 1}
    # the sandbox's host key is made anew for each run: never kept in ~/.prime/known_hosts
    assert not (Path.home() / ".prime" / "known_hosts").exists()
