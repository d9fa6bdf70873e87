"""The guard process: rules that outlive the kernel.

Pods get forgotten exactly when the kernel goes (the laptop closed, the kernel restarted,
the notebook shut down), so deadlines, hard budgets and unknown outcomes are kept by a
detached process: ``python -m prime_magics.rentals.daemon --base-url URL``, one per
machine and API, a single instance by an exclusive lock on ``~/.prime/guard-<hash>.lock``.
A kernel starts it with the first deadline, budget or unknown outcome (``ensure``); it
takes a round (``guard.Guard``) every period, sooner when a deadline or a threshold is
due, honours ``Retry-After``, and exits by itself once nothing is left to guard (or, for
an API on loopback such as the sandbox, once that API has stopped answering: nothing real
bills there). It resolves its settings as the official CLI does ($PRIME_API_KEY, then
``~/.prime/config.json``); the kernel hands it the key through its environment, and it
is written nowhere. It logs to ``~/.prime/guard.log`` (0600) and keeps its pid, last
round and last error in the store's ``guards`` table, which ``%prime guard`` reads.

What it cannot do: run while the machine is off or asleep. The README says how to keep it
running across reboots (a systemd user unit, launchd or a cron line running ``ensure``).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ..config import INSECURE_ENV, Settings, is_loopback
from ..loops import Loop
from .budgets import Budgets
from .findings import Finding, Findings
from .guard import Guard, guarded
from .records import Book, Rental
from .store import Store, StoreError

PERIOD_S = 30.0  # one pod list and one disk list per period: polite to the API
GIVE_UP_LOOPBACK_S = 120.0  # a sandbox that stopped answering this long is gone
ENV_OFF = "PRIME_MAGICS_GUARD"  # "off": kernels start no guard process (tests, CI)
ENV_PERIOD = "PRIME_MAGICS_GUARD_PERIOD"


def lock_path(store: Store, base_url: str) -> Path:
    digest = hashlib.sha256(base_url.encode()).hexdigest()[:12]
    return store.path.parent / f"guard-{digest}.lock"


def log_path(store: Store) -> Path:
    return store.path.parent / "guard.log"


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[IO[str] | None]:
    """The guard's lock if free (held until the block ends), else None."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handle = os.fdopen(os.open(path, os.O_RDWR | os.O_CREAT, 0o600), "r+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield None
            return
        yield handle
    finally:
        handle.close()


def running(store: Store, base_url: str) -> bool:
    """Whether a guard process holds the lock for ``base_url`` now."""
    with _locked(lock_path(store, base_url)) as free:
        return free is None


# -- the kernel's side: start, read, stop ---------------------------------------------------


def ensure(settings: Settings, store: Store) -> int | None:
    """Start the guard for ``settings``' API unless one runs; its pid, or None (one ran,
    or guards are switched off with ``PRIME_MAGICS_GUARD=off``)."""
    base_url = settings.base_url
    if os.environ.get(ENV_OFF, "").lower() in ("off", "0", "no") or running(store, base_url):
        return None
    settled = ("PRIME_API_KEY", "PRIME_BASE_URL", "PRIME_API_BASE_URL")  # set here, below
    child_env = {k: v for k, v in os.environ.items() if k not in settled}
    child_env["PRIME_BASE_URL"] = base_url
    if settings.secret:
        child_env["PRIME_API_KEY"] = settings.secret.reveal()  # its environment, never disk
    if settings.allow_insecure:
        child_env[INSECURE_ENV] = "1"
    command = [sys.executable, "-m", "prime_magics.rentals.daemon", "--base-url", base_url,
               "--store", str(store.path)]  # fmt: skip
    process = subprocess.Popen(
        command,
        env=child_env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # not in the kernel's process group: survives its end
        close_fds=True,
    )
    threading.Thread(target=process.wait, name="prime-guard-reaper", daemon=True).start()
    return process.pid


