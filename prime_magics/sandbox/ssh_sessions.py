"""What one channel on a sandbox pod does: run a command, or serve its files over SFTP.

A command runs as a real pod's would: `/bin/sh -c COMMAND` in the pod's working
directory (its home), with `python`/`python3` on the PATH meaning the sandbox's own
Python, and an environment made from scratch (nothing of the sandbox process's, so no key
leaks into a pod). Its stdin, stdout and stderr stream through the channel with the
channel's flow control; its exit status (or the signal that ended it) is the channel's.
Each command leads its own process group: a `signal` request from the client goes to the
whole group, and a channel closed (or a connection lost) while it runs kills the group,
so nothing a client left behind keeps running.

SFTP is asyncssh's `SFTPServer` chrooted to the same directory. `SshFaults` cuts a
transfer in the middle (the channel closes once a set number of bytes has moved), so a
client's "never a half-written file" can be tested.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import signal
import threading
from pathlib import Path
from typing import Protocol, cast

from .ssh_library import SSHChannel, SSHReader, SSHServerStreamSession, SSHWriter, asyncssh

CHUNK = 1 << 16
SFTP_VERSION = 3


class PodHost(Protocol):
    """What a session needs from the endpoint that opened it."""

    faults: SshFaults

    def workdir(self, login: str) -> Path:
        """The pod's working directory (made if missing, fresh for a new pod)."""

    def command_env(self, login: str, workdir: Path) -> dict[str, str]:
        """The environment a command on this pod starts with."""

    def started(self, process: asyncio.subprocess.Process) -> None:
        """A command's process began (the endpoint keeps it until it ends)."""

    def ended(self, process: asyncio.subprocess.Process) -> None:
        """A command's process was reaped."""


class SshFaults:
    """Failures the endpoint injects, one-shot, for tests (`SandboxServer.ssh.faults`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cut_after: int | None = None
        self.cuts = 0
        """How many transfers were cut so far."""

    def cut_transfer_after(self, nbytes: int) -> None:
        """The next SFTP channel that reads or writes more than `nbytes` file bytes is
        closed in the middle of the transfer (once; later channels are left alone)."""
        with self._lock:
            self._cut_after = max(0, int(nbytes))

    def clear(self) -> None:
        with self._lock:
            self._cut_after = None
            self.cuts = 0

    def should_cut(self, moved: int) -> bool:
        """True once, when `moved` bytes pass the armed limit (which is then disarmed)."""
        with self._lock:
            if self._cut_after is None or moved <= self._cut_after:
                return False
            self._cut_after = None
            self.cuts += 1
            return True


def kill_group(process: asyncio.subprocess.Process, signum: int = signal.SIGKILL) -> None:
    """Send `signum` to the command's whole process group, if it still runs."""
    if process.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


class PodFiles(asyncssh.SFTPServer):
    """SFTP chrooted to the pod's directory, counting the file bytes it moves."""

    def __init__(self, chan: asyncssh.SSHServerChannel[bytes], root: Path, faults: SshFaults):
        super().__init__(chan, chroot=os.fsencode(root))
        self._faults = faults
        self._moved = 0

    def _count(self, nbytes: int) -> None:
        self._moved += nbytes
        if self._faults.should_cut(self._moved):
            self.channel.close()

    async def read(self, file_obj: object, offset: int, size: int) -> bytes:
        result = super().read(file_obj, offset, size)
        data = await result if inspect.isawaitable(result) else result
        self._count(len(data))
        return data

    async def write(self, file_obj: object, offset: int, data: bytes) -> int:
        self._count(len(data))
        result = super().write(file_obj, offset, data)
        return await result if inspect.isawaitable(result) else result


class PodSession(SSHServerStreamSession[bytes]):
    """One session channel on one pod: a command, a shell (`/bin/sh`) or SFTP."""

    def __init__(self, host: PodHost, login: str) -> None:
        super().__init__(self._serve, self._files, SFTP_VERSION)
        self._host = host
        self._login = login
        self._process: asyncio.subprocess.Process | None = None
        self._lost = False

    def exec_requested(self, command: str) -> bool:
        return True

    def shell_requested(self) -> bool:
        return True

    def _files(self, chan: SSHChannel[bytes]) -> asyncssh.SFTPServer:
        server_chan = cast(asyncssh.SSHServerChannel[bytes], chan)
        return PodFiles(server_chan, self._host.workdir(self._login), self._host.faults)

    def signal_received(self, name: str) -> None:
        """RFC 4254 `signal`: to the command's process group (INT, TERM, KILL…)."""
        signum = getattr(signal, f"SIG{name}", None)
        if self._process is not None and isinstance(signum, int):
            kill_group(self._process, signum)

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost = True
        super().connection_lost(exc)
        if self._process is not None:
            kill_group(self._process)

    async def _serve(
        self, stdin: SSHReader[bytes], stdout: SSHWriter[bytes], stderr: SSHWriter[bytes]
    ) -> None:
        chan = cast(asyncssh.SSHServerChannel[bytes], stdin.channel)
        command = chan.get_command()
        workdir = self._host.workdir(self._login)
        argv = ["/bin/sh", "-c", command] if command else ["/bin/sh"]
        try:
            process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                cwd=workdir,
                env=self._host.command_env(self._login, workdir),
                start_new_session=True,  # its own process group: signals and kills reach all
            )
        except OSError as exc:
            with contextlib.suppress(OSError, asyncssh.Error):
                stderr.write(f"sandbox: cannot start /bin/sh: {exc}\n".encode())
                chan.exit(127)
            return
        self._process = process
        self._host.started(process)
        if self._lost:  # the channel went while the process was starting
            kill_group(process)
        feeding = asyncio.ensure_future(_feed(stdin, process))
        try:
            assert process.stdout is not None and process.stderr is not None
            await asyncio.gather(_drain(process.stdout, stdout), _drain(process.stderr, stderr))
            status = await process.wait()
        finally:
            feeding.cancel()
            kill_group(process)
            await process.wait()
            self._host.ended(process)
        with contextlib.suppress(OSError, asyncssh.Error):
            if status < 0:
                chan.exit_with_signal(signal.Signals(-status).name.removeprefix("SIG"))
            else:
                chan.exit(status)


async def _feed(stdin: SSHReader[bytes], process: asyncio.subprocess.Process) -> None:
    """The channel's data to the command's stdin; the channel's EOF closes it."""
    pipe = process.stdin
    assert pipe is not None
    try:
        while True:
            data = await stdin.read(CHUNK)
            if not data:
                break
            pipe.write(data)
            await pipe.drain()
    except (OSError, asyncssh.Error):
        pass  # the command stopped reading, or the channel went: nothing more to feed
    finally:
        with contextlib.suppress(OSError):
            pipe.close()


async def _drain(source: asyncio.StreamReader, sink: SSHWriter[bytes]) -> None:
    """A command's output to the channel, as it comes, at the pace the client reads."""
    writable = True
    while True:
        data = await source.read(CHUNK)
        if not data:
            return
        if not writable:
            continue  # keep reading so the command is never blocked on a dead channel
        try:
            sink.write(data)
            await sink.drain()
        except (OSError, asyncssh.Error):
            writable = False
