"""``loops``: the one background loop and its one crash policy — a round that raises is
kept and said, the loop backs off (exponential, capped, never sooner than a
``Retry-After``) and goes on, and it ends on its stop event. Then each user of it: the
capacity watch, the guard process, the budget panel (the pod and disk pollers are in
test_widgets_status.py). Every wait is injected; nothing sleeps."""

from __future__ import annotations

import ast
import inspect
import logging
import textwrap
from pathlib import Path

import pytest

import prime_magics as pm
from prime_magics.errors import RateLimitError
from prime_magics.loops import MAX_BACKOFF_S, Loop, backoff
from prime_magics.rentals import daemon
from prime_magics.rentals.guard import Round
from prime_magics.rentals.store import Store, StoreError
from prime_magics.widgets import budget as budget_widget
from tests.test_watch import SHAPE, FakeClock


def limited(seconds: float) -> RateLimitError:
    err = RateLimitError("slow down", status_code=429)
    err.retry_after = seconds
    return err


# -- the policy --------------------------------------------------------------------------


def test_backoff_doubles_from_the_period_up_to_the_cap() -> None:
    assert [backoff(n, 10.0, 100.0) for n in range(6)] == [10, 20, 40, 80, 100, 100]
    assert backoff(3, 10.0) == 80 and backoff(20, 10.0) == MAX_BACKOFF_S
    assert backoff(1, 500.0, 100.0) == 500  # the cap never undercuts the period itself
    assert backoff(1, 10.0, jitter=0.1) == pytest.approx(22.0)


def test_backoff_is_never_sooner_than_a_retry_after() -> None:
    assert backoff(1, 10.0, 100.0, limited(120)) == 120  # above the cap too: it was asked
    assert backoff(3, 10.0, 100.0, limited(5)) == 80
    assert backoff(1, 10.0, 100.0, ValueError("no retry_after")) == 20


def test_a_failing_round_is_kept_said_backed_off_and_the_loop_goes_on() -> None:
    outcomes: list[object] = [RuntimeError("one"), RuntimeError("two"), 3.0, None]
    said: list[tuple[str, float | None]] = []
    waited: list[float] = []

    def step() -> float | None:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome  # type: ignore[return-value]

    loop = Loop(step, "test", 10.0, wait=waited.append)
    loop.on_error = lambda exc: said.append((str(exc), loop.pause))
    loop.run()
    assert said == [("one", 20.0), ("two", 40.0)]  # said with the pause it backs off by
    assert waited == [20.0, 40.0, 3.0]  # then the round's own pace once it works
    assert str(loop.last_error) == "two" and loop.failures == 0 and loop.pause is None


def test_a_retry_after_on_the_error_is_honoured() -> None:
    def step() -> float | None:
        raise limited(300)

    loop = Loop(step, "test", 10.0)
    assert loop.step() == 300 and loop.failures == 1


def test_it_ends_on_its_stop_event_and_a_broken_reporter_does_not_end_it() -> None:
    waited: list[float] = []
    rounds: list[int] = []

    def step() -> float | None:
        rounds.append(1)
        if len(rounds) == 3:
            loop.stop()
        raise RuntimeError("bug")

    def reporter(exc: BaseException) -> None:
        raise ValueError("the reporter is broken too")

    loop = Loop(step, "test", 1.0, on_error=reporter, wait=waited.append)
    loop.run()
    assert len(rounds) == 3 and waited == [2.0, 4.0, 8.0]
    assert loop.stopped and isinstance(loop.last_error, RuntimeError)


def test_a_loop_without_a_period_still_backs_off() -> None:
    loop = Loop(lambda: 1 / 0, "test", 0.0)
    assert loop.step() == 2.0 and loop.step() == 4.0


def test_the_thread_waits_only_on_its_stop_event() -> None:
    loop = Loop(lambda: pytest.fail("no round before its delay"), "prime-test-loop", 1.0)
    loop.start(delay=3600)  # would wait an hour…
    assert loop.running
    loop.stop()  # …but stopping wakes it at once
    assert loop.join(30) and not loop.running and loop.pause is None


# -- its users ----------------------------------------------------------------------------


