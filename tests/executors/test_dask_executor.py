"""The Dask executor: results stay on the cluster, the timeout backstop, the optional extra."""

from __future__ import annotations

import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

import executor_bodies as bodies
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
from pytest_processes.engine import dask_executor
from pytest_processes.engine.attempt import NOT_STARTED, OK, Call
from pytest_processes.engine.dask_executor import DaskExecutor

hookimpl = pluggy.HookimplMarker("pytest")


def test_upstream_results_travel_as_futures(
    dask_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Downstream calls carry futures, not the values: Dask moves the data between workers."""
    sent: dict[str, list[Any]] = {}
    real_send = DaskExecutor._send

    def spy(self: DaskExecutor, key: int, call: Call, linked: Call, *rest: Any) -> Any:
        slots, futures = rest
        sent[call.name] = [linked.args, linked.kwargs, list(slots), len(futures)]
        return real_send(self, key, call, linked, *rest)

    monkeypatch.setattr(DaskExecutor, "_send", spy)
    tasks = [
        Task("big", bodies.word, args=("x" * 100_000,)),
        Task("sep", bodies.word, args=("-",)),
        Task(
            "joined",
            bodies.join,
            args=("<",),
            dependencies=[
                TaskDependency("big", use_result_as_additional_args=True),
                TaskDependency(
                    "sep", use_result_as_additional_kwargs=True, additional_kwarg_name="sep"
                ),
            ],
        ),
    ]
    report = Process(tasks).run(executor=DaskExecutor(dask_client))
    assert report.entries["joined"].result == "<-" + "x" * 100_000
    args, kwargs, slots, futures = sent["joined"]
    assert args == ("<", None) and kwargs == {"sep": None}
    assert slots == [(1, ""), (-1, "sep")] and futures == 2


def test_the_backstop_reports_a_silent_worker_at_the_deadline(
    dask_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the worker does not answer by the deadline, this side reports it and cancels."""
    monkeypatch.setattr(dask_executor, "BACKSTOP", -0.3)  # fire before the worker's own deadline
    started = time.monotonic()
    report = Process([Task("silent", bodies.hang, args=(3.0,), timeout=0.5)]).run(
        executor=DaskExecutor(dask_client)
    )
    entry = report.entries["silent"]
    assert (entry.status, entry.error_type) == (TaskStatus.ERRORED, "TimeoutError")
    assert entry.worker == "dask"  # reported on this side, not by the worker
    # a bound well under the 3 s the call sleeps (not a benchmark)
    assert time.monotonic() - started < 2.5


def test_without_the_extra_dask_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ImportError, match=r'pip install "pytest-processes\[dask\]"'):
        Process([Task("a", bodies.pid)]).run(executor="dask")
    with pytest.raises(ImportError, match="executor='dask' needs Dask's distributed scheduler"):
        Process([Task("a", bodies.pid, executor="dask")]).run(executor="thread")


def test_importing_the_package_does_not_import_dask() -> None:
    import subprocess

    code = (
        "import pytest_processes, sys; print('distributed' in sys.modules, 'dask' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False False"


def ours_executing(client: Any) -> list[str]:
    keys = client.run(dask_executor.executing).values()
    return [key for worker in keys for key in worker if "-stopping" in key]


def test_a_stop_cancels_what_no_worker_executes(dask_client: Any) -> None:
    executor = DaskExecutor(dask_client)
    try:
        for key in range(8):
            executor.submit(
                key, Call(name=f"stopping{key}", func=bodies.hang, args=(0.3,), kwargs={})
            )
        deadline = time.monotonic() + 10
        while len(ours_executing(dask_client)) < 2:  # other tests' leftovers may still run
            assert time.monotonic() < deadline, "the workers never started two tasks"
            time.sleep(0.01)
        executor.stop_queued()
        outcomes: dict[int, int] = {}
        deadline = time.monotonic() + 10
        while len(outcomes) < 8 and time.monotonic() < deadline:
            outcomes.update((k, o.kind) for k, o in executor.poll(0.5))
        kinds = sorted(outcomes.values())
        assert len(kinds) == 8
        assert (kinds.count(OK), kinds.count(NOT_STARTED)) == (2, 6), kinds
        executor.submit(99, Call(name="late", func=bodies.word, args=("x",), kwargs={}))
        assert [(k, o.kind) for k, o in executor.poll(0)] == [(99, NOT_STARTED)]
    finally:
        executor.shutdown(cancel=True)


def test_an_interrupt_reports_a_task_sent_ahead_that_already_runs(
    dask_client: Any, tmp_path: Path
) -> None:
    """Ctrl-C after ``up`` finished: ``down``, sent ahead and running on the cluster, is
    waited for (grace period) and reported as it ended, not as "not run"."""
    marker = tmp_path / "down-started"

    class InterruptOnceDownRuns:
        @hookimpl
        def pytest_processes_task_finish(self, task: Task) -> None:
            if task.name != "up":
                return
            deadline = time.monotonic() + 20
            while not marker.exists():  # down starts on the cluster by itself
                assert time.monotonic() < deadline, "down was not sent ahead"
                time.sleep(0.01)
            signal.raise_signal(signal.SIGINT)

    tasks = [
        Task("up", bodies.word, args=("x",)),
        Task(
            "down",
            bodies.announce_then_sleep,
            args=(str(marker), 1.0),
            dependencies=[TaskDependency("up")],
        ),
    ]
    with pytest.raises(RunInterrupted) as info:
        Process(tasks, plugins=[InterruptOnceDownRuns()]).run(executor=DaskExecutor(dask_client))
    down = info.value.report.entries["down"]
    assert (down.status, down.result) == (TaskStatus.SUCCESS, "finished")


def test_retries_on_a_client_executor_call_the_function_again(
    dask_client: Any, tmp_path: Path
) -> None:
    """``client.get_executor()`` submits pure by default: each retry must still run, not reuse
    the first attempt's erred future (one line in the counter file per call that happened)."""
    counter = tmp_path / "calls"
    task = Task("flaky", bodies.flaky, args=(str(counter), 3), retries=2)
    report = Process([task]).run(parallel=True, max_workers=2, executor=dask_client.get_executor())
    entry = report.entries["flaky"]
    assert (entry.status, entry.attempts) == (TaskStatus.SUCCESS, 3)
    assert counter.read_text().splitlines() == ["ran"] * 3


def test_two_runs_of_the_same_task_both_call_it_on_a_client_executor(
    dask_client: Any, tmp_path: Path
) -> None:
    """Two runs at once, each with a task of the same name, function and arguments, on one
    client executor: two calls happen (Dask's pure keys would merge them into one)."""
    counter = tmp_path / "calls"
    executor = dask_client.get_executor()
    start = threading.Barrier(2)
    reports: list[ProcessExecutionReport] = []

    def run() -> None:
        start.wait()
        task = Task("fetch", bodies.rendezvous, args=(str(counter), 2))
        reports.append(Process([task]).run(executor=executor))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.entries["fetch"].status for r in reports] == [TaskStatus.SUCCESS] * 2
    assert counter.read_text().splitlines() == ["ran", "ran"]
