"""--processes-resume restores what succeeded last time; --processes-limit caps lock holders."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

import pytest

JOB = """
import os, pathlib
CALLS = pathlib.Path(os.environ["CALLS"])

def _called(name):
    with CALLS.open("a") as f:
        f.write(name + "\\n")

def task_a():
    _called("a")
    return 1

def task_b(a):
    _called("b")
    if not os.environ.get("FIXED"):
        raise ValueError("b is broken")
    return a + 1

def task_c(b):
    _called("c")
    assert b == 2
    return b * 10

def task_d():
    _called("d")
    return "independent"
"""


Calls = Callable[[], list[str]]


@pytest.fixture
def calls(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Calls:
    """Reads (and resets) the names of the task functions called so far."""
    path = pytester.path / "calls.txt"
    monkeypatch.setenv("CALLS", str(path))

    def read() -> list[str]:
        names = path.read_text().split() if path.exists() else []
        path.unlink(missing_ok=True)
        return names

    return read


def test_resume_runs_only_what_did_not_succeed(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, calls: Calls
) -> None:
    pytester.makepyfile(tasks_job=JOB)
    first = pytester.runpytest("--processes")
    first.assert_outcomes(passed=2, failed=1, skipped=1)
    assert sorted(calls()) == ["a", "b", "d"]

    monkeypatch.setenv("FIXED", "1")
    second = pytester.runpytest("--processes", "--processes-resume", "-v")
    second.assert_outcomes(passed=4)
    assert sorted(calls()) == ["b", "c"]  # a and d restored; b got a's stored result
    second.stdout.fnmatch_lines(
        [
            "*tasks_job.py::a RESTORED*",
            "*processes: resumed: 2 task(s) restored from the last run (a, d); 2 task(s) run*",
        ]
    )


def test_a_run_without_resume_starts_afresh(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, calls: Calls
) -> None:
    pytester.makepyfile(tasks_job=JOB)
    pytester.runpytest("--processes")
    calls()
    monkeypatch.setenv("FIXED", "1")
    pytester.runpytest("--processes").assert_outcomes(passed=4)
    assert sorted(calls()) == ["a", "b", "c", "d"]


def test_changed_task_runs_again_with_its_dependants(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, calls: Calls
) -> None:
    pytester.makepyfile(tasks_job=JOB)
    pytester.runpytest("--processes")
    calls()
    changed = JOB.replace('_called("a")\n    return 1', '_called("a")\n    return 1  # changed')
    pytester.makepyfile(tasks_job=changed)
    monkeypatch.setenv("FIXED", "1")
    pytester.runpytest("--processes", "--processes-resume").assert_outcomes(passed=4)
    assert sorted(calls()) == ["a", "b", "c"]  # d unchanged and restored


def test_resume_after_sigkill_mid_run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, calls: Calls
) -> None:
    pytester.makepyfile(
        tasks_job=JOB
        + """
def task_e(d):
    _called("e")
    ready = pathlib.Path(os.environ["CALLS"]).with_name("ready")
    ready.write_text("1")
    if not os.environ.get("FIXED"):
        import time
        time.sleep(60)
    return d
"""
    )
    ready = pytester.path / "ready"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest", "--processes", "-p", "pytester"],
        cwd=pytester.path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.05)  # polling a readiness file written by the task
        assert ready.exists(), "the task never started"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    assert "d" in calls()
    monkeypatch.setenv("FIXED", "1")
    result = pytester.runpytest("--processes", "--processes-resume", "-v")
    result.stdout.fnmatch_lines(["*tasks_job.py::d RESTORED*", "*tasks_job.py::e *"])
    assert "d" not in calls()


def test_limit_caps_tasks_holding_a_lock(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        tasks_locks="""
import threading, time
import pytest_processes

inside = 0
peak = 0
guard = threading.Lock()

def _use_db():
    global inside, peak
    with guard:
        inside += 1
        peak = max(peak, inside)
    time.sleep(0.05)
    with guard:
        inside -= 1

