"""Per-task executors in one graph, and any ``concurrent.futures.Executor`` as the executor."""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import time
from typing import Any

import executor_bodies as bodies
import pytest
from executor_bodies import pool_children

from pytest_processes import Process, Task, TaskStatus, task
from pytest_processes.engine.routing import RoutingExecutor, make_executor


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
