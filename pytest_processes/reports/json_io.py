"""Reading a report back from the JSON written by ``ProcessExecutionReport.to_json``.

Statuses come back as ``TaskStatus``, errors as ``ErrorData``, ``args`` and
``dependencies`` as tuples. Values that ``to_json`` had to ``repr()`` stay strings:
JSON cannot say what they were. Output of processes 7.0.4's ``to_json`` (without
our extra fields) is read too. Errors name the key path that is wrong.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..model.error_data import ErrorData
from ..model.task_types import AttemptRecord, TaskStatus

if TYPE_CHECKING:
    from ..model.execution_report import OutputChunk, ProcessExecutionReport, TaskReportEntry

__all__ = ["ReportJSONError", "report_from_json"]

_STATUSES = ", ".join(s.value for s in TaskStatus)


class ReportJSONError(ValueError):
    """The text is not a report written by ``to_json``; the message names the bad key."""


def _expect(value: Any, kind: type | tuple[type, ...], where: str) -> Any:
    if isinstance(value, bool) and kind in (int, float, (int, float)):
        raise ReportJSONError(f"report JSON: {where} must be a number, got {value!r}")
    if not isinstance(value, kind):
        names = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
        raise ReportJSONError(
            f"report JSON: {where} must be {names}, got {type(value).__name__} {value!r:.60}"
        )
    return value


def _opt_number(data: dict[str, Any], key: str, where: str) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    return float(_expect(value, (int, float), f"{where}.{key}"))


def _str(data: dict[str, Any], key: str, where: str, default: str = "") -> str:
    value = data.get(key, default)
    return "" if value is None else str(_expect(value, str, f"{where}.{key}"))


def _status(value: Any, where: str) -> TaskStatus:
    try:
        return TaskStatus(value)
    except ValueError:
        raise ReportJSONError(
            f"report JSON: {where}.status {value!r} is not one of {_STATUSES}"
        ) from None


def _error(data: Any, where: str) -> ErrorData | None:
    if data is None:
        return None
    data = _expect(data, dict, where)
    return ErrorData(
        task_name=_str(data, "task_name", where, "?"),
        function=_str(data, "function", where, "?"),
        args=tuple(_expect(data.get("args", []), list, f"{where}.args")),
        kwargs=dict(_expect(data.get("kwargs", {}), dict, f"{where}.kwargs")),
        downstream_impact=[
            str(n)
            for n in _expect(data.get("downstream_impact", []), list, f"{where}.downstream_impact")
        ],
        exception=_str(data, "exception", where),
        traceback_str=_str(data, "traceback_str", where),
        traced_vars={
            str(k): str(v)
            for k, v in _expect(data.get("traced_vars", {}), dict, f"{where}.traced_vars").items()
        },
        traced_vars_location=_str(data, "traced_vars_location", where),
    )


def _attempts(data: Any, where: str) -> tuple[AttemptRecord, ...]:
    """Each attempt of a task that failed at least once (absent in older reports)."""
    records = []
    for i, item in enumerate(_expect(data, list, where)):
        at = f"{where}[{i}]"
        item = _expect(item, dict, at)
        records.append(
            AttemptRecord(
                int(_expect(item.get("number"), int, f"{at}.number")),
                _str(item, "outcome", at),
                _opt_number(item, "started_at", at) or 0.0,
                _opt_number(item, "duration", at) or 0.0,
                _str(item, "worker", at),
                error_type=_str(item, "error_type", at),
                message=_str(item, "message", at),
                traceback=_str(item, "traceback", at),
            )
        )
    return tuple(records)


def _entry(name: str, data: Any) -> TaskReportEntry:
    from ..model.execution_report import TaskReportEntry

    where = f"entries[{name!r}]"
    data = _expect(data, dict, where)
    status = _status(data.get("status"), where)
    return TaskReportEntry(
        name=_str(data, "name", where, name) or name,
        function=_str(data, "function", where, "?"),
        args=tuple(_expect(data.get("args", []), list, f"{where}.args")),
        kwargs=dict(_expect(data.get("kwargs", {}), dict, f"{where}.kwargs")),
        status=status,
        elapsed_seconds=_opt_number(data, "elapsed_seconds", where) or 0.0,
        attempts=int(_expect(data.get("attempts", 0), int, f"{where}.attempts")),
        result=data.get("result"),
        error=_error(data.get("error"), f"{where}.error"),
        started_at=_opt_number(data, "started_at", where),
        finished_at=_opt_number(data, "finished_at", where),
        worker=_str(data, "worker", where),
        reason=_str(data, "reason", where),
        output=_str(data, "output", where),
        error_type=_str(data, "error_type", where),
        dependencies=tuple(
            str(d) for d in _expect(data.get("dependencies", []), list, f"{where}.dependencies")
        ),
        selected=bool(_expect(data.get("selected", True), bool, f"{where}.selected")),
        attempt_history=_attempts(data.get("attempt_history", []), f"{where}.attempt_history"),
    )


def report_from_json(text: str | bytes) -> ProcessExecutionReport:
    """The report that ``to_json`` wrote as ``text``; raises ReportJSONError naming the bad key."""
    from ..model.execution_report import ProcessExecutionReport

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportJSONError(f"report JSON is not valid JSON: {exc}") from None
    data = _expect(data, dict, "the document")
    if "entries" not in data:
        raise ReportJSONError("report JSON: the document has no 'entries' key")
    entries = _expect(data["entries"], dict, "entries")
    return ProcessExecutionReport(
        {str(name): _entry(str(name), item) for name, item in entries.items()},
        _str(data, "process_name", "document"),
        started_at=_opt_number(data, "started_at", "document"),
        finished_at=_opt_number(data, "finished_at", "document"),
        interrupted=_str(data, "interrupted", "document"),
        run_output=_run_output(data.get("run_output", [])),
    )


def _run_output(data: Any) -> tuple[OutputChunk, ...]:
    """The run-level output chunks (absent in reports from before they existed)."""
    from ..model.execution_report import OutputChunk

    chunks = []
    for i, item in enumerate(_expect(data, list, "run_output")):
        where = f"run_output[{i}]"
        item = _expect(item, dict, where)
        chunks.append(
            OutputChunk(
                float(_expect(item.get("at"), (int, float), f"{where}.at")),
                _str(item, "stream", where),
                _str(item, "text", where),
            )
        )
    return tuple(chunks)
