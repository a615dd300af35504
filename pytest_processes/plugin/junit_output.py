"""Task output in ``--junitxml``: on by default, capped per test case.

JUnit readers (GitLab, Jenkins) slow down on or refuse very large files, so
each captured stream of a task (stdout, stderr, log) keeps only its last
``processes_junit_output_limit`` bytes there, after a line that says how much
was cut and where the whole output is. The terminal and the JSON report keep
everything.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Generator
from typing import Any

import pytest

from ..reports._text import xml_visible_escape
from .compat import junit_append

__all__ = ["DEFAULT_LIMIT", "INI", "JUnitAttempts", "JUnitOutput", "parse_size"]

INI = "processes_junit_output_limit"
DEFAULT_LIMIT = "1MB"
_UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "kib": 1024, "m": 1024**2, "mb": 1024**2}
_UNITS |= {"mib": 1024**2, "g": 1024**3, "gb": 1024**3, "gib": 1024**3}
_SIZE = re.compile(r"\s*(\d+)\s*([a-z]*)\s*", re.IGNORECASE)
_STREAMS = ("stdout", "stderr", "log")


def parse_size(raw: str) -> int:
    """Bytes of ``raw`` (``1048576``, ``512KB``, ``1 MB``; 1 KB = 1024 bytes), or a usage error."""
    match = _SIZE.fullmatch(raw)
    unit = match.group(2).lower() if match else ""
    if match is None or unit not in _UNITS:
        raise pytest.UsageError(
            f"Invalid {INI} {raw!r} in the config file: expected a size in bytes, "
            "optionally with a unit (e.g. 1048576, 512KB, 1MB); 0 keeps all output"
        )
    return int(match.group(1)) * _UNITS[unit]


def _human(size: int) -> str:
    """``size`` bytes for a reader: ``9.0 MB``, ``512.0 KB``, ``300 bytes``."""
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.1f} {unit}"
    return f"{size} bytes"


def _tail(text: str, budget: int) -> tuple[str, int, int]:
    """The end of ``text`` within ``budget`` UTF-8 bytes: (kept, bytes kept, bytes cut)."""
    data = text.encode("utf-8", "replace")
    if len(data) <= budget:
        return text, len(data), 0
    kept = data[len(data) - budget :] if budget else b""
    return kept.decode("utf-8", "ignore"), len(kept), len(data) - len(kept)


class JUnitOutput:
    """Caps the output sections of task reports while ``--junitxml`` writes them (0: no cap)."""

    def __init__(self, limit: int, json_path: str | None, *, once: bool) -> None:
        self.limit = limit
        #: pytest writes a skipped test's output twice (its skip and its teardown): keep one
        self.once = once
        self.where = (
            f"the JSON report {json_path}"
            if json_path
            else "the JSON report (pass --processes-json PATH to write it)"
        )

    def capped(self, sections: list[tuple[str, str]]) -> list[tuple[str, str]] | None:
        """``sections`` with each stream cut to its last ``limit`` bytes; None if all fit."""
        out = list(sections)
        changed = False
        for stream in _STREAMS:
            budget = self.limit
            for at in reversed(range(len(out))):  # the latest output is kept
                title, text = out[at]
                if not title.startswith(f"Captured {stream} "):
                    continue
                kept, used, cut = _tail(text, budget)
                budget -= used
                if cut:
                    changed = True
                    out[at] = (title, self.cut_note(cut) + kept)
        return out if changed else None

    def cut_note(self, cut: int) -> str:
        """The line that replaces the first ``cut`` bytes of an output."""
        return (
            f"[pytest-processes: the first {_human(cut)} ({cut} bytes) of this "
            f"output were cut to keep the last {_human(self.limit)} ({INI}); "
            f"the full output is in {self.where}]\n"
        )

    def tail(self, text: str) -> str:
        """``text`` cut to its last ``limit`` bytes after :meth:`cut_note`; whole if it fits."""
        if not self.limit:
            return text
        kept, _, cut = _tail(text, self.limit)
        return self.cut_note(cut) + kept if cut else text

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> Generator[None, None, None]:
        """The JUnit writer sees capped sections; every later reader the full ones."""
        full = report.sections
        capped: list[tuple[str, str]] | None = None
        if hasattr(report, "processes_attempts"):  # a task's report
            if self.once and report.skipped and report.when != "teardown":
                capped = []  # its teardown report carries the same sections
            elif self.limit:
                capped = self.capped(full)
        if capped is not None:
            report.sections = capped
        try:
            return (yield)
        finally:
            report.sections = full


class JUnitAttempts:
    """A retried task's earlier attempts go to its ``<testcase>``'s ``system-err``.

    Each with its error and traceback, whatever ``junit_logging`` says: they are
    part of the result, not captured output (the JUnit schema allows the element).
    """

    def __init__(self, logxml: Any) -> None:
        self.logxml = logxml

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        text = getattr(report, "processes_earlier_attempts", "")
        if text and report.when == "call":
            element = ET.Element("system-err")
            element.text = xml_visible_escape(f"Earlier attempts of this task:\n{text}\n")
            junit_append(self.logxml, report, element)