def test_a_crashing_watch_poll_is_a_failed_poll_and_the_watch_backs_off(
    client: pm.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()
    watch = pm.watch(**SHAPE, every=15, client=client, clock=clock, start=False)

    def broken(*_args: object, **_kwargs: object) -> object:
        raise KeyError("a bug")

    monkeypatch.setattr(watch._shared, "get", broken)
    assert watch._loop.step() == 30  # the loop's backoff: 15 s doubled
    assert watch.last_error is not None and "internal error: KeyError" in watch.last_error
    assert watch.polls[-1].pause == 30 and watch.running is False


def test_a_guard_round_that_raises_is_logged_and_kept_for_percent_prime_guard(
    tmp_path: Path,
) -> None:
    store, url = Store(tmp_path / "s.sqlite3"), "http://127.0.0.1:9/api/v1"
    store.writable()  # a guard's store exists: the kernel wrote to it before starting it
    outcomes: list[object] = [StoreError("database is locked"), Round(pause=5.0)]

    class Guard:
        def step(self) -> Round:
            outcome = outcomes.pop(0)
            if isinstance(outcome, Exception):
                raise outcome
            assert isinstance(outcome, Round)
            return outcome

    rounds = daemon._Rounds(Guard(), store, url, logging.getLogger("test-guard"))  # type: ignore[arg-type]
    waited: list[float] = []
    loop = Loop(rounds.step, "prime-guard", 30.0, wait=waited.append)
    loop.on_error = lambda exc: rounds.failed(exc, loop.pause, loop.stop)
    loop.run()  # the failure, backed off; then a round that finds nothing left to guard
    assert waited == [60.0] and isinstance(loop.last_error, StoreError)
    status = daemon.status(store, url)
    assert status.last_error is None and status.last_poll is not None  # the last round worked
    outcomes[:] = [RuntimeError("a bug")]
    loop.step()
    assert "round failed: RuntimeError('a bug')" in (daemon.status(store, url).last_error or "")


def test_the_budget_panel_says_a_failed_redraw_and_backs_off(
    client: pm.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.set_budget(5.0)
    panel = pm.BudgetPanel(client)
    panel._redraws.stop()  # the thread is not needed: the test takes its rounds

    def unreadable() -> object:
        raise StoreError("database is locked")

    real = client.budget
    monkeypatch.setattr(client, "budget", unreadable)
    assert panel._redraws.step() == 2 * budget_widget.REDRAW_S
    assert "database is locked (trying again)" in panel.status_text
    assert panel.status_level == "warning"
    monkeypatch.setattr(client, "budget", real)
    assert panel._redraws.step() == budget_widget.REDRAW_S and panel.status_text == ""
    client.set_budget(None)
    assert panel._redraws.step() is None  # lifted: nothing left to redraw
    panel.close()


def _waits_in_a_loop(function: ast.AST) -> bool:
    """A ``while`` that waits (``x.wait(pause)``, ``sleep(pause)``): a hand-written poll loop."""
    for node in ast.walk(function):
        if isinstance(node, ast.While):
            for call in ast.walk(node):
                if isinstance(call, ast.Call) and call.args:
                    name = getattr(call.func, "attr", getattr(call.func, "id", ""))
                    if name in ("wait", "sleep"):
                        return True
    return False


def test_no_thread_runs_a_poll_loop_of_its_own() -> None:
    """Every background loop is a ``loops.Loop``: a thread started anywhere else in the
    package (but the sandbox, a server of its own) never runs a waiting ``while`` loop,
    and the loops this package had run on ``Loop``."""
    import prime_magics

    package = Path(prime_magics.__file__).parent
    offenders = []
    for path in package.rglob("*.py"):
        if path.name == "loops.py" or "sandbox" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        functions = {
            f.name: f
            for f in ast.walk(tree)
            if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
        }
        for call in ast.walk(tree):
            if isinstance(call, ast.Call) and getattr(call.func, "attr", "") == "Thread":
                for keyword in call.keywords:
                    if keyword.arg != "target":
                        continue
                    target = keyword.value
                    name = getattr(target, "id", None)
                    if (
                        isinstance(target, ast.Attribute)
                        and getattr(target.value, "id", "") == "self"
                    ):
                        name = target.attr
                    if name in functions and _waits_in_a_loop(functions[name]):
                        offenders.append(f"{path.relative_to(package)}: {name}")
    assert offenders == []
    from prime_magics.capacity.watcher import Watch
    from prime_magics.widgets import PodStatus
    from prime_magics.widgets.budget import BudgetPanel
    from prime_magics.widgets.disk import DiskForm

    for user in (daemon.serve, Watch.__init__, BudgetPanel.__init__, PodStatus.__init__,
                 DiskForm.__init__):  # fmt: skip
        assert "Loop(" in inspect.getsource(user), user
    assert not _waits_in_a_loop(ast.parse(textwrap.dedent(inspect.getsource(daemon.serve))))
