"""Per-task executors in one graph, and any ``concurrent.futures.Executor`` as the executor.

A graph routed to several executors keeps each one's optional features: a task
routed to Dask is sent ahead, and an interrupt learns what each one had begun.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import signal
import threading
import time
from pathlib import Path
from typing import Any

import executor_bodies as bodies
import pluggy
import pytest
from executor_bodies import pool_children

from pytest_processes import Process, RunInterrupted, Task, TaskDependency, TaskStatus, task
from pytest_processes.engine.executors import SendsAhead
from pytest_processes.engine.routing import RoutingExecutor, make_executor

hookimpl = pluggy.HookimplMarker("pytest")


@task(executor="process")
def crunch() -> int:
    return bodies.burn(20_000)


@task
def fetch() -> str:
    return "payload"


@task
def combine(crunch: int, fetch: str) -> str:
    return f"{fetch}:{crunch}"


def test_one_graph_mixes_threads_and_processes() -> None:
    process = Process.from_functions([crunch, fetch, combine])
    report = process.run(executor="thread", max_workers=2)
    entries = report.entries
    assert entries["crunch"].worker.startswith("process-")
    assert entries["fetch"].worker.startswith("worker-")
    assert entries["combine"].worker.startswith("worker-")
    assert entries["combine"].result == f"payload:{bodies.burn(20_000)}"
    assert pool_children() == []


def test_a_task_kind_overrides_the_run_kind() -> None:
    tasks = [
        Task("here", bodies.pid, executor="inline"),
        Task("there", bodies.pid),
    ]
    report = Process(tasks).run(executor="process", max_workers=1)
    assert report.entries["here"].worker == "main"
    assert report.entries["there"].worker.startswith("process-")
    assert report.entries["here"].result != report.entries["there"].result


def test_make_executor_routes_only_when_tasks_ask() -> None:
    plain = make_executor("thread", 2, {None, "thread"})
    assert plain.name == "thread"
    plain.shutdown(cancel=True)
    mixed = make_executor("thread", 2, {None, "process"}, thread_prefetch=1)
    assert isinstance(mixed, RoutingExecutor) and mixed.name == "thread+process"
    assert not isinstance(mixed, SendsAhead)  # neither sends ahead: no such work for the run
    assert (mixed.workers, mixed.window) == (4, 8)
    mixed.shutdown(cancel=True)


def test_an_unknown_executor_name_lists_the_choices() -> None:
    with pytest.raises(ValueError, match="executor must be one of 'inline', 'thread', 'process'"):
        Process([Task("a", bodies.pid)]).run(executor="gpu")


# -- concurrent.futures executors ------------------------------------------------------------


def test_a_thread_pool_plugs_in() -> None:
    with cf.ThreadPoolExecutor(2) as pool:
        tasks = [
            Task("a", bodies.word, args=("x",)),
            Task("b", bodies.fail),
            Task("stuck", bodies.hang, args=(3.0,), timeout=0.2),
        ]
        started = time.monotonic()
        report = Process(tasks).run(executor=pool)
        # the run does not wait for the abandoned call (a bound, not a benchmark)
        assert time.monotonic() - started < 2.5
    assert report.entries["a"].result == "x"
    assert report.entries["a"].worker == "ThreadPoolExecutor"
    assert report.entries["b"].error_type == "ValueError"
    assert report.entries["stuck"].error_type == "TimeoutError"


def test_a_process_pool_plugs_in_and_explains_pickling() -> None:
    context = multiprocessing.get_context("forkserver")
    with cf.ProcessPoolExecutor(2, mp_context=context) as pool:
        tasks = [
            Task("a", bodies.pid),
            Task("lam", lambda: 1),
            Task("talk", bodies.chatty, args=("talk",)),
        ]
        report = Process(tasks).run(executor=pool, capture=True)
    entries = report.entries
    assert entries["a"].status is TaskStatus.SUCCESS
    assert entries["a"].result != multiprocessing.current_process().pid
    assert entries["lam"].status is TaskStatus.ERRORED
    assert entries["lam"].error is not None
    assert "Task 'lam' cannot run in a worker process" in entries["lam"].error.exception
    assert "out from talk" in entries["talk"].output


def test_a_dask_client_executor_plugs_in(dask_client: Any) -> None:
    tasks = [
        Task("a", bodies.word, args=("x",)),
        Task("b", bodies.join, args=("<",), dependencies=[]),
    ]
    report = Process(tasks).run(executor=dask_client.get_executor())
    assert (report.entries["a"].result, report.entries["b"].result) == ("x", "<")


def test_a_broken_process_pool_is_a_worker_died_error() -> None:
    context = multiprocessing.get_context("forkserver")
    with cf.ProcessPoolExecutor(1, mp_context=context) as pool:
        report = Process([Task("dies", bodies.crash, args=(3,))]).run(executor=pool)
    entry = report.entries["dies"]
    assert entry.error_type == "pytest_processes.exceptions.WorkerDiedError"
    assert entry.error is not None
    assert "Task 'dies': a worker of ProcessPoolExecutor died" in entry.error.exception


# -- optional executor features through the routing executor ---------------------------------


def appeared(paths: list[Path], count: int, seconds: float = 10.0) -> bool:
    """Whether ``count`` of ``paths`` (marker files) exist within ``seconds``."""
    deadline = time.monotonic() + seconds
    while sum(p.exists() for p in paths) < count:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


class HoldOnFinish:
    """Holds the scheduler's thread in ``task``'s finish hook until ``need`` markers exist.

    While it is held nothing is submitted, so a task that starts meanwhile was sent
    ahead; with ``interrupt``, Ctrl-C follows (raised as the signal handler would).
    """

    def __init__(
        self, task: str, markers: list[Path], need: int = 1, *, interrupt: bool = False
    ) -> None:
        self.task, self.markers, self.need, self.interrupt = task, markers, need, interrupt
        self.seen = False

    @hookimpl
    def pytest_processes_task_finish(self, task: Task) -> None:
        if task.name == self.task:
            self.seen = appeared(self.markers, self.need)
            if self.interrupt:
                signal.raise_signal(signal.SIGINT)


def up_and_down(marker: Path, seconds: float) -> list[Task]:
    """``up`` and its dependant ``down`` on Dask, ``local`` on the run's own executor."""
    return [
        Task("up", bodies.word, args=("x",), executor="dask"),
        Task(
            "down",
            bodies.announce_then_sleep,
            args=(str(marker), seconds),
            executor="dask",
            dependencies=[TaskDependency("up")],
        ),
        Task("local", bodies.word, args=("here",)),
    ]