@dataclass(frozen=True)
class GuardStatus:
    """What ``%prime guard`` shows."""

    base_url: str
    running: bool
    pid: int | None
    started: float | None
    last_poll: float | None
    last_error: str | None
    guarded: tuple[Rental, ...]
    findings: tuple[Finding, ...]


def status(store: Store, base_url: str) -> GuardStatus:
    row: Sequence[Any] | None = None
    with store.read() as db:
        if db is not None:
            row = db.execute(
                "SELECT pid, started, last_poll, last_error FROM guards WHERE base_url = ?",
                (base_url,),
            ).fetchone()
    pid, started, last_poll, last_error = row if row else (None, None, None, None)
    open_ = tuple(Book(store).open(base_url))
    return GuardStatus(
        base_url, running(store, base_url), pid, started, last_poll, last_error, open_,
        tuple(Findings(store).recent(base_url, 10)),
    )  # fmt: skip


def stop(store: Store, base_url: str) -> int | None:
    """Ask the guard for ``base_url`` to stop; the pid signalled, or None if none ran.
    Only the pid the running guard recorded is signalled, never a process found by name."""
    with store.write() as db:
        db.execute("UPDATE guards SET stopping = 1 WHERE base_url = ?", (base_url,))
        row = db.execute("SELECT pid FROM guards WHERE base_url = ?", (base_url,)).fetchone()
    pid = row[0] if row else None
    if pid is None or not running(store, base_url):
        return None
    with contextlib.suppress(ProcessLookupError):
        os.kill(int(pid), signal.SIGTERM)
    return int(pid)


# -- the process ----------------------------------------------------------------------------


def _beat(store: Store, base_url: str, **values: object) -> None:
    columns = ", ".join(f"{name} = ?" for name in values)
    with store.write() as db:
        db.execute("INSERT OR IGNORE INTO guards (base_url) VALUES (?)", (base_url,))
        db.execute(f"UPDATE guards SET {columns} WHERE base_url = ?", (*values.values(), base_url))


def _stopping(store: Store, base_url: str) -> bool:
    with store.read() as db:
        row = None if db is None else db.execute(
            "SELECT stopping FROM guards WHERE base_url = ?", (base_url,)
        ).fetchone()  # fmt: skip
    return bool(row and row[0])


def _logger(store: Store) -> logging.Logger:
    path = log_path(store)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
    os.chmod(path, 0o600)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(process)d %(levelname)s %(message)s"))
    logger = logging.getLogger("prime_magics.guard")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return logger


def _resources(base_url: str) -> tuple[Any, Any, ThreadPoolExecutor]:
    """The pods and disks resources over one transport, as the client builds them."""
    from ..config import Settings
    from ..transport.disks_api import Disks
    from ..transport.http import Transport
    from ..transport.paging import PageFetcher
    from ..transport.pods_api import Pods

    settings = Settings.resolve(None, base_url, None)
    executor = ThreadPoolExecutor(4, thread_name_prefix="prime-guard")
    parts = (Transport(settings), settings, PageFetcher[Any](executor))
    return Pods(*parts), Disks(*parts), executor


