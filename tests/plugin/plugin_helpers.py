"""Types shared by the plugin tests (a module of its own: ``conftest`` is not importable)."""

from __future__ import annotations

from typing import Protocol

import pytest


class RunProcesses(Protocol):
    """The ``run_processes`` fixture: ``pytest --processes *args`` in-process."""

    def __call__(self, *args: str) -> pytest.RunResult: ...


#: a conftest whose session fixture releases hanging tasks at the end of the run (no long sleeps)
RELEASE_CONFTEST = """
    import threading

    import pytest

    RELEASE = threading.Event()

    @pytest.fixture(scope="session", autouse=True)
    def _release_hanging_tasks():
        yield
        RELEASE.set()
"""