def test_a_task_routed_to_dask_is_sent_ahead(dask_client: Any, tmp_path: Path) -> None:
    """``down`` starts on the cluster while the scheduler's thread is still held in ``up``'s
    finish hook: the routing executor passed it to Dask ahead of time."""
    marker = tmp_path / "down-started"
    hold = HoldOnFinish("up", [marker])
    with dask_client.as_current():  # the default client, which executor "dask" uses
        report = Process(up_and_down(marker, 0.0), plugins=[hold]).run(
            executor="thread", max_workers=2
        )
    assert hold.seen, "down did not start before the scheduler submitted it"
    entries = report.entries
    assert (entries["down"].status, entries["down"].result) == (TaskStatus.SUCCESS, "finished")
    assert entries["down"].worker.startswith("dask")
    assert entries["local"].worker.startswith("worker-")


def test_an_interrupt_reports_a_routed_task_sent_ahead_that_already_runs(
    dask_client: Any, tmp_path: Path
) -> None:
    """Ctrl-C once ``down`` (sent ahead to Dask) runs: Dask hands it back as started, so the
    grace period waits for it and the report says how it ended, not "not run"."""
    marker = tmp_path / "down-started"
    hold = HoldOnFinish("up", [marker], interrupt=True)
    with dask_client.as_current(), pytest.raises(RunInterrupted) as info:
        Process(up_and_down(marker, 1.0), plugins=[hold]).run(executor="thread", max_workers=2)
    assert hold.seen, "down did not start before the scheduler submitted it"
    down = info.value.report.entries["down"]
    assert (down.status, down.result) == (TaskStatus.SUCCESS, "finished")


RELEASE = threading.Event()


def block(marker: str) -> None:
    """Say it started (a file), then wait for the test to let it go."""
    Path(marker).write_text("started")
    print(f"{Path(marker).name} is under way")
    RELEASE.wait(30)


def test_an_interrupt_tells_routed_tasks_cut_off_from_tasks_never_started(
    tmp_path: Path,
) -> None:
    """Four blocking thread tasks on two threads, one inline task beside them: Ctrl-C after the
    inline one. The two begun are cut off with their start and worker; two never started."""
    names = ["a", "b", "c", "d"]
    tasks = [Task(n, block, args=(str(tmp_path / n),)) for n in names]
    tasks.append(Task("quick", bodies.word, args=("q",), executor="inline"))
    hold = HoldOnFinish("quick", [tmp_path / n for n in names], 2, interrupt=True)
    RELEASE.clear()
    try:
        with pytest.raises(RunInterrupted) as info:
            Process(tasks, plugins=[hold]).run(
                executor="thread", max_workers=2, grace=0.1, capture=True
            )
    finally:
        RELEASE.set()
    assert hold.seen, "two thread tasks did not start"
    entries = info.value.report.entries
    started = [n for n in names if (tmp_path / n).exists()]
    assert len(started) == 2
    for name in names:
        entry = entries[name]
        assert entry.status is TaskStatus.SKIPPED
        if name in started:
            assert entry.reason.startswith("interrupted while running (after ")
            assert entry.worker.startswith("worker-") and entry.started_at is not None
            assert f"{name} is under way" in entry.output
        else:
            assert entry.reason == "not run: run interrupted (KeyboardInterrupt)"
            assert entry.started_at is None and entry.worker == ""
