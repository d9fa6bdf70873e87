"""One SSH connection to one pod, made on first use and made again when it dropped.

Everything here runs on the shared loop (`loop.py`). The login offers the user's key(s)
(`identity.py`) and public-key authentication only; the host key is checked against
``~/.prime/known_hosts`` (`known_hosts.py`): recorded on first use, and a different one
refused with one line naming the host. The user's ``~/.ssh/config`` is not read, so what
connects is exactly what the pod's ``sshConnection`` says.

AES-GCM comes first among the ciphers: `cryptography` runs it in OpenSSL with AES-NI,
several times faster than ChaCha20-Poly1305 as asyncssh has to assemble it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from .errors import HostKeyChangedError, SshConnectionError
from .identity import Identity, load_identity
from .known_hosts import KnownHosts, host_pattern
from .library import asyncssh
from .target import SshTarget

T = TypeVar("T")

CONNECT_TIMEOUT_S = 20.0
KEEPALIVE_S = 30.0
CIPHERS = (
    "aes128-gcm@openssh.com",
    "aes256-gcm@openssh.com",
    "chacha20-poly1305@openssh.com",
    "aes128-ctr",
    "aes256-ctr",
)


class _Client(asyncssh.SSHClient):
    """Trust on first use, the login banner kept for messages, the loss noticed."""

    def __init__(self, target: SshTarget, known: KnownHosts) -> None:
        self._target = target
        self._known = known
        self.changed = False
        self.banner = ""
        self.lost = False

    def validate_host_public_key(
        self, host: str, addr: str, port: int, key: asyncssh.SSHKey
    ) -> bool:
        # Called only for a key not among those passed as trusted (see `Connection`).
        if self._known.keys_for(self._target.host, self._target.port):
            self.changed = True
            return False
        self._known.trust(self._target.host, self._target.port, key)
        return True

    def auth_banner_received(self, msg: str, lang: str) -> None:
        self.banner += msg

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True


class Connection:
    """The SSH connection behind a `Remote`: ``client()``, ``sftp()``, ``close()``.

    ``python`` caches the pod's Python version (major, minor, micro) once a run or a
    check has read it; it is forgotten with the connection it was read over.
    """

    def __init__(
        self,
        target: SshTarget,
        *,
        identity: str | os.PathLike[str] | None = None,
        known_hosts: KnownHosts | None = None,
        connect_timeout: float = CONNECT_TIMEOUT_S,
        label: str | None = None,
    ) -> None:
        self.target = target
        self.label = label or str(target)
        self._identity = identity
        self._known = known_hosts if known_hosts is not None else KnownHosts()
        self._connect_timeout = connect_timeout
        self._ssh: asyncssh.SSHClientConnection | None = None
        self._client: _Client | None = None
        self._sftp: asyncssh.SFTPClient | None = None
        self._lock: asyncio.Lock | None = None
        self.python: tuple[int, int, int] | None = None
        self.home: str | None = None
        self._pid = os.getpid()

    @property
    def known_hosts(self) -> KnownHosts:
        return self._known

    def _alive(self) -> bool:
        if self._pid != os.getpid():  # a forked child: the connection is its parent's
            self._ssh = self._client = self._sftp = None
            self._lock = None
            self._pid = os.getpid()
        return self._ssh is not None and self._client is not None and not self._client.lost

    async def client(self) -> asyncssh.SSHClientConnection:
        """The open connection, connecting (again) when there is none."""
        if self._alive():
            assert self._ssh is not None
            return self._ssh
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if not self._alive():
                self._forget()
                self._ssh = await self._connect()
            assert self._ssh is not None
            return self._ssh

    def _forget(self) -> None:
        if self._ssh is not None:
            self._ssh.close()
        self._ssh = self._client = self._sftp = None
        self.python = None
        self.home = None

    async def _connect(self) -> asyncssh.SSHClientConnection:
        target = self.target
        identity: Identity = load_identity(self._identity)
        trusted = self._known.keys_for(target.host, target.port)
        client = _Client(target, self._known)
        options: dict[str, Any] = {
            "username": target.user,
            "port": target.port,
            "client_keys": identity.keys,
            "agent_path": () if identity.use_agent else None,
            "known_hosts": (trusted, [], []),
            "config": None,
            "preferred_auth": "publickey",
            "encryption_algs": list(CIPHERS),
            "compression_algs": None,
            "keepalive_interval": KEEPALIVE_S,
            "connect_timeout": self._connect_timeout,
            "gss_host": None,
            "x509_trusted_certs": None,
        }
        try:
            ssh = await asyncssh.connect(target.host, client_factory=lambda: client, **options)
        except asyncssh.HostKeyNotVerifiable as exc:
            if client.changed:
                where = host_pattern(target.host, target.port)
                raise HostKeyChangedError(
                    f"the SSH host key of {where} is not the one trusted on first use "
                    f"({self._known.path}): refusing to connect; if the pod was replaced, "
                    "remove its line from that file",
                    host=target.host,
                    port=target.port,
                ) from None
            raise SshConnectionError(f"{self.label}: host key not accepted ({exc})") from None
        except asyncssh.PermissionDenied:
            said = client.banner.strip().replace("\r", "").replace("\n", " ")
            raise SshConnectionError(
                f"{self.label} ({target}) refused the key ({identity.describe()})"
                + (f": {said}" if said else ""),
                hint="Register the public key with %prime ssh-keys (or pass identity=PATH).",
            ) from None
        except (OSError, asyncssh.Error, asyncio.TimeoutError) as exc:
            why = str(exc) or type(exc).__name__
            raise SshConnectionError(
                f"could not reach {self.label} over SSH ({target}): {why}",
                hint="Is the pod ACTIVE? See %prime pods status ID.",
            ) from None
        self._client = client
        return ssh

    async def _channel(self, open_: Callable[[asyncssh.SSHClientConnection], Awaitable[T]]) -> T:
        """``open_(connection)``; when the connection turns out stale (closed, or the pod
        refused a new channel), once more over a new connection, whose login says why a
        pod that ended refuses."""
        ssh = await self.client()
        try:
            return await open_(ssh)
        except (OSError, asyncssh.Error):
            self._forget()
        ssh = await self.client()
        try:
            return await open_(ssh)
        except (OSError, asyncssh.Error) as exc:
            why = getattr(exc, "reason", "") or str(exc) or type(exc).__name__
            raise SshConnectionError(f"{self.label} refused a new SSH channel: {why}") from None

    async def process(self, command: str) -> asyncssh.SSHClientProcess[bytes]:
        """``command`` started on the pod, its streams in bytes."""

        async def start(ssh: asyncssh.SSHClientConnection) -> asyncssh.SSHClientProcess[bytes]:
            return await ssh.create_process(command, encoding=None)

        return await self._channel(start)

    async def run(self, command: str) -> asyncssh.SSHCompletedProcess:
        """``command`` run to its end on the pod (text output, any exit status)."""

        async def run(ssh: asyncssh.SSHClientConnection) -> asyncssh.SSHCompletedProcess:
            return await ssh.run(command, check=False)

        return await self._channel(run)

    async def sftp(self) -> asyncssh.SFTPClient:
        """The connection's SFTP session (opened on first use, again after a failure)."""
        if self._sftp is None or not self._alive():

            async def start(ssh: asyncssh.SSHClientConnection) -> asyncssh.SFTPClient:
                return await ssh.start_sftp_client()

            self._sftp = await self._channel(start)
        return self._sftp

    def drop_sftp(self) -> None:
        """Forget the SFTP session (after it failed): the next ``sftp()`` opens a new one."""
        if self._sftp is not None:
            with contextlib.suppress(Exception):
                self._sftp.exit()
        self._sftp = None

    async def close(self) -> None:
        ssh = self._ssh
        self._forget()
        if ssh is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ssh.wait_closed(), 5.0)
