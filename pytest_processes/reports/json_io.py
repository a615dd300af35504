"""Reading a report back from the JSON written by ``ProcessExecutionReport.to_json``.

Statuses come back as ``TaskStatus``, errors as ``ErrorData``, ``args`` and
``dependencies`` as tuples. Values that ``to_json`` had to ``repr()`` stay strings:
JSON cannot say what they were. Output of processes 7.0.4's ``to_json`` (without
our extra fields) is read too. Errors name the key path that is wrong.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from ..model.error_data import ErrorData
from ..model.task_types import AttemptRecord, TaskStatus

if TYPE_CHECKING:
    from ..model.execution_report import OutputChunk, ProcessExecutionReport, TaskReportEntry

__all__ = ["ReportJSONError", "report_from_json"]

_STATUSES = ", ".join(s.value for s in TaskStatus)
T = TypeVar("T")


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
        raise ReportJSONError(f"report JSON: {where} {value!r} is not one of {_STATUSES}") from None


def _number(value: Any, where: str) -> float:
    return float(_expect(value, (int, float), where))


def _records(cls: type[Any]) -> Callable[[Any, str], tuple[Any, ...]]:
    """A reader of a JSON list of ``cls`` objects (absent in older reports: empty)."""

    def read(value: Any, where: str) -> tuple[Any, ...]:
        items = _expect(value, list, where)
        return tuple(_read(cls, item, f"{where}[{i}]") for i, item in enumerate(items))

    return read


#: how a JSON value becomes a field of each annotated type, and the value when it is absent
#: or null (``_REQUIRED``: the key must be there); fields are read by their annotation
_REQUIRED: Any = object()
_READERS: dict[str, tuple[Callable[[Any, str], Any], Any]] = {
    "str": (lambda v, w: str(_expect(v, str, w)), ""),
    "int": (lambda v, w: int(_expect(v, int, w)), _REQUIRED),
    "bool": (lambda v, w: bool(_expect(v, bool, w)), _REQUIRED),
    "float": (_number, 0.0),
    "float | None": (_number, None),
    "Any": (lambda v, w: v, None),
    "Any | None": (lambda v, w: v, None),
    "tuple[Any, ...]": (lambda v, w: tuple(_expect(v, list, w)), ()),
    "dict[str, Any]": (lambda v, w: dict(_expect(v, dict, w)), {}),
    "tuple[str, ...]": (lambda v, w: tuple(str(n) for n in _expect(v, list, w)), ()),
    "list[str]": (lambda v, w: [str(n) for n in _expect(v, list, w)], []),
    "dict[str, str]": (lambda v, w: {str(k): str(x) for k, x in _expect(v, dict, w).items()}, {}),
    "TaskStatus": (_status, _REQUIRED),
    "ErrorData | None": (lambda v, w: _read(ErrorData, v, w), None),
    "tuple[AttemptRecord, ...]": (_records(AttemptRecord), ()),
}


def _read(cls: type[T], data: Any, where: str, **missing: Any) -> T:
    """An instance of dataclass ``cls`` from its JSON object, each field read by its annotation.

    A key that is absent or null takes the field's default, else ``missing[name]``,
    else the empty value of its type; the error for a bad value names its key path.
    """
    data = _expect(data, dict, where)
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cast(Any, cls)):
        read, empty = _READERS[str(f.type)]
        value = data.get(f.name)
        if value is not None or (f.name in data and empty is _REQUIRED):
            values[f.name] = read(value, f"{where}.{f.name}")
        elif f.name in missing:
            values[f.name] = missing[f.name]
        elif f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING:
            continue
        elif empty is _REQUIRED:
            values[f.name] = read(value, f"{where}.{f.name}")  # names the missing key
        else:
            values[f.name] = copy.copy(empty)
    return cls(**values)


def _entry(name: str, data: Any) -> TaskReportEntry:
    from ..model.execution_report import TaskReportEntry

    where = f"entries[{name!r}]"
    entry = _read(TaskReportEntry, data, where, name=name, function="?", attempts=0)
    return entry if entry.name else dataclasses.replace(entry, name=name)


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

    items = _expect(data, list, "run_output")
    return tuple(_read(OutputChunk, item, f"run_output[{i}]") for i, item in enumerate(items))