class _Rounds:
    """The guard process's rounds, each one ``Guard.step`` with its bookkeeping, for a
    ``loops.Loop``: the pause before the next round, None when the guard's life is over."""

    def __init__(self, guard: Guard, store: Store, base_url: str, log: logging.Logger) -> None:
        self.guard, self.store, self.base_url, self.log = guard, store, base_url, log
        self.book, self.budgets = Book(store), Budgets(store)
        self.unreachable_since: float | None = None
        self.failing_since: float | None = None

    def step(self) -> float | None:
        base_url, log = self.base_url, self.log
        if not self.store.path.exists():  # the store was removed: nothing recorded is left
            log.info("the store %s is gone: nothing left to guard", self.store.path)
            return None
        if _stopping(self.store, base_url):
            return None
        done = self.guard.step()
        now = time.time()
        error = "; ".join(done.errors) or None
        _beat(self.store, base_url, last_poll=now, last_error=error)
        for what in done.ended:
            log.info("ended %s", what)
        for what in done.settled:
            log.info("settled an unknown outcome: %s", what)
        if error:
            log.warning("%s", error)
        if not guarded(self.book.open(base_url), self.budgets.all(base_url)):
            log.info("nothing left to guard")
            return None
        self.failing_since = None
        if done.unreachable and is_loopback(base_url):
            self.unreachable_since = self.unreachable_since or now
            if now - self.unreachable_since > GIVE_UP_LOOPBACK_S:
                log.info("%s stopped answering: nothing real bills there", base_url)
                return None
        else:
            self.unreachable_since = None
        return done.pause

    def failed(self, exc: BaseException, pause: float | None, stop: Callable[[], None]) -> None:
        """A round that raised (a bug, a store gone unreadable): in the log and in the
        guards table (``%prime guard`` shows it); the loop backs off and goes on. Against
        an API on loopback (a sandbox) it gives up after ``GIVE_UP_LOOPBACK_S`` of failing
        rounds: nothing real bills there, and a test's guard must end by itself."""
        self.log.error("a round failed (next in %.0f s): %r", pause or 0.0, exc, exc_info=exc)
        now = time.time()
        self.failing_since = self.failing_since or now
        if is_loopback(self.base_url) and now - self.failing_since > GIVE_UP_LOOPBACK_S:
            self.log.info("rounds keep failing against %s: giving up", self.base_url)
            stop()
        with contextlib.suppress(StoreError):  # the error is in the log whatever the store
            _beat(self.store, self.base_url, last_poll=now, last_error=f"round failed: {exc!r}")


def serve(base_url: str, store: Store, period: float) -> int:
    """The guard's life: rounds (a ``loops.Loop`` in this thread) until nothing is left to
    guard or it is told to stop."""
    with _locked(lock_path(store, base_url)) as lock:
        if lock is None:
            return 0  # another guard keeps this API
        log = _logger(store)
        now = time.time()
        _beat(store, base_url, pid=os.getpid(), started=now, stopping=0, last_error=None)
        log.info("guarding %s", base_url)
        pods, disks, executor = _resources(base_url)
        rounds = _Rounds(Guard(pods, disks, base_url, store, period=period), store, base_url, log)
        loop = Loop(rounds.step, "prime-guard", period)
        loop.on_error = lambda exc: rounds.failed(exc, loop.pause, loop.stop)
        signal.signal(signal.SIGTERM, lambda *_: loop.stop())
        signal.signal(signal.SIGINT, lambda *_: loop.stop())
        try:
            loop.run()
        finally:
            with contextlib.suppress(StoreError):  # a store removed meanwhile
                _beat(store, base_url, pid=None, stopping=0)
            executor.shutdown(wait=False)
            log.info("stopped")
    return 0


def ensure_all(store: Store) -> list[int]:
    """Start a guard for every API the store has something open for (after a reboot:
    the README's cron line and systemd unit run this). Keys resolve as the CLI's do."""
    started = []
    for base_url in Book(store).base_urls():
        pid = ensure(Settings.resolve(None, base_url, None), store)
        if pid is not None:
            started.append(pid)
    return started


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m prime_magics.rentals.daemon",
        description="Keep deadlines, hard budgets and lost creates when no kernel runs. "
        "Without --base-url: start a guard for every API with open rentals, then exit.",
    )
    parser.add_argument("--base-url", help="guard this API (in this process)")
    parser.add_argument("--store", default=None, help="the store file (default ~/.prime/…)")
    parser.add_argument("--period", type=float, default=None, help="seconds between rounds")
    args = parser.parse_args(argv)
    store = Store(args.store)
    if args.base_url is None:
        for pid in ensure_all(store):
            print(f"guard started: pid {pid}")
        return 0
    period = args.period or float(os.environ.get(ENV_PERIOD) or PERIOD_S)
    return serve(args.base_url, store, period)


if __name__ == "__main__":
    raise SystemExit(main())
