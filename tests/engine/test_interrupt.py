"""Stopping a run early: fail-fast, Ctrl-C inside a task, SIGTERM from outside."""

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

from pytest_processes import (
    Process,
    ProcessExecutionReport,
    RunInterrupted,
    Task,
    TaskDependency,
    TaskStatus,
)

hookimpl = pluggy.HookimplMarker("pytest")


def noop() -> None:
    return None


def boom() -> None:
    raise ValueError("first failure")


def statuses(report: ProcessExecutionReport) -> dict[str, str]:
    return {name: entry.status.value for name, entry in report.entries.items()}


# -- fail-fast -------------------------------------------------------------------------


@pytest.mark.parametrize("executor", ["inline", "thread"])
def test_fail_fast_starts_nothing_after_the_first_failure(executor: str) -> None:
    started: list[str] = []

    def work(name: str) -> Any:
        return lambda: started.append(name)

    tasks = [
        Task("bad", boom),
        Task("b", work("b")),
        Task("c", work("c"), dependencies=[TaskDependency("b")]),
    ]
    report = Process(tasks).run(executor=executor, max_workers=1, fail_fast=True)
    assert started == []
    assert statuses(report) == {"bad": "errored", "b": "skipped", "c": "skipped"}
    reason = "not run: fail-fast: task 'bad' failed"
    assert report.entries["b"].reason == report.entries["c"].reason == reason
    assert report.interrupted == "fail-fast: task 'bad' failed"
    assert not report.ok


def test_fail_fast_lets_running_tasks_finish(release: threading.Event) -> None:
    class ReleaseOnFailure:
        @hookimpl
        def pytest_processes_task_finish(self, task: Task) -> None:
            if task.name == "bad":
                release.set()

    tasks = [
        Task("slow", release.wait, args=(5,)),
        Task("bad", boom),
        Task("later", noop, dependencies=[TaskDependency("slow")]),
    ]
    process = Process(tasks, plugins=[ReleaseOnFailure()])
    report = process.run(parallel=True, max_workers=2, fail_fast=True)
    assert statuses(report) == {"slow": "success", "bad": "errored", "later": "skipped"}
    assert report.entries["slow"].result is True
    assert report.entries["later"].reason.startswith("not run: fail-fast")


def test_without_fail_fast_independent_tasks_still_run() -> None:
    report = Process([Task("bad", boom), Task("b", noop)]).run(max_workers=1)
    assert statuses(report) == {"bad": "errored", "b": "success"}
    assert report.interrupted == ""


# -- KeyboardInterrupt inside a task -------------------------------------------------


def interrupting_tasks(log_path: Path) -> list[Task]:
    def interrupt() -> None:
        raise KeyboardInterrupt

    return [
        Task("first", noop, log_path),
        Task("ctrl_c", interrupt, log_path, dependencies=[TaskDependency("first")]),
        Task("after", noop, log_path, dependencies=[TaskDependency("ctrl_c")]),
        Task("other", noop, log_path, dependencies=[TaskDependency("first")]),
    ]


@pytest.mark.parametrize("executor", ["inline", "thread"])
def test_keyboard_interrupt_in_a_task_stops_the_run(
    executor: str, log_path: Path, read_log: Any
) -> None:
    caught: list[BaseException] = []

    def run() -> None:
        with Process(interrupting_tasks(log_path)) as process:
            try:
                process.run(executor=executor, max_workers=1, grace=1)
            except BaseException as exc:
                caught.append(exc)

    runner = threading.Thread(target=run, daemon=True)  # a hang must not hang the suite
    runner.start()
    runner.join(10)
    assert not runner.is_alive()
    (exc,) = caught
    assert isinstance(exc, RunInterrupted)
    assert isinstance(exc, KeyboardInterrupt)
    assert exc.reason == "run interrupted (KeyboardInterrupt)"
    report = exc.report
    assert isinstance(report, ProcessExecutionReport)
    assert report.interrupted == "run interrupted (KeyboardInterrupt)"
    assert list(report.entries) == ["first", "ctrl_c", "other", "after"]
    assert TaskStatus.PENDING not in {e.status for e in report.entries.values()}
    assert report.entries["first"].status is TaskStatus.SUCCESS
    assert report.entries["ctrl_c"].reason.startswith("interrupted while running")
    assert report.entries["after"].status is TaskStatus.SKIPPED
    assert report.entries["other"].reason == "not run: run interrupted (KeyboardInterrupt)"
    assert read_log(log_path)[:3] == [
        ("INFO", "Starting first."),
        ("INFO", "Finished first."),
        ("INFO", "Starting ctrl_c."),
    ]


# -- SIGTERM ---------------------------------------------------------------------------

SCRIPT = textwrap.dedent(
    """
    import json, sys, threading
    from pytest_processes import Process, RunInterrupted, Task, TaskDependency

    log_path, executor = sys.argv[1], sys.argv[2]
    never = threading.Event()

    def blocker():
        print("READY", flush=True)
        never.wait()

    tasks = [
        Task("first", lambda: 1, log_path),
        Task("blocker", blocker, log_path, dependencies=[TaskDependency("first")]),
        Task("after", lambda: 2, log_path, dependencies=[TaskDependency("blocker")]),
    ]
    with Process(tasks) as process:
        try:
            process.run(executor=executor, max_workers=2, grace=0.2)
        except RunInterrupted as exc:
            entries = exc.report.entries
            print(json.dumps({
                "reason": exc.reason,
                "interrupted": exc.report.interrupted,
                "statuses": {n: e.status.value for n, e in entries.items()},
                "reasons": {n: e.reason for n, e in entries.items()},
            }), flush=True)
            sys.exit(3)
    """
)


@pytest.mark.parametrize("executor", ["inline", "thread"])
def test_sigterm_interrupts_a_running_process(
    executor: str, tmp_path: Path, log_path: Path, read_log: Any
) -> None:
    script = tmp_path / "run_and_wait.py"
    script.write_text(SCRIPT)
    child = subprocess.Popen(
        [sys.executable, str(script), str(log_path), executor],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "READY"
        child.send_signal(signal.SIGTERM)
        out, err = child.communicate(timeout=15)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert child.returncode == 3, err
    summary = json.loads(out)
    assert summary["reason"] == summary["interrupted"] == "run interrupted (SIGTERM)"
    assert summary["statuses"] == {"first": "success", "blocker": "skipped", "after": "skipped"}
    assert summary["reasons"]["blocker"].startswith("interrupted while running")
    assert read_log(log_path) == [
        ("INFO", "Starting first."),
        ("INFO", "Finished first."),
        ("INFO", "Starting blocker."),
    ]


def test_fail_fast_waits_for_the_last_attempt() -> None:
    attempts = {"n": 0}

    def flaky() -> str:
        attempts["n"] += 1
        if attempts["n"] == 1:
            raise ConnectionError("blip")
        return "recovered"

    tasks = [Task("flaky", flaky, retries=1), Task("b", noop)]
    report = Process(tasks).run(max_workers=1, fail_fast=True)
    assert statuses(report) == {"flaky": "success", "b": "success"}
    assert report.interrupted == ""


def test_dependants_of_an_interrupted_task_say_the_run_was_interrupted(log_path: Path) -> None:
    with Process(interrupting_tasks(log_path)) as process, pytest.raises(RunInterrupted) as info:
        process.run(max_workers=1)
    report = info.value.report
    assert isinstance(report, ProcessExecutionReport)
    assert report.entries["after"].reason == "not run: run interrupted (KeyboardInterrupt)"
