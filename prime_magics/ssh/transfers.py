"""Files to and from the pod over SFTP, never leaving a half-written file.

Both ways write to a temporary name next to the final one (``.NAME.prime-tmp-XXXXXXXX``),
compare sha256 digests, and only then rename: the final name holds the old file or the
whole new one, never a part. On the pod the digest is computed by the pod's own Python
(no ``sha256sum`` assumed), concurrently with the transfer where it can be (``get``); here
by ``hashlib`` in a worker thread, concurrently with the upload (``put``). A failure
removes the temporary file (on the pod over a fresh SFTP session, since the failed one
may be gone) and raises `TransferError`.

Progress is emitted as ``("progress", bytes_done, bytes_total)``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import posixpath
import secrets
from pathlib import Path
from typing import Any

from .connection import Connection
from .errors import TransferError
from .library import asyncssh
from .loop import Emit
from .runs import command

HASH_PROGRAM = """import hashlib, sys
digest = hashlib.sha256()
with open(sys.argv[1], "rb") as f:
    for block in iter(lambda: f.read(1 << 20), b""):
        digest.update(block)
print(digest.hexdigest())
"""
BLOCK_SIZE = (1 << 18) - 1024
"""255 KiB a request: OpenSSH's sftp-server takes messages of at most 256 KiB *with* their
header and handle, and announces 256 KiB - 1 KiB as its largest read and write
(``limits@openssh.com``); a full 256 KiB write makes it close the session."""
MAX_REQUESTS = 64  # in flight at once: 16 MiB, enough to fill a long fat pipe
CLEANUP_WAIT_S = 5.0
HASH_CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(HASH_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def temporary_name(final: str) -> str:
    head, tail = posixpath.split(final)
    return posixpath.join(head, f".{tail}.prime-tmp-{secrets.token_hex(4)}")


async def _seen_by_commands(conn: Connection, sftp: asyncssh.SFTPClient, path: str) -> str:
    """``path`` as the pod's commands see it: relative to the SFTP home when under it (a
    command starts there, and a chrooted SFTP sees that home as ``/``), else absolute."""
    if conn.home is None:
        conn.home = await sftp.realpath(".")
    full = await sftp.realpath(path)
    home = conn.home.rstrip("/") + "/"
    if full.startswith(home):
        return full[len(home) :] or "."
    return full


async def remote_sha256(conn: Connection, python: str, path: str) -> str:
    """The sha256 of ``path`` on the pod, computed there by its Python."""
    result = await conn.run(command(python, HASH_PROGRAM, path))
    if result.exit_status != 0:
        said = str(result.stderr or "").strip().splitlines()
        raise TransferError(
            f"could not read {path} on {conn.label}" + (f": {said[-1]}" if said else "")
        )
    return str(result.stdout).strip()


def _progress(emit: Emit) -> Any:
    def handler(src: bytes, dst: bytes, done: int, total: int) -> None:
        emit(("progress", done, total))

    return handler


def _why(exc: BaseException) -> str:
    if isinstance(exc, asyncssh.SFTPError):
        return exc.reason or type(exc).__name__
    return str(exc) or type(exc).__name__


def _settle_quietly(task: asyncio.Future[Any]) -> None:
    task.cancel()
    task.add_done_callback(lambda t: t.cancelled() or t.exception())


async def _discard_remote(conn: Connection, path: str) -> None:
    conn.drop_sftp()
    with contextlib.suppress(Exception):
        sftp = await asyncio.wait_for(conn.sftp(), CLEANUP_WAIT_S)
        await asyncio.wait_for(sftp.remove(path), CLEANUP_WAIT_S)


async def _rename(sftp: asyncssh.SFTPClient, source: str, target: str) -> None:
    try:
        await sftp.posix_rename(source, target)  # atomic, replaces: OpenSSH's extension
    except asyncssh.SFTPOpUnsupported:
        with contextlib.suppress(asyncssh.SFTPNoSuchFile):
            await sftp.remove(target)
        await sftp.rename(source, target)


async def _remote_final(sftp: asyncssh.SFTPClient, name: str, remote: str | None) -> str:
    if not remote:
        return name
    if remote.endswith("/"):
        return remote + name
    if await sftp.isdir(remote):
        return posixpath.join(remote, name)
    return remote


async def put_file(
    conn: Connection, python: str, local: Path, remote: str | None, emit: Emit
) -> str:
    """Upload ``local`` to ``remote`` (a file, a directory, or the pod's home when None);
    the path it was written at."""
    sftp = await conn.sftp()
    final = await _remote_final(sftp, local.name, remote)
    partial = temporary_name(final)
    emit(("progress", 0, local.stat().st_size))
    digest = asyncio.ensure_future(asyncio.to_thread(sha256_file, local))
    try:
        await sftp.put(
            str(local),
            partial,
            block_size=BLOCK_SIZE,
            max_requests=MAX_REQUESTS,
            progress_handler=_progress(emit),
        )
        theirs = await remote_sha256(conn, python, await _seen_by_commands(conn, sftp, partial))
        if theirs != await digest:
            raise TransferError(
                f"put {local} -> {conn.label}:{final}: the sha256 on the pod differs from "
                f"the local file's; nothing was written at {final}"
            )
        await _rename(sftp, partial, final)
    except BaseException as exc:
        _settle_quietly(digest)
        await _discard_remote(conn, partial)
        if isinstance(exc, (OSError, asyncssh.Error)):
            raise TransferError(
                f"put {local} -> {conn.label}:{final} failed: {_why(exc)}; "
                f"nothing was written at {final}"
            ) from None
        raise
    return final


def _local_final(remote: str, local: Path | None) -> Path:
    name = posixpath.basename(remote.rstrip("/"))
    if local is None:
        return Path.cwd() / name
    return local / name if local.is_dir() else local


async def get_file(
    conn: Connection, python: str, remote: str, local: Path | None, emit: Emit
) -> Path:
    """Download ``remote`` to ``local`` (a file, a directory, or the current directory
    when None); the path it was written at."""
    sftp = await conn.sftp()
    final = _local_final(remote, local)
    partial = final.parent / f".{final.name}.prime-tmp-{secrets.token_hex(4)}"
    theirs: asyncio.Future[str] | None = None
    try:
        seen = await _seen_by_commands(conn, sftp, remote)
        theirs = asyncio.ensure_future(remote_sha256(conn, python, seen))
        await sftp.get(
            remote,
            str(partial),
            block_size=BLOCK_SIZE,
            max_requests=MAX_REQUESTS,
            progress_handler=_progress(emit),
        )
        ours = await asyncio.to_thread(sha256_file, partial)
        if ours != await theirs:
            raise TransferError(
                f"get {conn.label}:{remote} -> {final}: the sha256 of what arrived differs "
                f"from the pod's; nothing was written at {final}"
            )
        os.replace(partial, final)
    except BaseException as exc:
        if theirs is not None:
            _settle_quietly(theirs)
        with contextlib.suppress(OSError):
            partial.unlink()
        if isinstance(exc, (OSError, asyncssh.Error)):
            conn.drop_sftp()
            raise TransferError(
                f"get {conn.label}:{remote} -> {final} failed: {_why(exc)}; "
                f"nothing was written at {final}"
            ) from None
        raise
    return final
