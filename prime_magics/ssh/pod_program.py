"""The program `Remote.run` starts on the pod (``python3 -c <this file>``): stdlib only,
Python 3.8 or newer, nothing of ``prime_magics`` needed there.

It speaks frames over the SSH channel: a tag byte and a length (``!cQ``) before each
payload; control payloads are small pickled dicts (``json``, ``traceback`` and
``linecache`` would add 20 ms to every start, so the latter two load only on a failure).
The client imports this module for the tags and the frame header, so both ends share
one definition.

1. It says its Python version first (``V``), before reading anything: the client
   compares it with its own before it sends the code (on the first run of a connection).
2. It reads the call (``H``: the code, the names to push and pull, the pickle protocol)
   and one ``B`` frame per pushed value, then unpickles them into a fresh ``__main__``.
3. From then on, any byte from the client (``K``) or the end of its input (the channel
   closed, the connection lost) kills the process group: the run is over.
4. ``sys.stdout`` and ``sys.stderr`` frame each line as ``O`` or ``E`` when it is
   written, so lines of both streams arrive in the order they were printed. File
   descriptors 1 and 2 go to pipes whose reader threads frame the rest as it comes
   (C extensions, child processes).
5. It runs the code; then it sends each pulled value (``P``), or a failure (``X``: the
   traceback, the code's own frames only), and ``D`` with the time the code took.
"""

from __future__ import annotations

import io
import os
import pickle
import signal
import struct
import sys
import threading
import time
import types

TYPE_CHECKING = False  # `typing` costs 2.5 ms to import: only type checkers read it
if TYPE_CHECKING:
    from typing import IO, Any

HEAD = struct.Struct("!cQ")
NAME = struct.Struct("!H")
VERSION = b"V"  # pod -> client: {"python": [3, 11, 7], "executable": ..., "pid": ...}
CALL = b"H"  # client -> pod: {"code", "filename", "push": [names], "pull": [names], "protocol"}
BLOB = b"B"  # client -> pod: one pickled pushed value, in the order of "push"
KILL = b"K"  # client -> pod: stop now
STDOUT = b"O"  # pod -> client: bytes written to fd 1
STDERR = b"E"  # pod -> client: bytes written to fd 2
VALUE = b"P"  # pod -> client: NAME-packed length, the name, its pickled value
FAILED = b"X"  # pod -> client: {"kind", "name", "type", "traceback"}
DONE = b"D"  # pod -> client: {"seconds": the code's own run time}
CHUNK = 1 << 16
PIPE_DRAIN_S = 2.0
CONTROL_PROTOCOL = 4


