"""pytest_processes_* hooks in conftest.py files, tested the xdist way (print HOOK: lines)."""

from __future__ import annotations

import pytest
from plugin_helpers import RunProcesses

HOOKS_CONFTEST = """
    import threading

    def where():
        return "main" if threading.current_thread() is threading.main_thread() else "worker"

    def pytest_processes_run_start(tasks, workers, executor):
        names = ", ".join(t.name for t in tasks)
        print(f"HOOK: run_start [{names}] workers={workers} executor={executor} on {where()}")

    def pytest_processes_task_start(task, attempt):
        print(f"HOOK: task_start {task.name} attempt={attempt} on {where()}")

    def pytest_processes_task_finish(task, result):
        print(f"HOOK: task_finish {task.name} {result.status.value} on {where()}")

    def pytest_processes_run_finish(report):
        statuses = ", ".join(f"{n}={e.status.value}" for n, e in report.entries.items())
        print(f"HOOK: run_finish {statuses} on {where()}")
"""

ETL = """
    def task_extract():
        return 1

    def task_load(extract):
        raise ValueError("no")

    def task_report(load):
        pass
"""


def test_hooks_are_called_on_the_main_thread(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makeconftest(HOOKS_CONFTEST)
    pytester.makepyfile(tasks_etl=ETL)
    result = run_processes("-s", "--processes-workers", "2")
    result.stdout.fnmatch_lines(
        [
            "*HOOK: run_start [[]extract, load, report[]] workers=2 executor=thread on main",
            "*HOOK: task_start extract attempt=1 on main",
            "*HOOK: task_finish extract success on main",
            "*HOOK: task_start load attempt=1 on main",
            "*HOOK: task_finish load errored on main",
            "*HOOK: task_finish report skipped on main",
            "*HOOK: run_finish extract=success, load=errored, report=skipped on main",
        ]
    )
    result.stdout.no_fnmatch_line("*task_start report*")
    result.stdout.no_fnmatch_line("*on worker*")


def test_task_start_is_called_for_each_attempt(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makeconftest(HOOKS_CONFTEST)
    pytester.makepyfile(
        tasks_r="""
        import pytest_processes

        @pytest_processes.task(retries=1)
        def task_flaky():
            raise ConnectionError("down")
        """
    )
    result = run_processes("-s")
    result.stdout.fnmatch_lines(
        [
            "*HOOK: task_start flaky attempt=1 on main",
            "*HOOK: task_start flaky attempt=2 on main",
            "*HOOK: task_finish flaky errored on main",
        ]
    )


def test_conftest_in_a_subdirectory_sees_only_its_own_tasks(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    sub = pytester.mkdir("sub")
    (sub / "conftest.py").write_text(
        "def pytest_processes_task_finish(task, result):\n"
        "    print(f'HOOK: sub sees {task.name}')\n"
        "\n"
        "def pytest_processes_run_finish(report):\n"
        "    print(f'HOOK: sub run_finish {len(report.entries)}')\n"
    )
    (sub / "tasks_inner.py").write_text("def task_inner(outer):\n    pass\n")
    pytester.makepyfile(tasks_outer="def task_outer():\n    pass\n")
    result = run_processes("-s")
    result.stdout.fnmatch_lines(["*HOOK: sub sees inner*"])
    result.stdout.no_fnmatch_line("*HOOK: sub sees outer*")
    result.assert_outcomes(passed=2)


def test_optional_hooks_work_without_the_plugin(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import pytest

        @pytest.hookimpl(optionalhook=True)
        def pytest_processes_task_finish(task, result):
            print(f"HOOK: {task.name}")
        """
    )
    pytester.makepyfile(test_plain="def test_ok():\n    pass\n", tasks_a="def task_a(): pass")
    result = pytester.runpytest("-p", "no:processes", "-s")
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*HOOK*")
    with_plugin = pytester.runpytest("--processes", "-s")
    with_plugin.stdout.fnmatch_lines(["*HOOK: a*"])


def test_non_optional_hook_without_the_plugin_is_an_error(pytester: pytest.Pytester) -> None:
    """What the docs warn about: pytest's check_pending rejects unknown hooks."""
    pytester.makeconftest("def pytest_processes_task_finish(task, result):\n    pass\n")
    pytester.makepyfile(test_plain="def test_ok():\n    pass\n")
    result = pytester.runpytest("-p", "no:processes")
    assert result.ret != pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*unknown hook 'pytest_processes_task_finish'*"])


def test_a_failing_hook_stops_the_run_loudly(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makeconftest(
        """
        def pytest_processes_task_finish(task, result):
            raise RuntimeError(f"hook broke on {task.name}")
        """
    )
    pytester.makepyfile(tasks_a="def task_a(): pass")
    result = run_processes()
    assert result.ret == pytest.ExitCode.INTERNAL_ERROR
    result.stdout.fnmatch_lines(["*RuntimeError: hook broke on a*"])
