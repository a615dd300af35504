"""Report plugins (pytest-html, pytest-reportlog, allure-pytest): one entry per task."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
from compat_helpers import requires, run_tasks

#: three tasks: a slow one, a fast one and a failing one; the JSON report holds their durations
TASKS = """
    import time

    def task_slow():
        time.sleep(0.3)  # a duration the reports must carry (not a synchronisation)

    def task_fast(slow):
        return 1

    def task_broken(fast):
        raise ValueError("bad input")
"""

OUTCOMES = {"slow": "passed", "fast": "passed", "broken": "failed"}


def _durations(pytester: pytest.Pytester) -> dict[str, float]:
    """Each task's duration, from the project's own JSON report."""
    report = json.loads((pytester.path / "run.json").read_text())
    return {name: entry["elapsed_seconds"] for name, entry in report["entries"].items()}


@requires("pytest_reportlog", "pytest-reportlog")
def test_reportlog_has_one_call_entry_per_task(pytester: pytest.Pytester) -> None:
    """Each task is one test in the log (setup, call, teardown); the call has outcome and time."""
    pytester.makepyfile(tasks_rl=TASKS)
    result = run_tasks(pytester, "--report-log=log.jsonl", "--processes-json=run.json")
    result.assert_outcomes(passed=2, failed=1)
    lines = [json.loads(line) for line in (pytester.path / "log.jsonl").read_text().splitlines()]
    reports = [entry for entry in lines if entry["$report_type"] == "TestReport"]
    calls = {entry["nodeid"]: entry for entry in reports if entry["when"] == "call"}
    assert {nodeid: entry["outcome"] for nodeid, entry in calls.items()} == {
        f"tasks_rl.py::{name}": outcome for name, outcome in OUTCOMES.items()
    }
    assert len(reports) == 3 * len(OUTCOMES)
    durations = _durations(pytester)
    for name in OUTCOMES:
        assert calls[f"tasks_rl.py::{name}"]["duration"] == pytest.approx(durations[name])
    assert durations["slow"] >= 0.3


def _html_tests(pytester: pytest.Pytester) -> dict[str, list[dict[str, Any]]]:
    """The per-test results pytest-html keeps in its report's data blob."""
    text = (pytester.path / "report.html").read_text()
    blob = re.search(r'data-jsonblob="([^"]*)"', text)
    assert blob, "no data blob in the pytest-html report"
    tests: dict[str, list[dict[str, Any]]] = json.loads(html.unescape(blob.group(1)))["tests"]
    return tests


def _milliseconds(shown: str) -> float:
    """pytest-html's duration text (``"300 ms"`` or ``"00:00:01"``) in milliseconds."""
    if shown.endswith(" ms"):
        return float(shown[:-3])
    hours, minutes, seconds = (int(part) for part in shown.split(":"))
    return ((hours * 60 + minutes) * 60 + seconds) * 1000.0


@requires("pytest_html", "pytest-html")
def test_pytest_html_lists_one_row_per_task(pytester: pytest.Pytester) -> None:
    """Each task is one row of pytest-html's report, with its outcome and its duration."""
    pytester.makepyfile(tasks_ht=TASKS)
    result = run_tasks(pytester, "--html=report.html", "--self-contained-html")
    result.assert_outcomes(passed=2, failed=1)
    tests = _html_tests(pytester)
    assert sorted(tests) == sorted(f"tasks_ht.py::{name}" for name in OUTCOMES)
    for name, outcome in OUTCOMES.items():
        (row,) = tests[f"tasks_ht.py::{name}"]
        assert row["result"].lower() == outcome
    assert _milliseconds(tests["tasks_ht.py::slow"][0]["duration"]) >= 300
    assert "ValueError: bad input" in str(tests["tasks_ht.py::broken"][0])


@requires("allure_pytest", "allure-pytest")
def test_alluredir_with_processes_is_a_usage_error(pytester: pytest.Pytester) -> None:
    """allure's report hooks need the test protocol: said before any task runs, with the fix."""
    pytester.makepyfile(tasks_al=TASKS)
    result = run_tasks(pytester, "--alluredir=allure")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--alluredir*--junitxml=report.xml*"])
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()


@requires("allure_pytest", "allure-pytest")
def test_allure_installed_without_alluredir_leaves_tasks_alone(pytester: pytest.Pytester) -> None:
    """Installed but not asked for (no ``--alluredir``), allure-pytest changes nothing."""
    pytester.makepyfile(tasks_al=TASKS)
    run_tasks(pytester).assert_outcomes(passed=2, failed=1)
