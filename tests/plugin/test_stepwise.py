"""--sw (stepwise): stop at the first failing task, resume from it next run."""

from __future__ import annotations

import pytest
from plugin_helpers import RunProcesses

CHAIN = """
    import os

    def task_extract():
        pass

    def task_transform(extract):
        if os.environ.get("TRANSFORM_FAILS"):
            raise ValueError("bad rows")

    def task_load(transform):
        pass
"""


def test_stepwise_stops_at_a_failure_and_resumes_from_it(
    pytester: pytest.Pytester, run_processes: RunProcesses, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(tasks_etl=CHAIN)
    with monkeypatch.context() as mp:
        mp.setenv("TRANSFORM_FAILS", "1")
        first = run_processes("--sw")
    first.stdout.fnmatch_lines(["*Interrupted: Test failed, continuing from this test next run.*"])
    first.assert_outcomes(passed=1, failed=1, skipped=1)
    again = run_processes("--sw", "-v")
    again.stdout.fnmatch_lines(
        [
            "stepwise: skipping 1 already passed items*",
            "processes: also running 1 upstream task(s) that were not selected: extract",
            "tasks_etl.py::transform PASSED*",
            "tasks_etl.py::load PASSED*",
        ]
    )
    again.assert_outcomes(passed=2, deselected=1)
    assert again.ret == pytest.ExitCode.OK
