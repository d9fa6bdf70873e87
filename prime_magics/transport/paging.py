"""Fetch every page of several paginated endpoints at once, or fail as a whole.

The first wave is speculative: page 1 of each endpoint plus as many further pages as the
last answer for the same query suggests (or a small guess), so the common case needs
two round trips however many pages there are, and one when the size is remembered (by
this fetcher, or on disk by an earlier process: ``page_counts``).
Each page is parsed in its worker thread, overlapping with the other pages' network
wait. If any page still fails after the transport's retries, everything is cancelled
and the error raised: a partial table is never returned.

The second wave goes out as wide as the wait needs (``in_flight``): page 1's round trip
against the CPU it took says how many pages must be in flight to keep the CPU busy.
Over a real network that is every page at once, as before; against a server next door
(no latency: the client's CPU is the bottleneck) it is a few, since more threads only
queue for the GIL: at 10,012 offers, 24 at once took ~215 ms and 2 to 4 ~195 ms.
"""

from __future__ import annotations

import gc
import math
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Generic, Protocol, TypeVar

T = TypeVar("T")
PAGE_SIZE = 100
FIRST_WAVE_GUESS = 3
MIN_IN_FLIGHT = 2  # the server prepares the next page while this one is read

FetchPage = Callable[[str, int], bytes]  # (path, page) -> the answer's body
ParsePage = Callable[[str, bytes], tuple[list[T], int]]  # (path, body) -> (items, total)


