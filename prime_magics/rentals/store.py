"""The local store: one SQLite file beside the CLI's config, and the one way to open it.

Every kernel, script and guard process on the machine shares
``~/.prime/prime_magics.sqlite3``: what was rented (and what was about to be), the
budgets, what the guard did, the rent-first claims and the watches' availability history.
So there is one connection policy: the file and its folder are created private (0600 and
0700, like the CLI's ``config.json``: it says what you rent) and kept so; each use opens
its own short connection (threads and processes need no other lock); a write takes the
database's write lock before it reads (``BEGIN IMMEDIATE``), so a read-then-write can
never interleave with another process's; and the schema carries a version
(``PRAGMA user_version``) with the migrations that bring an older file up to it.

A store that cannot be read or written is a ``StoreError``: one line naming the file and
the reason, raised before anything is sent, never after.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from ..errors import PrimeError

STORE_NAME = "prime_magics.sqlite3"


class StoreError(PrimeError):
    """The local store cannot be opened, read or written (the file and the reason)."""

    hint = "Nothing was sent. Fix the file's permissions, or set HOME to a writable folder."


def default_store_path() -> Path:
    """Next to the official CLI's ``~/.prime/config.json`` (read when used: tests move HOME)."""
    return Path.home() / ".prime" / STORE_NAME


# -- the schema and its migrations --------------------------------------------------------

_V1 = """
        CREATE TABLE IF NOT EXISTS deadlines (
            base_url TEXT NOT NULL, pod_id TEXT NOT NULL, created_at TEXT,
            max_hours REAL NOT NULL, ready_at REAL, deadline REAL,
            PRIMARY KEY (base_url, pod_id));
        CREATE TABLE IF NOT EXISTS rentals (
            base_url TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL,
            created_at TEXT NOT NULL, session TEXT NOT NULL, name TEXT, price_hr REAL,
            prepaid_h REAL, started REAL NOT NULL, ended REAL,
            PRIMARY KEY (base_url, kind, id, created_at));
        CREATE TABLE IF NOT EXISTS day_budget (
            base_url TEXT PRIMARY KEY, limit_usd REAL NOT NULL, hard INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS availability (
            base_url TEXT NOT NULL, seen_at REAL NOT NULL, gpu_type TEXT NOT NULL,
            gpu_count INTEGER NOT NULL, offers INTEGER NOT NULL, best_per_gpu REAL,
            best_total REAL, provider TEXT, data_center TEXT);
        CREATE INDEX IF NOT EXISTS availability_shape
            ON availability (base_url, gpu_type, gpu_count, seen_at);
"""
"""1: the tables as they were before versions, created empty when absent, so the
migration to 2 reads the same shape whether or not an older package ran here."""

_V2 = """
        ALTER TABLE rentals RENAME TO rentals_v1;
        CREATE TABLE rentals (
            ref        TEXT PRIMARY KEY,
            base_url   TEXT NOT NULL,
            kind       TEXT NOT NULL,
            state      TEXT NOT NULL,
            session    TEXT NOT NULL,
            name       TEXT,
            offer      TEXT,
            cap_hr     REAL,
            price_hr   REAL,
            prepaid_h  REAL,
            max_hours  REAL,
            intended   REAL NOT NULL,
            since      TEXT,
            id         TEXT,
            created_at TEXT,
            started    REAL,
            ready_at   REAL,
            seen       REAL,
            missing    REAL,
            ending     TEXT,
            ending_at  REAL,
            ended      REAL,
            end_reason TEXT,
            checks     INTEGER NOT NULL DEFAULT 0
        );
        CREATE UNIQUE INDEX rentals_identity ON rentals (base_url, kind, id, created_at)
            WHERE id IS NOT NULL;
        CREATE INDEX rentals_open ON rentals (base_url, state);
        INSERT INTO rentals (ref, base_url, kind, state, session, name, price_hr, prepaid_h,
                             max_hours, intended, id, created_at, started, ready_at, ended,
                             end_reason)
            SELECT lower(hex(randomblob(8))), r.base_url, r.kind,
                   CASE WHEN r.ended IS NULL THEN 'live' ELSE 'ended' END, r.session, r.name,
                   r.price_hr, r.prepaid_h, d.max_hours, r.started, r.id, r.created_at,
                   r.started, d.ready_at, r.ended, CASE WHEN r.ended IS NULL THEN NULL
                   ELSE 'ended' END
            FROM rentals_v1 r LEFT JOIN deadlines d
              ON r.kind = 'pod' AND d.base_url = r.base_url AND d.pod_id = r.id
             AND d.created_at IS r.created_at;
        DROP TABLE rentals_v1;
        DROP TABLE deadlines;
        CREATE TABLE budgets (
            base_url  TEXT NOT NULL,
            scope     TEXT NOT NULL,
            limit_usd REAL NOT NULL,
            hard      INTEGER NOT NULL,
            set_at    REAL NOT NULL,
            said      TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (base_url, scope)
        );
        INSERT INTO budgets (base_url, scope, limit_usd, hard, set_at)
            SELECT base_url, 'day', limit_usd, hard, 0 FROM day_budget;
        DROP TABLE day_budget;
        CREATE TABLE findings (
            seq      INTEGER PRIMARY KEY AUTOINCREMENT,
            base_url TEXT NOT NULL,
            at       REAL NOT NULL,
            kind     TEXT NOT NULL,
            session  TEXT,
            ref      TEXT,
            text     TEXT NOT NULL,
            shown    INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE guards (
            base_url   TEXT PRIMARY KEY,
            pid        INTEGER,
            started    REAL,
            last_poll  REAL,
            last_error TEXT,
            error_at   REAL,
            stopping   INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE claims (
            base_url TEXT NOT NULL,
            shape    TEXT NOT NULL,
            owner    TEXT NOT NULL,
            state    TEXT NOT NULL,
            at       REAL NOT NULL,
            PRIMARY KEY (base_url, shape)
        );
"""
"""2: one row per rental from its intent to its end (``records``), the budgets of every
scope, what the guard found, the guard's own state and the rent-first claims. The old
rentals and deadlines become rows of the new table; the day budgets, budget rows."""

