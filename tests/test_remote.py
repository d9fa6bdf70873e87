"""`prime_magics.ssh` against the sandbox's SSH endpoint, all on 127.0.0.1.

One sandbox for the module, on a fake clock (a pod is ACTIVE when the test says so), and
one ed25519 key registered through its `/ssh_keys/`; conftest gives every test its own
empty HOME, where `ssh_key` writes that key as `~/.ssh/id_ed25519`, so every test starts
with no `~/.prime/known_hosts`. Nothing here sleeps to decide an outcome: the remote code
waits on a FIFO the test opens when it sees the code's output, and the few waits for a
process to be gone poll with a deadline.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import socket
import stat
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest

from prime_magics.errors import ConfigurationError, PrimeError
from prime_magics.sandbox import SandboxConfig, SandboxServer, start_sandbox
from prime_magics.ssh import (
    HostKeyChangedError,
    KnownHosts,
    PullError,
    PushError,
    Remote,
    RemoteError,
    RemotePythonWarning,
    RemoteTimeoutError,
    SshConnectionError,
    SshTarget,
    TransferError,
    handle,
    parse_ssh_connection,
)
from prime_magics.ssh.identity import load_identity
from prime_magics.ssh.library import asyncssh

PROVISION_S = 5.0
KEY = {"Authorization": "Bearer test-key"}
POD = {
    "cloudId": "n3-H100x1",
    "gpuType": "H100_80GB",
    "socket": "PCIe",
    "gpuCount": 1,
    "image": "ubuntu_22_cuda_12",
    "dataCenterId": "CANADA-1",
    "country": "CA",
    "security": "secure_cloud",
}
GONE_WAIT_S = 10.0
RUN_TIMEOUT_S = 60.0  # a bound on runs that should end by themselves


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="module")
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="module")
def server(clock: FakeClock) -> Iterator[SandboxServer]:
    with start_sandbox(SandboxConfig(provision_seconds=PROVISION_S), monotonic=clock) as made:
        yield made


@pytest.fixture(scope="module")
def api(server: SandboxServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url + "/api/v1", headers=KEY, timeout=10) as client:
        yield client


@pytest.fixture(scope="module")
def registered_key(api: httpx.Client) -> asyncssh.SSHKey:
    key = asyncssh.generate_private_key("ssh-ed25519", comment="test@remote")
    public = key.export_public_key().decode()
    r = api.post("/ssh_keys/", json={"name": "test-remote", "publicKey": public})
    assert r.status_code == 200, r.text
    return key


def write_key(key: asyncssh.SSHKey, name: str = "id_ed25519") -> Path:
    ssh_dir = Path.home() / ".ssh"
    ssh_dir.mkdir(mode=0o700, exist_ok=True)
    path = ssh_dir / name
    key.write_private_key(path)
    path.chmod(0o600)
    return path


@pytest.fixture
def ssh_key(registered_key: asyncssh.SSHKey, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The registered key as this test's ~/.ssh/id_ed25519 (and no ssh-agent)."""
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    return write_key(registered_key)


def new_pod(api: httpx.Client, clock: FakeClock) -> dict[str, Any]:
    r = api.post("/pods/", json={"pod": POD, "provider": {"type": "hyperstack"}})
    assert r.status_code == 200, r.text
    clock.advance(PROVISION_S)
    pod: dict[str, Any] = api.get(f"/pods/{r.json()['id']}").json()
    assert pod["status"] == "ACTIVE" and pod["sshConnection"]
    return pod


@pytest.fixture(scope="module")
def pod(api: httpx.Client, clock: FakeClock) -> dict[str, Any]:
    return new_pod(api, clock)


@pytest.fixture
def remote(pod: dict[str, Any], ssh_key: Path) -> Iterator[Remote]:
    made = Remote(pod["sshConnection"], label=f"pod {pod['id'][:6]}")
    yield made
    made.close()


@pytest.fixture
def workdir(server: SandboxServer, pod: dict[str, Any]) -> Path:
    assert server.ssh is not None
    return server.ssh.workdir_of(pod["id"])


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


