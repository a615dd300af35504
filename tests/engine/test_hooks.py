"""Engine hooks for library users: which are called, with what, on which thread."""

from __future__ import annotations

import subprocess
import sys
import threading
from typing import Any

import pluggy
import pytest

from pytest_processes import Process, ProcessExecutionReport, Task, TaskDependency, TaskResult

hookimpl = pluggy.HookimplMarker("pytest")


class Recorder:
    """Records every engine hook call as a tuple, and the threads they came on."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.threads: set[threading.Thread] = set()
        self.report: ProcessExecutionReport | None = None

    def _seen(self, *call: Any) -> None:
        self.calls.append(call)
        self.threads.add(threading.current_thread())

    @hookimpl
    def pytest_processes_run_start(self, tasks: list[Task], workers: int, executor: str) -> None:
        self._seen("run_start", [t.name for t in tasks], workers, executor)

    @hookimpl
    def pytest_processes_task_start(self, task: Task, attempt: int) -> None:
        self._seen("start", task.name, attempt)

    @hookimpl
    def pytest_processes_task_retry(self, task: Task, attempt: int, error: str) -> None:
        self._seen("retry", task.name, attempt, error)

    @hookimpl
    def pytest_processes_task_finish(self, task: Task, result: TaskResult) -> None:
        self._seen("finish", task.name, result.status.value, result.attempts)

    @hookimpl
    def pytest_processes_run_finish(self, report: ProcessExecutionReport) -> None:
        self._seen("run_finish", list(report.entries))
        self.report = report


def noop() -> None:
    return None


def flaky_tasks() -> list[Task]:
    """``flaky`` fails once with ConnectionError then succeeds; ``bad`` fails; ``after`` skips."""
    attempts = {"n": 0}

    def flaky() -> int:
        attempts["n"] += 1
        if attempts["n"] == 1:
            raise ConnectionError("blip")
        return attempts["n"]

    def bad() -> None:
        raise ValueError("bad")

    return [
        Task("flaky", flaky, retries=2),
        Task("bad", bad),
        Task("after", noop, dependencies=[TaskDependency("bad")]),
    ]


def test_sequential_run_calls_every_hook_in_order() -> None:
    recorder = Recorder()
    report = Process(flaky_tasks(), plugins=[recorder]).run()
    assert recorder.calls == [
        ("run_start", ["flaky", "bad", "after"], 1, "inline"),
        ("start", "flaky", 1),
        ("retry", "flaky", 1, "ConnectionError: blip"),
        ("start", "flaky", 2),
        ("finish", "flaky", "success", 2),
        ("start", "bad", 1),
        ("finish", "bad", "errored", 1),
        ("finish", "after", "skipped", 0),
        ("run_finish", ["flaky", "bad", "after"]),
    ]
    assert recorder.report is report
    assert recorder.threads == {threading.current_thread()}


def test_parallel_run_calls_hooks_on_the_calling_thread() -> None:
    recorder = Recorder()
    Process(flaky_tasks(), plugins=[recorder]).run(parallel=True, max_workers=3)
    assert recorder.threads == {threading.current_thread()}
    assert recorder.calls[0] == ("run_start", ["flaky", "bad", "after"], 3, "thread")
    assert recorder.calls[-1][0] == "run_finish"
    assert sorted(c[1:] for c in recorder.calls if c[0] == "start") == [
        ("bad", 1),
        ("flaky", 1),
        ("flaky", 2),
    ]
    finishes = {c[1]: c[2:] for c in recorder.calls if c[0] == "finish"}
    assert finishes == {"flaky": ("success", 2), "bad": ("errored", 1), "after": ("skipped", 0)}


def test_hooks_follow_a_run_started_from_another_thread() -> None:
    recorder = Recorder()
    process = Process([Task(f"t{i}", noop) for i in range(4)], plugins=[recorder])
    runner = threading.Thread(target=process.run, kwargs={"parallel": True}, name="my-runner")
    runner.start()
    runner.join(10)
    assert not runner.is_alive()
    assert [t.name for t in recorder.threads] == ["my-runner"]
    assert len(recorder.calls) == 2 + 2 * 4


def test_plugins_can_be_registered_later_and_implement_fewer_arguments() -> None:
    seen: list[str] = []

    class Minimal:
        @hookimpl
        def pytest_processes_task_finish(self, task: Task) -> None:
            seen.append(task.name)

    process = Process([Task("a", noop), Task("b", noop)])
    process.plugin_manager.register(Minimal())
    process.run()
    assert seen == ["a", "b"]


def test_plugin_manager_uses_the_pytest_project_name() -> None:
    assert Process([]).plugin_manager.project_name == "pytest"


def test_a_failing_hook_propagates() -> None:
    class Broken:
        @hookimpl
        def pytest_processes_run_start(self) -> None:
            raise RuntimeError("hook failed")

    with pytest.raises(RuntimeError, match="hook failed"):
        Process([Task("a", noop)], plugins=[Broken()]).run()


def test_importing_the_library_does_not_import_pytest() -> None:
    code = (
        "import pytest_processes, sys; "
        "assert 'pytest' not in sys.modules and '_pytest' not in sys.modules"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