class Outbox:
    """Frames to the client, whole and one at a time, from any thread."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.lock = threading.Lock()

    def send(self, tag: bytes, *parts: bytes) -> None:
        with self.lock:
            _write_all(self.fd, HEAD.pack(tag, sum(len(p) for p in parts)))
            for part in parts:
                _write_all(self.fd, part)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _read_exact(source: IO[bytes], size: int) -> bytes:
    buffer = bytearray(size)
    view = memoryview(buffer)
    got = 0
    while got < size:
        n = source.readinto(view[got:])  # type: ignore[attr-defined]
        if not n:
            raise EOFError
        got += n
    return bytes(buffer)


def receive(source: IO[bytes]) -> tuple[bytes, bytes]:
    tag, size = HEAD.unpack(_read_exact(source, HEAD.size))
    return tag, _read_exact(source, size)


def _stop() -> None:
    """Kill this process and its children (their group, when this process leads one)."""
    try:
        if os.getpgrp() == os.getpid():
            os.killpg(os.getpid(), signal.SIGKILL)
    except OSError:
        pass
    os.kill(os.getpid(), signal.SIGKILL)


def _watch(source: IO[bytes]) -> None:
    """Any further byte from the client, or the end of its input, ends the run."""

    def wait() -> None:
        try:  # noqa: SIM105 (contextlib: 2.5 ms more at each start)
            source.read(1)
        except OSError:
            pass
        _stop()

    threading.Thread(target=wait, name="prime-watch", daemon=True).start()


def _capture(fd: int, tag: bytes, out: Outbox) -> threading.Thread:
    """Point ``fd`` at a pipe whose contents are sent as ``tag`` frames as they come."""
    read_end, write_end = os.pipe()
    os.dup2(write_end, fd)
    os.close(write_end)

    def pump() -> None:
        while True:
            data = os.read(read_end, CHUNK)
            if not data:
                break
            out.send(tag, data)
        os.close(read_end)

    thread = threading.Thread(target=pump, name=f"prime-{tag.decode()}", daemon=True)
    thread.start()
    return thread


class _Bytes:
    """``sys.stdout.buffer``: bytes, framed at once (after the text before them)."""

    def __init__(self, text: Stream) -> None:
        self._text = text

    def write(self, data: bytes) -> int:
        self._text.flush()
        self._text.out.send(self._text.tag, bytes(data))
        return len(data)

    def flush(self) -> None:
        self._text.flush()


class Stream(io.TextIOBase):
    """``sys.stdout``/``sys.stderr`` for the code: each line framed as it is completed
    (or flushed), in the order lines of both streams are written; ``fileno()`` is the
    captured descriptor, for code that hands it to a child process."""

    def __init__(self, out: Outbox, tag: bytes, fd: int) -> None:
        super().__init__()
        self.out, self.tag, self._fd = out, tag, fd
        self._pending: list[str] = []
        self.buffer = _Bytes(self)

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    @property
    def errors(self) -> str:  # type: ignore[override]
        return "replace"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return self._fd

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self._pending.append(text)
        if "\n" in text:
            self.flush()
        return len(text)

    def flush(self) -> None:
        if self._pending:
            text, self._pending = "".join(self._pending), []
            self.out.send(self.tag, text.encode("utf-8", "replace"))


def _only(exc: BaseException) -> str:
    import traceback  # only on a failure: traceback and json would add 20 ms to each start

    return "".join(traceback.format_exception_only(type(exc), exc))


def _message(about: dict[str, Any]) -> bytes:
    """A control payload: plain dicts, lists, str and numbers, pickled (protocol 4 reads
    on every Python 3.8+, either side)."""
    return pickle.dumps(about, CONTROL_PROTOCOL)


def _failure(kind: str, exc: BaseException, name: str = "", text: str = "") -> dict[str, str]:
    return {"kind": kind, "name": name, "type": type(exc).__name__, "traceback": text}


def run(call: dict[str, Any], blobs: list[bytes], main: types.ModuleType) -> dict[str, str] | None:
    """Unpickle the pushed values into ``main`` and run the code there; a failure or None."""
    namespace = main.__dict__
    for index, name in enumerate(call["push"]):  # (no zip(strict=) before Python 3.10)
        blob = blobs[index]
        try:
            namespace[name] = pickle.loads(blob)
        except BaseException as exc:  # a missing module on the pod, a version mismatch
            return _failure("push", exc, name, _only(exc))
    code, filename = call["code"], call["filename"]
    try:
        compiled = compile(code, filename, "exec")
    except SyntaxError as exc:
        return _failure("raised", exc, text=_only(exc))
    try:
        exec(compiled, namespace)
    except SystemExit as exc:
        if exc.code not in (None, 0):
            return _failure("raised", exc, text=f"SystemExit: {exc.code}\n")
    except BaseException as exc:
        import linecache
        import traceback

        linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
        tb = exc.__traceback__.tb_next if exc.__traceback__ is not None else None
        text = "".join(traceback.format_exception(type(exc), exc, tb))
        return _failure("raised", exc, text=text)
    return None


def pull(call: dict[str, Any], main: types.ModuleType, out: Outbox) -> dict[str, str] | None:
    """Send each value named in ``pull``; the first that cannot go is the failure."""
    namespace = main.__dict__
    protocol = min(int(call["protocol"]), pickle.HIGHEST_PROTOCOL)
    for name in call["pull"]:
        if name not in namespace:
            missing = NameError(f"name {name!r} is not defined after the code ran")
            return _failure("pull", missing, name, _only(missing))
        try:
            blob = pickle.dumps(namespace[name], protocol)
        except BaseException as exc:
            return _failure("pull", exc, name, _only(exc))
        encoded = name.encode()
        out.send(VALUE, NAME.pack(len(encoded)), encoded, blob)
    return None


def main() -> None:
    out = Outbox(os.dup(1))
    source = os.fdopen(os.dup(0), "rb", buffering=0)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    about = {"python": list(sys.version_info[:3]), "executable": sys.executable}
    out.send(VERSION, _message({**about, "pid": os.getpid()}))
    try:
        tag, header = receive(source)
        if tag != CALL:
            raise EOFError
        call = pickle.loads(header)
        blobs = [receive(source)[1] for _ in call["push"]]
    except EOFError:  # the client went away before sending the call
        os._exit(1)
    _watch(source)
    pumps = [_capture(1, STDOUT, out), _capture(2, STDERR, out)]
    streams = [Stream(out, STDOUT, 1), Stream(out, STDERR, 2)]
    sys.stdout, sys.stderr = streams
    this_program = sys.modules["__main__"]  # kept alive: its functions' globals
    main_module = types.ModuleType("__main__")
    main_module.__dict__["__builtins__"] = __builtins__
    sys.modules["__main__"] = main_module  # classes the code defines pickle as __main__.X
    sys.argv = [call["filename"]]
    started = time.perf_counter()
    failure = run(call, blobs, main_module)
    seconds = time.perf_counter() - started
    for stream in streams:
        stream.flush()
    os.dup2(null, 1)  # the pipes' last writers close: the pumps see the end
    os.dup2(null, 2)
    for pump in pumps:
        pump.join(PIPE_DRAIN_S)
    if failure is None:
        failure = pull(call, main_module, out)
    if failure is not None:
        out.send(FAILED, _message(failure))
    out.send(DONE, _message({"seconds": seconds}))
    del this_program
    os._exit(0)


if __name__ == "__main__":
    main()
