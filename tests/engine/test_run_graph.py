"""``run_graph``: the one entry point behind ``Process.run``, ``Task.run`` and the plugin."""

from __future__ import annotations

from pytest_processes import Task, TaskDependency, TaskStatus
from pytest_processes.engine.executors import ThreadExecutor
from pytest_processes.engine.run import run_graph


def add_one(x: int) -> int:
    """Adds one."""
    return x + 1


def boom(*_: object) -> None:
    """Fails."""
    raise ValueError("boom")


def test_run_graph_reports_each_task_and_keeps_live_exceptions() -> None:
    tasks = [
        Task("a", add_one, args=(1,)),
        Task("b", add_one, dependencies=[TaskDependency("a", use_result_as_additional_args=True)]),
        Task("c", boom, dependencies=[TaskDependency("b")]),
    ]
    calls: list[str] = []
    ran = run_graph(tasks, ThreadExecutor(2), name="demo", on_start=lambda: calls.append("go"))
    assert calls == ["go"]
    assert ran.report.process_name == "demo"
    assert [e.name for e in ran.entries] == ["a", "b", "c"]
    assert ran.result(1).result == 3
    failed = ran.result(2)
    assert failed.status is TaskStatus.ERRORED
    assert isinstance(failed.exception, ValueError)
    assert not ran.interrupted and not ran.stop_reason and ran.restored == []
