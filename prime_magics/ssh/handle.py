"""`Remote`: the handle on one pod's SSH, in plain synchronous Python.

What ``pm.remote(pod_id)`` will return (and what ``%%prime run`` and ``%prime files``
will call). It is made from the SSH target alone (the pod's ``sshConnection``), not
from a `Client`, so it knows nothing of the API and the layering stays flat; whoever
makes it gives it a ``label`` ("pod abc123") for its messages.

Every call waits in the caller's thread while the work runs on the process's SSH loop
(`loop.py`), so it works the same in a script and in a Jupyter kernel whose own loop is
running; interrupting the kernel interrupts the call and kills what it started on the
pod. One SSH connection per `Remote`, opened on first use, opened again if it dropped.
"""

from __future__ import annotations

import codecs
import os
import pickle
import sys
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from ..errors import ConfigurationError
from . import loop
from .connection import CONNECT_TIMEOUT_S, Connection
from .errors import PullError, RemoteError
from .known_hosts import KnownHosts
from .runs import Outcome, command, execute, prepare
from .target import SshTarget, parse_ssh_connection
from .transfers import get_file, put_file

OnOutput = Callable[[str, str], None]
"""``on_output(stream, text)``: ``stream`` is ``"stdout"`` or ``"stderr"``."""
Progress = Callable[[int, int], None]
"""``progress(bytes_done, bytes_total)``."""

VERSION_PROGRAM = "import sys; print(*sys.version_info[:3])"


class RemotePythonWarning(UserWarning):
    """The pod's Python (major.minor) is not this one's: pickles may not load across."""


@dataclass(frozen=True)
class RunStats:
    """How long the last run took: the code alone on the pod, and the whole call here."""

    code_seconds: float
    wall_seconds: float


def local_python() -> tuple[int, int, int]:
    """This process's Python version (a function, so a test can pretend another)."""
    major, minor, micro = sys.version_info[:3]
    return major, minor, micro


def _decoder() -> codecs.IncrementalDecoder:
    """UTF-8 across chunk boundaries (a character split between two frames)."""
    return codecs.getincrementaldecoder("utf-8")("replace")


def _print(stream: str, text: str) -> None:
    out = sys.stderr if stream == "stderr" else sys.stdout
    out.write(text)
    out.flush()


def _failure(failure: Mapping[str, str], label: str) -> RemoteError:
    kind, name, traceback = failure["kind"], failure.get("name", ""), failure["traceback"]
    if kind == "pull":
        last = traceback.strip().splitlines()[-1] if traceback.strip() else failure["type"]
        return PullError(f"pull {name!r} could not come back from {label}: {last}", name=name)
    if kind == "push":
        return RemoteError(
            f"push {name!r} could not be unpickled on {label} (is its module installed there?)",
            remote_traceback=traceback,
            exc_type=failure["type"],
        )
    return RemoteError(
        f"the code raised {failure['type']} on {label}:",
        remote_traceback=traceback,
        exc_type=failure["type"],
    )


def _unpickle(name: str, blob: bytes, label: str) -> Any:
    try:
        return pickle.loads(blob)
    except Exception as exc:
        raise PullError(
            f"pull {name!r} came back from {label} but cannot be unpickled here "
            f"({type(exc).__name__}: {exc})",
            name=name,
        ) from None