_V3 = """
        ALTER TABLE rentals ADD COLUMN idle_minutes REAL;
        ALTER TABLE rentals ADD COLUMN active_at REAL;
"""
"""3: idle stops (remote work): a pod ends once no remote cell ran on it for
``idle_minutes``; ``active_at`` is when the last one ran."""

_V4 = """
        ALTER TABLE rentals ADD COLUMN idle_warned REAL;
"""
"""4: the idle stop's warning, said once: the ``idle_due`` it announced."""

MIGRATIONS: Sequence[str] = (_V1, _V2, _V3, _V4)
VERSION = len(MIGRATIONS)


def _migrate(db: sqlite3.Connection, path: Path) -> None:
    (found,) = db.execute("PRAGMA user_version").fetchone()
    if found == VERSION:
        return
    if found > VERSION:
        raise StoreError(
            f"{path} was written by a newer prime_magics (schema {found}, this one knows "
            f"{VERSION}); upgrade prime_magics."
        )
    db.execute("BEGIN IMMEDIATE")
    (found,) = db.execute("PRAGMA user_version").fetchone()  # another process may have won
    try:
        for script in MIGRATIONS[found:]:
            for statement in script.split(";"):  # one transaction (executescript commits)
                if statement.strip():
                    db.execute(statement)
        db.execute(f"PRAGMA user_version = {VERSION}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


# -- the connection policy ----------------------------------------------------------------


class Store:
    """The store at ``path`` (default ``~/.prime/prime_magics.sqlite3``); see the module."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else default_store_path()
        self._ready = False

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    def _failed(self, doing: str, exc: BaseException) -> StoreError:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return StoreError(f"Cannot {doing} the local store {self.path}: {reason}.")

    def _open(self, write: bool) -> sqlite3.Connection | None:
        if not self.path.exists():
            if not write:
                return None
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        if write and os.stat(self.path).st_mode & 0o077:
            os.chmod(self.path, 0o600)  # kept private, even if something widened it
        db = sqlite3.connect(self.path, timeout=15, isolation_level=None)
        try:
            if not self._ready:
                _migrate(db, self.path)
                self._ready = True
        except BaseException:
            db.close()
            raise
        return db

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection | None]:
        """A connection for reading (None: no store yet, so nothing was ever recorded)."""
        try:
            db = self._open(write=False)
        except (sqlite3.Error, OSError) as exc:
            raise self._failed("read", exc) from exc
        if db is None:
            yield None
            return
        try:
            yield db
        except sqlite3.Error as exc:
            raise self._failed("read", exc) from exc
        finally:
            db.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One transaction holding the write lock from its first statement: what it reads
        no other process can change before it commits."""
        try:
            db = self._open(write=True)
            assert db is not None
            db.execute("BEGIN IMMEDIATE")
        except (sqlite3.Error, OSError) as exc:
            raise self._failed("write", exc) from exc
        try:
            yield db
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            db.execute("ROLLBACK")
            raise self._failed("write", exc) from exc
        except BaseException:
            db.execute("ROLLBACK")
            raise
        finally:
            db.close()

    def change(self, statement: str, args: Sequence[object] = ()) -> int:
        """One write statement in its own transaction; how many rows it changed. A
        conditional ``UPDATE`` through here is a transition that happens once: its
        ``WHERE`` is judged under the write lock, not on what a caller read before."""
        with self.write() as db:
            return int(db.execute(statement, tuple(args)).rowcount)

    def once(self, statement: str, args: Sequence[object] = ()) -> bool:
        """A transition of one row: True for the one caller whose statement changed it."""
        return self.change(statement, args) == 1

    def writable(self) -> None:
        """Raise ``StoreError`` unless a write can be made now (checked before a create)."""
        with self.write() as db:
            db.execute("SELECT 1")


__all__ = ["STORE_NAME", "VERSION", "Store", "StoreError", "default_store_path"]
