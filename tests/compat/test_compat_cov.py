"""pytest-cov and coverage.py: task bodies are measured on every executor, worker processes too."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from compat_helpers import requires, run_tasks

needs_pytest_cov = requires("pytest_cov", "pytest-cov")

#: a task module whose every body line and branch runs, which importing it alone never does
TASKS = """
    def task_extract():
        rows = [1, 2, 3]
        total = 0
        for row in rows:
            total += row
        return total

    def task_transform(extract):
        doubled = []
        for value in (extract, 1):
            if value > 5:
                doubled.append(value * 2)
        return doubled[0]

    def task_load(transform):
        message = f"loaded {transform}"
        assert message.endswith("12")
        return message
"""

#: the library API on the process executor, run as a script (``coverage run`` or plain python)
LIBRARY_JOB = """
    import sys

    from pytest_processes import Process, Task

    import work

    if __name__ == "__main__":  # workers start by importing this module (forkserver, spawn)
        report = Process([Task("body", work.body)]).run(executor="process")
        assert report.entries["body"].worker.startswith("process"), report
        print("coverage imported:", "coverage" in sys.modules)
"""


def _coverage_line(pytester: pytest.Pytester, executor: str) -> str:
    """The term-missing report line (statements, branches, missing) of ``tasks_cov.py``."""
    result = run_tasks(
        pytester,
        "--processes-executor",
        executor,
        "--cov=.",
        "--cov-branch",  # worker data must be of the parent's kind to combine at all
        "--cov-report=term-missing",
    )
    result.assert_outcomes(passed=3)
    lines = [line for line in result.outlines if re.match(r"tasks_cov\.py +\d", line)]
    assert len(lines) == 1, result.stdout.str()
    return re.sub(r"\s+", " ", lines[0])


@needs_pytest_cov
def test_process_executor_covers_task_bodies_as_threads_do(pytester: pytest.Pytester) -> None:
    """Bodies run in worker processes are recorded and combined: 100% on both executors."""
    pytester.makepyfile(tasks_cov=TASKS)
    threads = _coverage_line(pytester, "thread")
    processes = _coverage_line(pytester, "process")
    assert threads.endswith("100%"), threads
    assert processes == threads
    assert not list(pytester.path.glob(".coverage.*")), "worker data files left uncombined"


def _library_job(pytester: pytest.Pytester, *command: str) -> str:
    """Run the library job script with ``command`` in a clean environment; its stdout."""
    pytester.makepyfile(work="def body():\n    x = 1\n    y = x + 1\n    return y\n")
    pytester.makepyfile(job=LIBRARY_JOB)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}
    env["PYTHONPATH"] = os.pathsep.join([str(pytester.path), *sys.path])
    done = subprocess.run(
        [*command, "job.py"], cwd=pytester.path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0 and not done.stderr, done.stderr
    return done.stdout


def test_library_run_without_coverage_does_not_import_it(pytester: pytest.Pytester) -> None:
    """The process executor imports coverage.py only when something is measuring already."""
    assert "coverage imported: False" in _library_job(pytester, sys.executable)


@needs_pytest_cov
def test_library_run_under_coverage_run_records_worker_bodies(pytester: pytest.Pytester) -> None:
    """``coverage run`` of a script calling ``Process.run(executor="process")``: bodies count."""
    _library_job(pytester, sys.executable, "-m", "coverage", "run", "--source=.")
    report = subprocess.run(
        [sys.executable, "-m", "coverage", "report", "--include=work.py"],
        cwd=pytester.path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(line for line in report.splitlines() if line.startswith("work.py"))
    assert line.split()[1:] == ["4", "0", "100%"], report
    assert Path(pytester.path, ".coverage").exists()
