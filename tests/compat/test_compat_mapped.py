"""Plugins mapped onto tasks (pytest-timeout, pytest-rerunfailures) or refused (pytest-xdist)."""

from __future__ import annotations

import pytest
from compat_helpers import requires, run_tasks


@requires("pytest_timeout", "pytest-timeout")
def test_timeout_option_stops_a_task_in_a_worker_process(pytester: pytest.Pytester) -> None:
    """``--timeout`` becomes the task's limit: the worker is killed, the failure names it."""
    pytester.makepyfile(
        tasks_hang="""
        import threading

        def task_hang():
            threading.Event().wait(120)  # never set: only the time limit ends it
        """
    )
    result = run_tasks(pytester, "--processes-executor", "process", "--timeout=0.5", "-rf")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*TimeoutError: Task 'hang' timed out after 0.5s*--timeout*"])


@requires("pytest_rerunfailures", "pytest-rerunfailures")
def test_reruns_option_reruns_a_failed_task(pytester: pytest.Pytester) -> None:
    """``--reruns`` becomes the task's retries, shown as that plugin shows reruns."""
    pytester.makepyfile(
        tasks_flaky="""
        from pathlib import Path

        def task_fetch():
            marker = Path(__file__).with_name("failed-once")
            if not marker.exists():
                marker.touch()
                raise ConnectionError("the first attempt loses the connection")
            return "rows"
        """
    )
    result = run_tasks(pytester, "--reruns", "2")
    result.stdout.fnmatch_lines(["tasks_flaky.py R.*", "*= 1 passed, 1 rerun in *"])


@requires("xdist", "pytest-xdist")
def test_xdist_n_is_a_usage_error(pytester: pytest.Pytester) -> None:
    """``-n`` with ``--processes`` is refused before any task runs, pointing at the right option."""
    pytester.makepyfile(tasks_ok="def task_ok():\n    raise AssertionError('must not run')\n")
    result = run_tasks(pytester, "-n", "2")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--processes cannot be combined with pytest-xdist's -n*"])
