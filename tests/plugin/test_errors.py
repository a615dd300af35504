"""Problems found at collection name the file, the task and the fault, and run nothing."""

from __future__ import annotations

import pytest
from plugin_helpers import RunProcesses

#: a valid task next to the broken ones: it must never run when collection fails
SENTINEL = """
    from pathlib import Path

    def task_sentinel():
        Path("sentinel-ran").write_text("ran")
"""


def assert_collection_error(pytester: pytest.Pytester, result: pytest.RunResult) -> None:
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*Interrupted: * error* during collection*"])
    assert not (pytester.path / "sentinel-ran").exists()


def test_unknown_parameter_names_the_closest_names(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_ok=SENTINEL,
        tasks_etl="""
        def task_extract():
            return 1

        def task_load(extrct, tmp_pth):
            pass
        """,
    )
    result = run_processes()
    assert_collection_error(pytester, result)
    result.stdout.fnmatch_lines(
        [
            "*ERROR collecting tasks_etl.py*",
            "tasks_etl.py:4: task 'load' has parameter 'extrct' that names no task, fixture or "
            "run parameter and has no default; did you mean 'extract'?*",
            "tasks_etl.py:4: task 'load' has parameter 'tmp_pth' *did you mean 'tmp_path'*"
            "--processes-param tmp_pth=VALUE*",
        ]
    )


def test_cycle_is_printed_as_a_chain(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_ok=SENTINEL,
        tasks_loop="""
        def task_a(c):
            pass

        def task_b(a):
            pass

        def task_c(b):
            pass
        """,
    )
    result = run_processes()
    assert_collection_error(pytester, result)
    result.stdout.fnmatch_lines(["*cycle: a -> c -> b -> a (a at tasks_loop.py:1, *"])


def test_two_tasks_with_one_name_show_both_locations(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_ok=SENTINEL,
        tasks_a="def task_extract():\n    pass\n",
        tasks_b="# the same name\n\ndef task_extract():\n    pass\n",
    )
    result = run_processes()
    assert_collection_error(pytester, result)
    result.stdout.fnmatch_lines(
        [
            "two tasks are named 'extract': tasks_a.py:1 and tasks_b.py:3; "
            "rename one, or give it @task(name=...)"
        ]
    )


def test_task_name_override_clash_is_reported(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_ok=SENTINEL,
        tasks_a="""
        import pytest_processes

        def task_load():
            pass

        @pytest_processes.task(name="load")
        def write_rows():
            pass
        """,
    )
    result = run_processes()
    assert_collection_error(pytester, result)
    result.stdout.fnmatch_lines(["two tasks are named 'load': tasks_a.py:3 and tasks_a.py:6*"])


def test_task_named_thing_that_is_not_callable(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_ok=SENTINEL, tasks_bad="task_limit = 3\n")
    result = run_processes()
    assert_collection_error(pytester, result)
    result.stdout.fnmatch_lines(
        ["tasks_bad.py: 'task_limit' is named like a task but is an int, not a function*"]
    )


def test_bad_task_option(pytester: pytest.Pytester, run_processes: RunProcesses) -> None:
    pytester.makepyfile(
        tasks_ok=SENTINEL,
        tasks_opt="""
        import pytest_processes

        @pytest_processes.task(retries=-1)
        def task_flaky():
            pass
        """,
    )
    result = run_processes()
    assert_collection_error(pytester, result)
    result.stdout.fnmatch_lines(["tasks_opt.py:3: task 'flaky': retries must be *got -1"])


def test_misspelt_marker_option(pytester: pytest.Pytester, run_processes: RunProcesses) -> None:
    pytester.makepyfile(
        tasks_ok=SENTINEL,
        tasks_opt="""
        import pytest

        @pytest.mark.processes(retires=1)
        def task_flaky():
            pass

        @pytest.mark.processes(2)
        def task_positional():
            pass
        """,
    )
    result = run_processes()
    assert_collection_error(pytester, result)
    result.stdout.fnmatch_lines(
        [
            "tasks_opt.py:3: task 'flaky': unknown option 'retires' in @pytest.mark.processes; "
            "did you mean 'retries'?",
            "tasks_opt.py:7: task 'positional': @pytest.mark.processes takes keyword options only*",
        ]
    )


