"""JUnit XML for a report: the one adapter over the ``junit-xml`` package.

One ``<testsuite>`` named after the process, one ``<testcase>`` per task, with
``classname`` = the (dotted) process name, or ``pytest_processes`` when the process
is unnamed, and ``name`` = the task name. junit-xml builds the elements; this module
works around its known gaps before serialising: every string is sanitised first
(ANSI removed, XML-illegal characters escaped visibly as ``#x1B``), failures always
carry a message *and* text (junit-xml silently drops empty ones, which would read as
a pass), times are written with 3 decimals (also 0), the ``disabled`` attribute is
dropped, and the XML declaration with its encoding is written here. A retried task's
earlier attempts go to its ``system-err``. The output validates against the
Jenkins/pytest ``junit-10.xsd``.
"""

from __future__ import annotations

import os
import socket
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING, Any

import junit_xml  # type: ignore[import-untyped]

from ..model.task_types import TaskStatus
from ._attempts import attempts_text, earlier_attempts
from ._text import format_epoch, seconds, xml_visible_escape

if TYPE_CHECKING:
    from ..model.execution_report import ProcessExecutionReport, TaskReportEntry

__all__ = ["DEFAULT_CLASSNAME", "report_to_junit_xml"]

#: ``classname`` (and suite name) of the tasks of an unnamed process.
DEFAULT_CLASSNAME = "pytest_processes"
_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'


def _ms(value: float | None) -> str:
    return f"{seconds(value):.3f}"


def failure_summary(entry: TaskReportEntry) -> str:
    """The one-line cause of a failed task (``ValueError: bad row 3``); never empty."""
    message = entry.error.exception if entry.error is not None else ""
    if entry.error_type:
        return f"{entry.error_type}: {message}" if message else entry.error_type
    return message or f"task {entry.name!r} failed without an exception message"


def _failure_text(entry: TaskReportEntry, summary: str) -> str:
    """Summary first (GitLab shows only the element text), then traceback and context."""
    parts = [summary]
    error = entry.error
    if error is not None:
        if error.traceback_str.strip():
            parts.append(error.traceback_str.rstrip())
        if error.downstream_impact:
            parts.append("Not run because of this failure: " + ", ".join(error.downstream_impact))
        if error.traced_vars:
            where = f" at {error.traced_vars_location}" if error.traced_vars_location else ""
            lines = [f"  {k} = {v}" for k, v in error.traced_vars.items()]
            parts.append(f"Traced variables{where}:\n" + "\n".join(lines))
    return "\n\n".join(parts)


def _earlier(entry: TaskReportEntry) -> str:
    """The attempts before the last, with their errors and tracebacks ("" if none)."""
    earlier = earlier_attempts(entry)
    if not earlier:
        return ""
    return f"Earlier attempts of this task:\n{attempts_text(earlier, tracebacks=True)}\n"


def _case(entry: TaskReportEntry, classname: str, name: str, interrupted: str) -> Any:
    clean = xml_visible_escape
    case = junit_xml.TestCase(
        name=clean(name),
        classname=clean(classname),
        elapsed_sec=seconds(entry.elapsed_seconds),
        stdout=clean(entry.output) or None,
        stderr=clean(_earlier(entry)) or None,
    )
    if entry.status is TaskStatus.ERRORED:
        summary = clean(failure_summary(entry))
        text = clean(_failure_text(entry, failure_summary(entry)))
        kind = clean(entry.error_type) or None
        if entry.attempts == 0:  # failed before its function ran: a setup-like error
            case.add_error_info(message=summary, output=text, error_type=kind)
        else:
            case.add_failure_info(message=summary, output=text, failure_type=kind)
    elif entry.status is TaskStatus.SKIPPED:
        reason = clean(entry.reason) or "skipped"
        case.add_skipped_info(message=reason, output=reason)
    elif entry.status is TaskStatus.PENDING:
        reason = "not run" + (f": run interrupted ({interrupted})" if interrupted else "")
        case.add_skipped_info(message=clean(reason), output=clean(reason))
    return case


def _unique(name: str, seen: set[tuple[str, str]], classname: str) -> str:
    """``name``, or ``name [2]``, ``name [3]``... so (classname, name) never repeats."""
    candidate, n = name, 1
    while (classname, candidate) in seen:
        n += 1
        candidate = f"{name} [{n}]"
    seen.add((classname, candidate))
    return candidate


def _suite_time(report: ProcessExecutionReport) -> float:
    if report.started_at is not None and report.finished_at is not None:
        return seconds(report.finished_at - report.started_at)
    return sum(seconds(e.elapsed_seconds) for e in report.entries.values())


def build_tree(report: ProcessExecutionReport) -> ET.Element:
    """The ``<testsuites>`` element of ``report`` (a single suite inside)."""
    classname = report.process_name.strip() or DEFAULT_CLASSNAME
    seen: set[tuple[str, str]] = set()
    entries = list(report.entries.values())
    names = [_unique(xml_visible_escape(e.name), seen, classname) for e in entries]
    why = report.interrupted
    cases = [_case(e, classname, n, why) for e, n in zip(entries, names, strict=True)]
    suite = junit_xml.TestSuite(
        xml_visible_escape(classname),
        cases,
        hostname=xml_visible_escape(socket.gethostname()),
        timestamp=format_epoch(report.started_at) or None,
        properties={"interrupted": xml_visible_escape(report.interrupted)}
        if report.interrupted
        else None,
        # output no single task owns (fds shared by threads), as the session's system-out
        stdout=xml_visible_escape("\n".join(report.run_output_lines())) or None,
    )
    suite_el: ET.Element = suite.build_xml_doc()
    suite_el.attrib.pop("disabled", None)
    suite_el.set("time", _ms(_suite_time(report)))
    for case_el, entry in zip(suite_el.iter("testcase"), entries, strict=True):
        case_el.set("time", _ms(entry.elapsed_seconds))  # junit-xml omits 0 and uses 6 digits
    counts = {k: suite_el.get(k, "0") for k in ("tests", "failures", "errors")}
    root = ET.Element("testsuites", counts)
    root.set("time", suite_el.get("time", "0.000"))
    root.append(suite_el)
    return root


def report_to_junit_xml(
    report: ProcessExecutionReport, path: str | os.PathLike[str] | None = None
) -> str:
    """The report as a JUnit XML document (UTF-8), secrets masked; also written to ``path``."""
    root = build_tree(report.masked())
    ET.indent(root)
    text = _DECLARATION + ET.tostring(root, encoding="unicode") + "\n"
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text
