"""Class tasks, as flowmancer writes them: ``@task`` classes, and classes named in job files."""

from __future__ import annotations

import pytest
from plugin_helpers import RunProcesses
from test_job_files import SENTINEL, assert_collection_error

#: classes job files name in ``call`` (a plain module, no pytest, no decorator)
CLASSES = """
    class Extract:
        def __init__(self, n, scale=1):
            self.n, self.scale = n, scale

        def run(self):
            print(f"extracting {self.n}")
            return [i * self.scale for i in range(self.n)]

    class Load:
        def __init__(self, target):
            self.target = target

        def run(self, rows, factor):
            return f"{len(rows) * factor} rows into {self.target}"

    class NoRun:
        def __init__(self, n):
            pass

    class RunIsNotAMethod:
        run = 42
"""


def test_a_task_class_gets_upstream_results_in_run_and_feeds_functions(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_etl="""
        from pytest_processes import task

        def task_extract():
            return [1, 2, 3]

        @task
        class SumRows:
            def __init__(self, factor=10):
                self.factor = factor

            def run(self, extract, tmp_path):      # an upstream result and a fixture
                print(f"summing {extract}")
                return sum(extract) * self.factor

        def task_report(sum_rows):
            assert sum_rows == 60, sum_rows

        class Helper:                              # not decorated: not a task
            def run(self):
                raise AssertionError("never runs")

        @task
        class Base:
            def run(self):
                return "base"

        class Derived(Base):                       # a decorated base does not make it a task
            pass
        """
    )
    result = run_processes("-v", "-rP")
    result.stdout.fnmatch_lines(
        [
            "tasks_etl.py::extract PASSED*",
            "tasks_etl.py::sum_rows PASSED*",
            "tasks_etl.py::report PASSED*",
            "*_ task sum_rows _*",
            "summing [[]1, 2, 3[]]",
        ]
    )
    result.stdout.no_fnmatch_line("*helper*")
    result.stdout.no_fnmatch_line("*derived*")
    result.assert_outcomes(passed=4)  # extract, sum_rows, report, base


def test_marks_families_and_async_run_work_on_class_tasks(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_more="""
        import asyncio

        import pytest
        from pytest_processes import task

        @task
        @pytest.mark.parametrize("env", ["dev", "prod"])
        class Deploy:
            def run(self, env):
                return f"deployed {env}"

        def task_check(deploy):             # fan-in over the family
            assert deploy == {"dev": "deployed dev", "prod": "deployed prod"}, deploy

        @task
        @pytest.mark.skip(reason="not today")
        class Skipped:
            def run(self):
                raise AssertionError

        @task
        class Waits:
            async def run(self):
                await asyncio.sleep(0)
                return 5

        def task_after(waits):
            assert waits == 5, waits
        """
    )
    result = run_processes("-v", "-rs")
    result.stdout.fnmatch_lines_random(
        [
            "tasks_more.py::deploy[[]dev[]] PASSED*",
            "tasks_more.py::deploy[[]prod[]] PASSED*",
            "tasks_more.py::check PASSED*",
            "tasks_more.py::skipped SKIPPED (not today)*",
            "tasks_more.py::after PASSED*",
        ]
    )
    result.assert_outcomes(passed=5, skipped=1)


@pytest.mark.parametrize("executor", ["thread", "process"])
def test_a_failing_class_task_reports_like_a_function(
    pytester: pytest.Pytester, executor: str
) -> None:
    pytester.makepyfile(
        tasks_fail="""
        from pytest_processes import task

        @task(name="check", retries=1)
        class CheckRows:
            def run(self):
                print("checking rows")
                raise ValueError("row 21 is bad")

        def task_after(check):
            pass
        """
    )
    result = pytester.runpytest_subprocess("--processes", "--processes-executor", executor)
    result.assert_outcomes(failed=1, skipped=1)
    result.stdout.fnmatch_lines(
        [
            "*_ task check _*",
            '*raise ValueError("row 21 is bad")*',
            "*ValueError: row 21 is bad",
            "tasks_fail.py:*: ValueError*",
            "*Captured stdout call*",
            "checking rows",
        ]
    )
    assert "classes.py" not in result.stdout.str()  # the traceback starts in run()


