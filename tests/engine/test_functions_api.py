"""The function-first API: ``@task`` and ``Process.from_functions`` wiring parameters by name."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from pytest_processes import (
    CircularDependencyError,
    Process,
    TaskDefinitionError,
    TaskStatus,
    task,
)
from pytest_processes.api.functions import task_options


def where(func: Any) -> str:
    return f"{__file__}:{inspect.getsourcelines(func)[1]}"


# -- @task ---------------------------------------------------------------------------


def test_bare_decorator_returns_the_function_itself() -> None:
    def add(x: int, y: int) -> int:
        return x + y

    assert task(add) is add
    assert add(1, 2) == 3
    assert task_options(add) is not None


def test_decorator_with_options_returns_the_function_itself() -> None:
    def add(x: int, y: int) -> int:
        return x + y

    decorated = task(retries=2, timeout=5, name="Adder")(add)
    assert decorated is add
    assert add(2, 2) == 4
    options = task_options(add)
    assert options is not None
    assert (options.retries, options.timeout, options.name) == (2, 5, "Adder")


def test_undecorated_function_has_no_options() -> None:
    def plain() -> None:
        return None

    assert task_options(plain) is None


# -- wiring --------------------------------------------------------------------------


def extract() -> list[int]:
    return [1, 2, 3]


def transform(extract: list[int], factor: int = 2) -> list[int]:
    return [x * factor for x in extract]


def load(transform: list[int], extract: list[int], dest: str) -> str:
    return f"{len(transform) + len(extract)} rows to {dest}"


def test_parameters_named_after_tasks_receive_their_results() -> None:
    process = Process.from_functions([load, transform, extract], inputs={"dest": "db"})
    assert [t.name for t in process.tasks] == ["extract", "transform", "load"]
    report = process.run()
    assert report.entries["transform"].result == [2, 4, 6]
    assert report.entries["load"].result == "6 rows to db"
    assert process.get_task("load").get_dependencies_names() == {"transform", "extract"}


def test_inputs_override_defaults() -> None:
    process = Process.from_functions([extract, transform], inputs={"factor": 10})
    assert process.run().entries["transform"].result == [10, 20, 30]


def test_defaults_are_used_when_nothing_else_matches() -> None:
    process = Process.from_functions([extract, transform])
    assert process.run().entries["transform"].result == [2, 4, 6]


def test_star_parameters_are_ignored() -> None:
    def flexible(*args: Any, **kwargs: Any) -> tuple[Any, ...]:
        return args, kwargs

    assert Process.from_functions([flexible]).run().entries["flexible"].result == ((), {})


def test_task_prefix_is_stripped_and_name_overrides() -> None:
    def task_fetch() -> int:
        return 1

    @task(name="Summary")
    def anything(fetch: int) -> int:
        return fetch + 1

    process = Process.from_functions([task_fetch, anything], name="named")
    assert [t.name for t in process.tasks] == ["fetch", "summary"]
    assert process.run().entries["summary"].result == 2
    assert process.name == "named"


def test_task_options_reach_the_task() -> None:
    calls = {"n": 0}

    @task(retries=2)
    def flaky() -> str:
        calls["n"] += 1
        raise ConnectionError("down")

    @task(trigger="all_done")
    def cleanup(flaky: Any) -> str:
        return f"cleaned after {flaky}"

    report = Process.from_functions([flaky, cleanup]).run()
    assert (report.entries["flaky"].status, report.entries["flaky"].attempts) == (
        TaskStatus.ERRORED,
        3,
    )
    assert report.entries["cleanup"].result == "cleaned after None"


def test_cycle_between_functions_is_a_circular_dependency() -> None:
    def ping(pong: int) -> int:
        return pong

    def pong(ping: int) -> int:
        return ping

    with pytest.raises(CircularDependencyError) as info:
        Process.from_functions([ping, pong])
    assert info.value.cycle == ["ping", "pong", "ping"]


# -- problems ----------------------------------------------------------------------


def test_unknown_parameter_names_task_parameter_and_closest_names() -> None:
    def loader(transfrom: list[int]) -> None:
        return None

    with pytest.raises(TaskDefinitionError) as info:
        Process.from_functions([extract, transform, loader])
    (problem,) = info.value.problems
    assert problem.startswith(where(loader))
    assert "task 'loader'" in problem
    assert "parameter 'transfrom'" in problem
    assert "did you mean 'transform'?" in problem
    assert str(info.value) == problem


def test_every_problem_is_reported_at_once() -> None:
    def first(missing_one: int) -> None:
        return None

    def second(missing_two: int) -> None:
        return None

    with pytest.raises(TaskDefinitionError) as info:
        Process.from_functions([first, second, 42], inputs={"unused": 1})  # type: ignore[list-item]
    problems = info.value.problems
    assert len(problems) == 4
    assert str(info.value).startswith("4 problems in the task graph:\n  - ")
    assert any("'missing_one'" in p and "task 'first'" in p for p in problems)
    assert any("'missing_two'" in p and "task 'second'" in p for p in problems)
    assert "42 is not callable and cannot be a task" in problems
    assert "input 'unused' is not a parameter of any task" in problems


def test_duplicate_task_names_name_both_locations() -> None:
    def fetch() -> int:
        return 1

    @task(name="fetch")
    def other() -> int:
        return 2

    with pytest.raises(TaskDefinitionError) as info:
        Process.from_functions([fetch, other])
    (problem,) = info.value.problems
    assert "two tasks are named 'fetch'" in problem
    assert where(fetch) in problem and where(other) in problem


def test_invalid_task_options_are_reported_with_the_location() -> None:
    @task(timeout=0)
    def slow() -> None:
        return None

    with pytest.raises(TaskDefinitionError) as info:
        Process.from_functions([slow])
    (problem,) = info.value.problems
    assert problem.startswith(where(slow))
    assert "task 'slow': timeout must be a positive number or None" in problem


def test_positional_only_parameter_for_a_result_is_a_problem() -> None:
    def needs(extract: list[int], /) -> None:
        return None

    with pytest.raises(TaskDefinitionError, match="positional-only"):
        Process.from_functions([extract, needs])


def test_task_definition_error_is_a_value_error() -> None:
    assert issubclass(TaskDefinitionError, ValueError)
