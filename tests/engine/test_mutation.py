"""Changing a built process: add_task, remove_task, add_task_dependency (atomic, re-validated)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pytest_processes import (
    CircularDependencyError,
    DependencyNotFoundError,
    Process,
    Task,
    TaskDependency,
    TaskNotFoundError,
)


def noop() -> None:
    return None


def make(name: str, *deps: str, **kwargs: Any) -> Task:
    return Task(name, noop, dependencies=[TaskDependency(d) for d in deps], **kwargs)


def names(process: Process) -> list[str]:
    return [t.name for t in process.tasks]


@pytest.fixture
def chain() -> Process:
    """``a`` <- ``b`` <- ``c``, and ``a`` <- ``d``."""
    return Process([make("a"), make("b", "a"), make("c", "b"), make("d", "a")])


# -- add_task ------------------------------------------------------------------------


def test_add_task_resorts_the_graph(chain: Process) -> None:
    chain.add_task(make("first"))
    chain.add_task(make("last", "c"))
    assert names(chain) == ["a", "first", "b", "d", "c", "last"]
    assert chain.get_task("LAST").name == "last"


@pytest.mark.parametrize(
    ("new", "error", "message"),
    [
        ("not a task", TypeError, "task must be Task"),
        (make("B"), ValueError, "Duplicate task name: b"),
        (make("e", "nope"), DependencyNotFoundError, "depends on missing task: 'nope'"),
    ],
)
def test_add_task_rejects_and_changes_nothing(
    chain: Process, new: Any, error: type[Exception], message: str
) -> None:
    before = list(chain.tasks)
    with pytest.raises(error, match=message):
        chain.add_task(new)
    assert chain.tasks == before
    assert len(chain.run().successes) == 4


def test_add_task_rejects_a_cycle(chain: Process) -> None:
    task = make("e")
    task.dependencies.append(TaskDependency("e"))  # changed after construction
    with pytest.raises(CircularDependencyError):
        chain.add_task(task)
    assert "e" not in names(chain)


def test_mutation_discards_previous_results(chain: Process) -> None:
    chain.run()
    assert chain.runner.results
    chain.add_task(make("e"))
    assert chain.runner.results == {}
    assert list(chain.run().entries) == ["a", "e", "b", "d", "c"]


# -- remove_task -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["c", "C"])
def test_remove_task_is_case_insensitive(chain: Process, name: str) -> None:
    chain.remove_task(name)
    assert names(chain) == ["a", "b", "d"]
    assert list(chain.run().entries) == ["a", "b", "d"]


def test_remove_unknown_task(chain: Process) -> None:
    with pytest.raises(TaskNotFoundError, match="nope"):
        chain.remove_task("nope")


def test_remove_a_required_task_lists_its_dependants(chain: Process) -> None:
    with pytest.raises(ValueError) as info:
        chain.remove_task("A")
    assert str(info.value) == (
        "Cannot remove task 'a': still required by b, d. Remove the dependent task(s) first."
    )
    assert names(chain) == ["a", "b", "d", "c"]


def test_remove_task_closes_its_handlers(tmp_path: Path) -> None:
    removed = make("b", log_path=tmp_path / "b.log")
    process = Process([make("a"), removed])
    process.remove_task("b")
    assert removed.logger.handlers == []


# -- add_task_dependency -------------------------------------------------------------


def test_add_task_dependency_changes_order_and_the_tasks_own_list(chain: Process) -> None:
    dependency = TaskDependency("C")
    chain.add_task_dependency("D", dependency)
    assert names(chain) == ["a", "b", "c", "d"]
    assert chain.get_task("d").dependencies[-1] is dependency


def test_added_dependency_passes_its_result() -> None:
    process = Process([Task("a", lambda: 5), Task("b", lambda x=0: x * 2)])
    process.add_task_dependency("b", TaskDependency("a", use_result_as_additional_args=True))
    assert process.run().entries["b"].result == 10


@pytest.mark.parametrize(
    ("task_name", "dependency", "error", "message"),
    [
        ("nope", "a", TypeError, "dependency must be of type TaskDependency"),
        ("nope", TaskDependency("a"), TaskNotFoundError, "Task not found: 'nope'"),
        ("B", TaskDependency("A"), ValueError, "Task 'b' already depends on 'a'."),
        ("d", TaskDependency("zz"), DependencyNotFoundError, "missing task: 'zz'"),
        ("a", TaskDependency("c"), CircularDependencyError, "Circular dependency detected"),
        ("a", TaskDependency("a"), CircularDependencyError, "Circular dependency detected"),
    ],
)
def test_add_task_dependency_rejects_and_changes_nothing(
    chain: Process, task_name: str, dependency: Any, error: type[Exception], message: str
) -> None:
    before = {t.name: list(t.dependencies) for t in chain.tasks}
    order = names(chain)
    with pytest.raises(error, match=message.replace(".", r"\.")):
        chain.add_task_dependency(task_name, dependency)
    assert {t.name: list(t.dependencies) for t in chain.tasks} == before
    assert names(chain) == order
    assert len(chain.run().successes) == 4
