"""Task files and types shared by the delivery tests (a module, not conftest: unique name)."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pytest

CHANNEL_TESTS = Path(__file__).resolve().parent.parent / "channels"
if str(CHANNEL_TESTS) not in sys.path:  # reuse the channel tests' loopback servers
    sys.path.insert(0, str(CHANNEL_TESTS))
from loopback_servers import TLS  # noqa: E402

PROCESS_NAME = "nightly-etl"

RED = """
    def task_extract():
        return [1, 2, 3]

    def task_transform(extract):
        rows = list(extract)
        raise ValueError(f"bad row {rows[-1] * 7}")

    def task_load(transform):
        return None
"""

GREEN = """
    def task_extract():
        return [1, 2, 3]

    def task_count(extract):
        return len(extract)
"""


class RunProcesses(Protocol):
    """``run_processes(*args)``: ``pytest --processes`` in-process, process name nightly-etl."""

    def __call__(self, *args: str) -> pytest.RunResult: ...


@dataclass
class PrivateCA:
    """Server/client contexts of a throwaway CA, and its certificate as a PEM file."""

    tls: TLS
    pem: Path


@dataclass
class Hook:
    """A loopback webhook receiver: what it got, and which files existed when it got it."""

    url: str
    watch: list[Path]
    status: int = 204
    bodies: list[bytes] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    files_seen: list[list[bool]] = field(default_factory=list)
