"""The executors on their own: submit/poll, timeouts, stopping queued calls, interrupts."""

from __future__ import annotations

import pickle
import threading
import time
from collections.abc import Iterator

import pytest

from pytest_processes import Task, TaskSkipped
from pytest_processes.engine.attempt import (
    FAILED,
    NOT_STARTED,
    OK,
    SKIPPED,
    Call,
    Outcome,
    run_call,
)
from pytest_processes.engine.executors import Executor, InlineExecutor, ThreadExecutor
from pytest_processes.engine.readyqueue import queue_setup


def drain(executor: Executor, count: int, timeout: float = 5.0) -> dict[int, Outcome]:
    """Poll until ``count`` outcomes came back (or fail after ``timeout`` seconds)."""
    outcomes: dict[int, Outcome] = {}
    deadline = time.monotonic() + timeout
    while len(outcomes) < count:
        assert time.monotonic() < deadline, f"only {len(outcomes)} of {count} came back"
        outcomes.update(executor.poll(0.05))
    return outcomes


def add(x: int, y: int = 0) -> int:
    return x + y


def fail() -> None:
    raise ValueError("nope")


@pytest.fixture
def pool() -> Iterator[ThreadExecutor]:
    executor = ThreadExecutor(2)
    yield executor
    executor.shutdown(cancel=True)


# -- run_call --------------------------------------------------------------------------


def test_run_call_ok() -> None:
    outcome = run_call(Call(name="a", func=add, args=(1,), kwargs={"y": 2}), "me")
    assert (outcome.kind, outcome.value, outcome.worker) == (OK, 3, "me")
    assert outcome.duration >= 0 and outcome.started_at > 0


def test_run_call_failure_carries_the_error_details() -> None:
    outcome = run_call(Call(name="a", func=fail, args=(), kwargs={}))
    assert (outcome.kind, outcome.error_type) == (FAILED, "ValueError")
    assert isinstance(outcome.exception, ValueError)
    assert outcome.traceback.rstrip().endswith("ValueError: nope")
    assert outcome.location.startswith(__file__ + ":")


def test_run_call_task_skipped() -> None:
    def skip() -> None:
        raise TaskSkipped("later")

    outcome = run_call(Call(name="a", func=skip, args=(), kwargs={}))
    assert (outcome.kind, outcome.traceback) == (SKIPPED, "later")


def test_run_call_lets_keyboard_interrupt_escape() -> None:
    def interrupt() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_call(Call(name="a", func=interrupt, args=(), kwargs={}))


def test_call_and_outcome_pickle() -> None:
    call = pickle.loads(
        pickle.dumps(
            Call(
                name="a",
                func=add,
                args=(1,),
                kwargs={"y": 2},
                timeout=5.0,
                trace_filter="flt",
                capture=True,
            )
        )
    )
    assert (call.name, call.func, call.args, call.kwargs) == ("a", add, (1,), {"y": 2})
    assert (call.timeout, call.trace_filter, call.capture) == (5.0, "flt", True)
    outcome = pickle.loads(pickle.dumps(run_call(Call(name="a", func=fail, args=(), kwargs={}))))
    assert outcome.kind == FAILED
    assert str(outcome.exception) == "nope"


# -- InlineExecutor ----------------------------------------------------------------------


def test_inline_runs_at_submit_on_the_calling_thread() -> None:
    threads: list[threading.Thread] = []
    executor = InlineExecutor()
    assert isinstance(executor, Executor)
    assert (executor.workers, executor.window) == (1, 1)
    executor.submit(
        7,
        Call(name="a", func=lambda: threads.append(threading.current_thread()), args=(), kwargs={}),
    )
    assert threads == [threading.current_thread()]
    ((key, outcome),) = executor.poll(None)
    assert (key, outcome.kind, outcome.worker) == (7, OK, "main")
    assert executor.poll(0) == []


def test_inline_timeout_returns_at_the_deadline(release: threading.Event) -> None:
    executor = InlineExecutor()
    started = time.monotonic()
    executor.submit(1, Call(name="slow", func=release.wait, args=(), kwargs={}, timeout=0.1))
    assert time.monotonic() - started < 2
    ((_, outcome),) = executor.poll(None)
    assert outcome.kind == FAILED
    assert type(outcome.exception) is TimeoutError
    assert str(outcome.exception) == "Task 'slow' timed out after 0.1s"
    assert outcome.worker == "main-timeout"


def test_inline_interrupt_comes_back_as_an_outcome() -> None:
    def interrupt() -> None:
        raise KeyboardInterrupt

    executor = InlineExecutor()
    executor.submit(1, Call(name="a", func=interrupt, args=(), kwargs={}))
    ((_, outcome),) = executor.poll(None)
    assert (outcome.kind, type(outcome.exception)) == (FAILED, KeyboardInterrupt)


# -- ThreadExecutor ----------------------------------------------------------------------


def test_thread_executor_size() -> None:
    assert ThreadExecutor(3).workers == 3
    assert ThreadExecutor(3, prefetch=1).window == 6
    assert ThreadExecutor(3, prefetch=0).window == 3
    assert ThreadExecutor(0).workers == 1


