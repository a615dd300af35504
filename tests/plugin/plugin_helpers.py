"""Types shared by the plugin tests (a module of its own: ``conftest`` is not importable)."""

from __future__ import annotations

from typing import Protocol

import pytest


class RunProcesses(Protocol):
    """The ``run_processes`` fixture: ``pytest --processes *args`` in-process."""

    def __call__(self, *args: str) -> pytest.RunResult: ...
