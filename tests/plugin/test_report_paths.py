"""Report files are announced with absolute paths, as pytest announces ``--junitxml``'s."""

from __future__ import annotations

import pytest
from plugin_helpers import RunProcesses


def test_report_paths_are_printed_absolute_like_junitxml(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_two="def task_a():\n    pass\n\ndef task_b(a):\n    pass\n")
    result = run_processes(
        "--processes-json",
        "out/../reports/run.json",
        "--processes-html",
        "reports/run.html",
        "--junitxml",
        "reports/junit.xml",
    )
    result.assert_outcomes(passed=2)
    reports = pytester.path / "reports"
    result.stdout.fnmatch_lines_random(
        [
            f"*- generated xml file: {reports / 'junit.xml'} -*",
            f"*- generated processes json file: {reports / 'run.json'} -*",
            f"*- generated processes html file: {reports / 'run.html'} -*",
        ]
    )
    for name in ("run.json", "run.html", "junit.xml"):
        assert (reports / name).is_file()
