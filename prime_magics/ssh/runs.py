"""Running code on the pod: the client's half of `pod_program`'s frames.

`prepare` pickles what is pushed before anything is sent, so a value that cannot be
pickled is named while nothing has happened yet. `execute` (on the shared loop) starts
the program with the pod's Python, learns that Python's version first on a new
connection, sends the call, and emits the program's output as it comes:
``("python", (3, 11, 7))``, ``("stdout", bytes)``, ``("stderr", bytes)``. Cancelled (an
interrupt) or timed out, it kills the remote process three ways, for any SSH server: a
``K`` frame and the end of its input (the program kills its process group), a ``KILL``
signal request (OpenSSH 7.9+, and the sandbox), and closing the channel.
"""

from __future__ import annotations

import asyncio
import contextlib
import pickle
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import pod_program
from .connection import Connection
from .errors import PushError, RemoteError, RemoteTimeoutError
from .library import asyncssh
from .loop import Emit

PROGRAM = Path(pod_program.__file__).read_text(encoding="utf-8")
PICKLE_PROTOCOL = min(pickle.HIGHEST_PROTOCOL, 5)
CODE_FILENAME = "<remote>"
KILL_WAIT_S = 5.0
CLOSE_WAIT_S = 5.0


@dataclass(frozen=True)
class Call:
    """The code, the pickled values to push, the names to pull."""

    code: str
    push: list[tuple[str, bytes]] = field(default_factory=list)
    pull: list[str] = field(default_factory=list)

    def header(self) -> bytes:
        about = {
            "code": self.code,
            "filename": CODE_FILENAME,
            "push": [name for name, _ in self.push],
            "pull": self.pull,
            "protocol": PICKLE_PROTOCOL,
        }
        return pickle.dumps(about, pod_program.CONTROL_PROTOCOL)


@dataclass(frozen=True)
class Outcome:
    """What came back: the pulled values (still pickled), a failure, the code's time."""

    values: dict[str, bytes]
    failure: dict[str, str] | None
    seconds: float


def _name(name: object, what: str) -> str:
    if not isinstance(name, str) or not name.isidentifier():
        raise PushError(f"{what} name {name!r} is not a Python identifier", field=what)
    return name


def prepare(code: str, push: Mapping[str, Any], pull: Sequence[str]) -> Call:
    """The call, with every pushed value pickled now: `PushError` names the first that
    cannot be, before anything is sent."""
    if not isinstance(code, str):
        raise PushError(f"code must be a str, not {type(code).__name__}", field="code")
    if isinstance(pull, str):
        pull = [pull]
    blobs = []
    for name, value in push.items():
        _name(name, "push")
        try:
            blob = pickle.dumps(value, protocol=PICKLE_PROTOCOL)
        except Exception as exc:
            raise PushError(
                f"push {name!r} cannot be pickled ({type(exc).__name__}: {exc}); nothing was sent",
                field="push",
            ) from None
        blobs.append((name, blob))
    return Call(code, blobs, [_name(n, "pull") for n in pull])


def command(python: str, program: str = PROGRAM, *args: str) -> str:
    """``exec PYTHON -c PROGRAM ARGS…`` for the pod's shell, every word quoted."""
    return " ".join(
        ["exec", shlex.quote(python), "-c", shlex.quote(program)] + [shlex.quote(a) for a in args]
    )


async def _frame(process: asyncssh.SSHClientProcess[bytes]) -> tuple[bytes, bytes]:
    head = await process.stdout.readexactly(pod_program.HEAD.size)
    tag, size = pod_program.HEAD.unpack(head)
    return tag, (await process.stdout.readexactly(size) if size else b"")


def _control(payload: bytes) -> dict[str, Any]:
    """A control payload from the pod (a small pickled dict of plain values)."""
    about = pickle.loads(payload)
    if not isinstance(about, dict):
        raise RemoteError("the pod's Python answered something unexpected")
    return about


def _version(payload: bytes) -> tuple[int, int, int]:
    major, minor, micro = _control(payload)["python"]
    return int(major), int(minor), int(micro)


async def _send(process: asyncssh.SSHClientProcess[bytes], call: Call) -> None:
    header = call.header()
    process.stdin.write(pod_program.HEAD.pack(pod_program.CALL, len(header)) + header)
    for _, blob in call.push:
        process.stdin.write(pod_program.HEAD.pack(pod_program.BLOB, len(blob)))
        process.stdin.write(blob)
    await process.stdin.drain()


