"""Trigger rules with from_functions: None or the whole TaskResult for a failed dependency."""

from __future__ import annotations

import threading
import time
import typing
from collections.abc import Mapping
from typing import Any

import pytest

from pytest_processes import Process, Task, TaskDependency, TaskResult, TaskStatus, task
from pytest_processes.api.functions import wants_task_result

MODES = [pytest.param(False, id="sequential"), pytest.param(True, id="parallel")]


def load() -> None:
    raise ConnectionError("database is down")


def fetch() -> int:
    return 42


@task(trigger="all_done")
def cleanup(load: Any, fetch: int) -> tuple[Any, int]:
    return load, fetch


@task(trigger="all_done")
def audit(load: TaskResult, fetch: TaskResult) -> dict[str, Any]:
    return {
        "load": (load.status, load.error_type, str(load.exception), load.attempts),
        "fetch": (fetch.status, fetch.result),
    }


@pytest.mark.parametrize("parallel", MODES)
def test_all_done_receives_none_for_a_failed_dependency(parallel: bool) -> None:
    report = Process.from_functions([load, fetch, cleanup]).run(parallel=parallel)
    assert report.entries["cleanup"].result == (None, 42)


@pytest.mark.parametrize("parallel", MODES)
def test_a_task_result_annotation_receives_the_whole_upstream_result(parallel: bool) -> None:
    report = Process.from_functions([load, fetch, audit]).run(parallel=parallel)
    assert report.entries["audit"].result == {
        "load": (TaskStatus.ERRORED, "ConnectionError", "database is down", 1),
        "fetch": (TaskStatus.SUCCESS, 42),
    }


def test_a_fan_in_of_task_results() -> None:
    @task(params={"shard": [1, 2]})
    def part(shard: int) -> int:
        if shard == 2:
            raise ValueError("bad shard")
        return shard

    @task(trigger="all_done")
    def collect(part: dict[str, TaskResult]) -> dict[str, str]:
        return {key: r.status.value for key, r in part.items()}

    report = Process.from_functions([part, collect]).run()
    assert report.entries["collect"].result == {"1": "success", "2": "errored"}


def test_task_result_annotations_are_recognised_as_objects_and_as_text() -> None:
    assert wants_task_result(TaskResult)
    assert wants_task_result(dict[str, TaskResult])
    assert wants_task_result(Mapping[str, TaskResult])
    assert wants_task_result(typing.Dict[str, TaskResult])  # noqa: UP006 - the old spelling
    assert wants_task_result("pytest_processes.TaskResult")
    assert wants_task_result("dict[str, TaskResult]")
    assert not wants_task_result(int)
    assert not wants_task_result("TaskResults")
    assert not wants_task_result("list[TaskResult]")


def test_task_run_alone_passes_the_task_result_too() -> None:
    process = Process.from_functions([load, fetch, audit])
    process.run()
    alone = process.get_task("audit").run(process)
    assert alone.result["fetch"] == (TaskStatus.SUCCESS, 42)


@pytest.mark.parametrize("parallel", MODES)
def test_no_failures_with_dependencies_waits_for_the_whole_run(parallel: bool) -> None:
    order: list[str] = []
    lock = threading.Lock()

    def record(name: str, seconds: float = 0.0) -> Any:
        def body() -> None:
            if seconds:
                time.sleep(seconds)
            with lock:
                order.append(name)

        return body

    process = Process(
        [
            Task("early", record("early")),
            Task(
                "summary",
                record("summary"),
                dependencies=[TaskDependency("early")],
                trigger="no_failures",
            ),
            Task("slow", record("slow", 0.05)),
            Task("slower", record("slower", 0.02), dependencies=[TaskDependency("slow")]),
        ]
    )
    report = process.run(parallel=parallel, max_workers=4)
    assert report.ok
    assert order[-1] == "summary"
    assert order.index("slower") < order.index("summary")
