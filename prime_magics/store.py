"""The local store: a small SQLite file next to the CLI's config, holding pod deadlines
(and, in its own table, the availability history of ``history``).

A deadline set in one kernel must outlive it: a later kernel, a script's
``client.sweep()`` or ``%prime pods list`` should still see that a pod passed its
deadline while nothing watched it. So deadlines are written to
``~/.prime/prime_magics.sqlite3`` (mode 0600, like the CLI's ``config.json``), keyed by the
API's base URL and the pod id, and carrying the pod's ``createdAt``: sandbox ids repeat
from run to run, and a record must never be taken for a newer pod with the same id.
Each call opens its own connection, so threads (the watchdog, a panel) need no lock.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

STORE_NAME = "prime_magics.sqlite3"
SECONDS_PER_HOUR = 3600.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS deadlines (
    base_url   TEXT NOT NULL,
    pod_id     TEXT NOT NULL,
    created_at TEXT,
    max_hours  REAL NOT NULL,
    ready_at   REAL,
    deadline   REAL,
    PRIMARY KEY (base_url, pod_id)
)
"""


def default_store_path() -> Path:
    """Next to the official CLI's ``~/.prime/config.json`` (read when used: tests move HOME)."""
    return Path.home() / ".prime" / STORE_NAME


def epoch(stamp: str | None) -> float | None:
    """An API timestamp (UTC, with or without a zone) as epoch seconds."""
    if not stamp:
        return None
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()


@contextmanager
def connect(path: Path, schema: str, write: bool = False) -> Iterator[sqlite3.Connection | None]:
    """A connection to the store at ``path`` with ``schema`` applied, in one transaction;
    None when reading a store that does not exist yet. The file is created (and kept)
    mode 0600, like the CLI's ``config.json``: it says what you rent and when."""
    if not path.exists():
        if not write:
            yield None
            return
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)
    connection = sqlite3.connect(path, timeout=10)
    try:
        with connection:
            connection.executescript(schema)
            yield connection
    finally:
        connection.close()


@dataclass(frozen=True)
class Deadline:
    """When a pod is to be terminated: ``max_hours`` after it became ready.

    ``ready_at``/``deadline`` (epoch seconds) stay None until a watchdog saw the pod
    ready; until then ``due`` estimates from ``createdAt`` (earlier, so it errs towards
    flagging a pod, never towards letting it bill)."""

    pod_id: str
    base_url: str
    max_hours: float
    created_at: str | None = None
    ready_at: float | None = None
    deadline: float | None = None

    @property
    def due(self) -> float | None:
        """The deadline in epoch seconds: exact once ready, else estimated from creation."""
        if self.deadline is not None:
            return self.deadline
        created = epoch(self.created_at)
        return None if created is None else created + self.max_hours * SECONDS_PER_HOUR

    @property
    def estimated(self) -> bool:
        return self.deadline is None

    def started(self, ready_at: float) -> Deadline:
        """The deadline fixed from the moment the pod was first seen ready."""
        return replace(self, ready_at=ready_at, deadline=ready_at + self.max_hours * 3600)

    def extended(self, hours: float) -> Deadline:
        moved = None if self.deadline is None else self.deadline + hours * SECONDS_PER_HOUR
        return replace(self, max_hours=self.max_hours + hours, deadline=moved)


class DeadlineStore:
    """Deadlines in a SQLite file (created with mode 0600 on first write)."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else default_store_path()

    def __repr__(self) -> str:
        return f"DeadlineStore({str(self.path)!r})"

    @contextmanager
    def _db(self, write: bool = False) -> Iterator[sqlite3.Connection | None]:
        with connect(self.path, _SCHEMA, write) as db:
            yield db

    def put(self, deadline: Deadline) -> None:
        with self._db(write=True) as db:
            assert db is not None
            db.execute(
                "INSERT OR REPLACE INTO deadlines VALUES (?, ?, ?, ?, ?, ?)",
                (
                    deadline.base_url, deadline.pod_id, deadline.created_at,
                    deadline.max_hours, deadline.ready_at, deadline.deadline,
                ),
            )  # fmt: skip

    def get(self, base_url: str, pod_id: str) -> Deadline | None:
        with self._db() as db:
            if db is None:
                return None
            row = db.execute(
                "SELECT * FROM deadlines WHERE base_url = ? AND pod_id = ?", (base_url, pod_id)
            ).fetchone()
        return None if row is None else _deadline(row)

    def all(self, base_url: str) -> list[Deadline]:
        with self._db() as db:
            if db is None:
                return []
            rows = db.execute("SELECT * FROM deadlines WHERE base_url = ?", (base_url,)).fetchall()
        return [_deadline(row) for row in rows]

    def delete(self, base_url: str, pod_id: str) -> None:
        with self._db() as db:
            if db is not None:
                db.execute(
                    "DELETE FROM deadlines WHERE base_url = ? AND pod_id = ?", (base_url, pod_id)
                )


def _deadline(row: tuple[str, str, str | None, float, float | None, float | None]) -> Deadline:
    base_url, pod_id, created_at, max_hours, ready_at, deadline = row
    return Deadline(pod_id, base_url, max_hours, created_at, ready_at, deadline)
