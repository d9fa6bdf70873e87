"""The collector pause around bulk parsing (shared, nested, never left switched off), and
the fetch loop: linear in the pages, as wide as the wait needs, never a partial answer."""

from __future__ import annotations

import gc
import itertools
import math
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from prime_magics.transport.paging import cyclic_gc_paused


@pytest.fixture(autouse=True)
def _collector_restored() -> Iterator[None]:
    was = gc.isenabled()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_pauses_and_restores_the_collector() -> None:
    gc.enable()
    with cyclic_gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_nested_pauses_restore_only_at_the_outermost_exit() -> None:
    gc.enable()
    with cyclic_gc_paused():
        with cyclic_gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_the_user_turned_off_stays_off() -> None:
    gc.disable()
    with cyclic_gc_paused():
        pass
    assert not gc.isenabled()


def test_restored_even_when_the_body_raises() -> None:
    gc.enable()
    with pytest.raises(RuntimeError), cyclic_gc_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_overlapping_pauses_in_threads_end_with_the_collector_on() -> None:
    gc.enable()
    inside, release = threading.Barrier(3), threading.Event()

    def pause() -> None:
        with cyclic_gc_paused():
            inside.wait(5)
            release.wait(5)

    threads = [threading.Thread(target=pause) for _ in range(2)]
    for thread in threads:
        thread.start()
    inside.wait(5)
    assert not gc.isenabled()
    release.set()
    for thread in threads:
        thread.join(5)
    assert gc.isenabled()


def test_each_finished_page_is_looked_at_once_not_every_page_at_every_wakeup(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The fetch loop is linear in the pages: a finished page is handed over once (its
    done-callback), so no page is polled again and again while others arrive. Scanning
    every page at every wakeup asked ``done()`` 8,082 times at 101 pages."""
    from concurrent.futures import Future

    from prime_magics.transport.paging import PageFetcher

    polls = 0
    done = Future.done

    def counted(self: Future[object]) -> bool:
        nonlocal polls
        polls += 1
        return done(self)

    monkeypatch.setattr(Future, "done", counted)
    total = 30_000  # 300 pages of 100

    def fetch_page(path: str, page: int) -> bytes:
        return f"{path} {page}".encode()

    def parse(path: str, body: bytes) -> tuple[list[str], int]:
        page = int(body.split()[1])
        return [f"{page}.{i}" for i in range(100 if page <= 300 else 0)], total

    with ThreadPoolExecutor(4) as pool:
        got = PageFetcher[str](pool).fetch(["/a"], fetch_page, parse, "q")["/a"]
    assert got == [f"{p}.{i}" for p in range(1, 301) for i in range(100)]
    assert polls <= 3  # only the first wave's pages, once, when page 1 says how many


class _Pages:
    """``pages`` pages of 100 items for ``/a``; counts how many are in flight at once."""

    def __init__(self, pages: int, fail: int | None = None) -> None:
        self.total = pages * 100
        self.fail = fail
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0
        self.barrier: threading.Barrier | None = None

    def fetch(self, path: str, page: int) -> bytes:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now) if page > 1 else self.most
        try:
            if self.barrier is not None and page > 1:
                self.barrier.wait(timeout=10)  # broken unless all are in flight together
            if page == self.fail:
                raise RuntimeError(f"page {page} failed")
            return str(page).encode()
        finally:
            with self.lock:
                self.now -= 1

    def parse(self, path: str, body: bytes) -> tuple[list[str], int]:
        page = int(body)
        return [f"{page}.{i}" for i in range(100 if page * 100 <= self.total else 0)], self.total


def _cpu_heavy() -> Callable[[], float]:
    """A CPU clock by which every page takes far longer than its round trip."""
    ticks = itertools.count()
    return lambda: next(ticks) * 1000.0


def test_in_flight_is_littles_law_with_a_floor() -> None:
    from prime_magics.transport.paging import MIN_IN_FLIGHT, in_flight

    assert in_flight(0.100, 0.002) == 51  # 100 ms away, 2 ms a page: every page at once
    assert in_flight(0.001, 0.001) == MIN_IN_FLIGHT == 2  # next door: CPU-bound
    assert in_flight(0.5, 0.0) == math.inf


def test_a_latency_bound_second_wave_goes_out_all_at_once() -> None:
    """No CPU to speak of against the wait: every page after page 1 is in flight at once
    (the barrier breaks otherwise), which is what keeps a cold call at two round trips."""
    from prime_magics.transport.paging import PageFetcher

    pages = _Pages(12)
    pages.barrier = threading.Barrier(11)
    with ThreadPoolExecutor(16) as pool:
        fetcher = PageFetcher[str](pool, cpu_clock=lambda: 0.0)
        got = fetcher.fetch(["/a"], pages.fetch, pages.parse, "q", first_guess=1)["/a"]
    assert len(got) == 1200 and pages.most == 11


class _Counting(ThreadPoolExecutor):
    """Counts the pages sent and not yet answered (a page's future is done when parsed)."""

    def __init__(self) -> None:
        super().__init__(16)
        self.lock = threading.Lock()
        self.now = self.most = 0

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        future = super().submit(fn, *args, **kwargs)
        future.add_done_callback(self._answered)
        return future

    def _answered(self, _: object) -> None:
        with self.lock:
            self.now -= 1


def test_a_cpu_bound_fetch_keeps_few_pages_in_flight_and_remembers_it() -> None:
    """Pages that cost far more CPU than their round trip go out ``MIN_IN_FLIGHT`` at a
    time, and the next fetch's one remembered wave is as narrow (not 30 at once)."""
    from prime_magics.transport.paging import FIRST_WAVE_GUESS, MIN_IN_FLIGHT, PageFetcher

    with _Counting() as pool:
        fetcher = PageFetcher[str](pool, cpu_clock=_cpu_heavy())
        for wave in (FIRST_WAVE_GUESS, MIN_IN_FLIGHT):  # the first wave: before any timing
            pages = _Pages(30)
            pool.most = 0
            got = fetcher.fetch(["/a"], pages.fetch, pages.parse, "q")["/a"]
            assert got == [f"{p}.{i}" for p in range(1, 31) for i in range(100)]
            assert pool.most <= wave


def test_a_page_failing_in_the_narrow_second_wave_fails_the_call() -> None:
    from prime_magics.transport.paging import PageFetcher

    pages = _Pages(30, fail=17)
    with ThreadPoolExecutor(16) as pool, pytest.raises(RuntimeError, match="page 17"):
        PageFetcher[str](pool, cpu_clock=_cpu_heavy()).fetch(["/a"], pages.fetch, pages.parse, "q")
