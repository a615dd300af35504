"""Retries (how many, on what) and per-attempt timeouts (message, retry, freeing the worker)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from pytest_processes import Process, Task, TaskStatus

MODES = [pytest.param(False, id="sequential"), pytest.param(True, id="parallel")]


def failing(exc_type: type[Exception], succeed_on: int | None = None) -> Callable[[], str]:
    """A function raising ``exc_type("attempt N")`` until attempt ``succeed_on``."""
    attempts = {"n": 0}

    def body() -> str:
        attempts["n"] += 1
        if attempts["n"] == succeed_on:
            return f"ok on {attempts['n']}"
        raise exc_type(f"attempt {attempts['n']}")

    return body


def run_one(task: Task, parallel: bool = False) -> tuple[TaskStatus, int, str]:
    """Run ``task`` alone: its status, attempts and the last error message (or result)."""
    entry = Process([task]).run(parallel=parallel).entries[task.name]
    detail = entry.error.exception if entry.error is not None else str(entry.result)
    return entry.status, entry.attempts, detail


# -- retries -------------------------------------------------------------------


@pytest.mark.parametrize("parallel", MODES)
@pytest.mark.parametrize("retries", [0, 1, 3])
def test_retries_give_retries_plus_one_attempts(parallel: bool, retries: int) -> None:
    task = Task("a", failing(ConnectionError), retries=retries)
    assert run_one(task, parallel) == (TaskStatus.ERRORED, retries + 1, f"attempt {retries + 1}")


@pytest.mark.parametrize("parallel", MODES)
def test_retry_stops_at_the_first_success(parallel: bool) -> None:
    task = Task("a", failing(ConnectionError, succeed_on=2), retries=5)
    assert run_one(task, parallel) == (TaskStatus.SUCCESS, 2, "ok on 2")


@pytest.mark.parametrize(
    ("exc_type", "retry_on", "attempts"),
    [
        (ConnectionError, None, 3),
        (ConnectionRefusedError, None, 3),  # subclasses count
        (TimeoutError, None, 3),
        (ValueError, None, 1),
        (ConnectionError, (), 1),
        (KeyError, (KeyError,), 3),
        (ConnectionError, (KeyError,), 1),
    ],
)
def test_only_retry_on_exceptions_are_retried(
    exc_type: type[Exception], retry_on: tuple[type[Exception], ...] | None, attempts: int
) -> None:
    task = Task("a", failing(exc_type), retries=2, retry_on=retry_on)
    assert run_one(task)[:2] == (TaskStatus.ERRORED, attempts)


def test_last_exception_is_kept() -> None:
    process = Process([Task("a", failing(ConnectionError), retries=2)])
    process.run()
    exception = process.runner.results["a"].exception
    assert isinstance(exception, ConnectionError)
    assert str(exception) == "attempt 3"


def test_elapsed_seconds_covers_every_attempt() -> None:
    def slow_failure() -> None:
        time.sleep(0.02)
        raise ConnectionError("down")

    entry = Process([Task("a", slow_failure, retries=2)]).run().entries["a"]
    assert entry.attempts == 3
    assert entry.elapsed_seconds >= 0.06
    assert entry.started_at is not None and entry.finished_at is not None
    assert entry.finished_at - entry.started_at >= 0.06


# -- timeouts --------------------------------------------------------------------


@pytest.mark.parametrize("parallel", MODES)
def test_timeout_raises_builtin_timeout_error(parallel: bool, release: threading.Event) -> None:
    process = Process([Task("slow", release.wait, timeout=0.1)])
    report = process.run(parallel=parallel, max_workers=2)
    entry = report.entries["slow"]
    assert entry.status is TaskStatus.ERRORED
    assert entry.error is not None
    assert entry.error.exception == "Task 'slow' timed out after 0.1s"
    assert entry.error.traceback_str.rstrip().endswith(
        "TimeoutError: Task 'slow' timed out after 0.1s"
    )
    assert type(process.runner.results["slow"].exception) is TimeoutError


@pytest.mark.parametrize("parallel", MODES)
def test_timeouts_are_retried_by_default(parallel: bool, release: threading.Event) -> None:
    task = Task("slow", release.wait, timeout=0.05, retries=2)
    assert run_one(task, parallel)[:2] == (TaskStatus.ERRORED, 3)


def test_timeouts_are_not_retried_with_empty_retry_on(release: threading.Event) -> None:
    task = Task("slow", release.wait, timeout=0.05, retries=2, retry_on=())
    assert run_one(task)[:2] == (TaskStatus.ERRORED, 1)


@pytest.mark.parametrize("parallel", MODES)
def test_task_finishing_in_time_succeeds(parallel: bool) -> None:
    task = Task("quick", lambda: 42, timeout=5)
    assert run_one(task, parallel) == (TaskStatus.SUCCESS, 1, "42")


@pytest.mark.parametrize("parallel", MODES)
def test_a_timeout_error_raised_by_the_task_keeps_its_message(parallel: bool) -> None:
    task = Task("a", failing(TimeoutError), timeout=5, retry_on=())
    assert run_one(task, parallel) == (TaskStatus.ERRORED, 1, "attempt 1")


@pytest.mark.parametrize("executor", ["inline", "thread"])
def test_timed_out_task_frees_the_worker(executor: str, release: threading.Event) -> None:
    process = Process([Task("stuck", release.wait, timeout=0.2), Task("next", lambda: "done")])
    started = time.monotonic()
    report = process.run(executor=executor, max_workers=1)
    took = time.monotonic() - started
    assert report.entries["stuck"].status is TaskStatus.ERRORED
    assert report.entries["next"].result == "done"
    assert took < 2.0  # the run did not wait for the stuck task...
    assert not release.is_set()  # ...which is still blocked
    if executor == "thread":  # the abandoned pool thread was replaced
        assert report.entries["next"].worker != report.entries["stuck"].worker


def test_timeout_traceback_shows_where_the_task_was_stuck(release: threading.Event) -> None:
    def stuck_here() -> None:
        release.wait()

    report = Process([Task("stuck", stuck_here, timeout=0.1)]).run(parallel=True)
    error = report.entries["stuck"].error
    assert error is not None
    assert "Still running at the deadline" in error.traceback_str
    assert "stuck_here" in error.traceback_str


def test_a_task_with_a_timeout_never_runs_on_the_calling_thread() -> None:
    seen: list[threading.Thread] = []
    Process([Task("a", lambda: seen.append(threading.current_thread()), timeout=5)]).run()
    assert seen and seen[0] is not threading.current_thread()