def wait_until(condition: Callable[[], bool], within: float = GONE_WAIT_S) -> bool:
    """Poll ``condition`` until it holds or ``within`` seconds pass (a bound, not a delay
    that decides anything)."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def open_fifo_writer(path: Path) -> None:
    """Release a remote reader waiting on the FIFO at ``path`` (opened before it printed
    what the test reacts to, so opening the writing end cannot fail or block)."""
    fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    os.write(fd, b"go")
    os.close(fd)


# ---- the sandbox's endpoint ---------------------------------------------------------------


def test_pods_name_the_sandbox_ssh_endpoint(
    server: SandboxServer, pod: dict[str, Any], api: httpx.Client, clock: FakeClock
) -> None:
    assert server.ssh is not None
    host, port = server.ssh.address
    assert pod["sshConnection"] == f"{pod['id']}@127.0.0.1 -p {port}" and host == "127.0.0.1"
    assert pod["ip"] == "127.0.0.1"
    ports = {m["usedBy"]: m["external"] for m in pod["primePortMapping"]}
    assert ports["SSH"] == str(port)
    assert parse_ssh_connection(pod["sshConnection"]) == SshTarget(pod["id"], host, port)
    status = api.get("/pods/status", params={"pod_ids": [pod["id"]]}).json()["data"][0]
    assert status["sshConnection"] == pod["sshConnection"]
    log = api.get(f"/pods/{pod['id']}/log").json()["logs"]
    assert any(line.endswith(f"SSH ready: {pod['sshConnection']}") for line in log), log


def test_commands_run_in_the_pods_directory_with_the_sandboxs_python(
    remote: Remote, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRIME_API_KEY", "pit_never_on_a_pod_0123456789")  # the sandbox's env
    code = (
        "import os, sys\n"
        "cwd, home, python = os.getcwd(), os.environ['HOME'], sys.executable\n"
        "leaked = sorted(k for k in os.environ if k.startswith('PRIME_API'))\n"
    )
    got = remote.run(code, pull=["cwd", "home", "python", "leaked"], timeout=RUN_TIMEOUT_S)
    assert Path(got["cwd"]) == workdir and Path(got["home"]) == workdir
    assert os.path.samefile(got["python"], sys.executable)
    assert got["leaked"] == []
    assert remote.python_version() == tuple(sys.version_info[:3])


def test_the_endpoint_streams_stdin_reports_exit_status_and_takes_signals(
    pod: dict[str, Any], registered_key: asyncssh.SSHKey, server: SandboxServer
) -> None:
    """Plain SSH exec, as any client (OpenSSH's included) would use it."""
    target = parse_ssh_connection(pod["sshConnection"])
    endpoint = server.ssh
    assert endpoint is not None

    async def scenario() -> tuple[Any, ...]:
        async with asyncssh.connect(
            target.host,
            target.port,
            username=target.user,
            client_keys=[registered_key],
            known_hosts=None,
            config=None,
        ) as ssh:
            echoed = await ssh.run("cat; echo done >&2; exit 3", input="a\nb\n", check=False)
            sleeper = await ssh.create_process("echo $$; exec sleep 120")
            pid = int(await asyncio.wait_for(sleeper.stdout.readline(), RUN_TIMEOUT_S))
            sleeper.send_signal("INT")
            await asyncio.wait_for(sleeper.wait_closed(), RUN_TIMEOUT_S)
            async with ssh.start_sftp_client() as sftp:  # chrooted to the pod's directory
                await sftp.mkdir("chrooted")
                top = (await sftp.realpath("."), await sftp.realpath("../.."))
            return echoed, pid, sleeper.exit_signal, top

    echoed, pid, exit_signal, top = asyncio.run(scenario())
    assert top == ("/", "/") and (endpoint.workdir_of(pod["id"]) / "chrooted").is_dir()
    assert (echoed.stdout, echoed.stderr, echoed.exit_status) == ("a\nb\n", "done\n", 3)
    assert exit_signal is not None and exit_signal[0] == "INT"
    assert wait_until(lambda: gone(pid)) and pid not in endpoint.pids()


def test_a_provisioning_pod_refuses_and_says_why(
    api: httpx.Client, server: SandboxServer, ssh_key: Path
) -> None:
    r = api.post("/pods/", json={"pod": POD, "provider": {"type": "hyperstack"}})
    pod_id = r.json()["id"]
    assert server.ssh is not None
    _, port = server.ssh.address
    early = Remote(f"{pod_id}@127.0.0.1 -p {port}")
    with pytest.raises(SshConnectionError, match="PROVISIONING") as refused:
        early.run("pass")
    assert "~/.ssh/id_ed25519" in str(refused.value)
    api.delete(f"/pods/{pod_id}")


# ---- running code -------------------------------------------------------------------------


def test_output_streams_in_order_as_it_comes(remote: Remote, workdir: Path) -> None:
    """The code blocks on a FIFO the test opens only once it has seen the code's third
    line: the run can finish only if that line streamed before the run ended."""
    code = (
        "import os, select, sys\n"
        "os.mkfifo('go')\n"
        "fifo = os.open('go', os.O_RDONLY | os.O_NONBLOCK)  # a reader before 'three'\n"
        "print('one')\n"
        "print('two', file=sys.stderr)\n"
        "print('three')\n"
        "ready, _, _ = select.select([fifo], [], [], 30)\n"
        "print('released' if ready else 'never released')\n"
        "os.write(1, b'from the fd\\n')\n"
        "os.remove('go')\n"
    )
    seen: list[tuple[str, str]] = []

    def on_output(stream: str, text: str) -> None:
        seen.append((stream, text))
        if text == "three\n":
            open_fifo_writer(workdir / "go")

    assert remote.run(code, on_output=on_output, timeout=RUN_TIMEOUT_S) == {}
    assert seen == [
        ("stdout", "one\n"),
        ("stderr", "two\n"),
        ("stdout", "three\n"),
        ("stdout", "released\n"),
        ("stdout", "from the fd\n"),
    ]
    assert remote.last_run is not None and remote.last_run.code_seconds > 0


def test_push_numpy_and_dataframe_and_pull_results(remote: Remote) -> None:
    matrix = np.arange(250_000, dtype=np.float64).reshape(500, 500)
    frame = pd.DataFrame({"gpu": ["H100", "A100", "L40S"], "price": [2.2, 1.3, 0.9]})
    code = (
        "import numpy as np\n"
        "total = float(matrix.sum())\n"
        "doubled = frame.assign(price=frame.price * 2)\n"
        "class Fit:\n"
        "    def __init__(self, w): self.w = w\n"
        "fit = Fit(matrix.diagonal().copy())\n"
    )
    got = remote.run(
        code, push={"matrix": matrix, "frame": frame}, pull=["total", "doubled"], timeout=60
    )
    assert got["total"] == float(matrix.sum())
    expected = frame.assign(price=frame.price * 2)
    pd.testing.assert_frame_equal(got["doubled"], expected)
    assert set(got) == {"total", "doubled"}


def test_a_remote_exception_carries_its_traceback(remote: Remote) -> None:
    printed: list[str] = []
    code = "print('before')\ndef check(x):\n    raise ValueError(f'bad value {x}')\ncheck(3)\n"
    with pytest.raises(RemoteError) as raised:
        remote.run(code, on_output=lambda stream, text: printed.append(text), timeout=60)
    error = raised.value
    assert isinstance(error, PrimeError) and error.exc_type == "ValueError"
    assert printed == ["before\n"]
    assert 'File "<remote>", line 4, in <module>' in error.remote_traceback
    assert 'File "<remote>", line 3, in check' in error.remote_traceback
    assert "raise ValueError(f'bad value {x}')" in error.remote_traceback  # the source line
    assert error.remote_traceback.rstrip().endswith("ValueError: bad value 3")
    assert "pod_program" not in error.remote_traceback and "exec(" not in error.remote_traceback
    assert str(error).startswith(f"the code raised ValueError on {remote.label}:")
    with pytest.raises(RemoteError, match="SyntaxError"):
        remote.run("def broken(:\n", timeout=60)


def test_a_pull_that_cannot_come_back_is_named(remote: Remote) -> None:
    with pytest.raises(PullError, match="'missing'") as missing:
        remote.run("x = 1", pull=["x", "missing"], timeout=60)
    assert missing.value.name == "missing"
    with pytest.raises(PullError, match="'lock'") as unpicklable:
        remote.run("import threading\nlock = threading.Lock()", pull=["lock"], timeout=60)
    assert unpicklable.value.name == "lock"


def test_an_unpicklable_push_is_named_and_nothing_is_sent(
    pod: dict[str, Any], ssh_key: Path, workdir: Path
) -> None:
    fresh = Remote(pod["sshConnection"])
    with pytest.raises(PushError, match="'lock'") as refused:
        fresh.run("open('ran', 'w').close()", push={"fine": 1, "lock": threading.Lock()})
    assert "nothing was sent" in str(refused.value)
    assert isinstance(refused.value, ConfigurationError)
    assert not (Path.home() / ".prime" / "known_hosts").exists()  # not even connected
    assert not (workdir / "ran").exists()
    with pytest.raises(PushError, match="not a Python identifier"):
        fresh.run("pass", push={"not a name": 1})


def test_interrupt_kills_the_remote_process(remote: Remote, server: SandboxServer) -> None:
    """A real SIGINT to this (main) thread while `run` waits, as a kernel interrupt."""
    started = threading.Event()
    pids: list[int] = []

    def on_output(stream: str, text: str) -> None:
        pids.append(int(text))
        started.set()

    def interrupt() -> None:
        if started.wait(RUN_TIMEOUT_S):
            signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)

    threading.Thread(target=interrupt, daemon=True).start()
    code = "import os, threading\nprint(os.getpid(), flush=True)\nthreading.Event().wait()\n"
    with pytest.raises(KeyboardInterrupt):
        remote.run(code, on_output=on_output, timeout=RUN_TIMEOUT_S)
    (pid,) = pids
    assert wait_until(lambda: gone(pid)), f"remote process {pid} still runs"
    endpoint = server.ssh
    assert endpoint is not None and wait_until(lambda: pid not in endpoint.pids())
    assert remote.run("answer = 42", pull=["answer"], timeout=60) == {"answer": 42}


