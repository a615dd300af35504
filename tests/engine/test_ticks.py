"""Listener ticks: every ``tick_interval`` while tasks run, however often tasks finish."""

from __future__ import annotations

import threading
import time

from pytest_processes import Task, TaskDependency
from pytest_processes.engine.executors import ThreadExecutor
from pytest_processes.engine.scheduler import RunListener, Scheduler

CHAIN = 200


def test_ticks_come_while_tasks_keep_finishing() -> None:
    """A chain finishing a task every few ms must not hold the status line back until it ends.

    ``slow`` runs until the first tick (bounded), so the run cannot end without one.
    """
    ticked = threading.Event()
    finished: list[int] = []

    def slow() -> None:
        ticked.wait(20)

    def link() -> None:
        time.sleep(0.005)  # work, not synchronisation: keeps completions coming

    class Ticks(RunListener):
        tick_interval = 0.05
        finished_at_first_tick: int | None = None

        def task_finish(self, index: int, result: object) -> None:
            finished.append(index)

        def tick(self, running: dict[int, float]) -> None:
            if self.finished_at_first_tick is None:
                self.finished_at_first_tick = len(finished)
            ticked.set()

    chain = [Task("link0", link)] + [
        Task(f"link{i}", link, dependencies=[TaskDependency(f"link{i - 1}")])
        for i in range(1, CHAIN)
    ]
    listener = Ticks()
    Scheduler([Task("slow", slow), *chain], ThreadExecutor(2), listener=listener).run()
    assert listener.finished_at_first_tick is not None
    assert listener.finished_at_first_tick < CHAIN  # ticked while the chain was still going


def test_no_ticks_without_an_interval() -> None:
    calls: list[int] = []

    class Silent(RunListener):
        def tick(self, running: dict[int, float]) -> None:
            calls.append(len(running))

    Scheduler([Task("a", lambda: None)], ThreadExecutor(1), listener=Silent()).run()
    assert calls == []
