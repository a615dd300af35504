"""JUnit XML writer: schema-valid for every report shape; nothing reads as passed by mistake."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import pytest

from pytest_processes.error_data import ErrorData
from pytest_processes.execution_report import ProcessExecutionReport, TaskReportEntry
from pytest_processes.reports.junit import DEFAULT_CLASSNAME

EntryFactory = Callable[..., TaskReportEntry]
ReportFactory = Callable[..., ProcessExecutionReport]


class JunitValidator(Protocol):
    """What the root conftest's ``junit_schema`` fixture gives: every JUnit schema at hand."""

    def validate(self, path: str) -> None: ...


@pytest.fixture
def schema(junit_schema: JunitValidator) -> JunitValidator:
    return junit_schema


def write_and_check(
    report: ProcessExecutionReport, path: Path, schema: JunitValidator
) -> ET.Element:
    """Write the XML, validate it, check pytest's invariant (tests == number of testcases)."""
    text = report.to_junit_xml(path)
    assert path.read_text(encoding="utf-8") == text
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>\n')
    schema.validate(str(path))
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == 1
    assert "disabled" not in root.attrib and "disabled" not in suites[0].attrib
    assert int(suites[0].get("tests", "-1")) == len(suites[0].findall("testcase"))
    for case in suites[0].iter("testcase"):
        time = case.get("time", "")
        assert time and len(time.split(".")[1]) == 3, time
    return suites[0]


def test_all_passed(
    make_entry: EntryFactory,
    make_report: ReportFactory,
    tmp_path: Path,
    schema: JunitValidator,
    t0: float,
) -> None:
    report = make_report(
        make_entry("a", elapsed=0.1234567),
        make_entry("b", elapsed=2.0, deps=("a",)),
        name="pipelines.tasks_etl",
        started_at=t0,
        finished_at=t0 + 2.2,
    )
    suite = write_and_check(report, tmp_path / "junit.xml", schema)
    assert suite.get("name") == "pipelines.tasks_etl"
    assert (suite.get("failures"), suite.get("errors"), suite.get("skipped")) == ("0", "0", "0")
    assert suite.get("time") == "2.200"
    cases = suite.findall("testcase")
    assert [(c.get("classname"), c.get("name"), c.get("time")) for c in cases] == [
        ("pipelines.tasks_etl", "a", "0.123"),
        ("pipelines.tasks_etl", "b", "2.000"),
    ]
    assert all(len(c) == 0 for c in cases)


def test_failure_with_ansi_control_chars_and_non_ascii(
    make_entry: EntryFactory,
    make_report: ReportFactory,
    tmp_path: Path,
    schema: JunitValidator,
) -> None:
    error = ErrorData(
        task_name="load",
        exception="\x1b[31mcaf\u00e9 \u2603 failed\x1b[0m \x00\x08\x0b\x1b",
        traceback_str="Traceback (most recent call last):\n  File 'x.py', line 1\n"
        "KeyError: 'caf\u00e9'\x01\n",
        downstream_impact=["report"],
        traced_vars={"row": "'\u00fcber'"},
        traced_vars_location="x.py:1",
    )
    report = make_report(
        make_entry(
            "load",
            "errored",
            error=error,
            error_type="KeyError",
            output="\x1b[1mprinted\x1b[0m \x07 \u00e9\n",
        ),
    )
    path = tmp_path / "junit.xml"
    suite = write_and_check(report, path, schema)
    assert suite.get("failures") == "1"
    failure = suite.find("testcase/failure")
    assert failure is not None
    message = failure.get("message", "")
    assert message == "KeyError: caf\u00e9 \u2603 failed #x00#x08#x0B#x1B"
    text = failure.text or ""
    assert text.startswith(message + "\n")  # the summary line again, for GitLab
    assert "KeyError: 'caf\u00e9'#x01" in text
    assert "[31m" not in text and "\x1b" not in text
    assert "Not run because of this failure: report" in text
    assert "row = '\u00fcber'" in text
    assert failure.get("type") == "KeyError"
    assert suite.findtext("testcase/system-out") == "printed #x07 \u00e9\n"
    assert "\u00e9" in path.read_bytes().decode("utf-8")


def test_failure_without_any_message_still_fails(
    make_entry: EntryFactory,
    make_report: ReportFactory,
    tmp_path: Path,
    schema: JunitValidator,
) -> None:
    """junit-xml drops a failure with neither message nor output: ours always has both."""
    report = make_report(make_entry("quiet", "errored", error=ErrorData(), error_type=""))
    suite = write_and_check(report, tmp_path / "j.xml", schema)
    failure = suite.find("testcase/failure")
    assert failure is not None and failure.get("message") and failure.text
    assert suite.get("failures") == "1"


def test_error_before_the_function_ran_is_an_error_element(
    make_entry: EntryFactory,
    make_report: ReportFactory,
    tmp_path: Path,
    schema: JunitValidator,
) -> None:
    report = make_report(make_entry("wire", "errored", attempts=0, error_type="TypeError"))
    suite = write_and_check(report, tmp_path / "j.xml", schema)
    assert (suite.get("failures"), suite.get("errors")) == ("0", "1")
    assert suite.find("testcase/error") is not None


