"""Tasks created during the run on a real Dask cluster (a ``distributed.LocalCluster``).

A task that takes a ``context`` calls back into the scheduler, so it must run
in the run's process: on Dask it is a clear error, unless it asks for a thread;
the tasks it creates run on the cluster like any task of the run.
"""

from __future__ import annotations

import os
from typing import Any

import executor_bodies as bodies

from pytest_processes import Created, Process, TaskContext, TaskStatus, task
from pytest_processes.engine.dask_executor import DaskExecutor


def test_a_context_task_routed_to_dask_is_a_clear_error(dask_client: Any) -> None:
    def scan(context: TaskContext) -> None:
        context.create("load", bodies.word, args=("a",))

    report = Process.from_functions([scan]).run(executor=DaskExecutor(dask_client))
    entry = report.entries["scan"]
    assert entry.status is TaskStatus.ERRORED
    assert entry.error is not None
    assert entry.error.exception == (
        "task 'scan' takes a 'context' but would run on the 'dask' executor, which cannot "
        "reach the run's scheduler; give it executor='thread' (create and wait need the task "
        "in the run's process)"
    )


def test_a_creator_on_a_thread_fills_the_cluster(dask_client: Any) -> None:
    @task(executor="thread")
    def scan(context: TaskContext) -> dict[str, Any]:
        for name in ("a", "b", "c"):
            context.create(f"pid[{name}]", bodies.pid)
        return context.wait("pid[a]")

    def report(scan: Created[int]) -> list[int]:
        return sorted(scan.values())

    ran = Process.from_functions([scan, report]).run(executor=DaskExecutor(dask_client))
    pids = ran.entries["report"].result
    assert len(pids) == 3
    assert os.getpid() not in pids  # created tasks ran on the cluster's worker processes
    assert ran.entries["scan"].result == {"pid[a]": ran.entries["scan/pid[a]"].result}
