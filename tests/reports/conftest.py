"""Report factories for the report-writer tests: reports are built directly, no run needed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pytest_processes.error_data import ErrorData
from pytest_processes.execution_report import ProcessExecutionReport, TaskReportEntry
from pytest_processes.task_types import TaskStatus

T0 = 1_790_000_000.0  # a fixed epoch so rendered times are stable

EntryFactory = Callable[..., TaskReportEntry]
ReportFactory = Callable[..., ProcessExecutionReport]


def build_entry(
    name: str,
    status: str = "success",
    *,
    elapsed: float = 0.25,
    start: float | None = None,
    worker: str = "",
    deps: tuple[str, ...] = (),
    error: ErrorData | None = None,
    **fields: Any,
) -> TaskReportEntry:
    """A report line with sensible defaults; ``start`` is seconds after ``T0``."""
    st = TaskStatus(status)
    ran = st in (TaskStatus.SUCCESS, TaskStatus.ERRORED)
    if st is TaskStatus.ERRORED and error is None:
        error = ErrorData(task_name=name, function=f"do_{name}", exception="boom")
    values: dict[str, Any] = {
        "name": name,
        "function": f"do_{name}",
        "args": (),
        "kwargs": {},
        "status": st,
        "elapsed_seconds": elapsed if ran else 0.0,
        "attempts": 1 if ran else 0,
        "error": error,
        "started_at": T0 + start if start is not None else None,
        "finished_at": T0 + start + elapsed if start is not None else None,
        "worker": worker,
        "dependencies": deps,
    }
    values.update(fields)
    return TaskReportEntry(**values)


def build_report(
    *entries: TaskReportEntry, name: str = "nightly.etl", **kw: Any
) -> ProcessExecutionReport:
    """A report holding ``entries`` in the given order."""
    return ProcessExecutionReport(entries={e.name: e for e in entries}, process_name=name, **kw)


@pytest.fixture
def make_entry() -> EntryFactory:
    """``make_entry(name, status="success", *, elapsed, start, worker, deps, error, **fields)``."""
    return build_entry


@pytest.fixture
def make_report() -> ReportFactory:
    """``make_report(*entries, name="nightly.etl", **report_fields)``."""
    return build_report


@pytest.fixture
def t0() -> float:
    """The epoch second every factory timing is relative to."""
    return T0


TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "/srv/pipelines/tasks_etl.py", line 42, in transform\n'
    '    raise ValueError(f"bad row {row}")\n'
    "ValueError: bad row 3 <b>&amp;</b>\n"
)


@pytest.fixture
def sample_report() -> ProcessExecutionReport:
    """A realistic mixed run: two workers, one failure, its skipped dependants, output."""
    failure = ErrorData(
        task_name="transform",
        function="transform",
        args=("2026-06-01",),
        kwargs={"strict": True},
        downstream_impact=["load", "publish"],
        exception="bad row 3 <b>&amp;</b>",
        traceback_str=TRACEBACK,
        traced_vars={"row": "3", "record": "{'id': 3, 'amount': None}"},
        traced_vars_location="/srv/pipelines/tasks_etl.py:42",
    )
    return build_report(
        build_entry(
            "extract",
            elapsed=1.2,
            start=0.0,
            worker="thread-1",
            result=[1, 2, 3],
            output="fetched 3 rows\n",
        ),
        build_entry("fetch_rates", elapsed=0.8, start=0.05, worker="thread-2", result={"eur": 1.1}),
        build_entry(
            "transform",
            "errored",
            elapsed=0.4,
            start=1.25,
            worker="thread-1",
            deps=("extract", "fetch_rates"),
            error=failure,
            error_type="ValueError",
            output="\x1b[31mwarning: row 3\x1b[0m\n",
            attempts=2,
        ),
        build_entry("audit", elapsed=2.1, start=0.9, worker="thread-2", deps=("fetch_rates",)),
        build_entry("load", "skipped", deps=("transform",), reason="upstream failed: 'transform'"),
        build_entry(
            "publish", "skipped", deps=("load", "audit"), reason="upstream failed: 'transform'"
        ),
        name="nightly.etl",
        started_at=T0,
        finished_at=T0 + 3.1,
    )
