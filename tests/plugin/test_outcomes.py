"""Running the graph: parallel workers, failures and their dependants, pytest's exit codes."""

from __future__ import annotations

import pytest
from plugin_helpers import RunProcesses

ETL = """
    def task_extract():
        return [1, 2]

    def task_transform(extract):
        return [x * 2 for x in extract]

    def task_load(transform):
        raise ValueError("warehouse refused the rows")

    def task_report(load):
        pass

    def task_archive(report):
        pass

    def task_audit(extract):
        pass
"""


@pytest.mark.parametrize("workers", [2, 3])
def test_workers_really_overlap(
    pytester: pytest.Pytester, run_processes: RunProcesses, workers: int
) -> None:
    pytester.makepyfile(
        tasks_par=f"""
        import threading

        # every task waits here until {workers} of them are inside at once
        BARRIER = threading.Barrier({workers}, timeout=10)

        def task_a():
            BARRIER.wait()

        def task_b():
            BARRIER.wait()

        def task_c():
            if {workers} == 3:
                BARRIER.wait()
        """
    )
    result = run_processes("--processes-workers", str(workers))
    result.assert_outcomes(passed=3)


def test_one_worker_runs_tasks_one_at_a_time(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_seq="""
        import threading

        RUNNING = []

        def task_a():
            RUNNING.append("a")
            assert RUNNING == ["a"], RUNNING
            RUNNING.remove("a")
            assert threading.current_thread() is threading.main_thread()

        def task_b():
            RUNNING.append("b")
            assert RUNNING == ["b"], RUNNING
            RUNNING.remove("b")
        """
    )
    result = run_processes("--processes-workers", "1")
    result.assert_outcomes(passed=2)


def test_ini_processes_workers(pytester: pytest.Pytester, run_processes: RunProcesses) -> None:
    pytester.makeini("[pytest]\nprocesses_workers = 2\n")
    pytester.makepyfile(
        tasks_par="""
        import threading

        BARRIER = threading.Barrier(2, timeout=10)

        def task_a():
            BARRIER.wait()

        def task_b():
            BARRIER.wait()
        """
    )
    result = run_processes()
    result.stdout.fnmatch_lines(["processes: workers=2, retries=0, timeout=none"])
    result.assert_outcomes(passed=2)


