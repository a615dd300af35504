"""``TaskSpec``: what every part of the engine reads from a task, in one Protocol.

The scheduler, graph compilation, checkpoints and reports all read tasks
through it; ``pytest_processes.Task`` provides it, and so do the plugin's tasks.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from .task_types import TaskDependency

__all__ = ["TaskSpec"]


class TaskSpec(Protocol):
    """A task as the engine sees it: its call, its dependencies and its run options."""

    name: str
    func: Any
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    dependencies: list[TaskDependency]
    retries: int
    retry_on: tuple[type[Exception], ...] | None
    #: seconds between a failed attempt and its retry (0: at once)
    retry_delay: float
    timeout: float | None
    traced_vars_frame_filter: str | None
    trigger: str
    locks: tuple[str, ...]
    executor: str | None

    @property
    def function_name(self) -> str: ...

    @property
    def dependency_names(self) -> tuple[str, ...]: ...

    def active_logger(self, base: bool | None = None) -> logging.Logger | None: ...
