"""The collector pause around bulk parsing: shared, nested, and never left switched off."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from prime_magics._paging import cyclic_gc_paused


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
    from concurrent.futures import Future, ThreadPoolExecutor

    from prime_magics._paging import PageFetcher

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
