"""`prime_magics.ssh` against a real OpenSSH server, not only the sandbox's endpoint.

Debian's ``sshd`` is started by this module on a free 127.0.0.1 port with its own config,
host key and authorized key in a temporary folder (``tests/openssh_server.py``), as the
current user; the module ends exactly the process it started. The remote side runs this
interpreter (``python=sys.executable``), so pickles of numpy arrays and DataFrames load
on both sides. Skipped, saying why, where ``sshd`` is not installed
(``apt-get install -y openssh-server``; ``.ci/run`` installs it where missing).
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from prime_magics.ssh import HostKeyChangedError, KnownHosts, Remote, RemoteError
from prime_magics.ssh.known_hosts import key_line
from prime_magics.ssh.library import asyncssh
from tests.openssh_server import OpenSshServer, missing_reason

MISSING = missing_reason()
pytestmark = pytest.mark.skipif(MISSING is not None, reason=MISSING or "")


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenSshServer]:
    server = OpenSshServer(tmp_path_factory.mktemp("sshd")).start()
    yield server
    pid = server.pid
    server.stop()
    assert pid is not None and not _alive(pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers kill 0 until reaped: Popen.wait in stop() reaped it
    return True


@pytest.fixture
def remote(sshd: OpenSshServer, tmp_path: Path) -> Iterator[Remote]:
    with Remote(
        sshd.ssh_connection,
        identity=sshd.client_key,
        python=sys.executable,
        label="openssh",
        known_hosts=tmp_path / "known_hosts",
    ) as made:
        yield made


def test_run_streams_output_and_pushes_and_pulls(remote: Remote) -> None:
    said: list[tuple[str, str]] = []
    frame = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]})
    pulled = remote.run(
        "import sys\n"
        "print('hello from sshd')\n"
        "print('to stderr', file=sys.stderr)\n"
        "doubled = weights * 2\n"
        "rows = len(table)\n",
        push={"weights": np.arange(6, dtype=np.float32), "table": frame},
        pull=["doubled", "rows"],
        on_output=lambda stream, text: said.append((stream, text)),
    )
    np.testing.assert_array_equal(pulled["doubled"], np.arange(6, dtype=np.float32) * 2)
    assert pulled["rows"] == 3
    assert ("stdout", "hello from sshd\n") in said or "hello from sshd" in "".join(
        text for stream, text in said if stream == "stdout"
    )
    assert "to stderr" in "".join(text for stream, text in said if stream == "stderr")
    assert remote.last_run is not None and remote.last_run.wall_seconds > 0


def test_an_empty_run_and_a_remote_exception(remote: Remote) -> None:
    assert remote.run("", on_output=lambda *_: None) == {}
    with pytest.raises(RemoteError) as raised:
        remote.run("1 / 0", on_output=lambda *_: None)
    assert raised.value.exc_type == "ZeroDivisionError"
    assert "ZeroDivisionError" in raised.value.remote_traceback


def test_put_and_get_round_trip_whole_files(remote: Remote, tmp_path: Path) -> None:
    """Full-size SFTP requests: OpenSSH's sftp-server closed the session on 256 KiB writes
    (its limit counts the header), which the sandbox's asyncssh server accepted."""
    data = os.urandom(3 * (1 << 20) + 123)  # many SFTP blocks, not a multiple of one
    local = tmp_path / "data.bin"
    local.write_bytes(data)
    far = tmp_path / "far"
    far.mkdir()
    progress: list[tuple[int, int]] = []
    written = remote.put(
        local, str(far / "copy.bin"), progress=lambda done, total: progress.append((done, total))
    )
    assert written == str(far / "copy.bin")
    assert (far / "copy.bin").read_bytes() == data
    assert progress and progress[-1] == (len(data), len(data))
    back = remote.get(str(far / "copy.bin"), tmp_path / "back.bin")
    assert hashlib.sha256(back.read_bytes()).digest() == hashlib.sha256(data).digest()
    leftovers = [p.name for p in [*far.iterdir(), *tmp_path.iterdir()] if "partial" in p.name]
    assert leftovers == []  # all or nothing: no temporary name left behind


def test_the_host_key_is_trusted_on_first_use_and_a_changed_one_refused(
    sshd: OpenSshServer, tmp_path: Path
) -> None:
    known = KnownHosts(tmp_path / "known_hosts")
    first = Remote(sshd.ssh_connection, identity=sshd.client_key, python=sys.executable,
                   known_hosts=known)  # fmt: skip
    first.run("", on_output=lambda *_: None)
    first.close()
    line = (tmp_path / "known_hosts").read_text()
    assert f"[127.0.0.1]:{sshd.port} ssh-ed25519 " in line
    assert (tmp_path / "known_hosts").stat().st_mode & 0o777 == 0o600
    other = tmp_path / "other_known_hosts"  # the same address with another server's key
    stranger = key_line(asyncssh.generate_private_key("ssh-ed25519"))
    other.write_text(f"[127.0.0.1]:{sshd.port} {stranger}\n")
    with pytest.raises(HostKeyChangedError):
        Remote(sshd.ssh_connection, identity=sshd.client_key, python=sys.executable,
               known_hosts=other).run("", on_output=lambda *_: None)  # fmt: skip
