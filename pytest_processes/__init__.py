"""pytest-processes: task graphs of plain Python functions, run by the engine or by pytest.

The library API is compatible with ``processes`` 7.0.4. Importing this package
never imports pytest; the pytest plugin lives in :mod:`pytest_processes.plugin`.
"""

from __future__ import annotations

from typing import Any

# processes' module paths (``pytest_processes.task``, ...) are imported first, so the
# ``task`` decorator bound below is what ``pytest_processes.task`` names afterwards,
# whoever imports the ``task`` module later.
from . import error_data, execution_report, process, task_types  # noqa: F401
from . import task as _task_module  # noqa: F401
from .api.context import Created, TaskContext
from .api.families import param
from .api.functions import task
from .api.process import Process
from .api.task import Task
from .comms import (
    EmailChannel,
    HTMLEmailStyle,
    ReportChannel,
    ReportContent,
    SMTPConfig,
    WebhookChannel,
    WebhookConfig,
)
from .engine.before import when_scheduled
from .engine.checkpoint import Checkpoint, CheckpointWarning
from .exceptions import (
    CircularDependencyError,
    DependencyNotFoundError,
    DynamicTaskError,
    RunInterrupted,
    TaskDefinitionError,
    TaskNotFoundError,
    TaskSkipped,
    WorkerDiedError,
)
from .model.error_data import ErrorData
from .model.execution_report import ProcessExecutionReport, TaskReportEntry
from .model.task_types import AttemptRecord, TaskDependency, TaskResult, TaskStatus

__all__ = [
    "AttemptRecord",
    "Checkpoint",
    "CheckpointWarning",
    "CircularDependencyError",
    "Created",
    "DependencyNotFoundError",
    "DynamicTaskError",
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
    "TaskContext",
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
    "when_scheduled",
]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("pytest-processes")
        except PackageNotFoundError:
            return "0.0.0-unknown"
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
