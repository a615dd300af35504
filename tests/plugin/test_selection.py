"""-k, -m, node ids, --deselect, --lf, --ff: selected tasks run with their upstream as support."""

from __future__ import annotations

from pathlib import Path

import pytest
from plugin_helpers import RunProcesses

#: each task appends its name to ran.txt, so a test can see what really ran
ETL = """
    import os
    from pathlib import Path

    import pytest

    def ran(name):
        with Path(__file__).with_name("ran.txt").open("a") as f:
            f.write(name + "\\n")

    def task_extract():
        ran("extract")
        return 1

    def task_transform(extract):
        ran("transform")
        if os.environ.get("TRANSFORM_FAILS"):
            raise ValueError("bad rows")
        return 2

    @pytest.mark.slow
    def task_load(transform):
        ran("load")

    def task_report(load):
        ran("report")

    def task_other():
        ran("other")
"""


def ran(pytester: pytest.Pytester) -> list[str]:
    """Names of the tasks that ran (and forget them for the next run)."""
    path: Path = pytester.path / "ran.txt"
    if not path.exists():
        return []
    names = sorted(path.read_text().split())
    path.unlink()
    return names


@pytest.fixture
def etl(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeini("[pytest]\nmarkers =\n    slow: a slow task\n")
    pytester.makepyfile(tasks_etl=ETL)
    return pytester


@pytest.mark.parametrize(
    "selection",
    [
        ["-k", "load"],
        ["-m", "slow"],
        ["tasks_etl.py::load"],
        ["--deselect", "tasks_etl.py::report", "--deselect", "tasks_etl.py::other", "-k", "load"],
    ],
    ids=["-k", "-m", "nodeid", "deselect"],
)
def test_unselected_upstream_runs_as_support_and_is_not_reported(
    etl: pytest.Pytester, run_processes: RunProcesses, selection: list[str]
) -> None:
    result = run_processes("-v", *selection)
    result.stdout.fnmatch_lines(
        [
            "processes: also running 2 upstream task(s) that were not selected: extract, transform",
            "tasks_etl.py::load PASSED*",
        ]
    )
    result.stdout.no_fnmatch_line("*::extract *")
    result.stdout.no_fnmatch_line("*::transform *")
    outcomes = result.parseoutcomes()
    assert outcomes["passed"] == 1 and "failed" not in outcomes
    assert ran(etl) == ["extract", "load", "transform"]


def test_failing_support_task_is_named_and_its_dependant_skipped(
    etl: pytest.Pytester, run_processes: RunProcesses, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRANSFORM_FAILS", "1")
    result = run_processes("-rs", "-k", "load")
    result.stdout.fnmatch_lines(
        [
            "processes: upstream task 'transform' (not selected) failed: ValueError: bad rows",
            "*short test summary info*",
            "SKIPPED [[]1[]] tasks_etl.py:20: upstream failed: 'transform'",
        ]
    )
    result.assert_outcomes(skipped=1, deselected=4)
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_selection_without_upstream_runs_no_extra_task(
    etl: pytest.Pytester, run_processes: RunProcesses
) -> None:
    result = run_processes("-k", "other or extract")
    result.stdout.no_fnmatch_line("*also running*")
    result.assert_outcomes(passed=2, deselected=3)
    assert ran(etl) == ["extract", "other"]


def test_last_failed_reruns_failure_and_skipped_dependants(
    etl: pytest.Pytester, run_processes: RunProcesses, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRANSFORM_FAILS", "1")
    first = run_processes()
    first.assert_outcomes(passed=2, failed=1, skipped=2)
    ran(etl)

    monkeypatch.delenv("TRANSFORM_FAILS")
    result = run_processes("--lf", "-v")
    result.stdout.fnmatch_lines(
        [
            "run-last-failure: rerun previous 3 failures",
            "processes: also running 1 upstream task(s) that were not selected: extract",
            "tasks_etl.py::transform PASSED*",
            "tasks_etl.py::load PASSED*",
            "tasks_etl.py::report PASSED*",
        ]
    )
    result.assert_outcomes(passed=3)
    assert ran(etl) == ["extract", "load", "report", "transform"]

    again = run_processes("--lf")
    again.stdout.fnmatch_lines(["run-last-failure: no previously failed tests, not deselecting*"])
    again.assert_outcomes(passed=5)


def test_last_failed_across_files(pytester: pytest.Pytester, run_processes: RunProcesses) -> None:
    pytester.makepyfile(
        tasks_a="def task_extract():\n    return 1\n",
        tasks_b="""
        import os

        def task_load(extract):
            assert not os.environ.get("LOAD_FAILS")
        """,
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LOAD_FAILS", "1")
        run_processes().assert_outcomes(passed=1, failed=1)
    result = run_processes("--lf", "-v")
    result.stdout.fnmatch_lines(
        [
            "processes: also running 1 upstream task(s) that were not selected: extract",
            "tasks_b.py::load PASSED*",
        ]
    )
    result.assert_outcomes(passed=1)


def test_failed_first_runs_everything(
    etl: pytest.Pytester, run_processes: RunProcesses, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRANSFORM_FAILS", "1")
    run_processes().assert_outcomes(passed=2, failed=1, skipped=2)
    monkeypatch.delenv("TRANSFORM_FAILS")
    result = run_processes("--ff")
    result.stdout.fnmatch_lines(["run-last-failure: rerun previous 3 failures first"])
    result.assert_outcomes(passed=5)


def test_without_cacheprovider(etl: pytest.Pytester, run_processes: RunProcesses) -> None:
    result = run_processes("-p", "no:cacheprovider", "-k", "report")
    result.assert_outcomes(passed=1, deselected=4)
    assert not (etl.path / ".pytest_cache").exists()


def test_disabled_plugin_has_no_option(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(tasks_etl=ETL)
    result = pytester.runpytest("-p", "no:processes", "--processes")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unrecognized arguments: --processes*"])


def test_disabled_plugin_leaves_tests_alone(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(tasks_etl=ETL, test_ok="def test_ok(): pass")
    result = pytester.runpytest("-p", "no:processes")
    result.assert_outcomes(passed=1)
    assert not (pytester.path / "ran.txt").exists()


def test_nodeid_whose_upstream_is_in_a_file_not_given(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_a="def task_extract():\n    return 1\n",
        tasks_b="def task_load(extract):\n    assert extract == 1\n",
    )
    result = run_processes("tasks_b.py::load")
    result.assert_outcomes(passed=1)
