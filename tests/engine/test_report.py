"""The execution report: entry order and contents, status views, extras and JSON."""

from __future__ import annotations

import dataclasses
import enum
import json
from typing import Any

import pytest

from pytest_processes import (
    ErrorData,
    Process,
    ProcessExecutionReport,
    Task,
    TaskDependency,
    TaskReportEntry,
    TaskResult,
    TaskStatus,
)
from pytest_processes.model.execution_report import new_entry

PROCESSES_FIELDS = [
    "name",
    "function",
    "args",
    "kwargs",
    "status",
    "elapsed_seconds",
    "attempts",
    "result",
    "error",
]


def noop() -> None:
    return None


def boom(*args: Any, **kwargs: Any) -> None:
    raise ValueError("broken")


@pytest.fixture
def mixed_report() -> ProcessExecutionReport:
    """``ok`` succeeds, ``bad`` fails, ``child``/``grandchild`` are skipped, ``other`` succeeds."""
    tasks = [
        Task("grandchild", noop, dependencies=[TaskDependency("child")]),
        Task("child", noop, dependencies=[TaskDependency("bad")]),
        Task("ok", lambda: {"rows": 3}, args=(), kwargs={}),
        Task("bad", boom, args=(1, 2), kwargs={"k": "v"}),
        Task("other", noop, dependencies=[TaskDependency("ok")]),
    ]
    return Process(tasks, name="nightly").run()


# -- entries -----------------------------------------------------------------------


def test_entries_follow_topological_order(mixed_report: ProcessExecutionReport) -> None:
    assert list(mixed_report.entries) == ["ok", "bad", "other", "child", "grandchild"]
    assert mixed_report.process_name == "nightly"


def test_status_views_filter_and_keep_order(mixed_report: ProcessExecutionReport) -> None:
    assert list(mixed_report.successes) == ["ok", "other"]
    assert list(mixed_report.errored) == ["bad"]
    assert list(mixed_report.skipped) == ["child", "grandchild"]
    assert mixed_report.successes is not mixed_report.successes  # a new dict each time
    assert not mixed_report.ok


def test_success_entry(mixed_report: ProcessExecutionReport) -> None:
    entry = mixed_report.entries["ok"]
    assert (entry.status, entry.result, entry.error, entry.attempts) == (
        TaskStatus.SUCCESS,
        {"rows": 3},
        None,
        1,
    )
    assert entry.function == "<lambda>"


def test_errored_entry(mixed_report: ProcessExecutionReport) -> None:
    entry = mixed_report.entries["bad"]
    assert (entry.status, entry.result, entry.attempts) == (TaskStatus.ERRORED, None, 1)
    assert (entry.args, entry.kwargs, entry.function) == ((1, 2), {"k": "v"}, "boom")
    assert entry.error is not None
    assert entry.error.task_name == "bad"
    assert entry.error.exception == "broken"
    assert entry.error.args == (1, 2)  # the constructor args, not injected ones
    assert entry.error.downstream_impact == ["child", "grandchild"]
    assert entry.error.traceback_str.rstrip().endswith("ValueError: broken")
    assert entry.error_type == "ValueError"


def test_skipped_entries_name_the_root_failure(mixed_report: ProcessExecutionReport) -> None:
    for name in ("child", "grandchild"):
        entry = mixed_report.entries[name]
        assert (entry.attempts, entry.elapsed_seconds, entry.result, entry.error) == (
            0,
            0.0,
            None,
            None,
        )
        assert entry.reason == "upstream failed: 'bad'"


def test_entry_timing_and_dependencies(mixed_report: ProcessExecutionReport) -> None:
    for name in ("ok", "bad", "other"):
        entry = mixed_report.entries[name]
        assert entry.started_at is not None and entry.finished_at is not None
        assert entry.started_at <= entry.finished_at
        assert entry.elapsed_seconds >= 0
    assert mixed_report.entries["grandchild"].dependencies == ("child",)
    assert mixed_report.started_at is not None and mixed_report.finished_at is not None
    assert mixed_report.started_at <= mixed_report.finished_at


@pytest.mark.parametrize(("parallel", "prefix"), [(False, "main"), (True, "worker-")])
def test_entry_worker_names_where_the_task_ran(parallel: bool, prefix: str) -> None:
    report = Process([Task("a", noop), Task("b", noop)]).run(parallel=parallel, max_workers=2)
    assert all(entry.worker.startswith(prefix) for entry in report.entries.values())


def test_qualified_error_type_for_non_builtin_exceptions() -> None:
    def fails() -> None:
        raise json.JSONDecodeError("bad", "doc", 0)

    entry = Process([Task("a", fails)]).run().entries["a"]
    assert entry.error_type == "json.decoder.JSONDecodeError"


def test_clean_run_is_ok() -> None:
    report = Process([Task("a", noop)]).run()
    assert report.ok
    assert report.interrupted == ""


# -- constructing by hand ------------------------------------------------------------


def test_empty_report() -> None:
    report = ProcessExecutionReport()
    assert (report.entries, report.process_name) == ({}, "")
    assert report.ok


def test_report_and_entries_are_frozen(mixed_report: ProcessExecutionReport) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        mixed_report.process_name = "x"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        mixed_report.entries["ok"].status = TaskStatus.ERRORED  # type: ignore[misc]


def test_entry_is_keyword_constructible() -> None:
    entry = TaskReportEntry(
        name="a",
        function="f",
        args=(),
        kwargs={},
        status=TaskStatus.SUCCESS,
        elapsed_seconds=0.5,
        attempts=1,
    )
    assert (entry.result, entry.error, entry.reason) == (None, None, "")


