"""The sandbox's SSH endpoint: one asyncssh server on 127.0.0.1 that every pod answers on.

`start_sandbox` starts it next to the HTTP server and stops it with it. Its host key is
made for each run (in memory); its port is a free one, and the pods' `sshConnection`
names it: `<login>@127.0.0.1 -p <port>`, where the login is the pod id (see
`ssh_logins.py`), so a client parses it like a real pod's `root@1.2.3.4 -p 22`.

Who gets in, decided at each login from the sandbox's own state (never a copy):

- the login must name a pod that is ACTIVE with an SSH connection (a provisioning,
  stopped or terminated pod refuses, and says why in the login banner);
- the key must be one registered through `/ssh_keys/` (read at auth time, so a key
  uploaded a moment ago works and a deleted one stops working).

A pod's channels run in its own working directory (`ssh_sessions.py`): commands with the
sandbox's Python as `python`/`python3`, SFTP chrooted there. The directory lives in a
temporary directory of this run, is emptied for a new pod that reuses an id (after a
reset), and is removed with the pod. Every 0.2 s the endpoint drops the connections of
pods that stopped answering (terminated, stopped, reset away), which kills what they ran.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import shutil
import sys
import tempfile
import threading
import weakref
from pathlib import Path
from typing import Any

from .context import SandboxContext
from .errors import ApiError
from .ssh_library import asyncssh
from .ssh_logins import login_for, parse_login
from .ssh_sessions import PodSession, SshFaults, kill_group

HOST = "127.0.0.1"
START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 5.0
REAP_INTERVAL_S = 0.2
EVERY_KEY = 10**9  # a page size no account reaches: "all keys"
PYTHON_NAMES = ("python", "python3")


class SshEndpoint:
    """The running endpoint: `address` for the pods' JSON, `faults` and `pids()` for tests."""

    def __init__(self, context: SandboxContext) -> None:
        self._context = context
        self.faults = SshFaults()
        self.port = 0
        self._root = Path(tempfile.mkdtemp(prefix="prime-sandbox-ssh-"))
        # removed by `stop`, or when the process exits without it (a kernel shut down)
        self._remove_root = weakref.finalize(self, shutil.rmtree, self._root, True)
        self._bin = self._root / "bin"
        self._pods = self._root / "pods"
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="prime-sandbox-ssh", daemon=True
        )
        self._acceptor: asyncssh.SSHAcceptor | None = None
        self._reaper: asyncio.Future[None] | None = None
        self._logins: set[PodLogin] = set()
        self._made: dict[str, str] = {}  # login -> createdAt of the pod its directory is for
        self._lock = threading.Lock()
        self._processes: set[asyncio.subprocess.Process] = set()
        self._key_blobs: dict[str, bytes | None] = {}
        self._stopped = False

    @property
    def address(self) -> tuple[str, int]:
        return HOST, self.port

    # ---- lifecycle -----------------------------------------------------------------------

    def start(self) -> None:
        """Write the `python` wrappers, start the loop thread, listen; raises if it cannot."""
        self._bin.mkdir(mode=0o700)
        self._pods.mkdir(mode=0o700)
        for name in PYTHON_NAMES:
            wrapper = self._bin / name
            wrapper.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} "$@"\n')
            wrapper.chmod(0o755)
        self._thread.start()
        try:
            opened = asyncio.run_coroutine_threadsafe(self._open(), self._loop)
            opened.result(timeout=START_TIMEOUT_S)
        except BaseException:
            self.stop()
            raise

    async def _open(self) -> None:
        host_key = asyncssh.generate_private_key("ssh-ed25519")
        self._acceptor = await asyncssh.listen(
            HOST,
            0,
            server_factory=lambda: PodLogin(self),
            server_host_keys=[host_key],
            allow_scp=False,
            login_timeout=30,
        )
        self.port = self._acceptor.get_port()
        self._reaper = asyncio.ensure_future(self._reap())

    def stop(self) -> None:
        """Close the listener and every connection, kill what they ran, remove the pods'
        directories; safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        if self._thread.is_alive():
            closing = asyncio.run_coroutine_threadsafe(self._close(), self._loop)
            with contextlib.suppress(Exception):
                closing.result(timeout=STOP_TIMEOUT_S)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=STOP_TIMEOUT_S)
        if not self._thread.is_alive():
            self._loop.close()
        self._remove_root()

    async def _close(self) -> None:
        if self._reaper is not None:
            self._reaper.cancel()
        if self._acceptor is not None:
            self._acceptor.close()
            await self._acceptor.wait_closed()
        for login in list(self._logins):
            login.close()
        with self._lock:
            running = list(self._processes)
        for process in running:
            kill_group(process)
        if running:
            await asyncio.wait([asyncio.ensure_future(p.wait()) for p in running], timeout=2.0)
        current = asyncio.current_task()
        rest = [t for t in asyncio.all_tasks() if t is not current]
        for task in rest:
            task.cancel()
        if rest:
            await asyncio.wait(rest, timeout=2.0)

    # ---- who gets in ---------------------------------------------------------------------

    def _pod(self, pod_id: str) -> dict[str, Any] | None:
        try:
            return self._context.state.get_pod(pod_id)
        except ApiError:
            return None

    def refusal(self, login: str) -> str | None:
        """Why `login` may not log in now (one line), or None when its pod answers."""
        parsed = parse_login(login)
        if parsed is None:
            return f"no pod of this sandbox answers to the login {login!r}"
        pod_id, node = parsed
        pod = self._pod(pod_id)
        if pod is None:
            return f"pod {pod_id} does not exist in this sandbox"
        ssh = pod["sshConnection"]
        if pod["status"] != "ACTIVE" or ssh is None:
            return f"pod {pod_id} is {pod['status']}: its SSH endpoint refuses connections"
        if node >= (len(ssh) if isinstance(ssh, list) else 1):
            return f"pod {pod_id} has no node {node}"
        return None

    def accepts(self, key: asyncssh.SSHKey) -> bool:
        """Whether `key` is registered through `/ssh_keys/` right now."""
        listed = self._context.account.list_ssh_keys(0, EVERY_KEY)["data"]
        for entry in listed:
            text = str(entry["publicKey"])
            if text not in self._key_blobs:
                try:
                    self._key_blobs[text] = asyncssh.import_public_key(text).public_data
                except (asyncssh.KeyImportError, ValueError):
                    self._key_blobs[text] = None  # the seeded key is made-up bytes
            if self._key_blobs[text] == key.public_data:
                return True
        return False

    async def _reap(self) -> None:
        while True:
            await asyncio.sleep(REAP_INTERVAL_S)
            self.reap()

    def reap(self) -> None:
        """Drop the connections of pods that stopped answering; remove the directories of
        pods that are gone."""
        for login in list(self._logins):
            if login.login is not None and login.authenticated and self.refusal(login.login):
                login.close()
        for name in list(self._made):
            parsed = parse_login(name)
            pod = self._pod(parsed[0]) if parsed else None
            if pod is None or pod["status"] == "TERMINATED":
                shutil.rmtree(self._pods / name, ignore_errors=True)
                del self._made[name]

    def forget(self, login: PodLogin) -> None:
        self._logins.discard(login)

    def remember(self, login: PodLogin) -> None:
        self._logins.add(login)

    # ---- what sessions need (`ssh_sessions.PodHost`) -------------------------------------

    def workdir_of(self, pod_id: str, node: int = 0) -> Path:
        """Where `pod_id`'s node keeps its files (made at its first session)."""
        return self._pods / login_for(pod_id, node)

    def workdir(self, login: str) -> Path:
        parsed = parse_login(login)
        pod = self._pod(parsed[0]) if parsed else None
        created = str(pod["createdAt"]) if pod else ""
        path = self._pods / login
        if self._made.get(login) != created:  # a new pod under an id seen before a reset
            shutil.rmtree(path, ignore_errors=True)
            path.mkdir(mode=0o700, parents=True)
            self._made[login] = created
        return path

    def command_env(self, login: str, workdir: Path) -> dict[str, str]:
        """From scratch: nothing of the sandbox process's environment reaches a pod."""
        return {
            "HOME": str(workdir),
            "PWD": str(workdir),
            "USER": "root",
            "LOGNAME": "root",
            "SHELL": "/bin/sh",
            "PATH": f"{self._bin}{os.pathsep}{os.environ.get('PATH', os.defpath)}",
            "LANG": os.environ.get("LANG", "C.UTF-8"),
            "PRIME_SANDBOX_LOGIN": login,
        }

    def started(self, process: asyncio.subprocess.Process) -> None:
        with self._lock:
            self._processes.add(process)

    def ended(self, process: asyncio.subprocess.Process) -> None:
        with self._lock:
            self._processes.discard(process)

    def pids(self) -> list[int]:
        """The process ids of the commands running now (each leads its process group)."""
        with self._lock:
            return sorted(p.pid for p in self._processes if p.returncode is None)

    def __repr__(self) -> str:
        state = "stopped" if self._stopped else "running"
        return f"<SshEndpoint {HOST}:{self.port} {state}>"


class PodLogin(asyncssh.SSHServer):
    """One connection: its login names the pod, its key must be registered."""

    def __init__(self, endpoint: SshEndpoint) -> None:
        self._endpoint = endpoint
        self._conn: asyncssh.SSHServerConnection | None = None
        self.login: str | None = None
        self.authenticated = False

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        self._endpoint.remember(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self._endpoint.forget(self)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()

    def begin_auth(self, username: str) -> bool:
        self.login = username
        problem = self._endpoint.refusal(username)
        if problem is not None and self._conn is not None:
            self._conn.send_auth_banner(f"prime sandbox: {problem}\r\n")
        return True  # always authenticate: a refused login fails at the key, as sshd does

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        return self._endpoint.refusal(username) is None and self._endpoint.accepts(key)

    def auth_completed(self) -> None:
        self.authenticated = True

    def session_requested(self) -> Any:
        """A channel for a command or SFTP, while the pod still answers."""
        login = self.login
        if login is None or self._conn is None or self._endpoint.refusal(login) is not None:
            return False
        chan = self._conn.create_server_channel(encoding=None)
        return chan, PodSession(self._endpoint, login)
