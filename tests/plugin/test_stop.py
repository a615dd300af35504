"""Stopping early: -x, --maxfail, Ctrl-C and SIGTERM start no new task and still write reports."""

from __future__ import annotations

import json
import re
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


def terminal_counts(text: str) -> dict[str, int]:
    """The counts of pytest's last summary line (``1 failed, 2 not run in 0.1s``)."""
    line = [ln for ln in text.splitlines() if ln.startswith("=") and " in " in ln][-1]
    stats = line.strip("= ").rsplit(" in ", 1)[0]
    return {kind: int(n) for n, kind in re.findall(r"(\d+) (not run|[a-z]+)", stats)}


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
            "*1 failed, 1 passed, 1 skipped, 2 not run*",
        ]
    )
    for name in ("queued_1", "queued_2"):  # never started, and said so
        result.stdout.fnmatch_lines([f"tasks_x.py::{name} NOT RUN (not run: stopping after 1 *)*"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert ran(pytester) == ["fails", "running"]


#: a and c fail, b and d pass, each records that it ran
TWO_FAIL = (
    RECORD
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


def test_maxfail_stops_after_n_failures(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_m=TWO_FAIL)
    result = run_processes("--maxfail=2", "--processes-workers", "1")
    result.stdout.fnmatch_lines(["*stopping after 2 failures*", "*2 failed, 1 passed, 1 not run*"])
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
    assert data["entries"]["c"]["reason"] == "not run: stopping after 1 failures"
    root = ET.parse(pytester.path / "out.xml").getroot()
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert cases["a"].find("failure") is not None
    skipped = cases["b"].find("skipped")
    assert skipped is not None and skipped.get("message") == "upstream failed: 'a'"
    never = cases["c"].find("skipped")  # never started: a testcase all the same
    assert never is not None and never.get("message") == "not run: stopping after 1 failures"
    counts = terminal_counts(str(result.stdout))
    assert counts == {"failed": 1, "skipped": 1, "not run": 1}
    assert sum(counts.values()) == len(cases) == len(data["entries"]) == 3


SLOW_GRAPH = """
    import time
    from pathlib import Path

    HERE = Path(__file__).parent

    def block(name):
        print(f"block_{name} is under way")
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
    [(signal.SIGTERM, 1), (signal.SIGINT, 1), (signal.SIGTERM, 2), (signal.SIGINT, 2)],
    ids=["SIGTERM", "Ctrl-C", "SIGTERM-threads", "Ctrl-C-threads"],
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
    interrupted; queued ones never start, and every report says so and counts them."""
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
    reason = (
        f"not run: run interrupted ({'SIGTERM' if sig == signal.SIGTERM else 'KeyboardInterrupt'})"
    )
    for name in ("a", "b"):
        entry = entries[f"block_{name}"]
        if name in blocking:  # cut off while running: when, where, and what it printed
            assert entry["reason"].startswith("interrupted while running (after ")
            assert entry["started_at"] is not None and entry["worker"]
            assert entry["elapsed_seconds"] > 0
            assert f"block_{name} is under way" in entry["output"]
        else:  # one worker: block_b never started
            assert (entry["reason"], entry["started_at"], entry["worker"]) == (reason, None, "")
    for name in ("never_1", "never_2"):  # never_2 sat in the thread pool's queue
        entry = entries[name]
        assert (entry["reason"], entry["started_at"], entry["worker"]) == (reason, None, "")
    assert data["interrupted"]

    xml = pytester.path / "out.xml"
    junit_schema.validate(str(xml))  # type: ignore[attr-defined]
    cases = {c.get("name"): c for c in ET.parse(xml).getroot().iter("testcase")}
    assert cases["first"].find("skipped") is None
    for name in blocking:
        case = cases[f"block_{name}"]
        skipped = case.find("skipped")
        assert skipped is not None
        assert skipped.get("message", "").startswith("interrupted while running")
        assert "".join(case.itertext()).count(f"block_{name} is under way") == 1
    for name in ("never_1", "never_2"):
        skipped = cases[name].find("skipped")
        assert skipped is not None and skipped.get("message") == reason
    counts = terminal_counts(text)
    assert counts == {"passed": 1, "interrupted": workers, "not run": 4 - workers}, text
    assert sum(counts.values()) == len(cases) == len(entries) == 5


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


def test_a_failed_task_a_stop_left_undone_stays_failed_for_lf(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    """Reported as not run (a skip to pytest), it is not forgotten by ``--lf``."""
    pytester.makepyfile(tasks_l=TWO_FAIL)
    run_processes("--processes-workers", "1").assert_outcomes(failed=2, passed=2)
    stopped = run_processes("--lf", "-x", "--processes-workers", "1")
    stopped.stdout.fnmatch_lines(["*1 failed, 1 not run*"])  # c: not run
    (pytester.path / "ran.txt").unlink()
    run_processes("--lf", "--processes-workers", "1").assert_outcomes(failed=2)
    assert ran(pytester) == ["a", "c"]
