"""The live status line: its text, and the plain "still running" line without a TTY."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from plugin_helpers import RunProcesses

from pytest_processes.plugin import status_line as status
from pytest_processes.plugin.status_line import StatusLine, format_running


def test_format_running_longest_first_with_ages() -> None:
    now = 1000.0
    text = format_running([("load", now - 12), ("extract", now - 130), ("audit", now - 0.4)], now)
    assert text == "processes: running 3: extract (2m10s), load (12s), audit (0s)"


@pytest.mark.parametrize(
    ("seconds", "shown"), [(0, "0s"), (59.9, "59s"), (60, "1m00s"), (3600 + 5, "60m05s")]
)
def test_format_running_ages(seconds: float, shown: str) -> None:
    assert format_running([("t", 0.0)], seconds) == f"processes: running 1: t ({shown})"


def test_format_running_is_cut_to_the_width() -> None:
    names = [(f"task_number_{i}", 0.0) for i in range(20)]
    text = format_running(names, 5.0, width=60)
    assert len(text) == 60
    assert text.startswith("processes: running 20: task_number_0 (5s), ")
    assert text.endswith("...")


class FakeTTYReporter:
    """What StatusLine uses of a TerminalReporter on a terminal."""

    isatty = True

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self._tw = type("TW", (), {"fullwidth": 50})()
        self.currentfspath: Any = "tasks_x.py"

    def ensure_newline(self) -> None:
        self.calls.append(("newline", None))

    def rewrite(self, line: str, **markup: bool) -> None:
        self.calls.append(("rewrite", line))

    def write_line(self, line: str, **markup: bool) -> None:
        self.calls.append(("write_line", line))


def test_tty_redraws_one_line_and_clears_it() -> None:
    reporter = FakeTTYReporter()
    line = StatusLine(reporter)  # type: ignore[arg-type]
    assert line.interval == 1.0
    line.update([("load", 0.0)])
    rewrites = [value for kind, value in reporter.calls if kind == "rewrite"]
    assert len(rewrites) == 1 and rewrites[0].startswith("processes: running 1: load (")
    assert len(rewrites[0]) <= 49
    assert not [c for c in reporter.calls if c[0] == "write_line"]
    line.clear()
    assert reporter.calls[-1] == ("rewrite", "")
    assert reporter.currentfspath is None  # pytest starts the file's progress line anew


def test_without_tty_a_long_task_prints_still_running(
    pytester: pytest.Pytester, run_processes: RunProcesses, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In-process run: the module is shared, so the quiet period can be shortened here."""
    monkeypatch.setattr(status, "QUIET_FOR", 0.05)
    monkeypatch.setattr(status, "REPEAT_EVERY", 0.05)
    printed: Path = pytester.path / "status-printed"
    original = status.format_running

    def format_and_tell(*args: Any, **kwargs: Any) -> str:
        printed.write_text("yes")
        return original(*args, **kwargs)

    monkeypatch.setattr(status, "format_running", format_and_tell)
    pytester.makepyfile(
        tasks_slow="""
        import time
        from pathlib import Path

        def task_slow():
            # runs until the status line has been printed (bounded)
            deadline = time.monotonic() + 20
            while not Path("status-printed").exists() and time.monotonic() < deadline:
                time.sleep(0.01)

        def task_quick():
            pass
        """
    )
    result = run_processes("--processes-workers", "2")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["processes: still running 1: slow (*s)"])
    result.stdout.no_fnmatch_line("*still running*quick*")


def test_without_tty_quick_runs_print_no_status(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_quick="def task_a():\n    pass\n\ndef task_b(a):\n    pass\n")
    result = run_processes("--processes-workers", "2")
    result.stdout.no_fnmatch_line("*running*")
    result.assert_outcomes(passed=2)


def test_in_flight_tasks_stay_close_to_the_workers(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    """The status line lists tasks in flight: at most one queued per worker under pytest."""
    pytester.makeconftest(
        """
        started = []
        at_first_finish = []

        def pytest_processes_task_start(task, attempt):
            started.append(task.name)

        def pytest_processes_task_finish(task, result):
            if not at_first_finish:
                at_first_finish.append(len(started))

        def pytest_terminal_summary(terminalreporter):
            terminalreporter.write_line(f"in flight at the first finish: {at_first_finish[0]}")
        """
    )
    pytester.makepyfile(tasks_many="\n".join(f"def task_t{i}(): pass" for i in range(30)))
    result = run_processes("--processes-workers", "2")
    result.assert_outcomes(passed=30)
    result.stdout.fnmatch_lines(["in flight at the first finish: 4"])  # 2 running + 2 queued
