"""Parameters filled by name: task results, run parameters (cast by annotation), defaults."""

from __future__ import annotations

import pytest
from plugin_helpers import RunProcesses


def test_task_result_injected_by_parameter_name(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_etl="""
        def task_extract():
            return [1, 2, 3]

        def task_transform(extract):
            return [x * 10 for x in extract]

        def task_load(transform, extract):
            assert transform == [10, 20, 30]
            assert extract == [1, 2, 3]
        """
    )
    result = run_processes("-v")
    result.stdout.fnmatch_lines(
        [
            "tasks_etl.py::extract PASSED*",
            "tasks_etl.py::transform PASSED*",
            "tasks_etl.py::load PASSED*",
        ]
    )
    assert result.ret == pytest.ExitCode.OK


def test_task_result_injected_across_files(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_a="def task_orders():\n    return {'n': 2}\n",
        tasks_b="def task_summary(orders):\n    assert orders == {'n': 2}\n",
    )
    result = run_processes()
    result.assert_outcomes(passed=2)


RUN_PARAMS = """
    import datetime
    import pathlib

    def task_check(
        day: datetime.date,
        limit: int,
        ratio: float,
        dry_run: bool,
        label: str,
        out: pathlib.Path,
        untyped,
    ):
        assert day == datetime.date(2024, 1, 31), repr(day)
        assert limit == 7 and type(limit) is int
        assert ratio == 0.5
        assert dry_run is False
        assert label == "nightly run"
        assert out == pathlib.Path("reports/x.json")
        assert untyped == "42"
"""


def test_run_params_cast_by_annotation(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_params=RUN_PARAMS)
    result = run_processes(
        "--processes-param",
        "day=2024-01-31",
        "--processes-param",
        "limit=7",
        "--processes-param=ratio=0.5",
        "--processes-param=dry_run=no",
        "--processes-param=label=nightly run",
        "--processes-param=out=reports/x.json",
        "--processes-param=untyped=42",
    )
    result.assert_outcomes(passed=1)


def test_run_params_from_ini_and_command_line_wins(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makeini(
        """
        [pytest]
        processes_params =
            day=2024-01-31
            limit=1
            ratio=0.5
            dry_run=false
            label=nightly run
            out=reports/x.json
            untyped=42
        """
    )
    pytester.makepyfile(tasks_params=RUN_PARAMS)
    result = run_processes("--processes-param", "limit=7")
    result.assert_outcomes(passed=1)


def test_defaults_are_used_when_nothing_matches(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_d="""
        def task_fetch(retries=3, *, region="eu"):
            assert (retries, region) == (3, "eu")
            return region

        def task_send(fetch, region: str = "us"):
            assert (fetch, region) == ("eu", "us")
        """
    )
    result = run_processes()
    result.assert_outcomes(passed=2)


def test_run_param_fills_a_parameter_that_has_a_default(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_d="""
        def task_fetch(limit: int = 3):
            assert limit == 10
        """
    )
    result = run_processes("--processes-param", "limit=10")
    result.assert_outcomes(passed=1)


def test_a_name_that_is_a_task_and_a_fixture_goes_to_the_task(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture
        def extract():
            raise AssertionError("the fixture must not be used")
        """
    )
    pytester.makepyfile(
        tasks_etl="""
        def task_extract():
            return "from the task"

        def task_load(extract):
            assert extract == "from the task"
        """
    )
    result = run_processes()
    result.assert_outcomes(passed=2)


def test_a_task_may_take_the_fixture_it_is_named_after(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture
        def warehouse(tmp_path):
            return tmp_path / "warehouse.db"
        """
    )
    pytester.makepyfile(
        tasks_w="""
        def task_warehouse(warehouse):
            warehouse.write_text("ready")
            return warehouse.name

        def task_report(warehouse):
            assert warehouse == "warehouse.db"
        """
    )
    result = run_processes()
    result.assert_outcomes(passed=2)


def test_task_results_are_not_copied(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_same="""
        SHARED = object()

        def task_source():
            return SHARED

        def task_left(source):
            assert source is SHARED

        def task_right(source):
            assert source is SHARED
        """
    )
    result = run_processes("--processes-workers", "2")
    result.assert_outcomes(passed=3)