def test_a_task_class_that_needs_constructor_arguments_is_a_collection_error(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_ok=SENTINEL,
        tasks_bad="""
        from pytest_processes import task

        @task
        class Load:
            def __init__(self, target):
                self.target = target

            def run(self):
                pass
        """,
    )
    result = run_processes()
    assert_collection_error(pytester, result)
    result.stdout.fnmatch_lines(
        [
            "*ERROR collecting tasks_bad.py*",
            "*tasks_bad.py: class Load (*tasks_bad.py:3): constructor argument 'target' of "
            "Load(target) has no value; give it in the job file's args (or a default in __init__)",
        ]
    )


def test_a_decorated_class_without_run_is_a_collection_error(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_bad="""
        from pytest_processes import task

        @task
        class Load:
            def start(self):
                pass
        """
    )
    result = run_processes()
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(
        ["*class Load (*tasks_bad.py:3) has no run() method: a class task needs 'def run(self*"]
    )


def test_a_job_file_builds_the_class_from_args_and_injects_run(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        etl=CLASSES,
        tasks_py="""
        def task_factor():
            return 2

        def task_report(load):
            assert load == "8 rows into warehouse", load
        """,
    )
    pytester.makefile(
        ".yaml",
        tasks_jobs="""
        tasks:
          extract:
            call: etl.Extract
            args: {n: 4, scale: 3}
          load:
            call: etl.Load
            args: {target: warehouse}
            inputs: {rows: extract}      # run(rows, factor): factor comes by name
        """,
    )
    # on worker processes: the class and its arguments cross by pickle
    result = pytester.runpytest_subprocess(
        "--processes", "--processes-executor", "process", "-v", "-rP"
    )
    result.stdout.fnmatch_lines(
        [
            "tasks_jobs.yaml::extract PASSED*",
            "tasks_jobs.yaml::load PASSED*",
            "tasks_py.py::report PASSED*",
            "*_ task extract _*",
            "extracting 4",
        ]
    )
    assert result.ret == pytest.ExitCode.OK


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        pytest.param(
            "call: etl.Extract\n    args: {n: 1, scal: 2}",
            "tasks_bad.yaml:4: task 'job': args: 'scal' is not a parameter of "
            "etl.Extract(n, scale); did you mean 'scale'?",
            id="unknown-constructor-arg",
        ),
        pytest.param(
            "call: etl.Extract\n    args: {scale: 2}",
            "tasks_bad.yaml:3: task 'job': call: class Extract (*etl.py:1): constructor "
            "argument 'n' of Extract(n, scale) has no value; give it in the job file's args*",
            id="missing-constructor-arg",
        ),
        pytest.param(
            "call: etl.Load\n    args: {target: db}\n    inputs: {row: sentinel}",
            "tasks_bad.yaml:5: task 'job': inputs: 'row' is not a parameter of "
            "etl.Load(rows, factor); did you mean 'rows'?",
            id="unknown-run-input",
        ),
        pytest.param(
            "call: etl.NoRun\n    args: {n: 1}",
            "tasks_bad.yaml:3: task 'job': call: class NoRun (*etl.py:*) has no run() method: "
            "a class task needs 'def run(self, ...)'",
            id="no-run",
        ),
        pytest.param(
            "call: etl.RunIsNotAMethod",
            "tasks_bad.yaml:3: task 'job': call: class RunIsNotAMethod (*etl.py:*): run is int 42, "
            "not a method; define it as 'def run(self, ...)'",
            id="run-not-a-method",
        ),
    ],
)
def test_a_bad_class_in_a_job_file_is_named_at_its_line(
    pytester: pytest.Pytester, run_processes: RunProcesses, task: str, expected: str
) -> None:
    pytester.makepyfile(etl=CLASSES, tasks_ok=SENTINEL)
    pytester.makefile(".yaml", tasks_bad=f"tasks:\n  job:\n    {task}\n")
    result = run_processes()
    assert_collection_error(pytester, result)
    result.stdout.fnmatch_lines(["*ERROR collecting tasks_bad.yaml*", expected])
