"""Waves (``wave=N``): every task of a lower wave settles before a higher wave starts."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from pytest_processes import (
    Process,
    Task,
    TaskDefinitionError,
    TaskDependency,
    TaskStatus,
    task,
)
from pytest_processes.engine.executors import InlineExecutor
from pytest_processes.engine.run import run_graph
from pytest_processes.engine.scheduler import Scheduler


class Journal:
    """Records ``start name`` / ``end name`` in the order tasks really start and end."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._lock = threading.Lock()

    def body(self, name: str, barrier: threading.Barrier | None = None) -> Callable[[], str]:
        def run() -> str:
            with self._lock:
                self.lines.append(f"start {name}")
            if barrier is not None:
                barrier.wait(timeout=10)  # meets its wave-mate: proves they run together
            with self._lock:
                self.lines.append(f"end {name}")
            return name

        return run

    def starts(self) -> list[str]:
        return [line.split()[1] for line in self.lines if line.startswith("start")]

    def position(self, line: str) -> int:
        return self.lines.index(line)


def test_a_later_wave_declared_first_starts_after_the_earlier_wave() -> None:
    journal = Journal()
    tasks = [
        Task("late", journal.body("late"), wave=1),
        Task("early", journal.body("early")),
    ]
    Process(tasks).run(parallel=False)
    assert journal.lines == ["start early", "end early", "start late", "end late"]


def test_tasks_of_one_wave_run_together_and_the_next_wave_waits_for_all_of_them() -> None:
    journal = Journal()
    first, second = threading.Barrier(2), threading.Barrier(2)
    tasks = [  # the later wave is declared first: a FIFO queue alone would start it first
        Task("c", journal.body("c", second), wave=2),
        Task("d", journal.body("d", second), wave=2),
        Task("a", journal.body("a", first), wave=1),
        Task("b", journal.body("b", first), wave=1),
    ]
    report = Process(tasks).run(parallel=True, max_workers=4)
    assert {e.status for e in report.entries.values()} == {TaskStatus.SUCCESS}
    last_end = max(journal.position("end a"), journal.position("end b"))
    first_start = min(journal.position("start c"), journal.position("start d"))
    assert last_end < first_start
    entries = report.entries
    assert max(entries["a"].finished_at or 0, entries["b"].finished_at or 0) <= min(
        entries["c"].started_at or 0, entries["d"].started_at or 0
    )


def test_three_waves_with_dependencies_inside_and_across() -> None:
    journal = Journal()
    tasks = [
        Task("report", journal.body("report"), wave=2),
        Task("load", journal.body("load"), dependencies=[TaskDependency("extract")], wave=1),
        Task("extract", journal.body("extract"), wave=1),
        Task("check", journal.body("check"), dependencies=[TaskDependency("extract")], wave=2),
        Task("setup", journal.body("setup")),
    ]
    Process(tasks).run(parallel=True, max_workers=3)
    starts = journal.starts()
    assert starts[0] == "setup"
    assert set(starts[1:3]) == {"extract", "load"} and starts.index("extract") < starts.index(
        "load"
    )
    assert set(starts[3:]) == {"report", "check"}


def test_a_dependency_on_a_later_wave_is_an_error_naming_both_tasks() -> None:
    tasks = [Task("late", str, wave=1), Task("early", str, dependencies=[TaskDependency("late")])]
    with pytest.raises(TaskDefinitionError) as info:
        Process(tasks)
    message = str(info.value)
    assert isinstance(info.value, ValueError)
    assert "task 'early' (wave 0) depends on 'late' (wave 1)" in message
    assert "move 'early' to wave 1 or later, or 'late' to wave 0 or earlier" in message


def test_run_graph_refuses_a_dependency_on_a_later_wave() -> None:
    """The engine checks too: a graph built elsewhere must not wait forever."""
    tasks = [Task("late", str, wave=1), Task("early", str, dependencies=[TaskDependency("late")])]
    with pytest.raises(ValueError, match="task 'early' \\(wave 0\\) depends on 'late'"):
        run_graph(tasks, InlineExecutor(), sigterm=False)


def test_a_failure_skips_its_dependants_and_the_next_wave_still_runs() -> None:
    def boom() -> None:
        raise RuntimeError("broken")

    journal = Journal()
    tasks = [
        Task("fails", boom),
        Task(
            "after_failure",
            journal.body("after_failure"),
            dependencies=[TaskDependency("fails")],
            wave=1,
        ),
        Task("independent", journal.body("independent"), wave=1),
    ]
    report = Process(tasks).run(parallel=False)
    statuses = {name: e.status for name, e in report.entries.items()}
    assert statuses == {
        "fails": TaskStatus.ERRORED,
        "after_failure": TaskStatus.SKIPPED,
        "independent": TaskStatus.SUCCESS,
    }
    assert journal.starts() == ["independent"]


def test_fail_fast_stops_before_the_next_wave() -> None:
    def boom() -> None:
        raise RuntimeError("broken")

    journal = Journal()
    tasks = [Task("fails", boom), Task("later", journal.body("later"), wave=1)]
    report = Process(tasks).run(parallel=False, fail_fast=True)
    assert report.entries["later"].status is TaskStatus.SKIPPED
    assert "fail-fast" in report.entries["later"].reason
    assert journal.starts() == []


def test_waves_hold_under_critical_path_priorities() -> None:
    """With durations the ready queue is a heap; the later wave still waits."""
    journal = Journal()
    tasks = [Task("long", journal.body("long"), wave=1), Task("short", journal.body("short"))]
    Process(tasks).run(parallel=False, durations={"long": 100.0, "short": 0.1})
    assert journal.starts() == ["short", "long"]


def test_negative_waves_run_before_the_default_wave() -> None:
    journal = Journal()
    tasks = [Task("plain", journal.body("plain")), Task("first", journal.body("first"), wave=-1)]
    Process(tasks).run(parallel=False)
    assert journal.starts() == ["first", "plain"]


def test_task_decorator_takes_a_wave() -> None:
    journal = Journal()

    @task(wave=1)
    def publish() -> None:
        journal.body("publish")()

    def build() -> None:
        journal.body("build")()

    Process.from_functions([publish, build]).run(parallel=False)
    assert journal.starts() == ["build", "publish"]


@pytest.mark.parametrize("bad", ["1", 1.5, True, None])
def test_a_wave_must_be_an_int(bad: Any) -> None:
    with pytest.raises(TypeError, match="Task 'x': wave must be an int"):
        Task("x", str, wave=bad)


def test_a_graph_without_waves_keeps_the_plain_ready_queue() -> None:
    """No task has a wave: the scheduler's queue is the plain deque, no wrapper in the way."""
    from collections import deque

    plain = Scheduler([Task("a", str), Task("b", str)], InlineExecutor())
    assert type(plain._ready) is deque
    waved = Scheduler([Task("a", str), Task("b", str, wave=1)], InlineExecutor())
    assert type(waved._ready) is not deque
