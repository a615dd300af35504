"""Trigger rules, locks with limits, and tasks that skip themselves."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from pytest_processes import Process, Task, TaskDependency, TaskSkipped, TaskStatus

MODES = [pytest.param(False, id="sequential"), pytest.param(True, id="parallel")]


def noop() -> None:
    return None


def boom() -> None:
    raise ValueError("broken")


def passes(value: Any = "nothing") -> Any:
    return value


def arg_dep(name: str) -> TaskDependency:
    return TaskDependency(name, use_result_as_additional_args=True)


def statuses(report: Any) -> dict[str, str]:
    return {name: entry.status.value for name, entry in report.entries.items()}


# -- trigger rules ---------------------------------------------------------------------


@pytest.mark.parametrize("parallel", MODES)
def test_all_done_runs_after_a_failed_dependency_and_receives_none(parallel: bool) -> None:
    process = Process(
        [
            Task("bad", boom),
            Task("middle", noop, dependencies=[TaskDependency("bad")]),
            Task("cleanup", passes, dependencies=[arg_dep("bad")], trigger="all_done"),
            Task("late_cleanup", passes, dependencies=[arg_dep("middle")], trigger="all_done"),
        ]
    )
    report = process.run(parallel=parallel)
    assert statuses(report) == {
        "bad": "errored",
        "middle": "skipped",
        "cleanup": "success",
        "late_cleanup": "success",
    }
    assert report.entries["cleanup"].result is None
    assert report.entries["late_cleanup"].result is None


def test_all_done_receives_results_of_successful_dependencies() -> None:
    process = Process(
        [
            Task("up", lambda: 7),
            Task("cleanup", passes, dependencies=[arg_dep("up")], trigger="all_done"),
        ]
    )
    assert process.run().entries["cleanup"].result == 7


@pytest.mark.parametrize("parallel", MODES)
def test_no_failures_runs_last_when_nothing_failed(parallel: bool) -> None:
    order: list[str] = []
    lock = threading.Lock()

    def record(name: str) -> Any:
        def body() -> None:
            with lock:
                order.append(name)

        return body

    process = Process(
        [
            Task("summary", record("summary"), trigger="no_failures"),
            Task("a", record("a")),
            Task("b", record("b"), dependencies=[TaskDependency("a")]),
        ]
    )
    report = process.run(parallel=parallel)
    assert statuses(report) == {"summary": "success", "a": "success", "b": "success"}
    assert order[-1] == "summary"


@pytest.mark.parametrize("parallel", MODES)
def test_no_failures_is_skipped_when_any_task_failed(parallel: bool) -> None:
    called: list[str] = []
    process = Process(
        [
            Task("bad", boom),
            Task("ok", noop),
            Task(
                "summary",
                lambda: called.append("summary"),
                dependencies=[TaskDependency("ok")],
                trigger="no_failures",
            ),
            Task("direct", noop, dependencies=[TaskDependency("bad")], trigger="no_failures"),
            Task("root", lambda: called.append("root"), trigger="no_failures"),
        ]
    )
    report = process.run(parallel=parallel)
    assert called == []
    for name in ("summary", "root"):  # with or without dependencies of their own
        assert report.entries[name].status is TaskStatus.SKIPPED
        assert report.entries[name].reason == "a task of this run failed: 'bad'"
    assert report.entries["direct"].reason == "upstream failed: 'bad'"


# -- TaskSkipped ---------------------------------------------------------------------


@pytest.mark.parametrize("parallel", MODES)
def test_task_skipped_skips_itself_and_dependants_run_with_none(parallel: bool) -> None:
    def nothing_to_do() -> None:
        raise TaskSkipped("no new files")

    process = Process(
        [
            Task("check", nothing_to_do),
            Task("after", passes, dependencies=[arg_dep("check")]),
        ]
    )
    report = process.run(parallel=parallel)
    entry = report.entries["check"]
    assert (entry.status, entry.reason, entry.attempts, entry.error) == (
        TaskStatus.SKIPPED,
        "no new files",
        1,
        None,
    )
    assert report.entries["after"].status is TaskStatus.SUCCESS
    assert report.entries["after"].result is None
    assert report.ok


def test_task_skipped_is_not_retried() -> None:
    calls = {"n": 0}

    def skip() -> None:
        calls["n"] += 1
        raise TaskSkipped()

    entry = Process([Task("a", skip, retries=3, retry_on=(Exception,))]).run().entries["a"]
    assert (entry.status, entry.attempts, calls["n"]) == (TaskStatus.SKIPPED, 1, 1)
    assert entry.reason == "skipped"


# -- locks and limits ---------------------------------------------------------------


class Occupancy:
    """Counts how many tasks are inside a section at once (under a lock)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.inside = 0
        self.peak = 0

    def task(self, name: str, barrier: threading.Barrier | None = None, **kwargs: Any) -> Task:
        def body() -> None:
            with self._lock:
                self.inside += 1
                self.peak = max(self.peak, self.inside)
            try:
                if barrier is not None:
                    barrier.wait()
                time.sleep(0.01)  # some work, so overlaps would show
            finally:
                with self._lock:
                    self.inside -= 1

        return Task(name, body, **kwargs)