def test_skipped_with_reasons_and_pending(
    make_entry: EntryFactory,
    make_report: ReportFactory,
    tmp_path: Path,
    schema: JunitValidator,
) -> None:
    report = make_report(
        make_entry("extract", "errored"),
        make_entry("load", "skipped", reason="upstream failed: 'extract'"),
        make_entry("mark", "skipped"),
        make_entry("later", "pending"),
        interrupted="KeyboardInterrupt",
    )
    suite = write_and_check(report, tmp_path / "j.xml", schema)
    assert suite.get("skipped") == "3"
    skipped = {c.get("name"): c.find("skipped") for c in suite.iter("testcase")}
    assert (
        skipped["load"] is not None
        and skipped["load"].get("message") == "upstream failed: 'extract'"
    )
    assert skipped["mark"] is not None and skipped["mark"].get("message") == "skipped"
    pending = skipped["later"]
    assert pending is not None and "KeyboardInterrupt" in pending.get("message", "")
    assert suite.find("properties/property[@name='interrupted']") is not None


def test_zero_duration_tasks_keep_their_time(
    make_entry: EntryFactory,
    make_report: ReportFactory,
    tmp_path: Path,
    schema: JunitValidator,
) -> None:
    report = make_report(
        make_entry("instant", elapsed=0.0),
        make_entry("s", "skipped"),
        make_entry("tiny", elapsed=0.0004),
    )
    suite = write_and_check(report, tmp_path / "j.xml", schema)
    assert [c.get("time") for c in suite.iter("testcase")] == ["0.000", "0.000", "0.000"]
    assert suite.get("time") == "0.000"


def test_suite_time_is_rounded(
    make_entry: EntryFactory,
    make_report: ReportFactory,
    tmp_path: Path,
    schema: JunitValidator,
) -> None:
    """0.1 + 0.2 must not become ``0.30000000000000004`` (breaks SUREFIRE_TIME)."""
    report = make_report(make_entry("a", elapsed=0.1), make_entry("b", elapsed=0.2))
    suite = write_and_check(report, tmp_path / "j.xml", schema)
    assert suite.get("time") == "0.300"


def test_empty_report(tmp_path: Path, schema: JunitValidator) -> None:
    suite = write_and_check(ProcessExecutionReport(), tmp_path / "j.xml", schema)
    assert suite.get("name") == DEFAULT_CLASSNAME
    assert suite.get("tests") == "0"


def test_unnamed_process_uses_default_classname_and_names_stay_unique(
    make_entry: EntryFactory,
    make_report: ReportFactory,
    tmp_path: Path,
    schema: JunitValidator,
) -> None:
    # two distinct task names that sanitise to the same text
    report = make_report(make_entry("a\x01"), make_entry("a#x01"), name="")
    suite = write_and_check(report, tmp_path / "j.xml", schema)
    keys = [(c.get("classname"), c.get("name")) for c in suite.iter("testcase")]
    assert keys == [(DEFAULT_CLASSNAME, "a#x01"), (DEFAULT_CLASSNAME, "a#x01 [2]")]


def test_returns_text_without_path(make_entry: EntryFactory, make_report: ReportFactory) -> None:
    text = make_report(make_entry("a")).to_junit_xml()
    assert '<testcase name="a"' in text


MALFORMED = {
    "testcase without a name": '<testsuite name="s" tests="1"><testcase/></testsuite>',
    "negative count": '<testsuite name="s" tests="-1"/>',
    "unknown element": '<testsuite name="s" tests="1"><case name="a"/></testsuite>',
    "markup inside a failure": (
        '<testsuite name="s" tests="1"><testcase name="a"><failure><b>x</b></failure>'
        "</testcase></testsuite>"
    ),
    "time that is not seconds": (
        '<testsuite name="s" tests="1"><testcase name="a" time="fast"/></testsuite>'
    ),
    "another root": '<results><testsuite name="s" tests="0"/></results>',
}


@pytest.mark.parametrize("text", MALFORMED.values(), ids=MALFORMED.keys())
def test_the_repo_schema_rejects_malformed_files(
    tmp_path: Path, own_junit_schema: JunitValidator, text: str
) -> None:
    import xmlschema

    path = tmp_path / "bad.xml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        own_junit_schema.validate(str(path))


def test_the_repo_schema_accepts_what_gitlab_and_jenkins_read(
    tmp_path: Path, own_junit_schema: JunitValidator
) -> None:
    """Nested suites, properties, file/line, outcomes with message and type, case output."""
    path = tmp_path / "good.xml"
    path.write_text(
        '<testsuites name="all" tests="2" failures="1" errors="0" skipped="1" time="1.5">'
        '<testsuite name="s" tests="2" failures="1" errors="0" skipped="1" time="1.500"'
        ' timestamp="2026-01-01T00:00:00" hostname="h">'
        '<properties><property name="k" value="v"/></properties>'
        '<testcase classname="pkg.tasks_a" name="a" file="pkg/tasks_a.py" line="3" time="0.250">'
        '<failure message="ValueError: x" type="ValueError">ValueError: x\ntrace</failure>'
        "<system-out>out</system-out><system-err>err</system-err></testcase>"
        '<testcase classname="pkg.tasks_a" name="b" time="0">'
        '<skipped message="upstream failed" type="pytest.skip"/></testcase>'
        '<testsuite name="inner" tests="0"/>'
        "<system-out/></testsuite></testsuites>",
        encoding="utf-8",
    )
    own_junit_schema.validate(str(path))