class Remote:
    """Run code and move files on one pod over SSH.

    ``target`` is the pod's ``sshConnection`` (``"root@1.2.3.4 -p 22"``; a multi-node
    pod's list means its first node) or an `SshTarget`; ``identity`` a private key file
    (default: ``~/.ssh``'s usual keys, or ssh-agent); ``python`` the pod's interpreter;
    ``known_hosts`` where host keys are trusted on first use (default
    ``~/.prime/known_hosts``).
    """

    def __init__(
        self,
        target: SshTarget | str | Sequence[str | None],
        *,
        identity: str | os.PathLike[str] | None = None,
        python: str = "python3",
        label: str | None = None,
        known_hosts: str | os.PathLike[str] | KnownHosts | None = None,
        connect_timeout: float = CONNECT_TIMEOUT_S,
    ) -> None:
        self.target = target if isinstance(target, SshTarget) else parse_ssh_connection(target)
        self.label = label or str(self.target)
        self.python = python
        known = known_hosts if isinstance(known_hosts, KnownHosts) else KnownHosts(known_hosts)
        self._conn = Connection(
            self.target,
            identity=identity,
            known_hosts=known,
            connect_timeout=connect_timeout,
            label=self.label,
        )
        self.last_run: RunStats | None = None
        """Timings of the last `run` that finished (also when the code raised)."""

    # ---- code ----------------------------------------------------------------------------

    def run(
        self,
        code: str,
        push: Mapping[str, Any] | None = None,
        pull: Sequence[str] = (),
        timeout: float | None = None,
        on_output: OnOutput | None = None,
    ) -> dict[str, Any]:
        """Run ``code`` in a fresh Python process on the pod; the ``pull`` values.

        ``push`` values are pickled here first (`PushError` names one that cannot be,
        before anything is sent) and defined as globals there. Output streams to
        ``on_output(stream, text)`` as it comes (default: this process's stdout and
        stderr). When the code raises, `RemoteError` carries the pod's traceback; past
        ``timeout`` seconds (`RemoteTimeoutError`) or on KeyboardInterrupt the remote
        process is killed. A pod whose Python differs from this one (major.minor) is
        said with a `RemotePythonWarning` before anything is sent.
        """
        call = prepare(code, push or {}, pull)
        write = on_output or _print
        decoders = {stream: _decoder() for stream in ("stdout", "stderr")}

        def on_event(event: tuple[Any, ...]) -> None:
            if event[0] == "python":
                self._compare_python(event[1])
                event[2]()  # said: now the call may be sent
            else:
                text = decoders[event[0]].decode(event[1])
                if text:
                    write(event[0], text)

        started = time.perf_counter()

        def start(emit: loop.Emit) -> Any:
            return execute(self._conn, self.python, call, emit, timeout)

        outcome: Outcome = loop.call(start, on_event)
        for stream, decoder in decoders.items():
            rest = decoder.decode(b"", final=True)
            if rest:
                write(stream, rest)
        self.last_run = RunStats(outcome.seconds, time.perf_counter() - started)
        if outcome.failure is not None:
            raise _failure(outcome.failure, self.label)
        return {name: _unpickle(name, outcome.values[name], self.label) for name in call.pull}

    def _compare_python(self, theirs: tuple[int, int, int]) -> None:
        ours = local_python()
        if tuple(theirs[:2]) != tuple(ours[:2]):
            warnings.warn(
                RemotePythonWarning(
                    f"{self.label} runs Python {'.'.join(map(str, theirs))}, this process "
                    f"Python {'.'.join(map(str, ours))}: pickled values may not load on the "
                    "other side"
                ),
                stacklevel=2,
            )

    def python_version(self) -> tuple[int, int, int]:
        """The pod's Python version (asked once per connection, then remembered)."""
        conn = self._conn

        async def ask(emit: loop.Emit) -> tuple[int, int, int]:
            if conn.python is None:
                result = await conn.run(command(self.python, VERSION_PROGRAM))
                if result.exit_status != 0:
                    raise RemoteError(
                        f"could not run {self.python} on {self.label}: "
                        f"{str(result.stderr or '').strip()}"
                    )
                major, minor, micro = str(result.stdout).split()
                conn.python = (int(major), int(minor), int(micro))
            return conn.python

        return loop.call(ask)

    # ---- files ---------------------------------------------------------------------------

    def put(
        self,
        local: str | os.PathLike[str],
        remote: str | None = None,
        progress: Progress | None = None,
    ) -> str:
        """Upload ``local`` to ``remote`` on the pod (a path, a directory, or the pod's
        home when None); the path written. All or nothing: see `transfers`."""
        path = Path(local).expanduser()
        if not path.is_file():
            raise ConfigurationError(f"{path} is not a file")

        def start(emit: loop.Emit) -> Any:
            return put_file(self._conn, self.python, path, remote, emit)

        return str(loop.call(start, _progress_events(progress)))

    def get(
        self,
        remote: str,
        local: str | os.PathLike[str] | None = None,
        progress: Progress | None = None,
    ) -> Path:
        """Download ``remote`` from the pod to ``local`` (a path, a directory, or the
        current directory when None); the path written. All or nothing."""
        target = Path(local).expanduser() if local is not None else None

        def start(emit: loop.Emit) -> Any:
            return get_file(self._conn, self.python, remote, target, emit)

        return Path(loop.call(start, _progress_events(progress)))

    # ---- the connection ------------------------------------------------------------------

    @property
    def known_hosts(self) -> KnownHosts:
        return self._conn.known_hosts

    def close(self) -> None:
        """Close the SSH connection (the next call opens a new one)."""

        async def close(emit: loop.Emit) -> None:
            await self._conn.close()

        loop.call(close)

    def __enter__(self) -> Remote:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Remote {self.label} ({self.target})>"


def _progress(progress: Progress) -> Callable[[tuple[Any, ...]], None]:
    def on_event(event: tuple[Any, ...]) -> None:
        if event[0] == "progress":
            progress(int(event[1]), int(event[2]))

    return on_event


def _progress_events(progress: Progress | None) -> Callable[[tuple[Any, ...]], None] | None:
    return None if progress is None else _progress(progress)