@pytest_processes.task(locks=["db"])
def task_one(): _use_db()

@pytest_processes.task(locks=["db"])
def task_two(): _use_db()

@pytest_processes.task(locks=["db"])
def task_three(): _use_db()

@pytest_processes.task(locks=["db"])
def task_four(): _use_db()

def task_check(one, two, three, four):
    assert peak == 2, peak
"""
    )
    pytester.runpytest(
        "--processes", "--processes-workers=4", "--processes-limit", "db=2"
    ).assert_outcomes(passed=5)


def test_bad_limit_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(tasks_x="def task_a(): pass\n")
    result = pytester.runpytest("--processes", "--processes-limit", "db=0")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*Invalid limit db='0' from --processes-limit*"])


def test_critical_path_first_from_the_previous_run(pytester: pytest.Pytester) -> None:
    """With one worker, the second run starts the long chain first (durations from the cache)."""
    pytester.makepyfile(
        tasks_cp="""
        import time

        def task_quick():
            pass

        def task_slow():
            time.sleep(0.2)  # the work being ordered, not synchronisation

        def task_after_slow(slow):
            time.sleep(0.2)
        """
    )

    def order() -> list[str]:
        result = pytester.runpytest("--processes", "--processes-workers", "1", "-v")
        result.assert_outcomes(passed=3)
        return [line.split("::")[1].split()[0] for line in result.stdout.lines if "::" in line]

    assert order() == ["quick", "slow", "after_slow"]  # first run: ready order
    assert order() == ["slow", "after_slow", "quick"]  # then: longest remaining path first


def test_resume_after_a_completed_run_says_so_and_runs_everything(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, calls: Calls
) -> None:
    """Nothing to resume after a complete run; after a failing one, resume restores again."""
    pytester.makepyfile(tasks_job=JOB)
    monkeypatch.setenv("FIXED", "1")
    pytester.runpytest("--processes").assert_outcomes(passed=4)
    calls()
    result = pytester.runpytest("--processes", "--processes-resume")
    result.assert_outcomes(passed=4)
    assert sorted(calls()) == ["a", "b", "c", "d"]
    result.stdout.fnmatch_lines(
        ["processes: the last run completed: nothing to resume, running everything"]
    )
    result.stdout.no_fnmatch_line("*resumed:*")

    monkeypatch.delenv("FIXED")
    pytester.runpytest("--processes").assert_outcomes(passed=2, failed=1, skipped=1)
    calls()
    monkeypatch.setenv("FIXED", "1")
    result = pytester.runpytest("--processes", "--processes-resume")
    assert sorted(calls()) == ["b", "c"]
    result.stdout.fnmatch_lines(["*resumed: 2 task(s) restored from the last run (a, d)*"])
    result.stdout.no_fnmatch_line("*the last run completed*")


def test_a_cache_of_the_earlier_checkpoint_format_warns_only_a_resume(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, calls: Calls
) -> None:
    pytester.makepyfile(tasks_job=JOB)
    old = pytester.path / ".pytest_cache" / "d" / "processes-checkpoint"
    (old / "results").mkdir(parents=True)
    (old / "results" / "0123.pkl").write_bytes(b"a result of the file-per-task layout")
    (old / "checkpoint.json").write_text('{"format": 1}')
    resumed = pytester.runpytest("--processes", "--processes-resume")
    resumed.stdout.fnmatch_lines(["processes: checkpoint*format 1, expected 2*full run*"])
    assert sorted(calls()) == ["a", "b", "d"]
    assert not (old / "results").exists()
    (old / "checkpoint.json").write_text('{"format": 1}')  # as if an older version ran again
    plain = pytester.runpytest("--processes")
    assert "processes: checkpoint" not in plain.stdout.str()  # it would not read old results
    calls()
    monkeypatch.setenv("FIXED", "1")
    again = pytester.runpytest("--processes", "--processes-resume")  # the plain run's results
    again.assert_outcomes(passed=4)
    assert sorted(calls()) == ["b", "c"]
