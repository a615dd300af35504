"""Fixtures of the end-to-end tests of ``pytest --processes`` (pytester comes from the root).

Scenarios are tiny ``tasks_*.py`` files written with ``pytester.makepyfile``
and run in-process with ``run_processes(*args)``; ``runpytest_subprocess`` is
kept for signals. Tasks that must meet use a ``threading.Barrier`` or an
``Event`` with a timeout, never a sleep.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from plugin_helpers import RunProcesses


@pytest.fixture
def run_processes(pytester: pytest.Pytester) -> RunProcesses:
    """``run_processes(*args)``: ``pytest --processes *args`` in-process."""

    def run(*args: str) -> pytest.RunResult:
        return pytester.runpytest("--processes", *args)

    return run


@pytest.fixture
def wait_for() -> Callable[..., None]:
    """``wait_for(predicate, what)``: poll (bounded) until ``predicate()`` holds, else fail."""

    def wait(predicate: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                pytest.fail(f"timed out after {timeout}s waiting for {what}")
            time.sleep(0.02)

    return wait
