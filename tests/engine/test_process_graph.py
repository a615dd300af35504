"""Process construction: validation order, error details, topological order and lookups."""

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


def names(tasks: list[Task]) -> list[str]:
    return [t.name for t in tasks]


# -- validation ----------------------------------------------------------------


@pytest.mark.parametrize("tasks", ["abc", (make("a"),), {"a": 1}, None])
def test_tasks_must_be_a_list(tasks: Any) -> None:
    with pytest.raises(TypeError, match="tasks must be list") as info:
        Process(tasks)
    # processes raises an AttributeError from its cleanup on top of the TypeError
    assert info.value.__context__ is None


def test_every_element_must_be_a_task() -> None:
    with pytest.raises(TypeError, match=r"task must be Task\. Got <class 'str'>"):
        Process([make("a"), "b"])  # type: ignore[list-item]


def test_duplicate_names_are_case_insensitive() -> None:
    with pytest.raises(ValueError, match=r"^Duplicate task name: load$"):
        Process([make("Load"), make("extract"), make("LOAD")])


def test_duplicates_are_reported_before_missing_dependencies() -> None:
    with pytest.raises(ValueError, match="Duplicate task name"):
        Process([make("a", "missing"), make("a")])


def test_missing_dependency_error_names_task_and_dependency() -> None:
    with pytest.raises(DependencyNotFoundError) as info:
        Process([make("extract"), make("load", "transform")])
    assert (info.value.task_name, info.value.missing_dep) == ("load", "transform")
    assert str(info.value) == "Task 'load' depends on missing task: 'transform'"


def test_missing_dependency_error_suggests_close_names() -> None:
    with pytest.raises(DependencyNotFoundError, match="did you mean 'transform'"):
        Process([make("transform"), make("load", "transfrom")])


def test_first_missing_dependency_in_task_then_list_order_is_reported() -> None:
    tasks = [make("a"), make("b", "a", "zz", "yy"), make("c", "xx")]
    for _ in range(5):  # processes iterates a set here; the choice must not vary
        with pytest.raises(DependencyNotFoundError) as info:
            Process(tasks)
        assert (info.value.task_name, info.value.missing_dep) == ("b", "zz")


def test_missing_dependency_is_reported_before_a_cycle() -> None:
    with pytest.raises(DependencyNotFoundError):
        Process([make("a", "b"), make("b", "a"), make("c", "nope")])


def test_cycle_error_names_the_cycle() -> None:
    with pytest.raises(CircularDependencyError) as info:
        Process([make("a", "b"), make("b", "c"), make("c", "a")])
    assert info.value.cycle == ["a", "b", "c", "a"]
    assert "a -> b -> c -> a" in str(info.value)
    assert str(info.value).startswith("Circular dependency detected")


def test_cycle_error_leaves_out_tasks_that_only_hang_off_the_cycle() -> None:
    with pytest.raises(CircularDependencyError) as info:
        Process([make("x"), make("c", "a"), make("a", "b"), make("b", "a")])
    assert info.value.cycle in (["a", "b", "a"], ["b", "a", "b"])


def test_loggers_are_closed_when_construction_fails(tmp_path: Path) -> None:
    first = make("a", log_path=tmp_path / "a.log")
    second = make("b", "missing", log_path=tmp_path / "b.log")
    assert first.logger.handlers and second.logger.handlers
    with pytest.raises(DependencyNotFoundError):
        Process([first, second])
    assert first.logger.handlers == [] and second.logger.handlers == []


def test_name_is_kept_as_given() -> None:
    assert Process([], name="Nightly ETL").name == "Nightly ETL"


# -- ordering ------------------------------------------------------------------


def test_topological_order_is_fifo_kahn() -> None:
    process = Process([make("c", "a"), make("b"), make("a"), make("d", "b")])
    assert names(process.tasks) == ["b", "a", "d", "c"]


def test_dependants_follow_input_order_when_released_together() -> None:
    process = Process([make("z", "root"), make("y", "root"), make("root"), make("x", "root")])
    assert names(process.tasks) == ["root", "z", "y", "x"]


def test_callers_list_is_not_reordered() -> None:
    tasks = [make("c", "a"), make("b"), make("a")]
    Process(tasks)
    assert names(tasks) == ["c", "b", "a"]


def test_empty_process_runs_to_an_empty_report() -> None:
    report = Process([]).run()
    assert report.entries == {}
    assert (report.successes, report.errored, report.skipped) == ({}, {}, {})


def test_dependency_names_match_case_insensitively() -> None:
    process = Process([make("Load", "EXTRACT"), make("Extract")])
    assert names(process.tasks) == ["extract", "load"]


# -- lookups -------------------------------------------------------------------


@pytest.fixture
def diamond() -> Process:
    """``a`` feeds ``b`` and ``c``; ``b`` feeds ``d``; ``c`` and ``d`` feed ``e``; ``z`` alone."""
    return Process(
        [
            make("a"),
            make("b", "a"),
            make("c", "a"),
            make("d", "b"),
            make("e", "c", "d"),
            make("z"),
        ]
    )


@pytest.mark.parametrize("name", ["c", "C"])
def test_get_task_is_case_insensitive(diamond: Process, name: str) -> None:
    assert diamond.get_task(name).name == "c"


def test_get_task_unknown_raises_task_not_found(diamond: Process) -> None:
    with pytest.raises(TaskNotFoundError, match=r"^Task not found: 'nope'$") as info:
        diamond.get_task("nope")
    assert info.value.task_name == "nope"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a", ["b", "c", "d", "e"]),
        ("A", ["b", "c", "d", "e"]),
        ("b", ["d", "e"]),
        ("e", []),
        ("z", []),
        ("unknown", []),
    ],
)
def test_get_dependant_tasks_is_breadth_first(
    diamond: Process, name: str, expected: list[str]
) -> None:
    assert names(diamond.get_dependant_tasks(name)) == expected


def test_get_dependant_tasks_returns_the_task_objects(diamond: Process) -> None:
    assert diamond.get_dependant_tasks("d") == [diamond.get_task("e")]