def test_a_callback_raising_stops_the_run_too(remote: Remote) -> None:
    pids: list[int] = []

    def on_output(stream: str, text: str) -> None:
        pids.append(int(text))
        raise KeyboardInterrupt

    code = "import os, threading\nprint(os.getpid(), flush=True)\nthreading.Event().wait()\n"
    with pytest.raises(KeyboardInterrupt):
        remote.run(code, on_output=on_output, timeout=RUN_TIMEOUT_S)
    assert wait_until(lambda: gone(pids[0]))


def test_timeout_kills_the_remote_process(remote: Remote, workdir: Path) -> None:
    pids: list[int] = []
    code = "import os, threading\nprint(os.getpid(), flush=True)\nthreading.Event().wait()\n"
    with pytest.raises(RemoteTimeoutError, match="longer than 2 s") as late:
        remote.run(code, on_output=lambda s, t: pids.append(int(t)), timeout=2)
    assert isinstance(late.value, RemoteError)
    (pid,) = pids
    assert wait_until(lambda: gone(pid)), f"remote process {pid} still runs"


def test_a_python_version_mismatch_is_said_before_anything_is_sent(
    pod: dict[str, Any], ssh_key: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(handle, "local_python", lambda: (3, 9, 18))
    strict = Remote(pod["sshConnection"], label="pod strict")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RemotePythonWarning)
        with pytest.raises(RemotePythonWarning, match=r"runs Python 3\.\d+\.\d+, this process"):
            strict.run("open('sent', 'w').close()", timeout=60)
    assert not (workdir / "sent").exists()  # refused before the code left
    strict.close()
    lenient = Remote(pod["sshConnection"], label="pod lenient")
    with pytest.warns(RemotePythonWarning) as said:
        lenient.run("x = 1", pull=["x"], timeout=60)
        lenient.run("x = 2", pull=["x"], timeout=60)  # checked once per connection
    assert len(said) == 1
    lenient.close()


