"""How many pages each query had, remembered on disk for a few minutes, across processes.

A new kernel's first ``availability()`` otherwise needs two round trips: page 1 says how
many pages there are, then the rest go out at once. With the count remembered from an
earlier kernel, every page goes out in the first wave. The memory is only a guess for
``paging``: one too low costs one more wave (page 1 still tells the truth), one too high
costs a few requests for pages past the end, which are discarded and never a failure.

The file is ``~/.prime/prime_magics_pages.json`` next to the official CLI's config, mode
0600, written atomically; entries are keyed by base URL, endpoint and query, and expire
after ``LIFETIME`` seconds (the catalogue changes; a stale guess is only slower). Any
trouble reading or writing it (read-only home, a corrupt file) just means no memory.
Expiry is read from ``clock``, epoch seconds shared by every process (``time.time``;
tests pass a fake and move it).
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

LIFETIME = 600.0
MAX_ENTRIES = 200


def default_path() -> Path:
    return Path.home() / ".prime" / "prime_magics_pages.json"


class PageCounts:
    """``get``/``put`` a page count by key, for this ``base_url``."""

    def __init__(
        self,
        base_url: str,
        path: Path | None = None,
        lifetime: float = LIFETIME,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._base_url = base_url
        self._path = path
        self._lifetime = lifetime
        self._clock = clock
        self._lock = threading.Lock()

    @property
    def path(self) -> Path:
        return self._path or default_path()  # HOME read late: tests and users may move it

    def _key(self, key: str) -> str:
        return f"{self._base_url} {key}"

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_bytes())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def get(self, key: str) -> int | None:
        entry = self._load().get(self._key(key))
        if not (isinstance(entry, list) and len(entry) == 2):
            return None
        count, until = entry
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            return None
        if not isinstance(until, (int, float)) or until <= self._clock():
            return None
        return count

    def put(self, key: str, count: int) -> None:
        now = self._clock()
        with self._lock:
            data = {
                k: v
                for k, v in self._load().items()
                if isinstance(v, list) and len(v) == 2 and isinstance(v[1], (int, float))
                if v[1] > now
            }
            data[self._key(key)] = [count, now + self._lifetime]
            if len(data) > MAX_ENTRIES:  # keep the freshest
                data = dict(sorted(data.items(), key=lambda kv: kv[1][1])[-MAX_ENTRIES:])
            self._write(data)

    def _write(self, data: dict[str, Any]) -> None:
        path = self.path
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".pages-", suffix=".tmp")
            try:
                os.chmod(tmp, 0o600)
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    json.dump(data, f)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError:
            pass  # no memory this time; paging works as without it
