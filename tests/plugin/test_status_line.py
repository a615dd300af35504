"""The live view on a TTY, and the plain "still running" line without one."""

from __future__ import annotations

import io
import re
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _pytest.terminal import TerminalReporter  # public as pytest.TerminalReporter only from 8.1
from plugin_helpers import RunProcesses
from terminal_helpers import COLUMNS, render, run_on_pty, without_colours

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


def test_wide_characters_count_twice_when_cut() -> None:
    text = format_running([("集計" * 20, 0.0)], 1.0, width=40)
    assert text.endswith("...")
    assert sum(2 if "\u3000" < c < "\uffff" else 1 for c in text) <= 40


class FakeTTY(io.StringIO):
    """What pytest's terminal writes to, claiming to be a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def tty_reporter(pytester: pytest.Pytester) -> Iterator[tuple[pytest.TerminalReporter, FakeTTY]]:
    """pytest's own terminal reporter, writing into a fake TTY of ``COLUMNS`` columns."""
    config = pytester.parseconfigure()
    screen = FakeTTY()
    reporter = TerminalReporter(config, screen)
    reporter._tw.fullwidth = COLUMNS
    yield reporter, screen
    config._ensure_unconfigure()


def test_the_view_is_drawn_below_pytests_line_and_wiped_before_its_next_write(
    tty_reporter: tuple[pytest.TerminalReporter, FakeTTY], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TERM", raising=False)
    reporter, screen = tty_reporter
    view = StatusLine(reporter, total=5)
    assert view.tty and view.interval == status.REDRAW_EVERY
    reporter.write("tasks_x.py ..")  # a progress line, not ended
    with view.attached():
        view.settled(failed=False)
        view.settled(failed=True)
        now = time.monotonic()
        view.update([("load", now - 12), ("extract", now - 130)])
        shown = render(screen.getvalue())
        assert shown[0] == "tasks_x.py .."
        assert shown[1].startswith("processes ") and shown[1].endswith(
            ": running 2, done 1, failed 1, waiting 1"
        )
        assert shown[2:] == ["  extract (2m10s)", "  load (12s)"]
        reporter.write(".")  # pytest's next result: the view goes, the dot lands in place
        assert render(screen.getvalue()) == ["tasks_x.py ..."]
        view.update([("load", now - 12)])
        reporter.write_line("")
        reporter.write_line("tasks_y.py::check PASSED")
    assert render(screen.getvalue()) == ["tasks_x.py ...", "tasks_y.py::check PASSED", ""]
    assert reporter._tw.write == reporter._tw.__class__.write.__get__(reporter._tw)  # unwrapped


@pytest.mark.parametrize(("lines", "rows"), [(40, status.MAX_ROWS), (6, 3)])
def test_the_view_fits_the_terminal(
    tty_reporter: tuple[pytest.TerminalReporter, FakeTTY],
    monkeypatch: pytest.MonkeyPatch,
    lines: int,
    rows: int,
) -> None:
    """Never wider than a line, never taller than the screen (it could not move back up)."""
    monkeypatch.delenv("TERM", raising=False)
    monkeypatch.setenv("LINES", str(lines))
    reporter, screen = tty_reporter
    view = StatusLine(reporter, total=30)
    with view.attached():
        now = time.monotonic()
        view.update([(f"task_with_a_long_name_{i:02d}" * 4, now - i) for i in range(12)])
        shown = render(screen.getvalue())
    assert len(shown) == 1 + 1 + rows  # pytest's line, the counts, the rows
    assert shown[-1] == f"  ... and {12 - rows + 1} more"
    assert all(len(line) < COLUMNS for line in shown)


def test_no_view_on_a_dumb_terminal_or_without_a_terminal(
    tty_reporter: tuple[pytest.TerminalReporter, FakeTTY], monkeypatch: pytest.MonkeyPatch
) -> None:
    reporter, _ = tty_reporter
    monkeypatch.setenv("TERM", "dumb")
    assert not StatusLine(reporter).tty
    monkeypatch.setenv("TERM", "xterm")
    assert not StatusLine(reporter, live=False).tty  # task output not captured (-s)
    assert StatusLine(None).interval is None  # -p no:terminal: no ticks at all


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


# -- end to end: pytest on a pseudo-terminal, and in a pipe ----------------------------------

#: ``first`` runs until the test has seen the live view list it (bounded), so the view is drawn
LIVE_TASKS = """
    import time
    from pathlib import Path

    def task_quick():
        pass

    def task_first():
        deadline = time.monotonic() + 30
        while not Path("go").exists() and time.monotonic() < deadline:
            time.sleep(0.01)

    def task_second(first):
        pass
"""

SEEN = "running 1, done 1, failed 0, waiting 1"


def assert_wiped_before_every_write(raw: str) -> None:
    """After each drawing of the view (which ends by moving the cursor back up), the next
    bytes on the terminal erase it: nothing is written over the view."""
    text = without_colours(raw)
    drawn = list(re.finditer(r"\r\x1b\[\d+A(\x1b\[\d+C)?", text))
    assert drawn, "the view was never drawn"
    for match in drawn:
        after = text[match.end() : match.end() + 3]
        assert after in ("\x1b[J", ""), repr(text[match.start() : match.end() + 40])


def _run_live(pytester: pytest.Pytester, *args: str) -> str:
    pytester.makepyfile(tasks_live=LIVE_TASKS)
    return run_on_pty(
        ["--processes", "-p", "no:cacheprovider", *args],
        pytester.path,
        when=lambda out: SEEN in out and "  first (" in out,
        then=lambda: (pytester.path / "go").write_text("go"),
    )


def test_on_a_tty_the_view_is_redrawn_in_place_and_v_lines_arrive_intact(
    pytester: pytest.Pytester,
) -> None:
    raw = _run_live(pytester, "-v")
    assert_wiped_before_every_write(raw)
    plain = without_colours(raw)
    assert SEEN in plain and "\x1b[J" in plain and "\x1b[2A" in plain  # drawn, then moved up
    for name, percent in (("quick", 33), ("first", 66), ("second", 100)):
        # each -v line is written whole: nothing cuts into it
        assert re.search(rf"tasks_live\.py::{name} PASSED +\[ *{percent}%\]", plain), name
    screen = render(raw)
    assert not [line for line in screen if line.startswith(("processes ", "  first ("))]
    assert [line.split()[0:2] for line in screen if line.startswith("tasks_live.py::")] == [
        ["tasks_live.py::quick", "PASSED"],
        ["tasks_live.py::first", "PASSED"],
        ["tasks_live.py::second", "PASSED"],
    ]
    assert any(re.fullmatch(r"=+ 3 passed in [\d.]+s =+", line) for line in screen)


def test_on_a_tty_live_log_lines_from_worker_threads_wipe_the_view_first(
    pytester: pytest.Pytester,
) -> None:
    logs = (
        "            time.sleep(0.01)\n        logging.getLogger('etl').warning('first logs: go')\n"
    )
    tasks = LIVE_TASKS.replace("            time.sleep(0.01)\n", logs)
    pytester.makepyfile(tasks_live="import logging\n" + textwrap.dedent(tasks))
    raw = run_on_pty(
        ["--processes", "-p", "no:cacheprovider", "--log-cli-level=WARNING"],
        pytester.path,
        when=lambda out: SEEN in out,
        then=lambda: (pytester.path / "go").write_text("go"),
    )
    # written from the worker thread while the view was up: whole, and the view gone
    assert_wiped_before_every_write(raw)
    assert re.search(r"WARNING +etl:tasks_live\.py:\d+ first logs: go", without_colours(raw))
    screen = render(raw)
    assert any(line.endswith("first logs: go") for line in screen)
    assert not [line for line in screen if line.startswith(("processes ", "  first ("))]


def test_on_a_tty_the_progress_line_of_dots_stays_one_line(pytester: pytest.Pytester) -> None:
    raw = _run_live(pytester)
    assert SEEN in raw
    assert_wiped_before_every_write(raw)
    screen = render(raw)
    assert [line for line in screen if line.startswith("tasks_live.py")] == [
        "tasks_live.py ..." + " " * (COLUMNS - 24) + "[100%]"
    ]
    assert not [line for line in screen if line.startswith("processes ")]


@pytest.mark.parametrize(
    "args", [("-p", "no:terminal"), ("-s",)], ids=["no-terminal", "capture-no"]
)
def test_on_a_tty_no_view_without_pytests_terminal_or_with_task_output_uncaptured(
    pytester: pytest.Pytester, args: tuple[str, ...]
) -> None:
    pytester.makepyfile(tasks_quick="def task_a():\n    pass\n\ndef task_b(a):\n    pass\n")
    raw = run_on_pty(["--processes", "-p", "no:cacheprovider", *args], pytester.path)
    assert "\x1b[J" not in raw and "running" not in raw


def test_in_a_pipe_no_escape_sequences_even_with_colour(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        tasks_pipe="""
        import time

        def task_a():
            time.sleep(0.5)   # work: long enough for several ticks of a live view

        def task_b(a):
            pass
        """
    )
    result = pytester.runpytest_subprocess("--processes", "-v", "--color=yes")
    result.assert_outcomes(passed=2)
    out = result.stdout.str()
    assert "\x1b[32m" in out  # colours, as asked
    assert not re.search(r"\x1b\[\d*[AJK]", out) and "running" not in out