def test_failure_skips_dependants_with_the_root_cause(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_etl=ETL)
    result = run_processes("-v", "-rfs")
    # with several workers -v lists tasks as they finish: audit (independent of the
    # failed chain) may come anywhere after extract, so it is checked on its own
    result.stdout.fnmatch_lines(["tasks_etl.py::extract PASSED*", "tasks_etl.py::audit PASSED*"])
    result.stdout.fnmatch_lines(
        [
            "tasks_etl.py::extract PASSED*",
            "tasks_etl.py::transform PASSED*",
            "tasks_etl.py::load FAILED*",
            "tasks_etl.py::report SKIPPED (upstream failed: 'load')*",
            "tasks_etl.py::archive SKIPPED (upstream failed: 'load')*",
        ],
        consecutive=False,
    )
    result.stdout.fnmatch_lines(
        [
            "*short test summary info*",
            "FAILED tasks_etl.py::load - ValueError: warehouse refused the rows",
            "SKIPPED [[]1[]] tasks_etl.py:10: upstream failed: 'load'",
            "SKIPPED [[]1[]] tasks_etl.py:13: upstream failed: 'load'",
            "*1 failed, 3 passed, 2 skipped*",
        ]
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_failure_report_shows_the_task_code_not_the_engine(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_etl=ETL)
    result = run_processes()
    result.stdout.fnmatch_lines(
        [
            "*_ task load _*",
            "transform = [[]2, 4[]]",
            "    def task_load(transform):",
            '>       raise ValueError("warehouse refused the rows")',
            "E       ValueError: warehouse refused the rows",
            "tasks_etl.py:8: ValueError",
        ]
    )
    result.stdout.no_fnmatch_line("*pytest_processes/engine*")


def test_quiet_and_default_output(pytester: pytest.Pytester, run_processes: RunProcesses) -> None:
    pytester.makepyfile(tasks_etl=ETL)
    result = run_processes("-q")
    result.stdout.fnmatch_lines(["*1 failed, 3 passed, 2 skipped in *"])
    result.stdout.no_fnmatch_line("*test session starts*")
    result = run_processes("--processes-workers", "1")
    # one letter per task; their order follows the critical path once durations are known
    line = next(x for x in result.stdout.lines if x.startswith("tasks_etl.py "))
    assert sorted(line.split()[1]) == sorted("...Fss")


def test_durations(pytester: pytest.Pytester, run_processes: RunProcesses) -> None:
    pytester.makepyfile(
        tasks_d="""
        import time

        def task_slow():
            time.sleep(0.2)

        def task_fast():
            pass
        """
    )
    result = run_processes("--durations=1", "--durations-min=0.1")
    result.stdout.fnmatch_lines(["*slowest 1 durations*", "0.2*s call *tasks_d.py::slow"])


def test_skip_inside_a_task(pytester: pytest.Pytester, run_processes: RunProcesses) -> None:
    pytester.makepyfile(
        tasks_s="""
        import pytest

        def task_maybe():
            pytest.skip("nothing to do today")

        def task_after(maybe):
            assert maybe is None
        """
    )
    result = run_processes("-rs")
    result.stdout.fnmatch_lines(["SKIPPED [[]1[]] tasks_s.py:*: nothing to do today"])
    result.assert_outcomes(passed=1, skipped=1)


def test_async_task(pytester: pytest.Pytester, run_processes: RunProcesses) -> None:
    pytester.makepyfile(
        tasks_async="""
        import asyncio

        async def task_fetch():
            await asyncio.sleep(0)
            return 5

        def task_use(fetch):
            assert fetch == 5
        """
    )
    result = run_processes()
    result.assert_outcomes(passed=2)


@pytest.mark.parametrize(
    ("source", "code"),
    [
        ("def task_ok(): pass", pytest.ExitCode.OK),
        ("def task_bad(): raise ValueError", pytest.ExitCode.TESTS_FAILED),
        ("def task_bad(nothing): pass", pytest.ExitCode.INTERRUPTED),
        ("def helper(): pass", pytest.ExitCode.NO_TESTS_COLLECTED),
    ],
    ids=["ok", "failed", "collection-error", "no-tasks"],
)
def test_exit_codes(
    pytester: pytest.Pytester, run_processes: RunProcesses, source: str, code: pytest.ExitCode
) -> None:
    pytester.makepyfile(tasks_x=source)
    assert run_processes().ret == code


def test_skip_and_xfail_marks_on_tasks(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_marks="""
        import pytest

        @pytest.mark.skip(reason="not today")
        def task_skipped():
            raise AssertionError("a skipped task must not run")

        @pytest.mark.skipif("True", reason="not on this platform")
        def task_skipped_if():
            raise AssertionError("must not run")

        @pytest.mark.xfail(reason="known bug")
        def task_known_bug():
            raise ValueError("the known bug")

        @pytest.mark.xfail(reason="never run it", run=False)
        def task_not_run():
            raise AssertionError("must not run")

        @pytest.mark.xfail(reason="fixed?", strict=True)
        def task_fixed():
            pass

        def task_needs_skipped(skipped):
            raise AssertionError("must not run")

        def task_needs_that(needs_skipped):
            raise AssertionError("must not run")

        def task_needs_known_bug(known_bug):
            raise AssertionError("must not run")
        """
    )
    result = run_processes("-v", "-rsxXf")
    result.stdout.fnmatch_lines(
        [
            "tasks_marks.py::skipped SKIPPED (not today)*",
            "tasks_marks.py::skipped_if SKIPPED (not on this platform)*",
            "tasks_marks.py::not_run XFAIL ([[]NOTRUN[]] never run it)*",
            "tasks_marks.py::needs_skipped SKIPPED (upstream skipped: 'skipped')*",
            "tasks_marks.py::needs_that SKIPPED (upstream skipped: 'skipped')*",
        ]
    )
    result.stdout.fnmatch_lines(["tasks_marks.py::known_bug XFAIL (known bug)*"], consecutive=False)
    result.stdout.fnmatch_lines(
        ["tasks_marks.py::needs_known_bug SKIPPED (upstream failed: 'known_bug')*"]
    )
    if pytest.version_tuple >= (9,):
        result.stdout.fnmatch_lines(["FAILED tasks_marks.py::fixed - [[]XPASS(strict)[]] fixed?"])
    else:  # pytest 8 gives a strict XPASS's reason in its section, not on the summary line
        result.stdout.fnmatch_lines(["[[]XPASS(strict)[]] fixed?", "FAILED tasks_marks.py::fixed"])
    result.stdout.no_fnmatch_line("*must not run*")
    result.assert_outcomes(failed=1, skipped=5, xfailed=2)


def test_bad_skipif_condition_is_an_error_of_that_task(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_bad="""
        import pytest

        @pytest.mark.skipif("nonsense +", reason="?")
        def task_a():
            pass

        def task_b(a):
            pass

        def task_c():
            pass
        """
    )
    result = run_processes("-rs")
    result.stdout.fnmatch_lines(
        [
            "*ERROR at setup of task a*",
            "Error evaluating 'skipif' condition",
            "SKIPPED [[]1[]] tasks_bad.py:7: upstream failed: 'a'",
        ]
    )
    result.assert_outcomes(passed=1, errors=1, skipped=1)


def test_runxfail_runs_xfail_tasks(pytester: pytest.Pytester, run_processes: RunProcesses) -> None:
    pytester.makepyfile(
        tasks_x="""
        import pytest

        @pytest.mark.xfail(reason="never run it", run=False)
        def task_a():
            raise ValueError("ran")
        """
    )
    result = run_processes("--runxfail")
    result.assert_outcomes(failed=1)