async def _collect(
    process: asyncssh.SSHClientProcess[bytes], conn: Connection, emit: Emit
) -> Outcome:
    values: dict[str, bytes] = {}
    failure: dict[str, str] | None = None
    while True:
        tag, payload = await _frame(process)
        if tag == pod_program.STDOUT:
            emit(("stdout", payload))
        elif tag == pod_program.STDERR:
            emit(("stderr", payload))
        elif tag == pod_program.VALUE:
            (size,) = pod_program.NAME.unpack_from(payload)
            start = pod_program.NAME.size
            values[payload[start : start + size].decode()] = payload[start + size :]
        elif tag == pod_program.FAILED:
            failure = _control(payload)
        elif tag == pod_program.DONE:
            return Outcome(values, failure, float(_control(payload)["seconds"]))
        elif tag == pod_program.VERSION and conn.python is None:
            conn.python = _version(payload)
            emit(("python", conn.python))


async def _ended_early(process: asyncssh.SSHClientProcess[bytes], label: str) -> RemoteError:
    """The program's output stopped before ``D``: say how it ended, and what it said."""
    said = b""
    with contextlib.suppress(Exception):
        said = await asyncio.wait_for(process.stderr.read(), CLOSE_WAIT_S)
    with contextlib.suppress(Exception):
        await asyncio.wait_for(process.wait_closed(), CLOSE_WAIT_S)
    signal = process.exit_signal
    how = f"signal {signal[0]}" if signal else f"exit status {process.exit_status}"
    text = said.decode(errors="replace").strip()
    return RemoteError(
        f"the Python process on {label} ended before the run finished ({how})"
        + (f": {text}" if text else "")
    )


async def _acknowledged(emit: Emit, event: tuple[Any, ...]) -> None:
    """Emit ``event`` with an acknowledgement callback, and wait until the caller's
    thread has handled it (its handler raising cancels this run: nothing is sent)."""
    loop = asyncio.get_running_loop()
    handled: asyncio.Future[None] = loop.create_future()

    def settle() -> None:
        if not handled.done():
            handled.set_result(None)

    def acknowledge() -> None:
        loop.call_soon_threadsafe(settle)

    emit((*event, acknowledge))
    await handled


async def kill(process: asyncssh.SSHClientProcess[bytes]) -> None:
    """End the remote process: a ``K`` frame and EOF, a KILL signal, the channel closed."""
    with contextlib.suppress(Exception):
        process.stdin.write(pod_program.HEAD.pack(pod_program.KILL, 0))
        process.stdin.write_eof()
    with contextlib.suppress(Exception):
        process.send_signal("KILL")
    with contextlib.suppress(Exception):
        process.close()
    with contextlib.suppress(Exception):
        await asyncio.wait_for(process.wait_closed(), KILL_WAIT_S)


async def _execute(conn: Connection, python: str, call: Call, emit: Emit) -> Outcome:
    process = await conn.process(command(python))
    finished = False
    try:
        try:
            if conn.python is None:  # a new connection: its Python is said before sending
                tag, payload = await _frame(process)
                if tag != pod_program.VERSION:
                    raise RemoteError(f"{conn.label}: unexpected answer from the pod's Python")
                version = _version(payload)
                await _acknowledged(emit, ("python", version))
                conn.python = version
            await _send(process, call)
            outcome = await _collect(process, conn, emit)
        except asyncio.IncompleteReadError:
            raise await _ended_early(process, conn.label) from None
        finished = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(process.wait_closed(), CLOSE_WAIT_S)
        return outcome
    finally:
        if not finished:
            await kill(process)


async def execute(
    conn: Connection, python: str, call: Call, emit: Emit, timeout: float | None = None
) -> Outcome:
    """Run ``call`` on the pod; ``timeout`` (seconds) counts from the connection's use."""
    await conn.client()
    try:
        return await asyncio.wait_for(_execute(conn, python, call, emit), timeout)
    except asyncio.TimeoutError:
        raise RemoteTimeoutError(
            f"the code ran longer than {timeout:g} s on {conn.label}: its process was killed"
        ) from None