def window_for(tasks: list[Task], executor: Executor, **options: object) -> int:
    """The window a run of ``tasks`` keeps on ``executor`` (at most this many calls in flight)."""
    settings: dict[str, object] = {"prefetch": True, "fail_fast": False, "durations": None}
    settings.update(options)
    plain = all(t._extras is None for t in tasks)
    children: list[list[int]] = [[] for _ in tasks]
    entries: list[object] = [None] * len(tasks)
    setup = queue_setup(tasks, executor, children, entries, prepares=False, plain=plain, **settings)
    return setup.window


def test_plain_untimed_runs_queue_deeper_on_the_thread_pool() -> None:
    """Only where a deeper queue cannot hold a lock or track a deadline per queued call."""
    pool = ThreadExecutor(4)
    plain = [Task(f"t{i}", len, args=("x",)) for i in range(3)]
    assert window_for(plain, pool) == pool.burst == 4 * (1 + ThreadExecutor.BURST)
    assert window_for([*plain, Task("timed", len, args=("x",), timeout=5)], pool) == pool.window
    assert window_for([*plain, Task("locked", len, args=("x",), locks=["db"])], pool) == 36
    assert window_for(plain, pool, fail_fast=True) == 4
    assert window_for(plain, pool, durations={"t0": 1.0}) == 4
    assert window_for(plain, pool, prefetch=False) == 4
    asked = ThreadExecutor(4, prefetch=1)  # as pytest --processes asks: kept as it is
    assert window_for(plain, asked) == asked.window == 8
    assert window_for(plain, InlineExecutor()) == 1


def test_thread_executor_runs_calls_on_its_workers(pool: ThreadExecutor) -> None:
    for key in range(5):
        pool.submit(key, Call(name=f"t{key}", func=add, args=(key, 10), kwargs={}))
    outcomes = drain(pool, 5)
    assert {k: o.value for k, o in outcomes.items()} == {k: k + 10 for k in range(5)}
    assert {o.worker for o in outcomes.values()} <= {"worker-1", "worker-2"}


def test_thread_executor_reports_failures(pool: ThreadExecutor) -> None:
    pool.submit(1, Call(name="a", func=fail, args=(), kwargs={}))
    outcome = drain(pool, 1)[1]
    assert (outcome.kind, str(outcome.exception)) == (FAILED, "nope")


def test_poll_returns_nothing_after_its_timeout(
    pool: ThreadExecutor, release: threading.Event
) -> None:
    pool.submit(1, Call(name="a", func=release.wait, args=(), kwargs={}))
    started = time.monotonic()
    assert pool.poll(0.05) == []
    assert time.monotonic() - started < 1
    release.set()
    assert drain(pool, 1)[1].value is True


def test_timed_out_call_comes_back_at_the_deadline(release: threading.Event) -> None:
    executor = ThreadExecutor(1)
    try:
        executor.submit(1, Call(name="stuck", func=release.wait, args=(), kwargs={}, timeout=0.1))
        executor.submit(2, Call(name="next", func=add, args=(1,), kwargs={}))
        outcomes = drain(executor, 2)
        assert type(outcomes[1].exception) is TimeoutError
        assert outcomes[1].traceback.startswith("Still running at the deadline:")
        assert outcomes[2].value == 1  # ran on the thread that replaced the stuck one
        assert outcomes[2].worker != outcomes[1].worker
    finally:
        executor.shutdown(cancel=True)


def test_stop_queued_returns_not_started_outcomes(release: threading.Event) -> None:
    executor = ThreadExecutor(1)
    started = threading.Event()

    def first() -> str:
        started.set()
        release.wait(5)
        return "finished"

    ran: list[str] = []
    try:
        executor.submit(1, Call(name="first", func=first, args=(), kwargs={}))
        executor.submit(
            2, Call(name="second", func=lambda: ran.append("second"), args=(), kwargs={})
        )
        executor.submit(
            3, Call(name="third", func=lambda: ran.append("third"), args=(), kwargs={}, timeout=5)
        )
        assert started.wait(5)
        executor.stop_queued()
        release.set()
        outcomes = drain(executor, 3)
    finally:
        executor.shutdown(cancel=True)
    assert outcomes[1].value == "finished"
    assert (outcomes[2].kind, outcomes[3].kind) == (NOT_STARTED, NOT_STARTED)
    assert ran == []


def test_interrupt_in_a_worker_stops_the_queue() -> None:
    def interrupt() -> None:
        raise KeyboardInterrupt

    ran: list[str] = []
    executor = ThreadExecutor(1)
    try:
        executor.submit(1, Call(name="a", func=interrupt, args=(), kwargs={}))
        executor.submit(2, Call(name="b", func=lambda: ran.append("b"), args=(), kwargs={}))
        outcomes = drain(executor, 2)
    finally:
        executor.shutdown(cancel=True)
    assert (outcomes[1].kind, type(outcomes[1].exception)) == (FAILED, KeyboardInterrupt)
    assert outcomes[2].kind == NOT_STARTED
    assert ran == []


def test_shutdown_waits_for_workers_to_exit() -> None:
    executor = ThreadExecutor(2)
    executor.submit(1, Call(name="a", func=add, args=(1,), kwargs={}))
    drain(executor, 1)
    threads = list(executor._threads)
    executor.shutdown(cancel=False)
    assert threads and not any(t.is_alive() for t in threads)
