"""Task and TaskDependency construction: types, messages and the order checks run in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pytest_processes import CircularDependencyError, Task, TaskDependency


def noop() -> None:
    return None


# -- Task: one bad input at a time -------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": 1}, "name must be str"),
        ({"name": None}, "name must be str"),
        ({"func": "noop"}, "func must be callable"),
        ({"args": [1]}, "args must be tuple"),
        ({"kwargs": [("a", 1)]}, "kwargs must be dict"),
        ({"dependencies": (TaskDependency("b"),)}, "dependencies must be list"),
        ({"dependencies": ["b"]}, "dependency must be of type TaskDependency"),
        ({"traced_vars_frame_filter": 3}, "traced_vars_frame_filter must be a str or None"),
        ({"timeout": 0}, "timeout must be a positive number or None"),
        ({"timeout": -1}, "timeout must be a positive number or None"),
        ({"timeout": "1"}, "timeout must be a positive number or None"),
        ({"retries": -1}, "retries must be a non-negative int"),
        ({"retries": 1.5}, "retries must be a non-negative int"),
        ({"retries": "2"}, "retries must be a non-negative int"),
        ({"retry_on": [ValueError]}, "retry_on must be None or a tuple of Exception subclasses"),
        ({"retry_on": (ValueError, "x")}, "retry_on must be None or a tuple"),
        ({"retry_on": (KeyboardInterrupt,)}, "retry_on must be None or a tuple"),
        ({"retry_on": (ValueError(),)}, "retry_on must be None or a tuple"),
    ],
)
def test_bad_input_raises_type_error(kwargs: dict[str, Any], message: str) -> None:
    params: dict[str, Any] = {"name": "a", "func": noop, **kwargs}
    with pytest.raises(TypeError, match=message):
        Task(**params)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        # the name is checked before anything else
        ({"name": 1, "func": "x", "args": [1]}, "name must be str"),
        # type errors come before the space check
        ({"name": "a b", "func": "x"}, "func must be callable"),
        ({"name": "a b", "timeout": 0}, "timeout must be"),
        ({"func": "x", "args": [1]}, "func must be callable"),
        ({"args": [1], "kwargs": []}, "args must be tuple"),
        ({"kwargs": [], "dependencies": ()}, "kwargs must be dict"),
        ({"dependencies": (), "traced_vars_frame_filter": 1}, "dependencies must be list"),
        ({"traced_vars_frame_filter": 1, "timeout": 0}, "traced_vars_frame_filter"),
        ({"timeout": 0, "retries": -1}, "timeout must be"),
        ({"retries": -1, "retry_on": [ValueError]}, "retries must be"),
    ],
)
def test_first_failing_check_wins(kwargs: dict[str, Any], message: str) -> None:
    params: dict[str, Any] = {"name": "a", "func": noop, **kwargs}
    with pytest.raises(TypeError, match=message):
        Task(**params)


def test_name_is_lower_cased() -> None:
    assert Task("Fetch_Data", noop).name == "fetch_data"


def test_renamed_task_is_not_lower_cased_again() -> None:
    task = Task("a", noop)
    task.name = "Upper"
    assert task.name == "Upper"


def test_defaults_for_none() -> None:
    task = Task("a", noop, kwargs=None, dependencies=None, retries=None)
    assert (task.kwargs, task.dependencies, task.retries, task.args) == ({}, [], 0, ())


@pytest.mark.parametrize("timeout", [0.01, 1, 2.5, True])
def test_positive_timeouts_are_accepted(timeout: float) -> None:
    assert Task("a", noop, timeout=timeout).timeout == timeout


@pytest.mark.parametrize("retry_on", [None, (), (ValueError, OSError)])
def test_retry_on_accepts_tuples_of_exception_classes(
    retry_on: tuple[type[Exception], ...] | None,
) -> None:
    assert Task("a", noop, retry_on=retry_on).retry_on == retry_on


def test_bool_passes_as_int_for_retries() -> None:
    assert Task("a", noop, retries=True).retries is True


def test_space_in_name_raises_value_error() -> None:
    with pytest.raises(ValueError, match=r"^Task name cannot contain spaces\. Got fetch data$"):
        Task("Fetch Data", noop)


@pytest.mark.parametrize("name", ["a\tb", "a.b", ""])
def test_only_the_ascii_space_is_rejected(name: str) -> None:
    assert Task(name, noop).name == name


def test_duplicate_dependency_raises_value_error() -> None:
    deps = [TaskDependency("b"), TaskDependency("c"), TaskDependency("B")]
    with pytest.raises(ValueError, match=r"^Duplicate dependency name: b$"):
        Task("a", noop, dependencies=deps)


def test_self_dependency_raises_circular_dependency_error() -> None:
    with pytest.raises(CircularDependencyError, match=r"^Task 'a' lists itself as a dependency\.$"):
        Task("A", noop, dependencies=[TaskDependency("b"), TaskDependency("a")])


def test_dependencies_are_checked_in_list_order() -> None:
    # the self-dependency comes first, so it is reported before the duplicate
    deps = [TaskDependency("a"), TaskDependency("b"), TaskDependency("b")]
    with pytest.raises(CircularDependencyError):
        Task("a", noop, dependencies=deps)


def test_logfile_is_created_at_construction(log_path: Path) -> None:
    task = Task("a", noop, log_path=log_path)
    try:
        assert log_path.exists()
    finally:
        task.close_handlers()


def test_no_logfile_when_validation_fails(log_path: Path) -> None:
    with pytest.raises(ValueError):
        Task("a b", noop, log_path=log_path)
    assert not log_path.exists()


def test_close_handlers_is_idempotent(log_path: Path) -> None:
    task = Task("a", noop, log_path=log_path)
    task.close_handlers()
    task.close_handlers()
    assert task.logger.handlers == []


def test_get_dependencies_names() -> None:
    task = Task("a", noop, dependencies=[TaskDependency("B"), TaskDependency("c")])
    assert task.get_dependencies_names() == {"b", "c"}


# -- Task: options beyond processes ------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"trigger": "always"}, ValueError, "trigger must be one of all_success, all_done"),
        ({"locks": "db"}, TypeError, "locks must be a list of str"),
        ({"locks": ["db", 1]}, TypeError, "locks must be a list of str"),
        ({"executor": "fork"}, ValueError, "executor must be one of inline, thread"),
    ],
)
def test_engine_options_are_validated(
    kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        Task("a", noop, **kwargs)


def test_locks_list_becomes_tuple() -> None:
    assert Task("a", noop, locks=["db", "net"]).locks == ("db", "net")


# -- TaskDependency ----------------------------------------------------------


def test_dependency_name_must_be_str() -> None:
    with pytest.raises(TypeError, match="task_name must be of type str"):
        TaskDependency(1)  # type: ignore[arg-type]


def test_dependency_name_is_lower_cased() -> None:
    assert TaskDependency("Fetch").task_name == "fetch"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"use_result_as_additional_args": 1}, "use_result_as_additional_args must be of type"),
        ({"use_result_as_additional_kwargs": 1}, "use_result_as_additional_kwargs must be of type"),
        ({"use_result_as_additional_kwargs": "yes"}, "use_result_as_additional_kwargs must be"),
        ({"use_result_as_additional_kwargs": True}, "additional_kwarg_name must be a non-empty"),
        (
            {"use_result_as_additional_kwargs": True, "additional_kwarg_name": ""},
            "additional_kwarg_name must be a non-empty",
        ),
    ],
)
def test_dependency_flags_are_validated(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        TaskDependency("a", **kwargs)


def test_dependency_name_checked_before_flags() -> None:
    with pytest.raises(TypeError, match="task_name"):
        TaskDependency(None, use_result_as_additional_args=1)  # type: ignore[arg-type]


def test_dependency_hash_is_the_name_hash_but_equality_is_identity() -> None:
    first, second = TaskDependency("A"), TaskDependency("a")
    assert hash(first) == hash(second) == hash("a")
    assert first != second
    assert len({first, second}) == 2
