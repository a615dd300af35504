"""Stopping a run early: fail-fast, Ctrl-C inside a task, SIGTERM from outside."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import threading
import time
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
from pytest_processes.engine.executors import ThreadExecutor
from pytest_processes.engine.scheduler import RunListener, Scheduler

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


def test_every_task_a_stop_leaves_undone_is_announced_to_hooks() -> None:
    """Listeners (and so every report) hear of tasks the run never reached, once each."""
    finished: list[tuple[str, str]] = []

    class Record:
        @hookimpl
        def pytest_processes_task_finish(self, task: Task, result: Any) -> None:
            finished.append((task.name, result.reason))

    tasks = [
        Task("bad", boom),
        Task("b", noop),
        Task("c", noop, dependencies=[TaskDependency("b")]),
    ]
    Process(tasks, plugins=[Record()]).run(max_workers=1, fail_fast=True)
    reason = "not run: fail-fast: task 'bad' failed"
    assert sorted(finished) == [("b", reason), ("bad", ""), ("c", reason)]


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
    cut_off = report.entries["ctrl_c"]  # keeps when and where it ran
    assert cut_off.started_at is not None and cut_off.worker and cut_off.attempts == 1
    assert report.entries["other"].started_at is None and report.entries["other"].worker == ""
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


# -- which tasks ran: cut off while running vs never started ---------------------------

HALF_STARTED = textwrap.dedent(
    """
    import sys, threading
    from pathlib import Path
    from pytest_processes import Process, RunInterrupted, Task

    here, executor = Path(sys.argv[1]), sys.argv[2]
    never = threading.Event()

    def block(name):
        print(f"{name} is under way")
        (here / f"started-{name}").write_text("started")
        never.wait(60)  # bounded: a broken stop must not hang the suite

    if __name__ == "__main__":  # worker processes import this file too
        tasks = [Task(n, block, args=(n,)) for n in ("a", "b", "c", "d")]
        try:
            Process(tasks).run(executor=executor, max_workers=2, grace=0.2, capture=True)
        except RunInterrupted as exc:
            (here / "report.json").write_text(exc.report.to_json())
            sys.exit(3)
    """
)


@pytest.mark.parametrize("executor", ["thread", "process"])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupt_tells_tasks_cut_off_from_tasks_never_started(
    executor: str, sig: signal.Signals, tmp_path: Path
) -> None:
    """2 workers, 4 blocking tasks: the 2 that started keep their start, worker and output."""
    script = tmp_path / "half_started.py"
    script.write_text(HALF_STARTED)
    with subprocess.Popen(
        [sys.executable, str(script), str(tmp_path), executor],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as child:
        try:
            deadline = time.monotonic() + 30
            while len(list(tmp_path.glob("started-*"))) < 2:  # marker files, no sleep as a wait
                assert time.monotonic() < deadline and child.poll() is None, "tasks did not start"
                time.sleep(0.02)
            child.send_signal(sig)
            _, err = child.communicate(timeout=30)
        finally:
            if child.poll() is None:
                child.kill()
    assert child.returncode == 3, err
    started = sorted(p.name.removeprefix("started-") for p in tmp_path.glob("started-*"))
    assert len(started) == 2
    entries = json.loads((tmp_path / "report.json").read_text())["entries"]
    for name, entry in entries.items():
        assert entry["status"] == "skipped"
        if name in started:
            assert entry["reason"].startswith("interrupted while running (after ")
            assert entry["started_at"] is not None and entry["finished_at"] is not None
            assert entry["worker"].startswith(executor if executor == "process" else "worker-")
            assert entry["elapsed_seconds"] > 0
            assert entry["attempts"] == 1
        else:
            assert entry["reason"].startswith("not run: run interrupted (")
            assert entry["started_at"] is None and entry["worker"] == ""
            assert entry["attempts"] == 0 and entry["output"] == ""
    if executor == "thread":  # a worker process's output stays in the child it was killed with
        for name in started:
            assert f"{name} is under way" in entries[name]["output"]


def test_a_retry_cut_off_by_an_interrupt_keeps_its_start_worker_and_all_output() -> None:
    """Ctrl-C while attempt 2 runs on a pool thread: the report has both attempts' output."""
    second, release = threading.Event(), threading.Event()
    attempts: list[int] = []

    def flaky() -> None:
        attempts.append(len(attempts) + 1)
        print(f"attempt {len(attempts)}")
        if len(attempts) == 1:
            raise ConnectionError("blip")
        second.set()
        release.wait(10)

    class CtrlC(RunListener):
        tick_interval = 0.01

        def tick(self, running: dict[int, float]) -> None:
            if second.is_set():  # raised on the scheduler's thread, as a signal handler would
                raise KeyboardInterrupt

    scheduler = Scheduler(
        [Task("flaky", flaky, retries=1)],
        ThreadExecutor(1),
        listener=CtrlC(),
        capture=True,
        grace=0.05,
    )
    try:
        (entry,) = scheduler.run()
    finally:
        release.set()
    assert entry.reason.startswith("interrupted while running (after ")
    assert entry.attempts == 2 and entry.worker == "worker-1"
    assert entry.started_at is not None and entry.finished_at is not None
    assert "attempt 1" in entry.output and "attempt 2" in entry.output
