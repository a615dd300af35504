"""processes' import path ``task_types``: task outcomes and dependency declarations."""

from .model.task_types import (
    INTERRUPTED_REASON,
    NOT_RUN_REASON,
    RESTORED_REASON,
    TaskDependency,
    TaskResult,
    TaskStatus,
)

__all__ = [
    "INTERRUPTED_REASON",
    "NOT_RUN_REASON",
    "RESTORED_REASON",
    "TaskDependency",
    "TaskResult",
    "TaskStatus",
]
