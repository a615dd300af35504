"""Retries and timeouts: from @task, the marker, the command line and the ini file."""

from __future__ import annotations

import textwrap

import pytest
from plugin_helpers import RELEASE_CONFTEST, RunProcesses


def flaky(decoration: str = "") -> str:
    """A task that fails with ConnectionError (retried by default) until its third attempt."""
    return textwrap.dedent(
        f"""
        import pytest
        import pytest_processes

        ATTEMPTS = []

        {decoration}
        def task_flaky():
            ATTEMPTS.append(1)
            if len(ATTEMPTS) < 3:
                raise ConnectionError(f"attempt {{len(ATTEMPTS)}} failed")
            return len(ATTEMPTS)

        def task_after(flaky):
            assert flaky == 3
        """
    )


@pytest.mark.parametrize(
    ("decoration", "args"),
    [
        ("@pytest_processes.task(retries=2)", []),
        ("@pytest.mark.processes(retries=2)", []),
        ("", ["--processes-retries", "2"]),
        ("@pytest.mark.processes(retries=2)", ["--processes-retries", "0"]),
    ],
    ids=["task", "marker", "command-line", "marker-over-command-line"],
)
def test_retries_until_success(
    pytester: pytest.Pytester, run_processes: RunProcesses, decoration: str, args: list[str]
) -> None:
    pytester.makepyfile(tasks_r=flaky(decoration))
    result = run_processes("-v", *args)
    result.stdout.fnmatch_lines(["tasks_r.py::flaky PASSED (3 attempts)*"])
    result.assert_outcomes(passed=2)


def test_retries_from_ini(pytester: pytest.Pytester, run_processes: RunProcesses) -> None:
    pytester.makeini("[pytest]\nprocesses_retries = 2\n")
    pytester.makepyfile(tasks_r=flaky())
    result = run_processes("-v")
    result.stdout.fnmatch_lines(
        ["processes: workers=4, retries=2, timeout=none", "tasks_r.py::flaky PASSED (3 attempts)*"]
    )


def test_too_few_retries_fail_with_the_last_error(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_r=flaky("@pytest_processes.task(retries=1)"))
    result = run_processes("-v", "-rf")
    result.stdout.fnmatch_lines(
        [
            "tasks_r.py::flaky FAILED (2 attempts)*",
            "FAILED (2 attempts) tasks_r.py::flaky - ConnectionError: attempt 2 failed",
        ]
    )
    result.assert_outcomes(failed=1, skipped=1)


def test_errors_outside_retry_on_are_not_retried(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_r="""
        import pytest_processes

        CALLS = []

        @pytest_processes.task(retries=3)
        def task_bad():
            CALLS.append(1)
            raise ValueError(f"call {len(CALLS)}")

        @pytest_processes.task(retries=3, retry_on=(ValueError,))
        def task_bad_but_retried():
            raise ValueError("always")
        """
    )
    result = run_processes("-v")
    result.stdout.fnmatch_lines(["tasks_r.py::bad FAILED *", "*ValueError: call 1"])
    result.stdout.fnmatch_lines(["tasks_r.py::bad_but_retried FAILED (4 attempts)*"])


def test_retry_hook_sees_each_failed_attempt(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makeconftest(
        """
        def pytest_processes_task_retry(task, attempt, error):
            print(f"HOOK: retry {task.name} after attempt {attempt}: {error}")
        """
    )
    pytester.makepyfile(tasks_r=flaky("@pytest.mark.processes(retries=5)"))
    result = run_processes("-s")
    result.stdout.fnmatch_lines(
        [
            "*HOOK: retry flaky after attempt 1: *ConnectionError: attempt 1 failed",
            "*HOOK: retry flaky after attempt 2: *ConnectionError: attempt 2 failed",
        ]
    )
    result.stdout.no_fnmatch_line("*after attempt 3*")


@pytest.mark.parametrize(
    ("decoration", "args"),
    [
        ("@pytest_processes.task(timeout=0.2)", []),
        ("@pytest.mark.processes(timeout=0.2)", []),
        ("", ["--processes-timeout", "0.2"]),
    ],
    ids=["task", "marker", "command-line"],
)
@pytest.mark.parametrize("workers", ["1", "2"])
def test_timeout_fails_the_task_and_the_run_goes_on(
    pytester: pytest.Pytester,
    run_processes: RunProcesses,
    decoration: str,
    args: list[str],
    workers: str,
) -> None:
    pytester.makeconftest(RELEASE_CONFTEST)
    pytester.makepyfile(
        tasks_t=f"""
        import pytest
        import pytest_processes
        from conftest import RELEASE

        {decoration}
        def task_hang():
            RELEASE.wait(30)

        def task_after(hang):
            pass

        def task_independent():
            pass
        """
    )
    result = run_processes("-rfs", "--processes-workers", workers, *args)
    result.stdout.fnmatch_lines(
        [
            "*_ task hang _*",
            "Still running at the deadline:",
            '  File "*tasks_t.py", line 7, in task_hang',
            "    RELEASE.wait(30)",
            "TimeoutError: Task 'hang' timed out after 0.2s",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "FAILED tasks_t.py::hang - TimeoutError: Task 'hang' timed out after 0.2s*",
            "SKIPPED [[]1[]] tasks_t.py:9: upstream failed: 'hang'",
        ]
    )
    result.stdout.no_fnmatch_line("*pytest_processes/pytest/reports.py*")
    result.assert_outcomes(passed=1, failed=1, skipped=1)


def test_timeout_from_ini_in_the_header(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makeini("[pytest]\nprocesses_timeout = 30\n")
    pytester.makepyfile(tasks_t="def task_quick():\n    pass\n")
    result = run_processes()
    result.stdout.fnmatch_lines(["processes: workers=4, retries=0, timeout=30.0s"])
    result.assert_outcomes(passed=1)


def test_timed_out_attempt_is_retried(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makeconftest(RELEASE_CONFTEST)
    pytester.makepyfile(
        tasks_t="""
        import pytest_processes
        from conftest import RELEASE

        ATTEMPTS = []

        @pytest_processes.task(timeout=0.2, retries=1)
        def task_slow_once():
            ATTEMPTS.append(1)
            if len(ATTEMPTS) == 1:
                RELEASE.wait(30)
        """
    )
    result = run_processes("-v", "--processes-workers", "2")
    result.stdout.fnmatch_lines(["tasks_t.py::slow_once PASSED (2 attempts)*"])
