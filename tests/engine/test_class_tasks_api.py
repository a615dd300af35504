"""Class tasks in the library API: ``Process.from_functions`` takes classes with ``run``."""

from __future__ import annotations

import pickle

import pytest

from pytest_processes import Process, TaskDefinitionError, TaskStatus, task
from pytest_processes.api.classes import ClassTask, ClassTaskError, snake_name


class Extract:
    """Module level: a process executor imports it by reference."""

    def run(self) -> list[int]:
        return [1, 2, 3]


@task(name="total")
class SumRows:
    def __init__(self, factor: int = 10) -> None:
        self.factor = factor

    def run(self, extract: list[int]) -> int:
        return sum(extract) * self.factor


def report(total: int) -> str:
    return f"total {total}"


@pytest.mark.parametrize("executor", ["thread", "process"])
def test_classes_and_functions_wire_by_name(executor: str) -> None:
    process = Process.from_functions([Extract, SumRows, report])
    result = process.run(executor=executor, max_workers=2)
    assert {n: e.status for n, e in result.entries.items()} == {
        "extract": TaskStatus.SUCCESS,
        "total": TaskStatus.SUCCESS,
        "report": TaskStatus.SUCCESS,
    }
    assert result.entries["report"].result == "total 60"


def test_a_class_task_pickles_and_runs_a_fresh_instance_per_call() -> None:
    call = ClassTask(SumRows, {"factor": 2})
    assert str(call.__signature__) == "(extract: 'list[int]') -> 'int'"  # without self
    again = pickle.loads(pickle.dumps(call))
    assert again(extract=[1, 2]) == 6
    assert call(extract=[5]) == 10


def test_a_class_without_run_is_a_definition_error_naming_it() -> None:
    class NoRun:
        def start(self) -> None:
            pass

    with pytest.raises(TaskDefinitionError) as info:
        Process.from_functions([NoRun, report])
    assert f"class {NoRun.__qualname__} ({__file__}:" in str(info.value)
    assert "has no run() method: a class task needs 'def run(self, ...)'" in str(info.value)


def test_wrong_constructor_arguments_are_named() -> None:
    with pytest.raises(ClassTaskError, match=r"'factr' is not a constructor argument of "):
        ClassTask(SumRows, {"factr": 2})

    class Needs:
        def __init__(self, path: str) -> None:
            self.path = path

        def run(self) -> None:
            pass

    with pytest.raises(ClassTaskError, match=r"constructor argument 'path' of Needs\(path\)"):
        ClassTask(Needs)


@pytest.mark.parametrize(
    ("name", "snake"), [("LoadRows", "load_rows"), ("HTTPFetch", "http_fetch"), ("a", "a")]
)
def test_class_task_names_are_snake_case(name: str, snake: str) -> None:
    assert snake_name(name) == snake
