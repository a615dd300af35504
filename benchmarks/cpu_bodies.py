"""Task bodies of ``bench_executors.py``, importable by worker processes and Dask workers."""

from __future__ import annotations

import time
from typing import Any


def burn(n: int) -> int:
    """Pure-Python CPU work (holds the GIL): ``n`` loop iterations."""
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def after(*_: Any) -> None:
    """A no-op that takes its upstream results (for Dask's own futures API)."""


def hang(seconds: float) -> None:
    """Sleep past any reasonable deadline."""
    time.sleep(seconds)


def stamp() -> float:
    """When this task started, epoch seconds."""
    return time.time()
