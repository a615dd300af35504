"""What ``pytest --processes`` collects, and what plain ``pytest`` leaves alone."""

from __future__ import annotations

import pytest
from plugin_helpers import RunProcesses

WRITES_FILE = """
    from pathlib import Path

    def task_write():
        Path("task-ran.txt").write_text("yes")
"""


def test_plain_pytest_never_runs_a_task(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(tasks_job=WRITES_FILE, test_plain="def test_ok(): pass")
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
    assert not (pytester.path / "task-ran.txt").exists()


def test_plain_pytest_with_the_task_file_as_argument_runs_no_task(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(tasks_job=WRITES_FILE)
    result = pytester.runpytest("tasks_job.py")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    assert not (pytester.path / "task-ran.txt").exists()


def test_processes_runs_tasks_and_does_not_import_tests(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_job=WRITES_FILE,
        test_plain="raise RuntimeError('test modules must not be imported')",
    )
    result = run_processes("-v")
    result.stdout.fnmatch_lines(["tasks_job.py::write PASSED*"])
    result.stdout.no_fnmatch_line("*test_plain*")
    result.assert_outcomes(passed=1)
    assert (pytester.path / "task-ran.txt").read_text() == "yes"


def test_task_functions_and_decorated_functions_become_items(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_etl="""
        import pytest_processes

        def task_extract():
            return 1

        @pytest_processes.task
        def transform(extract):
            return extract + 1

        @pytest_processes.task(name="load")
        def task_write_rows(transform):
            return transform

        @pytest_processes.task(name="task_report")
        def make_report(load):
            return load

        def helper():
            raise AssertionError("not a task")

        def _private():
            raise AssertionError("not a task")
        """
    )
    result = run_processes("--collect-only", "-q")
    result.stdout.fnmatch_lines(
        [
            "tasks_etl.py::extract",
            "tasks_etl.py::transform",
            "tasks_etl.py::load",
            "tasks_etl.py::task_report",
            "*4 tests collected*",
        ]
    )
    assert result.ret == pytest.ExitCode.OK


def test_ini_processes_files_changes_the_pattern(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makeini("[pytest]\nprocesses_files = jobs_*.py\n")
    pytester.makepyfile(
        jobs_nightly="def task_nightly(): pass",
        tasks_other="def task_other(): raise AssertionError('not a task file here')",
    )
    result = run_processes("-v")
    result.stdout.fnmatch_lines(["jobs_nightly.py::nightly PASSED*"])
    result.stdout.no_fnmatch_line("*tasks_other*")
    result.assert_outcomes(passed=1)


def test_imported_task_is_collected_once(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_a="def task_extract():\n    return [1, 2]\n",
        tasks_b="""
        from tasks_a import task_extract

        def task_count(extract):
            assert extract == [1, 2]
        """,
    )
    result = run_processes("-v")
    result.stdout.fnmatch_lines(["tasks_a.py::extract PASSED*", "tasks_b.py::count PASSED*"])
    result.stdout.no_fnmatch_line("tasks_b.py::extract*")
    result.assert_outcomes(passed=2)


def test_tasks_in_subdirectories_and_packages(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pkg = pytester.mkpydir("pipelines")
    (pkg / "tasks_sales.py").write_text("def task_sales():\n    return 3\n")
    sub = pytester.mkdir("jobs")
    (sub / "tasks_report.py").write_text("def task_report(sales):\n    assert sales == 3\n")
    result = run_processes("-v")
    result.stdout.fnmatch_lines(
        ["pipelines/tasks_sales.py::sales PASSED*", "jobs/tasks_report.py::report PASSED*"]
    )
    result.assert_outcomes(passed=2)


def test_assertions_in_task_modules_are_rewritten(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_check="""
        def task_numbers():
            return [1, 2]

        def task_check(numbers):
            assert numbers == [3]
        """
    )
    result = run_processes()
    result.stdout.fnmatch_lines(["E       assert [1, 2] == [3]"])
    result.assert_outcomes(passed=1, failed=1)


def test_markers_on_task_functions_select_with_m(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makeini("[pytest]\nmarkers =\n    nightly: slow tasks\n")
    pytester.makepyfile(
        tasks_m="""
        import pytest

        @pytest.mark.nightly
        def task_big():
            pass

        def task_small():
            pass
        """
    )
    result = run_processes("-v", "-m", "nightly", "--strict-markers")
    result.stdout.fnmatch_lines(["tasks_m.py::big PASSED*"])
    result.assert_outcomes(passed=1, deselected=1)


def test_processes_marker_is_registered_for_strict_markers(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_m="""
        import pytest

        @pytest.mark.processes(retries=1)
        def task_one():
            pass
        """
    )
    result = run_processes("--strict-markers")
    result.assert_outcomes(passed=1)


def test_no_tasks_is_exit_code_5(pytester: pytest.Pytester, run_processes: RunProcesses) -> None:
    pytester.makepyfile(tasks_empty="def helper(): pass")
    result = run_processes()
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_module_level_skip_skips_the_file(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_a="def task_a(): pass",
        tasks_skipped="""
        import pytest
        pytest.skip("not on this machine", allow_module_level=True)

        def task_never():
            raise AssertionError
        """,
    )
    result = run_processes("-rs")
    result.stdout.fnmatch_lines(["SKIPPED [[]1[]] tasks_skipped.py:2: not on this machine"])
    result.assert_outcomes(passed=1, skipped=1)


def test_assertion_details_in_a_standalone_run(pytester: pytest.Pytester) -> None:
    """In a process of its own (in-process runs inherit the outer test's assert setup)."""
    pytester.makepyfile(
        tasks_check="""
        def task_check():
            assert [1, 2] == [3]
        """
    )
    result = pytester.runpytest_subprocess("--processes", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(
        ["E       assert [[]1, 2[]] == [[]3[]]", "E         At index 0 diff: 1 != 3"]
    )