# ---- files --------------------------------------------------------------------------------


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.rglob("*prime-tmp*"))


def test_put_and_get_a_few_megabytes(remote: Remote, workdir: Path, tmp_path: Path) -> None:
    local = tmp_path / "weights.bin"
    local.write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    progress: list[tuple[int, int]] = []
    written = remote.put(local, "weights.bin", progress=lambda d, t: progress.append((d, t)))
    assert written == "weights.bin" and sha256(workdir / "weights.bin") == sha256(local)
    size = local.stat().st_size
    assert progress[0] == (0, size) and progress[-1] == (size, size)
    assert [d for d, _ in progress] == sorted(d for d, _ in progress)
    remote.run("import os\nos.makedirs('out', exist_ok=True)", timeout=60)
    assert remote.put(local, "out/") == "out/weights.bin"
    back = remote.get("out/weights.bin", tmp_path / "back.bin")
    assert back == tmp_path / "back.bin" and sha256(back) == sha256(local)
    into = tmp_path / "into"
    into.mkdir()
    assert remote.get("weights.bin", into) == into / "weights.bin"
    assert leftovers(workdir) == [] and leftovers(tmp_path) == []


def test_a_put_cut_in_the_middle_leaves_the_final_name_alone(
    remote: Remote, server: SandboxServer, workdir: Path, tmp_path: Path
) -> None:
    assert server.ssh is not None
    faults = server.ssh.faults
    (workdir / "model.bin").write_bytes(b"the old model")
    local = tmp_path / "model.bin"
    local.write_bytes(os.urandom(4 * 1024 * 1024))
    faults.clear()
    faults.cut_transfer_after(1024 * 1024)
    try:
        with pytest.raises(TransferError, match=r"nothing was written at model\.bin"):
            remote.put(local, "model.bin")
        assert faults.cuts == 1
    finally:
        faults.clear()
    assert (workdir / "model.bin").read_bytes() == b"the old model"
    assert leftovers(workdir) == []
    assert remote.put(local, "model.bin") == "model.bin"  # the connection still serves
    assert sha256(workdir / "model.bin") == sha256(local)


