"""The typed model: processes' positional fields stay positional, ours are keyword-only."""

from __future__ import annotations

import dataclasses
import inspect
import pickle
from typing import Any

import pytest

from pytest_processes import Task, TaskReportEntry, TaskResult, TaskStatus
from pytest_processes.engine.attempt import OK, Call, Outcome, call_of, new_call, run_call
from pytest_processes.error_data import ErrorData
from pytest_processes.model.execution_report import entry_in_order, entry_of, new_entry
from pytest_processes.model.fastinit import fast_copy, fast_init, fast_positional
from pytest_processes.model.task_types import AttemptRecord

PROCESSES_ENTRY = (
    "a",
    "f",
    (1,),
    {"k": 2},
    TaskStatus.SUCCESS,
    0.5,
    1,
    "value",
    None,
)


def test_task_result_keeps_the_processes_positional_signature() -> None:
    error = ErrorData(task_name="a")
    exc = ValueError("x")
    result = TaskResult(TaskStatus.ERRORED, None, exc, error, 1.5, 2)
    assert (result.exception, result.error_data, result.elapsed_seconds) == (exc, error, 1.5)
    assert result.attempts == 2 and result.worker == "" and result.started_at is None


def test_task_result_fields_of_ours_are_keyword_only() -> None:
    result = TaskResult(TaskStatus.SUCCESS, 1, None, worker="thread-1", reason="r")
    assert (result.worker, result.reason) == ("thread-1", "r")
    with pytest.raises(TypeError, match="positional"):
        TaskResult(TaskStatus.SUCCESS, 1, None, None, 0.0, 1, 10.0)  # type: ignore[misc]


def test_task_result_compares_by_identity_as_in_processes() -> None:
    one, two = TaskResult(TaskStatus.SUCCESS, 1, None), TaskResult(TaskStatus.SUCCESS, 1, None)
    assert one != two and one == one
    assert len({one, two}) == 2  # hashable
    assert repr(one) == "TaskResult(status=success, attempts=0, elapsed_seconds=0.000)"


def test_entry_takes_the_nine_processes_fields_positionally() -> None:
    entry = TaskReportEntry(*PROCESSES_ENTRY)
    assert (entry.name, entry.result, entry.kwargs) == ("a", "value", {"k": 2})
    with pytest.raises(TypeError, match="positional"):
        TaskReportEntry(*PROCESSES_ENTRY, 1.0)  # type: ignore[misc]
    assert TaskReportEntry(*PROCESSES_ENTRY, started_at=1.0).started_at == 1.0


def test_new_entry_has_the_entrys_signature_and_errors() -> None:
    ours = inspect.signature(new_entry).parameters
    theirs = inspect.signature(TaskReportEntry).parameters
    assert [(p.name, p.kind, p.default) for p in ours.values()] == [
        (p.name, p.kind, p.default) for p in theirs.values()
    ]
    assert new_entry(*PROCESSES_ENTRY) == TaskReportEntry(*PROCESSES_ENTRY)
    with pytest.raises(TypeError, match="positional"):
        new_entry(*PROCESSES_ENTRY, 1.0)  # type: ignore[misc]
    with pytest.raises(TypeError, match="worker_name"):
        new_entry(*PROCESSES_ENTRY, worker_name="x")  # type: ignore[call-arg]


@pytest.mark.parametrize(("cls", "args"), [(Call, ("a", len, (), {})), (Outcome, (OK,))])
def test_call_and_outcome_are_keyword_only(cls: type[Any], args: tuple[Any, ...]) -> None:
    with pytest.raises(TypeError, match="takes 1 positional argument"):
        cls(*args)


def test_new_call_builds_the_same_call_as_the_class() -> None:
    values: dict[str, Any] = {"name": "a", "func": len, "args": ((1, 2),), "kwargs": {}}
    fast, plain = new_call(**values, timeout=2.0), Call(**values, timeout=2.0)
    assert type(fast) is Call
    assert dataclasses.astuple(fast) == dataclasses.astuple(plain)
    assert run_call(fast).value == 2


def test_positional_builders_take_every_field_in_declaration_order() -> None:
    call = Call(name="a", func=len, args=("xy",), kwargs={}, timeout=2.0, inputs=((0, True, ""),))
    fast = call_of(*dataclasses.astuple(call))
    assert type(fast) is Call and dataclasses.astuple(fast) == dataclasses.astuple(call)
    entry = TaskReportEntry(*PROCESSES_ENTRY, worker="w", dependencies=("b",))
    built = entry_in_order(*(getattr(entry, f.name) for f in dataclasses.fields(entry)))
    assert type(built) is TaskReportEntry and built == entry
    outcome = fast_positional(Outcome)(OK, 3, None, 1.0, 0.5, "w", "", "", "", {}, "")
    assert (outcome.kind, outcome.value, outcome.worker) == (OK, 3, "w")
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'inputs'"):
        call_of(*dataclasses.astuple(call)[:-1])  # no defaults: a missing field fails


def test_outcomes_get_their_own_traced_vars() -> None:
    build = fast_init(Outcome)
    one, two = build(kind=OK), build(kind=OK)
    assert one.traced_vars == {} and one.traced_vars is not two.traced_vars
    back = pickle.loads(pickle.dumps(build(kind=OK, value=3, traced_vars={"x": "1"})))
    assert (back.value, back.traced_vars) == (3, {"x": "1"})


def test_fast_init_needs_a_slotted_dataclass() -> None:
    @dataclasses.dataclass
    class Plain:
        x: int

    with pytest.raises(TypeError, match="slotted dataclass"):
        fast_init(Plain)


def test_an_entry_and_its_result_carry_every_shared_field() -> None:
    history = (AttemptRecord(1, "failed", 5.0, 0.5, "w", "ValueError", "bad"),)
    result = TaskResult(
        TaskStatus.SUCCESS,
        7,
        None,
        None,
        1.0,
        2,
        worker="w",
        output="out",
        started_at=5.0,
        finished_at=6.0,
        reason="why",
        error_type="",
        attempt_history=history,
    )
    entry = entry_of(Task("a", len, args=("xy",)), result)
    assert (entry.name, entry.function, entry.args, entry.result) == ("a", "len", ("xy",), 7)
    back = entry.to_result()
    for f in dataclasses.fields(TaskResult):
        assert getattr(back, f.name) == getattr(result, f.name), f.name


def test_fast_copy_reads_the_shared_fields_from_its_source() -> None:
    result = TaskResult(TaskStatus.ERRORED, 9, ValueError("x"), None, 1.0, 1, reason="r")
    entry = entry_of(Task("a", len), result)
    assert (entry.result, entry.reason, entry.elapsed_seconds) == (None, "r", 1.0)
    build = fast_copy(TaskResult, TaskReportEntry)
    back = build(entry, KeyError("k"))
    assert (back.status, back.reason, back.exception.args) == (TaskStatus.ERRORED, "r", ("k",))