def test_tasks_sharing_a_lock_never_overlap() -> None:
    occupancy = Occupancy()
    tasks = [occupancy.task(f"t{i}", locks=["db"]) for i in range(6)]
    report = Process(tasks).run(parallel=True, max_workers=4)
    assert len(report.successes) == 6
    assert occupancy.peak == 1


def test_a_limit_allows_that_many_at_once() -> None:
    occupancy = Occupancy()
    pairs = threading.Barrier(2, timeout=5)  # would break if fewer than two could run together
    tasks = [occupancy.task(f"t{i}", pairs, locks=["db"]) for i in range(6)]
    report = Process(tasks).run(parallel=True, max_workers=4, limits={"db": 2})
    assert len(report.successes) == 6
    assert occupancy.peak == 2


def test_different_locks_do_not_exclude_each_other() -> None:
    together = threading.Barrier(2, timeout=5)
    tasks = [
        Task("a", together.wait, locks=["db"]),
        Task("b", together.wait, locks=["net"]),
    ]
    assert len(Process(tasks).run(parallel=True, max_workers=2).successes) == 2


def test_all_locks_of_a_task_are_held() -> None:
    occupancy = Occupancy()
    tasks = [
        occupancy.task("both", locks=["db", "net"]),
        occupancy.task("db_only", locks=["db"]),
        occupancy.task("net_only", locks=["net"]),
    ]
    report = Process(tasks).run(parallel=True, max_workers=3)
    assert len(report.successes) == 3
    assert occupancy.peak <= 2


def test_a_failing_task_releases_its_lock() -> None:
    tasks = [Task("bad", boom, locks=["db"]), Task("next", lambda: "ran", locks=["db"])]
    report = Process(tasks).run(parallel=True, max_workers=2)
    assert statuses(report) == {"bad": "errored", "next": "success"}


@pytest.mark.parametrize("limit", [0, -1, 1.5, "2", True])
def test_limits_must_be_positive_ints(limit: Any) -> None:
    process = Process([Task("a", noop, locks=["db"])])
    with pytest.raises(ValueError, match=r"limits\['db'\] must be a positive int"):
        process.run(limits={"db": limit})


def test_a_lock_without_a_limit_is_exclusive_and_unused_limits_are_fine() -> None:
    occupancy = Occupancy()
    tasks = [occupancy.task(f"t{i}", locks=["db"]) for i in range(3)]
    report = Process(tasks).run(parallel=True, max_workers=3, limits={"other": 5})
    assert len(report.successes) == 3
    assert occupancy.peak == 1