def test_a_get_cut_in_the_middle_leaves_no_local_file(
    remote: Remote, server: SandboxServer, workdir: Path, tmp_path: Path
) -> None:
    assert server.ssh is not None
    faults = server.ssh.faults
    (workdir / "result.bin").write_bytes(os.urandom(4 * 1024 * 1024))
    faults.clear()
    faults.cut_transfer_after(1024 * 1024)
    try:
        with pytest.raises(TransferError, match="nothing was written at"):
            remote.get("result.bin", tmp_path / "result.bin")
        assert faults.cuts == 1
    finally:
        faults.clear()
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(TransferError):
        remote.get("no-such-file.bin", tmp_path / "x.bin")
    assert list(tmp_path.iterdir()) == []
    got = remote.get("result.bin", tmp_path / "result.bin")
    assert sha256(got) == sha256(workdir / "result.bin")


# ---- trust and refusals -------------------------------------------------------------------


def test_host_key_is_trusted_on_first_use_and_a_change_refused(
    pod: dict[str, Any], ssh_key: Path
) -> None:
    first = Remote(pod["sshConnection"])
    first.run("pass", timeout=60)
    first.close()
    known = Path.home() / ".prime" / "known_hosts"
    assert stat.S_IMODE(known.stat().st_mode) == 0o600
    assert stat.S_IMODE(known.parent.stat().st_mode) == 0o700
    target = parse_ssh_connection(pod["sshConnection"])
    (line,) = known.read_text().splitlines()
    assert line.startswith(f"[127.0.0.1]:{target.port} ssh-ed25519 ")
    again = Remote(pod["sshConnection"])
    again.run("pass", timeout=60)  # the recorded key matches: accepted, nothing added
    again.close()
    assert known.read_text().splitlines() == [line]

    impostor = asyncssh.generate_private_key("ssh-ed25519")
    known.write_text(f"[127.0.0.1]:{target.port} {impostor.export_public_key().decode()}")
    with pytest.raises(HostKeyChangedError) as refused:
        Remote(pod["sshConnection"]).run("pass", timeout=60)
    message = str(refused.value)
    assert "\n" not in message and f"[127.0.0.1]:{target.port}" in message
    assert refused.value.port == target.port
    assert KnownHosts(known).forget("127.0.0.1", target.port) == 1
    trusted = Remote(pod["sshConnection"])
    trusted.run("pass", timeout=60)
    trusted.close()


