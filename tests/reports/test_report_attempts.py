"""A retried task's earlier attempts in the library's JUnit and HTML writers and the JSON loader."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from pytest_processes import AttemptRecord, ProcessExecutionReport, TaskReportEntry
from pytest_processes.error_data import ErrorData
from pytest_processes.reports.json_io import ReportJSONError

EntryFactory = Callable[..., TaskReportEntry]
ReportFactory = Callable[..., ProcessExecutionReport]

T0 = 1_790_000_000.0
HOSTILE = "caf\udce9 \x00\x1b[31mred\x1b[0m ]]></system-err>"

FIRST = AttemptRecord(
    1,
    "failed",
    T0,
    0.25,
    "thread-1",
    "ConnectionError",
    f"db down {HOSTILE}",
    'Traceback (most recent call last):\n  File "etl.py", line 3, in fetch\n'
    "ConnectionError: db down\n",
)
LAST = AttemptRecord(2, "failed", T0 + 1, 0.5, "thread-2", "ValueError", "bad row 7")


@pytest.fixture
def retried(make_entry: EntryFactory, make_report: ReportFactory) -> ProcessExecutionReport:
    """``fetch`` failed with a connection error, then for good; ``load`` passed on retry."""
    error = ErrorData(task_name="fetch", exception="bad row 7", traceback_str="ValueError\n")
    fetch = make_entry(
        "fetch",
        "errored",
        error=error,
        error_type="ValueError",
        attempts=2,
        attempt_history=(FIRST, LAST),
    )
    passed = AttemptRecord(2, "passed", T0 + 2, 0.1, "thread-1")
    load = make_entry("load", attempts=2, attempt_history=(FIRST, passed))
    return make_report(fetch, load, make_entry("fine"))


def test_junit_has_earlier_attempts_in_system_err(
    retried: ProcessExecutionReport, tmp_path: Path, junit_schema: Any
) -> None:
    path = tmp_path / "junit.xml"
    retried.to_junit_xml(path)
    junit_schema.validate(str(path))
    cases = {c.get("name"): c for c in ET.parse(path).getroot().iter("testcase")}
    err = cases["fetch"].findtext("system-err") or ""
    assert err.startswith("Earlier attempts of this task:\n")
    assert "attempt 1: failed after 250 ms, started 2026-09-21T" in err
    assert "on thread-1: ConnectionError: db down caf" in err
    assert '      File "etl.py", line 3, in fetch' in err  # its traceback, indented
    assert "bad row 7" not in err  # the last attempt is the failure element
    assert "ConnectionError: db down" in (cases["load"].findtext("system-err") or "")
    assert cases["fine"].find("system-err") is None


def test_html_shows_earlier_attempts_under_the_task(retried: ProcessExecutionReport) -> None:
    html = retried.to_html()
    HTMLParser().feed(html)  # parses
    assert html.count("Earlier attempts (1)") == 2  # the failure card, the passed task's row
    assert "ConnectionError: db down" in html and "thread-1" in html
    assert "\x00" not in html and "\x1b" not in html and "]]></system-err>" not in html


def test_json_reads_attempts_back_and_names_a_bad_key(retried: ProcessExecutionReport) -> None:
    text = retried.to_json()
    assert ProcessExecutionReport.from_json(text).entries == retried.masked().entries
    broken = text.replace('"number": 1', '"number": "one"', 1)
    with pytest.raises(ReportJSONError, match=r"entries\['fetch'\]\.attempt_history\[0\]\.number"):
        ProcessExecutionReport.from_json(broken)
