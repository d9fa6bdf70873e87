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