def test_an_unregistered_key_is_refused(
    pod: dict[str, Any], registered_key: asyncssh.SSHKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    stranger = asyncssh.generate_private_key("ssh-ed25519")
    write_key(stranger)
    with pytest.raises(SshConnectionError, match="refused the key") as refused:
        Remote(pod["sshConnection"]).run("pass", timeout=60)
    message = str(refused.value)
    assert "~/.ssh/id_ed25519" in message
    for secret in (stranger.export_public_key().decode().split()[1], "PRIVATE KEY"):
        assert secret not in message
    elsewhere = Path.home() / "keys" / "registered"
    elsewhere.parent.mkdir()
    registered_key.write_private_key(elsewhere)
    explicit = Remote(pod["sshConnection"], identity=elsewhere)
    assert explicit.run("y = 7", pull=["y"], timeout=60) == {"y": 7}
    explicit.close()


def test_a_terminated_pod_refuses(
    api: httpx.Client, clock: FakeClock, server: SandboxServer, ssh_key: Path
) -> None:
    ended = new_pod(api, clock)
    kept = Remote(ended["sshConnection"], label="pod ended")
    assert kept.run("z = 1", pull=["z"], timeout=60) == {"z": 1}
    assert api.delete(f"/pods/{ended['id']}").json() == {"status": "TERMINATED"}
    with pytest.raises(SshConnectionError, match="TERMINATED"):
        kept.run("pass", timeout=60)  # over the open connection, or a new one: refused
    with pytest.raises(SshConnectionError, match="TERMINATED"):
        Remote(ended["sshConnection"]).run("pass", timeout=60)
    kept.close()


# ---- parsing, keys, the endpoint's life ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("root@1.2.3.4 -p 22", SshTarget("root", "1.2.3.4", 22)),
        ("ssh root@1.2.3.4 -p 2222", SshTarget("root", "1.2.3.4", 2222)),
        ("root@1.2.3.4 -p2201", SshTarget("root", "1.2.3.4", 2201)),
        ("-p 40 ubuntu@10.0.0.1", SshTarget("ubuntu", "10.0.0.1", 40)),
        ("root@example.org", SshTarget("root", "example.org", 22)),
        ("root@10.0.0.9:2022", SshTarget("root", "10.0.0.9", 2022)),
        ("root@[::1]:2022", SshTarget("root", "::1", 2022)),
    ],
)
def test_ssh_connection_strings_are_parsed(text: str, target: SshTarget) -> None:
    assert parse_ssh_connection(text) == target


def test_ssh_connection_lists_and_bad_strings() -> None:
    nodes = ["root@10.0.0.1 -p 22", "root@10.0.0.2 -p 23"]
    assert parse_ssh_connection(nodes, node=1) == SshTarget("root", "10.0.0.2", 23)
    for bad in (None, [None], "", "1.2.3.4 -p 22", "root@host -p x", "root@h -i key"):
        with pytest.raises(ConfigurationError):
            parse_ssh_connection(bad)
    with pytest.raises(ConfigurationError, match="no node 2"):
        parse_ssh_connection(nodes, node=2)


def test_no_key_at_all_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    with pytest.raises(ConfigurationError, match=r"no SSH key in ~/\.ssh") as missing:
        load_identity()
    assert "ssh-keygen" in str(missing.value)
    with pytest.raises(ConfigurationError, match="does not exist"):
        load_identity(Path.home() / "nope")
    locked = asyncssh.generate_private_key("ssh-ed25519")
    path = Path.home() / "locked"
    locked.write_private_key(path, "pkcs8-pem", passphrase="correct horse")
    with pytest.raises(ConfigurationError, match="passphrase"):
        load_identity(path)


def test_the_endpoint_stops_with_the_sandbox() -> None:
    sandbox = start_sandbox(SandboxConfig(gpu_offers=5, multinode_offers=1))
    assert sandbox.ssh is not None
    host, port = sandbox.ssh.address
    root = sandbox.ssh.workdir_of("0" * 32).parent.parent
    assert root.is_dir() and host == "127.0.0.1"
    sandbox.stop()
    assert not root.exists()
    assert sandbox.state.ssh_endpoint is None
    with pytest.raises(OSError), socket.create_connection((host, port), timeout=5):
        pass
