"""Critical path first: given durations, the ready task with the longest remaining path starts."""

from __future__ import annotations

import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

import pytest

from pytest_processes import Checkpoint, Process, Task, TaskDependency
from pytest_processes.engine.executors import InlineExecutor
from pytest_processes.engine.priority import ReadyHeap, expected_durations, remaining_paths
from pytest_processes.engine.scheduler import Scheduler


class StartOrder:
    """Task bodies that record the order in which they start."""

    def __init__(self) -> None:
        self.order: list[str] = []
        self._lock = threading.Lock()

    def task(self, name: str, *deps: str, seconds: float = 0.0, **options: Any) -> Task:
        def body() -> None:
            with self._lock:
                self.order.append(name)
            if seconds:
                time.sleep(seconds)

        return Task(name, body, dependencies=[TaskDependency(d) for d in deps], **options)


def graph(starts: StartOrder) -> list[Task]:
    """Three ready roots; the last one heads the longest chain."""
    return [
        starts.task("short"),
        starts.task("mid"),
        starts.task("head"),
        starts.task("body", "head"),
        starts.task("tail", "body"),
    ]


DURATIONS = {"short": 1.0, "mid": 2.0, "head": 1.0, "body": 5.0, "tail": 5.0}


def test_remaining_paths_are_own_weight_plus_the_heaviest_chain_below() -> None:
    #   0 -> 1 -> 3,  0 -> 2 -> 3,  4 alone
    children = [[1, 2], [3], [3], [], []]
    assert remaining_paths(children, [1.0, 5.0, 2.0, 1.0, 3.0]) == [7.0, 6.0, 3.0, 1.0, 3.0]


def test_unknown_durations_count_as_the_median_known_one() -> None:
    names = ["a", "b", "c", "d"]
    assert expected_durations(names, {"a": 1.0, "b": 3.0, "c": 10.0}) == [1.0, 3.0, 10.0, 3.0]
    assert expected_durations(names, {}) == [1.0] * 4
    assert expected_durations(["a"], {"A": 2.0, "x": -1.0}) == [2.0]  # names are lower case


@pytest.mark.parametrize("parallel", [False, True], ids=["inline", "one-thread"])
def test_one_worker_starts_ready_tasks_in_critical_path_order(parallel: bool) -> None:
    starts = StartOrder()
    report = Process(graph(starts)).run(parallel=parallel, max_workers=1, durations=DURATIONS)
    assert report.ok
    assert starts.order == ["head", "body", "tail", "mid", "short"]


def test_without_durations_the_order_stays_first_in_first_out() -> None:
    starts = StartOrder()
    Process(graph(starts)).run(parallel=False)
    assert starts.order == ["short", "mid", "head", "body", "tail"]


def test_empty_durations_rank_by_chain_length() -> None:
    starts = StartOrder()
    Process(graph(starts)).run(parallel=False, durations={})
    assert starts.order == ["head", "body", "short", "mid", "tail"]  # ties: first in, first out


def test_the_plain_deque_is_kept_unless_durations_are_given() -> None:
    tasks = graph(StartOrder())
    plain = Scheduler(tasks, InlineExecutor())
    assert type(plain._ready) is deque and plain.priorities is None
    ranked = Scheduler(tasks, InlineExecutor(), durations=DURATIONS)
    assert isinstance(ranked._ready, ReadyHeap)
    assert ranked.priorities == [1.0, 2.0, 11.0, 10.0, 5.0]


def test_a_checkpoint_supplies_the_durations_it_recorded(tmp_path: Path) -> None:
    def tasks(starts: StartOrder) -> list[Task]:
        return [starts.task("quick1"), starts.task("quick2"), starts.task("slow", seconds=0.05)]

    first = StartOrder()
    Process(tasks(first)).run(parallel=False, checkpoint=tmp_path)
    assert first.order == ["quick1", "quick2", "slow"]
    assert Checkpoint(tmp_path).durations["slow"] >= 0.05
    second = StartOrder()
    Process(tasks(second)).run(parallel=False, checkpoint=tmp_path)  # complete: a full run
    assert second.order[0] == "slow"


def test_explicit_durations_override_the_checkpoint_ones(tmp_path: Path) -> None:
    starts = StartOrder()
    Process([starts.task("a", seconds=0.03), starts.task("b")]).run(checkpoint=tmp_path)
    starts.order.clear()
    Process([starts.task("a"), starts.task("b")]).run(
        parallel=False, checkpoint=tmp_path, durations={"b": 10.0}
    )
    assert starts.order == ["b", "a"]


def test_parked_tasks_still_run_with_priorities() -> None:
    starts = StartOrder()
    tasks = [starts.task(f"t{i}", locks=["db"], seconds=0.005) for i in range(6)]
    durations = {f"t{i}": float(i) for i in range(6)}
    report = Process(tasks).run(parallel=True, max_workers=3, durations=durations)
    assert len(report.successes) == 6
    assert starts.order[0] == "t5"
