"""The live status line while tasks run, and its plain-text form for CI logs."""

from __future__ import annotations

import time

import pytest

from .compat import terminal_width

__all__ = ["StatusLine", "format_running"]

QUIET_FOR = 10.0  # without a TTY: say nothing until a task has run this long
REPEAT_EVERY = 30.0  # ... and then at most this often


def _age(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def format_running(names: list[tuple[str, float]], now: float, width: int = 200) -> str:
    """``running 3: load (12s), transform (3s)``, longest-running first, cut to ``width``."""
    ordered = sorted(names, key=lambda pair: pair[1])
    parts = [f"{name} ({_age(now - since)})" for name, since in ordered]
    text = f"processes: running {len(parts)}: " + ", ".join(parts)
    return text if len(text) <= width else text[: width - 3] + "..."


class StatusLine:
    """Redraws one line on a terminal; prints a plain line now and then without one."""

    def __init__(self, reporter: pytest.TerminalReporter | None) -> None:
        self.reporter = reporter
        self.tty = bool(reporter is not None and getattr(reporter, "isatty", False))
        self.shown = False
        self._last_plain = 0.0
        # seconds between scheduler ticks: often enough for the plain line's own timing
        self.interval = 1.0 if self.tty else max(0.01, min(5.0, QUIET_FOR, REPEAT_EVERY))

    def update(self, running: list[tuple[str, float]]) -> None:
        if self.reporter is None or not running:
            return
        now = time.monotonic()
        if self.tty:
            self.reporter.ensure_newline()
            self.reporter.rewrite(
                format_running(running, now, terminal_width(self.reporter) - 1), erase=True
            )
            self.shown = True
            return
        slow = [(n, s) for n, s in running if now - s >= QUIET_FOR]
        if slow and now - self._last_plain >= REPEAT_EVERY:
            self._last_plain = now
            self.reporter.write_line(
                format_running(slow, now).replace("running", "still running", 1)
            )

    def clear(self) -> None:
        """Before pytest writes a result: wipe the status, restart the file's progress line."""
        if self.shown and self.reporter is not None:
            self.reporter.rewrite("", erase=True)
            self.reporter.currentfspath = None
            self.shown = False
