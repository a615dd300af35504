"""Reverse dependencies (``before=``): a task declares the tasks it must run before."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pytest_processes import (
    CircularDependencyError,
    Process,
    Task,
    TaskDefinitionError,
    TaskDependency,
    task,
    when_scheduled,
)
from pytest_processes.engine.before import BeforeDependency, add_before_edges, before_matches


def recorder(order: list[str]) -> Callable[[str], Callable[..., None]]:
    """``body(name)``: a task body that appends ``name`` to ``order`` when it runs."""

    def body(name: str) -> Callable[..., None]:
        def run(*_: Any, **__: Any) -> None:
            order.append(name)

        return run

    return body


def family_with_setup(before: list[Any]) -> tuple[list[Callable[..., Any]], list[str]]:
    """A ``deploy`` family declared before a ``setup`` task that runs before it."""
    order: list[str] = []

    @task(params={"env": ["dev", "prod"]})
    def deploy(env: str) -> None:
        order.append(f"deploy[{env}]")

    @task(before=before)
    def setup() -> None:
        order.append("setup")

    return [deploy, setup], order


@pytest.mark.parametrize(
    "before",
    [
        pytest.param(["deploy[*]"], id="instances"),
        pytest.param(["deploy"], id="family-base"),
        pytest.param([when_scheduled("deploy[*]")], id="when-scheduled"),
    ],
)
def test_a_task_runs_before_every_matching_task(before: list[Any]) -> None:
    functions, order = family_with_setup(before)
    report = Process.from_functions(functions).run(parallel=False)
    assert order == ["setup", "deploy[dev]", "deploy[prod]"]
    assert report.entries["deploy[dev]"].dependencies == ("setup",)
    assert report.entries["deploy[prod]"].dependencies == ("setup",)


def test_the_injected_edge_is_an_order_only_dependency_of_the_target() -> None:
    body = recorder([])
    target = Task("deploy", body("deploy"))
    Process([target, Task("setup", body("setup"), before=["dep*"])])
    (edge,) = target.dependencies
    assert isinstance(edge, BeforeDependency)
    assert (edge.task_name, edge.pattern, edge.conditional) == ("setup", "dep*", False)
    assert not edge.use_result_as_additional_args and not edge.use_result_as_additional_kwargs


def test_a_pattern_matching_nothing_is_an_error_naming_task_and_pattern() -> None:
    functions, _ = family_with_setup(["deplyo[*]", when_scheduled("nothing")])
    with pytest.raises(TaskDefinitionError) as info:
        Process.from_functions(functions)
    assert info.value.problems == [
        "task 'setup': before='deplyo[*]' matches no task; patterns use * and ? (brackets "
        "are literal, e.g. 'deploy[*]'); check the name",
        "task 'setup': before=when_scheduled('nothing') matches no task; patterns use * and ? "
        "(brackets are literal, e.g. 'deploy[*]'); check the name",
    ]


def test_a_before_edge_that_closes_a_cycle_is_a_cycle_error() -> None:
    tasks = [
        Task("deploy", str),
        Task("setup", str, dependencies=[TaskDependency("deploy")], before=["deploy"]),
    ]
    with pytest.raises(CircularDependencyError, match="deploy -> setup -> deploy"):
        Process(tasks)
    assert tasks[0].dependencies == []  # nothing changed on the error


def test_a_target_that_already_started_is_a_clear_error() -> None:
    """Tasks created during a run: a before-edge cannot reach a task already running."""
    tasks = [Task("deploy", str), Task("setup", str, before=["deploy"])]
    with pytest.raises(ValueError) as info:
        add_before_edges(tasks, started={"deploy"})
    assert str(info.value) == (
        "task 'setup' must run before 'deploy' (before='deploy'), but 'deploy' has already "
        "started; create 'setup' before 'deploy' starts, or leave 'deploy' out of its before="
    )
    assert tasks[0].dependencies == []


def test_adding_edges_again_adds_none_twice() -> None:
    tasks = [Task("deploy", str), Task("setup", str, before=["deploy"])]
    added: list[Any] = []
    assert add_before_edges(tasks, added=added) == []
    assert add_before_edges(tasks, added=added) == []
    assert [d.task_name for d in tasks[0].dependencies] == ["setup"]
    assert len(added) == 1


def test_an_explicit_dependency_is_not_doubled() -> None:
    tasks = [
        Task("deploy", str, dependencies=[TaskDependency("setup")]),
        Task("setup", str, before=["deploy"]),
    ]
    Process(tasks)
    assert [type(d) for d in tasks[0].dependencies] == [TaskDependency]


def test_a_task_added_later_gets_the_edge_and_removing_the_declarer_drops_it() -> None:
    order: list[str] = []
    body = recorder(order)
    process = Process([Task("setup", body("setup"), before=["deploy_*"]), Task("deploy_a", str)])
    late = Task("deploy_b", body("deploy_b"))
    process.add_task(late)
    assert late.get_dependencies_names() == {"setup"}
    process.remove_task("setup")
    assert late.dependencies == []
    assert [t.name for t in process.tasks] == ["deploy_a", "deploy_b"]


def test_a_before_edge_into_an_earlier_wave_is_a_wave_error() -> None:
    tasks = [Task("deploy", str), Task("setup", str, before=["deploy"], wave=1)]
    with pytest.raises(TaskDefinitionError, match="task 'deploy' \\(wave 0\\) depends on 'setup'"):
        Process(tasks)


@pytest.mark.parametrize(
    ("pattern", "name", "matches"),
    [
        ("deploy[*]", "deploy[dev]", True),
        ("deploy[*]", "deploy", False),
        ("deploy", "deploy[dev]", True),
        ("deploy[d?v]", "deploy[dev]", True),
        ("deploy[d]", "deploy[dev]", False),
        ("DEPLOY*", "deploy_eu", True),
        ("deploy*", "redeploy", False),
        ("*[prod]", "deploy[prod]", True),
    ],
)
def test_patterns(pattern: str, name: str, matches: bool) -> None:
    assert before_matches(pattern, name) is matches


@pytest.mark.parametrize("bad", [[""], [3], {"deploy": 1}, [None]])
def test_before_must_be_patterns(bad: Any) -> None:
    with pytest.raises(TypeError, match="Task 'setup': before"):
        Task("setup", str, before=bad)
