"""Every attempt of a retried task is kept, and ``retry_delay`` spaces retries out."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import pluggy
import pytest

from pytest_processes import Process, ProcessExecutionReport, Task, TaskDependency, TaskStatus

hookimpl = pluggy.HookimplMarker("pytest")
MODES = [pytest.param(False, id="sequential"), pytest.param(True, id="parallel")]


def failing(exc_type: type[Exception], succeed_on: int | None = None) -> Any:
    """A function raising ``exc_type("attempt N")`` until attempt ``succeed_on``."""
    attempts = {"n": 0}

    def body() -> str:
        attempts["n"] += 1
        if attempts["n"] == succeed_on:
            return "ok"
        raise exc_type(f"attempt {attempts['n']}")

    return body


class SetOnRetry:
    """Sets ``event`` when any task's attempt failed and a retry follows."""

    def __init__(self) -> None:
        self.event = threading.Event()

    @hookimpl
    def pytest_processes_task_retry(self, task: Any, attempt: int, error: str) -> None:
        self.event.set()


# -- what is kept ----------------------------------------------------------------------


@pytest.mark.parametrize("parallel", MODES)
def test_a_retried_task_keeps_each_attempt(parallel: bool) -> None:
    task = Task("a", failing(ConnectionError, succeed_on=3), retries=3)
    entry = Process([task]).run(parallel=parallel).entries["a"]
    history = entry.attempt_history
    assert [(a.number, a.outcome, a.error_type, a.message) for a in history] == [
        (1, "failed", "ConnectionError", "attempt 1"),
        (2, "failed", "ConnectionError", "attempt 2"),
        (3, "passed", "", ""),
    ]
    assert history[0].started_at == entry.started_at
    assert history[0].started_at <= history[1].started_at <= history[2].started_at
    assert all(a.duration >= 0 and a.worker for a in history)
    assert "ConnectionError: attempt 1" in history[0].traceback
    assert history[2].traceback == ""


def test_a_task_failing_every_attempt_keeps_every_error() -> None:
    entry = Process([Task("a", failing(ConnectionError), retries=2)]).run().entries["a"]
    assert entry.status is TaskStatus.ERRORED
    assert [a.message for a in entry.attempt_history] == ["attempt 1", "attempt 2", "attempt 3"]
    assert entry.error is not None
    assert entry.attempt_history[-1].traceback == entry.error.traceback_str


def test_a_task_passing_at_once_records_no_history() -> None:
    entry = Process([Task("a", lambda: 1, retries=2)]).run().entries["a"]
    assert entry.attempts == 1 and entry.attempt_history == ()


def test_the_history_reads_back_from_json() -> None:
    tasks = [
        Task("flaky", failing(ConnectionError, succeed_on=2), retries=1),
        Task("bad", failing(ConnectionError), retries=1),
        Task("fine", lambda: 1),
    ]
    report = Process(tasks).run()
    data = json.loads(report.to_json())
    assert [a["message"] for a in data["entries"]["bad"]["attempt_history"]] == [
        "attempt 1",
        "attempt 2",
    ]
    assert data["entries"]["fine"]["attempt_history"] == []
    back = ProcessExecutionReport.from_json(report.to_json())
    assert back.entries == report.entries


# -- retry_delay -----------------------------------------------------------------------


def test_a_retry_waits_its_delay() -> None:
    task = Task("a", failing(ConnectionError, succeed_on=2), retries=1, retry_delay=0.2)
    first, second = Process([task]).run().entries["a"].attempt_history
    assert second.started_at - (first.started_at + first.duration) >= 0.2


def test_other_tasks_go_on_while_a_retry_waits() -> None:
    retried = SetOnRetry()

    def after_the_failure() -> None:
        assert retried.event.wait(10)

    tasks = [
        Task("a", failing(ConnectionError, succeed_on=2), retries=1, retry_delay=1.0),
        Task("b", after_the_failure),
        Task("c", lambda: None, dependencies=[TaskDependency("b")]),
    ]
    report = Process(tasks, plugins=[retried]).run(max_workers=2)
    assert report.ok
    retry_start = report.entries["a"].attempt_history[1].started_at
    c_start = report.entries["c"].started_at
    assert c_start is not None and c_start < retry_start


def test_a_stop_fails_a_waiting_retry_at_once_with_its_last_error() -> None:
    retried = SetOnRetry()

    def fail_after_the_retry_is_scheduled() -> None:
        assert retried.event.wait(10)
        raise ValueError("stop the run")

    tasks = [
        Task("a", failing(ConnectionError), retries=1, retry_delay=3600),
        Task("b", fail_after_the_retry_is_scheduled),
    ]
    done: list[ProcessExecutionReport] = []
    runner = threading.Thread(
        target=lambda: done.append(
            Process(tasks, plugins=[retried]).run(max_workers=2, fail_fast=True)
        ),
        daemon=True,  # a wait of an hour must not hang the suite
    )
    runner.start()
    runner.join(30)
    assert not runner.is_alive(), "the run waited out the retry delay"
    entry = done[0].entries["a"]
    assert (entry.status, entry.attempts) == (TaskStatus.ERRORED, 1)
    assert entry.error is not None and entry.error.exception == "attempt 1"
    assert [a.message for a in entry.attempt_history] == ["attempt 1"]


SIGTERM_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import pluggy
    from pytest_processes import Process, RunInterrupted, Task

    class Ready:
        @pluggy.HookimplMarker("pytest")
        def pytest_processes_task_retry(self, task, attempt, error):
            print("WAITING", flush=True)

    def down():
        raise ConnectionError("db down")

    try:
        Process([Task("a", down, retries=1, retry_delay=3600)], plugins=[Ready()]).run()
    except RunInterrupted as exc:
        entry = exc.report.entries["a"]
        print(json.dumps([entry.status.value, entry.attempts, entry.error.exception]))
        sys.exit(3)
    """
)


def test_sigterm_ends_the_wait_for_a_retry(tmp_path: Path) -> None:
    script = tmp_path / "wait_retry.py"
    script.write_text(SIGTERM_SCRIPT)
    with subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as child:
        try:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "WAITING"
            child.send_signal(signal.SIGTERM)
            out, err = child.communicate(timeout=30)
        finally:
            if child.poll() is None:
                child.kill()
                child.communicate()
    assert child.returncode == 3, err
    assert json.loads(out) == ["errored", 1, "db down"]


@pytest.mark.parametrize("bad", [-1, "2", True])
def test_a_bad_retry_delay_names_the_task(bad: Any) -> None:
    with pytest.raises(TypeError, match="Task 'a': retry_delay must be a number of seconds"):
        Task("a", lambda: None, retry_delay=bad)
