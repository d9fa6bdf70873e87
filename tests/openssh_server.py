"""A real OpenSSH server for one test module or one benchmark run, on 127.0.0.1.

Debian's ``openssh-server`` (``/usr/sbin/sshd``) is started as ``sshd -f CONFIG -D -e``
on a free loopback port, as the current user, with everything it reads in one temporary
folder: its config, its host key, the ``authorized_keys`` holding the client key made
here, and nothing of the system's ``/etc/ssh`` (``StrictModes no``: the folder is the
test's own). Its PID is recorded when it starts and exactly that process is ended
(``stop``): never one found by name.

Run as root, sshd insists on its privilege separation directory (``/run/sshd``, made by
the package's service on a booted machine, absent in a container): it is made, empty and
0755 as the package would, when missing. ``missing_reason()`` says why no server can run
here (a test skips with it).

- ``OpenSshServer(folder)``: ``start()``/``stop()`` (or ``with``), ``ssh_connection`` (the
  pod-style ``user@127.0.0.1 -p PORT``), ``client_key`` (the private key file),
  ``ssh_options()`` (the OpenSSH client's flags for it: that key, a known_hosts of its
  own, no prompts).
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

from prime_magics.ssh.library import asyncssh

SSHD = Path("/usr/sbin/sshd")
SFTP_SERVER = Path("/usr/lib/openssh/sftp-server")
PRIVSEP_DIR = Path("/run/sshd")
START_WAIT_S = 15.0  # an upper bound for sshd to listen, never a timing assertion


def missing_reason() -> str | None:
    """Why no OpenSSH server can be started here (None: it can)."""
    if not SSHD.exists():
        return f"{SSHD} is missing (apt-get install -y openssh-server)"
    if not SFTP_SERVER.exists():
        return f"{SFTP_SERVER} is missing (apt-get install -y openssh-server)"
    if os.geteuid() == 0 and not PRIVSEP_DIR.is_dir():
        try:
            PRIVSEP_DIR.mkdir(mode=0o755, parents=True)
        except OSError as exc:
            return f"sshd needs {PRIVSEP_DIR} and it cannot be made ({exc.strerror})"
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _key(path: Path) -> None:
    key = asyncssh.generate_private_key("ssh-ed25519")
    key.write_private_key(str(path))
    key.write_public_key(str(path) + ".pub")
    path.chmod(0o600)


class OpenSshServer:
    """``sshd`` on a free 127.0.0.1 port with its own config in ``folder`` (see module)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.user = pwd.getpwuid(os.getuid()).pw_name
        self.port = free_port()
        self.host_key = folder / "host_ed25519"
        self.client_key = folder / "client_ed25519"
        self.config = folder / "sshd_config"
        self.log = folder / "sshd.log"
        self.known_hosts = folder / "openssh_known_hosts"
        self.process: subprocess.Popen[bytes] | None = None
        self.pid: int | None = None

    @property
    def ssh_connection(self) -> str:
        """Where it listens, as a pod's ``sshConnection`` says it."""
        return f"{self.user}@127.0.0.1 -p {self.port}"

    def ssh_options(self) -> list[str]:
        """Flags for Debian's ``ssh``/``scp`` against this server (``-P`` for scp)."""
        return [
            "-i", str(self.client_key), "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
            "-o", f"UserKnownHostsFile={self.known_hosts}",
            "-o", "StrictHostKeyChecking=accept-new", "-o", "LogLevel=ERROR",
        ]  # fmt: skip

    def start(self) -> OpenSshServer:
        _key(self.host_key)
        _key(self.client_key)
        authorized = self.folder / "authorized_keys"
        authorized.write_text(Path(str(self.client_key) + ".pub").read_text())
        self.config.write_text(
            "\n".join(
                [
                    f"Port {self.port}",
                    "ListenAddress 127.0.0.1",
                    f"HostKey {self.host_key}",
                    "PidFile none",
                    f"AuthorizedKeysFile {authorized}",
                    "StrictModes no",
                    "UsePAM no",
                    "PubkeyAuthentication yes",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "PermitRootLogin prohibit-password",
                    f"AllowUsers {self.user}",
                    "MaxSessions 100",
                    "MaxStartups 100",
                    f"Subsystem sftp {SFTP_SERVER}",
                    "",
                ]
            )
        )
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(  # a fixed binary, our own config
                [str(SSHD), "-f", str(self.config), "-D", "-e"],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.pid = self.process.pid
        deadline = time.monotonic() + START_WAIT_S
        while "Server listening" not in self.log.read_text(errors="replace"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                text = self.log.read_text(errors="replace")
                self.stop()
                raise RuntimeError(f"sshd did not start: {text.strip()}")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        """End exactly the sshd this started (its recorded PID) and wait for it."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()  # SIGTERM to process.pid, the one recorded at start
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def __enter__(self) -> OpenSshServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def openssh_client() -> str | None:
    """Debian's OpenSSH client (``ssh``), if installed."""
    return shutil.which("ssh")


__all__ = ["OpenSshServer", "free_port", "missing_reason", "openssh_client"]