def test_run_parameter_that_does_not_cast(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_ok=SENTINEL,
        tasks_p="""
        import datetime

        def task_report(day: datetime.date):
            pass
        """,
    )
    result = run_processes("--processes-param", "day=31/01/2024")
    assert_collection_error(pytester, result)
    result.stdout.fnmatch_lines(
        [
            "tasks_p.py:3: task 'report': run parameter 'day': "
            "'31/01/2024' is not a date (YYYY-MM-DD)"
        ]
    )


def test_all_problems_are_reported_at_once(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_a="def task_a(nothing):\n    pass\n",
        tasks_b="def task_b(missing):\n    pass\n",
    )
    result = run_processes()
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*2 errors during collection*"])
    result.stdout.fnmatch_lines(["*task 'a' has parameter 'nothing'*"], consecutive=False)
    result.stdout.fnmatch_lines(["*task 'b' has parameter 'missing'*"], consecutive=False)


def test_continue_on_collection_errors_runs_the_sound_tasks_only(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_ok=SENTINEL,
        tasks_bad="""
        def task_broken(nothing):
            raise AssertionError("must not run")

        def task_sound_but_in_a_broken_module():
            raise AssertionError("must not run")
        """,
        tasks_loop="""
        def task_a(b):
            raise AssertionError("must not run")

        def task_b(a):
            raise AssertionError("must not run")
        """,
        tasks_needs="""
        def task_needs_broken(broken):
            raise AssertionError("must not run")

        def task_needs_loop(a):
            raise AssertionError("must not run")
        """,
    )
    result = run_processes("--continue-on-collection-errors", "-rs")
    result.assert_outcomes(passed=1, skipped=2, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*cycle: a -> b -> a*",
            "SKIPPED [[]1[]] tasks_needs.py:1: upstream failed: 'broken' (collection error)",
            "SKIPPED [[]1[]] tasks_needs.py:4: upstream failed: 'a' (collection error)",
        ]
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert (pytester.path / "sentinel-ran").exists()


def test_import_error_in_task_module(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_ok=SENTINEL, tasks_bad="import no_such_module_here\n")
    result = run_processes()
    assert_collection_error(pytester, result)
    result.stdout.fnmatch_lines(["*ModuleNotFoundError: No module named 'no_such_module_here'"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--processes-param", "nme=1"],
            "ERROR: run parameter(s) 'nme' given with --processes-param / processes_params "
            "match no parameter of any task",
        ),
        (
            ["--processes-param", "no equals sign"],
            "ERROR: Invalid run parameter 'no equals sign' from --processes-param: "
            "expected NAME=VALUE",
        ),
        (
            ["--processes-workers", "0"],
            "ERROR: Invalid workers '0' from --processes-workers: "
            "expected a whole number of at least 1",
        ),
        (
            ["--processes-retries", "-1"],
            "ERROR: Invalid retries '-1' from --processes-retries: *",
        ),
        (
            ["--processes-timeout", "soon"],
            "ERROR: Invalid timeout 'soon' from --processes-timeout: *",
        ),
        (
            ["-n", "2"],
            "ERROR: --processes cannot be combined with pytest-xdist's -n*--processes-workers N",
        ),
    ],
    ids=["unused-param", "bad-param", "workers-0", "retries", "timeout", "xdist-n"],
)
def test_usage_errors(
    pytester: pytest.Pytester, run_processes: RunProcesses, args: list[str], message: str
) -> None:
    if args[0] == "-n":
        pytest.importorskip("xdist", reason="-n comes from pytest-xdist")
    pytester.makepyfile(tasks_ok=SENTINEL, tasks_named="def task_named(name): pass")
    result = run_processes(*args, "--processes-param=name=x")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
    assert not (pytester.path / "sentinel-ran").exists()


def test_bad_ini_value_names_the_config_file(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makeini("[pytest]\nprocesses_workers = many\n")
    pytester.makepyfile(tasks_ok=SENTINEL)
    result = run_processes()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: Invalid workers 'many' from processes_workers in the config file: *"]
    )


def test_plain_pytest_ignores_bad_processes_settings(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nprocesses_workers = many\n")
    pytester.makepyfile(tasks_bad="def task_a(nothing): pass", test_ok="def test_ok(): pass")
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)


def test_xdist_from_addopts_can_be_turned_off(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytest.importorskip("xdist", reason="-n comes from pytest-xdist")
    pytester.makeini("[pytest]\naddopts = -n 2\n")
    pytester.makepyfile(tasks_ok=SENTINEL)
    result = run_processes()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*drop -n (or add -n 0 when addopts sets it)*"])
    run_processes("-n", "0").assert_outcomes(passed=1)
