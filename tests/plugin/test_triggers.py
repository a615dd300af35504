"""Trigger rules and self-skipping tasks under ``pytest --processes``."""

from __future__ import annotations

import pytest
from plugin_helpers import RunProcesses

BROKEN_BRANCH = """
    import pytest
    from pytest_processes import TaskResult, task

    def task_extract():
        return [1, 2]

    def task_broken():
        raise RuntimeError("disk full")

    @task(trigger="all_done")
    def task_cleanup(extract, broken):
        print(f"cleanup got extract={extract} broken={broken}")

    @pytest.mark.processes(trigger="all_done")
    def task_why(broken: TaskResult):
        print(f"why: {broken.status.value} {broken.exception!r}")

    @task(trigger="no_failures")
    def task_publish(extract):
        print("published")
"""


def test_all_done_runs_after_a_failure_and_no_failures_does_not(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_t=BROKEN_BRANCH)
    result = run_processes("-rA")
    result.stdout.fnmatch_lines(["*cleanup got extract=[[]1, 2[]] broken=None*"])
    result.stdout.fnmatch_lines(["*why: errored RuntimeError('disk full')*"])
    result.stdout.fnmatch_lines(["SKIPPED*tasks_t.py:18: a task of this run failed: 'broken'"])
    assert "published" not in result.stdout.str()
    result.assert_outcomes(passed=3, failed=1, skipped=1)


def test_no_failures_task_runs_when_the_whole_run_succeeded(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_t=BROKEN_BRANCH.replace('raise RuntimeError("disk full")', "pass"))
    result = run_processes("-rA")
    result.stdout.fnmatch_lines(["*published*"])
    result.assert_outcomes(passed=5)


def test_an_unknown_trigger_is_a_collection_error(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_t="""
        import pytest

        @pytest.mark.processes(trigger="always")
        def task_x():
            pass
        """
    )
    result = run_processes()
    result.stdout.fnmatch_lines(["*tasks_t.py:3: task 'x':*trigger*always*"])
    assert result.ret == pytest.ExitCode.INTERRUPTED
