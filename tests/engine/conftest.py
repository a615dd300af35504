"""Shared fixtures of the engine tests: logfiles, blocking events and logfile line parsing."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

#: one logfile line: "2026-01-02 03:04:05,678 - logger - LEVEL - message"
LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - (?P<logger>\S+) - (?P<level>[A-Z]+) - (?P<msg>.*)$"
)


def log_records(path: Path) -> list[tuple[str, str]]:
    """``(level, message)`` of every formatted record line in a logfile (context lines skipped)."""
    records = []
    for line in path.read_text().splitlines():
        match = LOG_LINE.match(line)
        if match:
            records.append((match["level"], match["msg"]))
    return records


@pytest.fixture
def read_log() -> Callable[[Path], list[tuple[str, str]]]:
    """``read_log(path)``: ``(level, message)`` of each record line of a logfile."""
    return log_records


@pytest.fixture
def log_line() -> re.Pattern[str]:
    """The pattern of one record line; groups ``logger``, ``level`` and ``msg``."""
    return LOG_LINE


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    """A logfile path that does not exist yet."""
    return tmp_path / "tasks.log"


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """An event blocked tasks wait on; set at teardown so no task thread outlives the test."""
    event = threading.Event()
    yield event
    event.set()
