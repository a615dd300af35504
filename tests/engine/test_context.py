"""The task context: a task that takes a ``context`` parameter sees its name, params and run."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from pytest_processes import (
    Created,
    Process,
    Task,
    TaskContext,
    TaskDefinitionError,
    TaskStatus,
    task,
)
from pytest_processes.api.context import wants_created


def test_context_gives_name_params_run_params_and_upstream_results() -> None:
    seen: dict[str, Any] = {}

    def extract() -> list[int]:
        return [1, 2]

    def broken() -> None:
        raise ValueError("no")

    @task(params={"env": ["dev", "prod"]}, trigger="all_done")
    def deploy(context: TaskContext, env: str, extract: list[int], broken: None) -> str:
        seen[context.name] = (
            dict(context.params),
            dict(context.run_params),
            dict(context.results),
        )
        return env

    Process.from_functions([extract, broken, deploy], inputs={"day": "2026-12-06"}).run()
    assert seen == {
        "deploy[dev]": ({"env": "dev"}, {"day": "2026-12-06"}, {"extract": [1, 2]}),
        "deploy[prod]": ({"env": "prod"}, {"day": "2026-12-06"}, {"extract": [1, 2]}),
    }


def test_results_and_params_are_read_only() -> None:
    def extract() -> int:
        return 1

    def load(context: TaskContext, extract: int) -> str:
        try:
            context.results["extract"] = 2  # type: ignore[index]
        except TypeError as exc:
            return type(exc).__name__
        return "written"

    report = Process.from_functions([extract, load]).run()
    assert report.entries["load"].result == "TypeError"


def test_context_logger_is_the_tasks_logger(caplog: pytest.LogCaptureFixture) -> None:
    def load(context: TaskContext) -> None:
        context.logger.info("loading %s", "a.csv")

    with caplog.at_level(logging.INFO):
        Process.from_functions([load]).run()
    assert ("pytest_processes.tasks.load", logging.INFO, "loading a.csv") in caplog.record_tuples


def test_a_task_named_context_is_a_clear_error() -> None:
    def context() -> int:
        return 1

    with pytest.raises(TaskDefinitionError) as info:
        Process.from_functions([context])
    assert str(info.value).endswith(
        "a task cannot be named 'context': the name is reserved for the task context "
        "parameter; rename the function, or give it @task(name=...)"
    )


def test_an_input_read_only_through_the_context_is_not_unused() -> None:
    def load(context: TaskContext) -> str:
        return str(context.run_params["day"])

    report = Process.from_functions([load], inputs={"day": "monday"}).run()
    assert report.entries["load"].result == "monday"


def test_a_task_without_context_is_called_as_before() -> None:
    """A hand-built Task whose function has a ``context`` parameter gets it only if asked."""

    def load(context: Any = "mine") -> Any:
        return context

    report = Process([Task("load", load), Task("other", load, kwargs={"context": 7})]).run()
    assert report.entries["load"].result == "mine"
    assert report.entries["other"].result == 7


def test_created_annotation_also_as_text_and_on_a_family() -> None:
    assert wants_created(Created)
    assert wants_created(Created[int])
    assert wants_created("Created[dict[str, int]]")
    assert wants_created("pytest_processes.Created")
    assert not wants_created("CreatedAt")
    assert not wants_created(dict)

    @task(params={"env": ["dev", "prod"]})
    def scan(context: TaskContext, env: str) -> None:
        context.create("load", lambda: env.upper())

    def summary(scan: Created[str]) -> dict[str, str]:
        return dict(scan)

    report = Process.from_functions([scan, summary]).run(executor="thread")
    assert report.entries["summary"].status is TaskStatus.SUCCESS
    # two creators: the full names tell their tasks apart
    assert report.entries["summary"].result == {"scan[dev]/load": "DEV", "scan[prod]/load": "PROD"}


def test_a_created_task_with_a_context_gets_its_own() -> None:
    def child(context: TaskContext) -> tuple[str, dict[str, Any]]:
        return context.name, dict(context.run_params)

    def parent(context: TaskContext) -> Any:
        context.create("child", child)
        return context.wait("child")["child"]

    report = Process.from_functions([parent], inputs={"day": "monday"}).run()
    assert report.entries["parent"].result == ("parent/child", {"day": "monday"})
    assert repr(TaskContext.slot()).startswith("<context ")