_gc_lock = threading.Lock()
_gc_pausers = 0
_gc_was_enabled = False


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while thousands of models are built.

    Parsing allocates many small objects and no reference cycles, so the collector's
    repeated full passes over them free nothing; they cost ~15 % of a large availability
    call. Reference counting still frees everything. Nested and concurrent pauses share
    one switch, and a collector the user had turned off stays off.
    """
    global _gc_pausers, _gc_was_enabled
    with _gc_lock:
        if _gc_pausers == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pausers += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pausers -= 1
            if _gc_pausers == 0 and _gc_was_enabled:
                gc.enable()


class PageMemory(Protocol):
    """Page counts kept beyond this process (``page_counts.PageCounts``)."""

    def get(self, key: str) -> int | None: ...
    def put(self, key: str, count: int) -> None: ...


def in_flight(wall: float, cpu: float) -> float:
    """How many pages to keep in flight, from one page's round trip (``wall`` seconds,
    request to parsed) and the CPU it took (``cpu``): Little's law, enough that the CPU
    the others take covers one page's wait, and never fewer than ``MIN_IN_FLIGHT``.
    ``inf`` (every page at once) when no CPU time was measured."""
    if cpu <= 0:
        return math.inf
    return max(MIN_IN_FLIGHT, math.ceil(wall / cpu) + 1)


class PageFetcher(Generic[T]):
    """Remembers each query's page count, so the next identical query goes in one wave;
    with a ``memory``, also the next process's first one.

    ``clock`` and ``cpu_clock`` (wall time; this thread's CPU time) time page 1 for
    ``in_flight``; tests replace them."""

    def __init__(
        self,
        executor: ThreadPoolExecutor,
        memory: PageMemory | None = None,
        *,
        clock: Callable[[], float] = time.perf_counter,
        cpu_clock: Callable[[], float] = time.thread_time,
    ) -> None:
        self._executor = executor
        self._known_pages: dict[Hashable, int] = {}
        self._memory = memory
        self._clock = clock
        self._cpu_clock = cpu_clock
        self._width = math.inf  # as the last fetch measured it; every page at once at first

    def _guess(self, query_key: Hashable, path: str) -> int | None:
        known = self._known_pages.get((query_key, path))
        if known is None and self._memory is not None:
            known = self._memory.get(f"{path} {query_key!r}")
        return known

    def _learn(self, query_key: Hashable, path: str, count: int) -> None:
        self._known_pages[query_key, path] = count
        if self._memory is not None:  # each time: its lifetime starts anew (a small file)
            self._memory.put(f"{path} {query_key!r}", count)

    def fetch(
        self,
        paths: Sequence[str],
        fetch_page: FetchPage,
        parse: ParsePage[T],
        query_key: Hashable,
        page_size: int = PAGE_SIZE,
        first_guess: int = FIRST_WAVE_GUESS,
    ) -> dict[str, list[T]]:
        """Every item of every page of each path. Pages are numbered from 1 whatever the
        API's own scheme (page/page_size or offset/limit): ``fetch_page`` translates."""
        # Linear in the pages: each finished page is handed over once, through a queue fed
        # by its done-callback, and each path's pages are gone through once more when its
        # total becomes known. (``wait(FIRST_COMPLETED)`` installs a waiter on every
        # pending page at every wakeup, and scanning every page at every wakeup made
        # 8,082 checks at 101 pages: both quadratic.)
        pages: dict[str, dict[int, Future[tuple[list[T], int]]]] = {p: {} for p in paths}
        owner: dict[Future[tuple[list[T], int]], tuple[str, int]] = {}
        pending: set[Future[tuple[list[T], int]]] = set()
        finished: queue.SimpleQueue[Future[tuple[list[T], int]]] = queue.SimpleQueue()
        backlog: deque[tuple[str, int]] = deque()  # pages not yet sent
        width = self._width
        measured = False
        sent: dict[tuple[str, int], float] = {}
        took: dict[tuple[str, int], tuple[float, float]] = {}  # (finished at, CPU seconds)

        def load(path: str, page: int) -> tuple[list[T], int]:
            cpu = self._cpu_clock()
            try:
                return parse(path, fetch_page(path, page))
            finally:
                took[path, page] = (self._clock(), self._cpu_clock() - cpu)

        def submit(path: str, page: int) -> None:
            if page not in pages[path]:
                sent[path, page] = self._clock()
                future = self._executor.submit(load, path, page)
                pages[path][page] = future
                owner[future] = (path, page)
                pending.add(future)
                future.add_done_callback(finished.put)

        def top_up() -> None:
            while backlog and len(pending) < width:
                submit(*backlog.popleft())

        for index, path in enumerate(paths):
            # Speculate on the main endpoint only; the others are usually one page.
            default = first_guess if index == 0 else 1
            guess = self._guess(query_key, path) or default
            submit(path, 1)
            backlog.extend((path, page) for page in range(2, guess + 1))
        # The first wave is as wide as the last fetch found the link (every page at once
        # the first time); page 1's timing decides again for the rest.
        top_up()
        totals: dict[str, int] = {}
        counts: dict[str, int] = {}

        def learned(path: str, first: Future[tuple[list[T], int]]) -> None:
            """Page 1 of ``path`` is in: send the rest (``in_flight`` wide), drop the pages
            past the end, and raise a failure of a needed page that finished before it."""
            items, total = first.result()  # page 1 failed: raise at once
            # a short first page is the whole answer, whatever the total says
            totals[path] = len(items) if len(items) < page_size else total
            count = counts[path] = max(1, math.ceil(totals[path] / page_size))
            speculated = list(pages[path].items())
            nonlocal width, measured
            if not measured and (path, 1) in took:  # the first page 1 in decides
                done_at, cpu = took[path, 1]
                width = self._width = in_flight(done_at - sent[path, 1], cpu)
                measured = True
            # speculative pages past the last one that were not sent yet never will be
            kept = [(p, page) for p, page in backlog if p != path or page <= count]
            queued = {page for p, page in kept if p == path}
            backlog.clear()
            backlog.extend(kept)
            backlog.extend(
                (path, page)
                for page in range(2, count + 1)
                if page not in pages[path] and page not in queued
            )
            top_up()
            for page, future in speculated:
                if page > count:  # a speculative page past the last one: its failure
                    future.cancel()  # changes nothing
                    pending.discard(future)
                elif future.done():
                    future.result()  # a needed page failed: raise at once
            self._learn(query_key, path, count)  # after the second wave has gone out

        try:
            while pending:
                future = finished.get()
                if future not in pending:  # a page past the end, already let go
                    continue
                pending.discard(future)
                path, page = owner[future]
                if page == 1:
                    learned(path, future)
                elif path in counts and page <= counts[path]:
                    future.result()  # a needed page failed: raise at once
                top_up()
        except BaseException:
            for future in owner:
                future.cancel()
            raise
        result: dict[str, list[T]] = {}
        for path in paths:
            result[path] = [
                item for page in range(1, counts[path] + 1)
                for item in pages[path][page].result()[0]
            ]  # fmt: skip
        return result
