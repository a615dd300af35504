"""``pytest --processes``: tasks created during the run are items of their own.

Each is reported as it settles under a node id derived from its creator
(``tasks_files.py::scan/load[a.csv]``), counted in the summary, in JUnit and
in ``--processes-json``; ``-x``, resume and interrupts treat them like any task.
Tests that could hang carry a timeout guard.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import pytest
from plugin_helpers import RunProcesses

FILES = """
    from pytest_processes import Created, task

    def load(path):
        if path.startswith("bad"):
            raise ValueError(f"cannot load {path}")
        return path.upper()

    @task
    def scan(context):
        for name in context.run_params.get("files", "a.csv,b.csv").split(","):
            context.create(f"load[{name}]", load, kwargs={"path": name})
        return "scanned"

    @task
    def report(scan: Created[str]):
        return sorted(scan.values())
"""


@pytest.mark.timeout(60)
@pytest.mark.parametrize("workers", ["1", "4"])
def test_created_tasks_are_reported_counted_and_written(
    pytester: pytest.Pytester, run_processes: RunProcesses, junit_schema: Any, workers: str
) -> None:
    pytester.makepyfile(tasks_files=FILES)
    result = run_processes(
        f"--processes-workers={workers}", "-v", "--junitxml=out.xml", "--processes-json=out.json"
    )
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines_random(
        [
            "tasks_files.py::scan PASSED*",
            "tasks_files.py::scan/load[[]a.csv] PASSED*",
            "tasks_files.py::scan/load[[]b.csv] PASSED*",
            "tasks_files.py::report PASSED*",
        ]
    )
    junit_schema.validate(str(pytester.path / "out.xml"))
    cases = [c.get("name") for c in ET.parse(pytester.path / "out.xml").getroot().iter("testcase")]
    assert sorted(cases) == ["report", "scan", "scan/load[a.csv]", "scan/load[b.csv]"]
    data = json.loads((pytester.path / "out.json").read_text())
    assert data["nodeids"]["scan/load[a.csv]"] == "tasks_files.py::scan/load[a.csv]"
    assert data["entries"]["report"]["result"] == ["A.CSV", "B.CSV"]


@pytest.mark.timeout(60)
def test_a_failed_created_task_fails_the_run_and_skips_the_fan_in(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_files=FILES)
    result = run_processes("--processes-param", "files=a.csv,bad.csv", "-rsf")
    result.assert_outcomes(passed=2, failed=1, skipped=1)
    result.stdout.fnmatch_lines(
        [
            "*_ task scan/load[[]bad.csv] _*",
            "*ValueError: cannot load bad.csv",
        ]
    )
    result.stdout.fnmatch_lines_random(
        [
            "FAILED tasks_files.py::scan/load[[]bad.csv] - ValueError: cannot load bad.csv",
            "SKIPPED * upstream failed: 'scan/load[[]bad.csv]'",
        ]
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED


@pytest.mark.timeout(60)
def test_last_failed_runs_the_creator_of_a_failed_created_task_again(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(tasks_files=FILES)
    first = pytester.runpytest("--processes", "--processes-param", "files=a.csv,bad.csv")
    first.assert_outcomes(passed=2, failed=1, skipped=1)
    again = pytester.runpytest("--processes", "--lf", "--processes-param", "files=a.csv,bad.csv")
    again.assert_outcomes(passed=2, failed=1, skipped=1)  # scan re-created its tasks, reported
    again.stdout.fnmatch_lines(["FAILED tasks_files.py::scan/load[[]bad.csv] - ValueError*"])


@pytest.mark.timeout(60)
def test_exitfirst_treats_a_created_task_like_any_task(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_files="""
        from pytest_processes import task

        def boom():
            raise ValueError("first failure")

        @task
        def scan(context):
            context.create("boom", boom)
            context.create("after", lambda: 1, dependencies=["boom"], trigger="all_done")
        """
    )
    result = run_processes("-x", "-v")
    result.stdout.fnmatch_lines(
        [
            "*tasks_files.py::scan/boom FAILED*",
            "*tasks_files.py::scan/after NOT RUN*",
            "*stopping after 1 failures*",
        ]
    )


@pytest.mark.timeout(60)
def test_a_job_file_task_takes_a_context_and_creates_tasks(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        etl="""
        def upper(path):
            return path.upper()

        def scan(context, prefix):
            for n in ("a", "b"):
                context.create(f"load[{n}]", upper, kwargs={"path": prefix + n})
            return context.name
        """
    )
    pytester.makefile(
        ".yaml", tasks_job='tasks:\n  scan:\n    call: etl.scan\n    args:\n      prefix: "x-"\n'
    )
    result = run_processes("-v", "--processes-json=out.json")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines_random(["tasks_job.yaml::scan/load[[]b] PASSED*"])
    entries = json.loads((pytester.path / "out.json").read_text())["entries"]
    assert entries["scan/load[b]"]["result"] == "X-B"


def test_a_task_named_context_is_a_collection_error(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_bad="def task_context():\n    return 1\n")
    result = run_processes()
    result.stdout.fnmatch_lines(
        [
            "*tasks_bad.py:1: a task cannot be named 'context': the name is reserved for the "
            "task context parameter; rename the function, or give it @task(name=...)",
        ]
    )
    assert result.ret == pytest.ExitCode.INTERRUPTED


def test_context_on_the_process_executor_is_reported_on_the_task(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_files=FILES)
    result = run_processes("--processes-executor=process", "-rE")
    result.assert_outcomes(errors=1, skipped=1)
    result.stdout.fnmatch_lines(
        ["*DynamicTaskError: task 'scan' takes a 'context' but would run on the 'process'*"]
    )


@pytest.mark.timeout(60)
def test_resume_runs_the_creator_and_its_tasks_again(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_files=FILES)
    first = pytester.runpytest("--processes", "--processes-param", "files=a.csv,bad.csv")
    first.assert_outcomes(passed=2, failed=1, skipped=1)
    second = pytester.runpytest(
        "--processes", "--processes-resume", "--processes-param", "files=a.csv,b.csv", "-v"
    )
    second.assert_outcomes(passed=4)
    second.stdout.fnmatch_lines_random(
        ["*tasks_files.py::scan PASSED*", "*tasks_files.py::scan/load[[]b.csv] PASSED*"]
    )


@pytest.mark.timeout(90)
def test_ctrl_c_counts_created_tasks_as_interrupted_or_not_run(
    pytester: pytest.Pytester, wait_for: Callable[..., None]
) -> None:
    pytester.makepyfile(
        tasks_files="""
        import pathlib, threading

        HERE = pathlib.Path(__file__).parent
        GATE = threading.Event()

        def block():
            (HERE / "ready").write_text("")
            GATE.wait(60)

        def task_scan(context):
            context.create("block", block)
            context.create("never", lambda: 1, dependencies=["block"])
            return context.wait("never")
        """
    )
    proc = pytester.popen(
        [sys.executable, "-m", "pytest", "--processes", "--processes-workers=2", "-v"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    with proc:
        try:
            wait_for((pytester.path / "ready").exists, "the created task to start", timeout=30)
            proc.send_signal(signal.SIGINT)
            out, _ = proc.communicate(timeout=40)
        except (Exception, pytest.fail.Exception) as exc:
            proc.kill()
            out, _ = proc.communicate()
            pytest.fail(f"{exc!r}; the run's output:\n{out.decode()}")
    text = out.decode()
    assert proc.returncode == pytest.ExitCode.INTERRUPTED, text
    for line in (
        "tasks_files.py::scan INTERRUPTED",
        "tasks_files.py::scan/block INTERRUPTED",
        "tasks_files.py::scan/never NOT RUN",
    ):
        assert line in text, text