def test_error_data_defaults() -> None:
    error = ErrorData()
    assert (error.task_name, error.function, error.args, error.kwargs) == ("?", "?", (), {})
    assert (error.downstream_impact, error.exception, error.traced_vars) == ([], "", {})
    assert (error.traceback_str, error.traced_vars_location) == ("", "")
    with pytest.raises(dataclasses.FrozenInstanceError):
        error.task_name = "x"  # type: ignore[misc]


def test_from_results_fills_missing_tasks_as_pending() -> None:
    process = Process([Task("a", noop), Task("b", noop)])
    report = ProcessExecutionReport.from_results(process, {"a": TaskResult.success(1, attempts=1)})
    assert report.entries["a"].result == 1
    assert report.entries["b"].status is TaskStatus.PENDING


# -- TaskResult and TaskStatus -------------------------------------------------------


def test_task_status_values() -> None:
    assert [s.value for s in TaskStatus] == ["pending", "success", "errored", "skipped"]


def test_task_result_builders() -> None:
    error = ErrorData(task_name="a")
    exc = ValueError("x")
    pending, skipped = TaskResult.pending(), TaskResult.skipped()
    success = TaskResult.success(5, elapsed_seconds=1.5, attempts=2)
    errored = TaskResult.errored(exc, error_data=error, elapsed_seconds=0.5, attempts=3)
    assert [r.status for r in (pending, skipped, success, errored)] == [
        TaskStatus.PENDING,
        TaskStatus.SKIPPED,
        TaskStatus.SUCCESS,
        TaskStatus.ERRORED,
    ]
    assert [r.worked for r in (pending, skipped, success, errored)] == [False, False, True, False]
    assert (success.result, success.elapsed_seconds, success.attempts) == (5, 1.5, 2)
    assert (errored.result, errored.exception, errored.error_data) == (None, exc, error)
    assert (errored.elapsed_seconds, errored.attempts) == (0.5, 3)
    assert (pending.attempts, pending.elapsed_seconds, pending.result) == (0, 0.0, None)


def test_task_result_positional_constructor() -> None:
    result = TaskResult(TaskStatus.SUCCESS, "v", None)
    assert (result.error_data, result.elapsed_seconds, result.attempts) == (None, 0.0, 0)


# -- to_json ---------------------------------------------------------------------------


class Colour(enum.Enum):
    RED = "red"


class Opaque:
    def __repr__(self) -> str:
        return "<Opaque thing>"


def test_to_json_fields_and_values(mixed_report: ProcessExecutionReport) -> None:
    data = json.loads(mixed_report.to_json())
    assert data["process_name"] == "nightly"
    assert list(data["entries"]) == list(mixed_report.entries)
    ok, bad = data["entries"]["ok"], data["entries"]["bad"]
    assert list(ok)[:9] == PROCESSES_FIELDS
    assert (ok["status"], ok["result"], ok["error"]) == ("success", {"rows": 3}, None)
    assert bad["args"] == [1, 2]  # tuples become lists
    assert bad["error"]["exception"] == "broken"
    assert bad["error"]["downstream_impact"] == ["child", "grandchild"]
    assert set(bad["error"]) == set(ErrorData.__dataclass_fields__)
    assert data["entries"]["child"]["status"] == "skipped"


def test_to_json_renders_what_json_cannot_hold() -> None:
    def odd_values() -> dict[str, Any]:
        return {
            "colour": Colour.RED,
            "pair": (1, 2),
            "tags": {"x"},
            "raw": b"caf\xc3\xa9\xff",
            "thing": Opaque(),
        }

    data = json.loads(Process([Task("a", odd_values)]).run().to_json())
    assert data["entries"]["a"]["result"] == {
        "colour": "red",
        "pair": [1, 2],
        "tags": ["x"],
        "raw": "café\ufffd",
        "thing": "<Opaque thing>",
    }


def test_to_json_tries_a_callers_default_first() -> None:
    report = Process([Task("a", lambda: Opaque())]).run()

    def mine(value: Any) -> Any:
        if isinstance(value, Opaque):
            return "mine"
        raise TypeError(value)

    data = json.loads(report.to_json(default=mine))
    assert data["entries"]["a"]["result"] == "mine"
    assert data["entries"]["a"]["status"] == "success"  # other values fall back as usual


def test_to_json_passes_other_dumps_arguments(mixed_report: ProcessExecutionReport) -> None:
    text = mixed_report.to_json(indent=2, sort_keys=True)
    assert text.startswith('{\n  "entries"')
    first_entry = json.loads(text)["entries"]["ok"]
    assert list(first_entry) == sorted(first_entry)


def test_entries_built_by_the_engine_are_plain_frozen_entries() -> None:
    values: list[Any] = ["a", "f", (1,), {"k": 2}, TaskStatus.SUCCESS, 0.5, 1, 3]
    values += [None, 1.0, 1.5, "main", "", "out", "", ("b",), False, ()]
    fields = [f.name for f in dataclasses.fields(TaskReportEntry)]
    fast = new_entry(**dict(zip(fields, values, strict=True)))
    assert type(fast) is TaskReportEntry
    assert fast == TaskReportEntry(**dict(zip(fields, values, strict=True)))
    assert dataclasses.astuple(fast) == tuple(values)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.result = 4  # type: ignore[misc]
