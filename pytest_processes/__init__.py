"""pytest-processes: task graphs of plain Python functions, run by the engine or by pytest.

The library API is compatible with ``processes`` 7.0.4. Importing this package
never imports pytest; the pytest plugin lives in :mod:`pytest_processes.plugin`.
"""

from __future__ import annotations

from typing import Any

from .comms import EmailChannel
from .comms import HTMLEmailStyle
from .comms import ReportChannel
from .comms import ReportContent
from .comms import SMTPConfig
from .comms import WebhookChannel
from .comms import WebhookConfig
from .error_data import ErrorData
from .exceptions import CircularDependencyError
from .exceptions import DependencyNotFoundError
from .exceptions import RunInterrupted
from .exceptions import TaskDefinitionError
from .exceptions import TaskNotFoundError
from .exceptions import TaskSkipped
from .execution_report import ProcessExecutionReport
from .execution_report import TaskReportEntry
from .process import Process
from .task import Task
from .task_types import TaskDependency
from .task_types import TaskResult
from .task_types import TaskStatus
from .wiring import task

__all__ = [
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
    "task",
]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError
        from importlib.metadata import version

        try:
            return version("pytest-processes")
        except PackageNotFoundError:
            return "0.0.0-unknown"
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
