"""The live view while tasks run on a terminal, and its plain-text form for CI logs.

On a TTY the view is drawn below pytest's current line (the running tasks with
their elapsed time, and the counts done/failed/waiting), redrawn in place at
most :data:`REDRAW_EVERY` apart, and wiped before anything else is written to
pytest's terminal, with the cursor put back where pytest left it: pytest's own
lines (progress, ``-v``, warnings) come out exactly as without the view.
Without a TTY, a plain "still running" line is printed now and then instead.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator

import pytest

from .compat import terminal_column, terminal_width, writes_announced

__all__ = ["StatusLine", "format_counts", "format_running"]

REDRAW_EVERY = 0.1  # on a TTY: at most 10 redraws a second
MAX_ROWS = 8  # running tasks listed, one a line; the rest are counted
QUIET_FOR = 10.0  # without a TTY: say nothing until a task has run this long
REPEAT_EVERY = 30.0  # ... and then at most this often

ERASE_BELOW = "\x1b[J"  # from the cursor to the end of the screen


def _age(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def format_running(names: list[tuple[str, float]], now: float, width: int = 200) -> str:
    """``running 3: load (12s), transform (3s)``, longest-running first, cut to ``width``."""
    ordered = sorted(names, key=lambda pair: pair[1])
    parts = [f"{name} ({_age(now - since)})" for name, since in ordered]
    text = f"processes: running {len(parts)}: " + ", ".join(parts)
    return _cut(text, width)


def _columns(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def _cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` terminal columns (wide characters take two)."""
    if sum(map(_columns, text)) <= width:
        return text
    used, kept = 0, []
    for char in text:
        used += _columns(char)
        if used > width - 3:
            break
        kept.append(char)
    return "".join(kept) + "..."


def format_counts(running: int, done: int, failed: int, waiting: int, elapsed: float) -> str:
    """The view's first line: ``processes 12s: running 2, done 5, failed 1, waiting 12``."""
    return (
        f"processes {_age(elapsed)}: running {running}, done {done}, "
        f"failed {failed}, waiting {waiting}"
    )


def live_terminal(reporter: pytest.TerminalReporter | None) -> bool:
    """A terminal that can take cursor movements (not a pipe, not ``TERM=dumb``)."""
    tty = bool(reporter is not None and getattr(reporter, "isatty", False))
    return tty and os.environ.get("TERM", "") != "dumb"


class StatusLine:
    """The live view on a TTY (see the module); a plain line now and then without one."""

    def __init__(
        self, reporter: pytest.TerminalReporter | None, total: int = 0, *, live: bool = True
    ) -> None:
        self.reporter = reporter
        #: the in-place view; False: plain lines (a pipe, or task output not captured)
        self.tty = live and live_terminal(reporter)
        self.total = total
        self.done = self.failed = 0
        self.shown = 0  # lines of the view below pytest's line
        self._raw: Callable[[str], None] | None = None
        self._lock = threading.RLock()  # live logging may write from a worker thread
        self._last_plain = 0.0
        self._started = time.monotonic()
        self._height = 24  # the terminal's lines, measured when the run starts
        #: seconds between scheduler ticks (None: no terminal, no ticks)
        self.interval: float | None = None
        if reporter is not None:
            plain = max(0.01, min(5.0, QUIET_FOR, REPEAT_EVERY))
            self.interval = REDRAW_EVERY if self.tty else plain

    @contextlib.contextmanager
    def attached(self) -> Iterator[None]:
        """While the run goes on: every write to pytest's terminal wipes the view first."""
        self._started = time.monotonic()
        if not self.tty or self.reporter is None:
            yield
            return
        # measured now: while tasks run, fd 1 may be a capture pipe
        self._height = shutil.get_terminal_size().lines
        with writes_announced(self.reporter, self.clear, self._lock) as raw:
            self._raw = raw
            try:
                yield
            finally:
                self.clear()
                self._raw = None

    def settled(self, failed: bool) -> None:
        """A task finished (or was restored, or skipped): counted as done or failed."""
        if failed:
            self.failed += 1
        else:
            self.done += 1

    def update(self, running: list[tuple[str, float]]) -> None:
        """A tick: redraw the view on a TTY, else maybe print a plain line."""
        if self.reporter is None or not running:
            return
        now = time.monotonic()
        if self.tty:
            self._draw(self._lines(running, now))
            return
        slow = [(n, s) for n, s in running if now - s >= QUIET_FOR]
        if slow and now - self._last_plain >= REPEAT_EVERY:
            self._last_plain = now
            self.reporter.write_line(
                format_running(slow, now).replace("running", "still running", 1)
            )

    def _lines(self, running: list[tuple[str, float]], now: float) -> list[str]:
        """The counts, then one line per running task (longest-running first), cut to fit."""
        assert self.reporter is not None
        width = terminal_width(self.reporter) - 1  # never the last column: no wrap
        rows = max(1, min(MAX_ROWS, self._height - 3))
        waiting = max(0, self.total - self.done - self.failed - len(running))
        lines = [format_counts(len(running), self.done, self.failed, waiting, now - self._started)]
        ordered = sorted(running, key=lambda pair: pair[1])
        shown = ordered if len(ordered) <= rows else ordered[: rows - 1]
        lines += [f"  {name} ({_age(now - since)})" for name, since in shown]
        if len(shown) < len(ordered):
            lines.append(f"  ... and {len(ordered) - len(shown)} more")
        return [_cut(line, width) for line in lines]

    def _draw(self, lines: list[str]) -> None:
        """Wipe the old view, draw ``lines`` below pytest's line, put the cursor back."""
        assert self.reporter is not None
        with self._lock:
            raw = self._raw
            column = terminal_column(self.reporter)
            if raw is None or not 0 <= column < terminal_width(self.reporter):
                return  # pytest's line is unknown or full: leave it alone
            back = f"\r\x1b[{len(lines)}A" + (f"\x1b[{column}C" if column else "")
            raw(ERASE_BELOW + "\n" + "\n".join(lines) + back)
            self.shown = len(lines)

    def clear(self) -> None:
        """Wipe the view (the cursor is already where pytest left it)."""
        with self._lock:
            if self.shown and self._raw is not None:
                self._raw(ERASE_BELOW)
            self.shown = 0
