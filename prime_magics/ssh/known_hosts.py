"""Host keys trusted on first use, in ``~/.prime/known_hosts`` (mode 0600).

The file is OpenSSH's format (``[host]:port ssh-ed25519 AAAA…``, the bare host for port
22), kept apart from ``~/.ssh/known_hosts`` so nothing here rewrites the user's own
file. The first connection to a host records the key it presents; later connections
accept only a recorded key, and a different one is refused (`HostKeyChangedError`) until
the stale line is removed (``forget``), as after a pod is replaced at the same address.
"""

from __future__ import annotations

import base64
import contextlib
import os
import threading
from pathlib import Path

from ..config import default_config_path
from .library import asyncssh

FILE_MODE = 0o600
DIR_MODE = 0o700


def default_known_hosts() -> Path:
    """``~/.prime/known_hosts``, next to the CLI's ``config.json``."""
    return default_config_path().parent / "known_hosts"


def host_pattern(host: str, port: int) -> str:
    """How OpenSSH names a host in known_hosts: ``host`` on port 22, ``[host]:port`` else."""
    return host if port == 22 else f"[{host}]:{port}"


def key_line(key: asyncssh.SSHKey) -> str:
    """``algorithm base64``: the public half only, without a comment."""
    return f"{key.get_algorithm()} {base64.b64encode(key.public_data).decode()}"


class KnownHosts:
    """The trusted host keys in one file (read at each lookup, appended on first use)."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else default_known_hosts()
        self._lock = threading.Lock()

    def _entries(self) -> list[tuple[str, str]]:
        """(pattern, key line) of every readable line."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        entries = []
        for line in text.splitlines():
            fields = line.split()
            if len(fields) >= 3 and not fields[0].startswith("#"):
                entries.append((fields[0], f"{fields[1]} {fields[2]}"))
        return entries

    def keys_for(self, host: str, port: int) -> list[asyncssh.SSHKey]:
        """The keys trusted for ``host:port`` (empty: never seen)."""
        pattern = host_pattern(host, port)
        keys = []
        for names, line in self._entries():
            if pattern in names.split(","):
                with contextlib.suppress(asyncssh.KeyImportError, ValueError):
                    keys.append(asyncssh.import_public_key(line))
        return keys

    def trust(self, host: str, port: int, key: asyncssh.SSHKey) -> None:
        """Record ``key`` for ``host:port``; the directory 0700, the file 0600."""
        with self._lock:
            self.path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
            try:
                os.fchmod(fd, FILE_MODE)  # an older file made with a looser mode is fixed
                os.write(fd, f"{host_pattern(host, port)} {key_line(key)}\n".encode())
            finally:
                os.close(fd)

    def forget(self, host: str, port: int) -> int:
        """Remove every line for ``host:port`` (a replaced pod); how many were removed."""
        pattern = host_pattern(host, port)
        with self._lock:
            try:
                lines = self.path.read_text(encoding="utf-8").splitlines(keepends=True)
            except FileNotFoundError:
                return 0
            kept = [ln for ln in lines if pattern not in (ln.split() or [""])[0].split(",")]
            if len(kept) != len(lines):
                fd = os.open(self.path, os.O_WRONLY | os.O_TRUNC | os.O_CREAT, FILE_MODE)
                try:
                    os.write(fd, "".join(kept).encode())
                finally:
                    os.close(fd)
            return len(lines) - len(kept)
