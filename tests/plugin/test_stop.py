"""Stopping early: -x, --maxfail, Ctrl-C and SIGTERM start no new task and still write reports."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
from plugin_helpers import RunProcesses

RECORD = """
    from pathlib import Path

    def ran(name):
        with Path(__file__).with_name("ran.txt").open("a") as f:
            f.write(name + "\\n")
"""


def ran(pytester: pytest.Pytester) -> list[str]:
    path = pytester.path / "ran.txt"
    return sorted(path.read_text().split()) if path.exists() else []


def test_exitfirst_starts_no_new_task_after_the_first_failure(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makeconftest(
        """
        import threading

        BOTH_STARTED = threading.Barrier(2, timeout=20)
        FAILURE_REPORTED = threading.Event()

        def pytest_runtest_logreport(report):
            if report.failed:
                FAILURE_REPORTED.set()
        """
    )
    pytester.makepyfile(
        tasks_x=RECORD
        + """
    from conftest import BOTH_STARTED, FAILURE_REPORTED

    def task_fails():
        ran("fails")
        BOTH_STARTED.wait()
        raise ValueError("first failure")

    def task_running():
        ran("running")
        BOTH_STARTED.wait()
        # still running when the failure is reported: it may finish
        assert FAILURE_REPORTED.wait(timeout=20)

    def task_queued_1():
        ran("queued_1")

    def task_queued_2():
        ran("queued_2")

    def task_after(fails):
        ran("after")
    """
    )
    result = run_processes("-x", "--processes-workers", "2", "-v")
    result.stdout.fnmatch_lines(
        [
            "tasks_x.py::fails FAILED*",
            "tasks_x.py::running PASSED*",
            "*stopping after 1 failures*",
            "*1 failed, 1 passed*",
        ]
    )
    result.stdout.no_fnmatch_line("*queued_*")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert ran(pytester) == ["fails", "running"]


def test_maxfail_stops_after_n_failures(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_m=RECORD
        + """
    def task_a():
        ran("a")
        raise ValueError("a")

    def task_b():
        ran("b")

    def task_c():
        ran("c")
        raise ValueError("c")

    def task_d():
        ran("d")
    """
    )
    result = run_processes("--maxfail=2", "--processes-workers", "1")
    result.stdout.fnmatch_lines(["*stopping after 2 failures*", "*2 failed, 1 passed*"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert ran(pytester) == ["a", "b", "c"]


def test_exitfirst_still_writes_json_and_junit(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_j="""
        def task_a():
            raise ValueError("a")

        def task_b(a):
            pass

        def task_c():
            pass
        """
    )
    result = run_processes(
        "-x", "--processes-workers", "1", "--junitxml=out.xml", "--processes-json=out.json"
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    data = json.loads((pytester.path / "out.json").read_text())
    assert data["entries"]["a"]["status"] == "errored"
    assert data["entries"]["c"]["status"] == "skipped"
    assert "not run" in data["entries"]["c"]["reason"]
    root = ET.parse(pytester.path / "out.xml").getroot()
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert set(cases) == {"a", "b"}  # c never started: no testcase
    assert cases["a"].find("failure") is not None
    skipped = cases["b"].find("skipped")
    assert skipped is not None and skipped.get("message") == "upstream failed: 'a'"


SLOW_GRAPH = """
    import time
    from pathlib import Path

    HERE = Path(__file__).parent

    def block(name):
        (HERE / f"ready-{name}").write_text("ready")
        # until the run is interrupted (bounded, so nothing can hang forever)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            time.sleep(0.05)

    def task_first():
        return 1

    def task_block_a(first):
        block("a")

    def task_block_b(first):
        block("b")

    def task_never_1(block_a):
        (HERE / "never-1").write_text("ran")

    def task_never_2(first):
        (HERE / "never-2").write_text("ran")
"""


@pytest.mark.parametrize(
    ("sig", "workers"),
    [(signal.SIGTERM, 1), (signal.SIGINT, 1), (signal.SIGTERM, 2)],
    ids=["SIGTERM", "Ctrl-C", "SIGTERM-threads"],
)
def test_signal_stops_the_run_and_writes_reports(
    pytester: pytest.Pytester,
    wait_for: Callable[..., None],
    junit_schema: object,
    sig: signal.Signals,
    workers: int,
) -> None:
    """One worker: the signal interrupts the blocking task itself (it runs on the main
    thread). Threads: running tasks get the engine's grace period (5 s), then count as
    interrupted; queued ones never start."""
    pytester.makepyfile(tasks_slow=SLOW_GRAPH)
    proc = pytester.popen(
        [
            sys.executable,
            "-m",
            "pytest",
            "--processes",
            f"--processes-workers={workers}",
            "--junitxml=out.xml",
            "--processes-json=out.json",
            "-p",
            "no:cacheprovider",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    blocking = ["a", "b"][:workers]
    with proc:
        try:
            for name in blocking:
                ready = pytester.path / f"ready-{name}"
                wait_for(ready.exists, f"task block_{name} to start", timeout=30)
            proc.send_signal(sig)
            out, _ = proc.communicate(timeout=30)
        except (Exception, pytest.fail.Exception) as exc:
            proc.kill()
            out, _ = proc.communicate()
            pytest.fail(f"{exc!r}; the run's output:\n{out.decode()}")
    text = out.decode()
    assert proc.returncode == pytest.ExitCode.INTERRUPTED, text
    assert "!!!!!!!!!!!!!!!!!!!! KeyboardInterrupt" in text, text
    assert not (pytester.path / "never-1").exists()
    assert not (pytester.path / "never-2").exists()

    data = json.loads((pytester.path / "out.json").read_text())
    entries = data["entries"]
    assert {name: e["status"] for name, e in entries.items()} == {
        "first": "success",
        "block_a": "skipped",
        "block_b": "skipped",
        "never_1": "skipped",
        "never_2": "skipped",
    }
    for name in blocking:
        assert entries[f"block_{name}"]["reason"].startswith("interrupted while running")
    if workers == 1:
        # gap (engine): with threads, a task still queued when the grace period ends is
        # reported "interrupted while running" although it never started
        assert entries["never_2"]["reason"].startswith("not run")
    assert data["interrupted"]

    xml = pytester.path / "out.xml"
    junit_schema.validate(str(xml))  # type: ignore[attr-defined]
    cases = {c.get("name"): c for c in ET.parse(xml).getroot().iter("testcase")}
    if workers == 1:
        assert "never_2" not in cases  # never started: no testcase
    assert cases["first"].find("skipped") is None
    for name in blocking:
        assert cases[f"block_{name}"].find("skipped") is not None


def test_exitfirst_counts_a_failed_unselected_upstream_task(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_s=RECORD
        + """
    def task_upstream():
        ran("upstream")
        raise ValueError("upstream broke")

    def task_selected(upstream):
        ran("selected")

    def task_selected_later():
        ran("selected_later")
    """
    )
    result = run_processes("-x", "--processes-workers", "1", "-k", "selected")
    result.stdout.fnmatch_lines(
        [
            "processes: upstream task 'upstream' (not selected) failed: ValueError: upstream broke",
            "*stopping after 1 failures*",
        ]
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert ran(pytester) == ["upstream"]
