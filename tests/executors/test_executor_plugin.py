"""``pytest --processes`` on processes and on Dask, end to end in a subprocess.

Process pools and clusters need a real interpreter of their own:
``runpytest_subprocess`` it is. ``--import-mode=importlib`` leaves the task
module off ``sys.path``, so workers must import it from its file.
"""

from __future__ import annotations

import sys
import time
from typing import Any

import pytest

TASKS = """
    import multiprocessing
    import time
    from pathlib import Path

    from pytest_processes import task


    def task_where():
        return multiprocessing.current_process().name


    def task_crunch(where):
        assert where.startswith({prefix!r}), where
        return sum(i * i for i in range(10_000))


    def task_check(crunch):
        expected = {{"total": 1}}
        assert {{"total": crunch}} == expected


    def task_talk(crunch):
        print("crunched", crunch)
        raise ValueError("talk failed")


    @task(timeout=0.5)
    def stuck(tmp_path_factory):
        marker = tmp_path_factory.getbasetemp() / "marker"
        time.sleep(1.5)
        marker.write_text("late")
"""


def test_tasks_run_on_worker_processes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(tasks_cpu=TASKS.format(prefix="pytest_processes-process-"))
    result = pytester.runpytest_subprocess(
        "--processes", "--processes-executor", "process", "--import-mode=importlib", "-v", "-rA"
    )
    result.assert_outcomes(passed=2, failed=3)
    result.stdout.fnmatch_lines(
        [
            "processes: workers=4, retries=0, timeout=none, executor=process",
            "*tasks_cpu.py::where PASSED*",
            "*tasks_cpu.py::crunch PASSED*",
            # pytest's assertion rewriting applies in the worker process too
            "AssertionError: assert {'total': 333283335000} == {'total': 1}",
            "*ValueError: talk failed*",
            "*Captured stdout call*",
            "crunched *",
            "*TimeoutError: Task 'stuck' timed out after 0.5s*",
        ]
    )
    time.sleep(1.0)  # past the moment the killed task would have written it
    assert not list(pytester.path.rglob("marker"))


def test_tasks_run_on_a_local_dask_cluster(pytester: pytest.Pytester) -> None:
    pytest.importorskip("distributed")
    pytester.makepyfile(tasks_dask=TASKS.format(prefix="Dask"))
    pytester.makeini("[pytest]\nprocesses_executor = dask\nprocesses_workers = 2\n")
    result = pytester.runpytest_subprocess("--processes", "-v", "-k", "where or crunch")
    result.assert_outcomes(passed=2, deselected=3)
    result.stdout.fnmatch_lines(["*executor=dask*", "*crunch PASSED*"])


def test_tasks_run_on_an_existing_dask_cluster(pytester: pytest.Pytester, dask_client: Any) -> None:
    pytester.makepyfile(tasks_remote=TASKS.format(prefix="Dask"))
    address = dask_client.scheduler.address
    result = pytester.runpytest_subprocess(
        "--processes", "--processes-dask-address", address, "--import-mode=importlib", "-v"
    )
    result.assert_outcomes(passed=2, failed=3)
    result.stdout.fnmatch_lines(
        [
            f"*executor=dask at {address}*",
            "*AssertionError: assert {'total': 333283335000} == {'total': 1}",  # rewritten there
            "*Task 'stuck' timed out*",
        ]
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--processes-executor", "gpu"],
            "Invalid executor 'gpu' from --processes-executor: "
            "expected one of thread, process, dask",
        ),
        (
            ["--processes-dask-address", "localhost:8786"],
            "Invalid dask address 'localhost:8786' from --processes-dask-address: "
            "expected tcp://HOST:PORT",
        ),
        (
            ["--processes-executor", "process", "--processes-dask-address", "tcp://h:1"],
            "--processes-dask-address is for the dask executor, but --processes-executor asks "
            "for 'process'*",
        ),
    ],
)
def test_bad_executor_options_are_usage_errors(
    pytester: pytest.Pytester, args: list[str], message: str
) -> None:
    pytester.makepyfile(tasks_a="def task_a():\n    return 1\n")
    result = pytester.runpytest("--processes", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {message}"])


def test_dask_without_the_extra_names_it(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    pytester.makepyfile(tasks_a="def task_a():\n    return 1\n")
    pytester.makeini("[pytest]\nprocesses_executor = dask\n")
    result = pytester.runpytest("--processes")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "ERROR: the dask executor (from processes_executor in the config file) needs Dask's "
            'distributed scheduler, which is not installed: pip install "pytest-processes[dask]"'
        ]
    )
