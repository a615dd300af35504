"""pytest-processes: task graphs of plain Python functions, run by the engine or by pytest.

The library API is compatible with ``processes`` 7.0.4. Importing this package
never imports pytest; the pytest plugin lives in :mod:`pytest_processes.plugin`.
"""

from __future__ import annotations

from typing import Any

from .comms import (
    EmailChannel,
    HTMLEmailStyle,
    ReportChannel,
    ReportContent,
    SMTPConfig,
    WebhookChannel,
    WebhookConfig,
)
from .engine.checkpoint import Checkpoint, CheckpointWarning
from .error_data import ErrorData
from .exceptions import (
    CircularDependencyError,
    DependencyNotFoundError,
    RunInterrupted,
    TaskDefinitionError,
    TaskNotFoundError,
    TaskSkipped,
    WorkerDiedError,
)
from .execution_report import ProcessExecutionReport, TaskReportEntry
from .families import param
from .process import Process
from .task import Task
from .task_types import TaskDependency, TaskResult, TaskStatus
from .wiring import task

__all__ = [
    "Checkpoint",
    "CheckpointWarning",
    "CircularDependencyError",
    "DependencyNotFoundError",
    "EmailChannel",
    "ErrorData",
    "HTMLEmailStyle",
    "Process",
    "ProcessExecutionReport",
    "ReportChannel",
    "ReportContent",
    "RunInterrupted",
    "SMTPConfig",
    "Task",
    "TaskDefinitionError",
    "TaskDependency",
    "TaskNotFoundError",
    "TaskReportEntry",
    "TaskResult",
    "TaskSkipped",
    "TaskStatus",
    "WebhookChannel",
    "WebhookConfig",
    "WorkerDiedError",
    "param",
    "task",
]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("pytest-processes")
        except PackageNotFoundError:
            return "0.0.0-unknown"
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
