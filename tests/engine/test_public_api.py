"""Drop-in compatibility of import paths: what processes 7.0.4 users import still imports."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import pytest_processes

PROCESSES_TOP_LEVEL = [
    "Process",
    "Task",
    "TaskDependency",
    "TaskResult",
    "TaskStatus",
    "ErrorData",
    "ProcessExecutionReport",
    "TaskReportEntry",
    "ReportChannel",
    "ReportContent",
    "EmailChannel",
    "WebhookChannel",
    "SMTPConfig",
    "HTMLEmailStyle",
    "WebhookConfig",
    "CircularDependencyError",
    "DependencyNotFoundError",
    "TaskNotFoundError",
]


def test_top_level_exports_every_processes_name() -> None:
    assert set(PROCESSES_TOP_LEVEL) <= set(pytest_processes.__all__)
    for name in PROCESSES_TOP_LEVEL:
        assert getattr(pytest_processes, name) is not None


@pytest.mark.parametrize(
    ("module", "names"),
    [
        ("exceptions", ["CircularDependencyError", "DependencyNotFoundError", "TaskNotFoundError"]),
        ("error_data", ["ErrorData"]),
        ("task", ["Task", "TaskDependency", "TaskResult", "TaskStatus"]),
        (
            "process",
            ["Process", "CircularDependencyError", "DependencyNotFoundError", "TaskNotFoundError"],
        ),
        ("task_types", ["TaskDependency", "TaskResult", "TaskStatus"]),
        ("execution_report", ["ProcessExecutionReport", "TaskReportEntry"]),
        ("comms", ["ReportChannel", "ReportContent", "EmailChannel", "WebhookChannel"]),
    ],
)
def test_submodule_import_paths(module: str, names: list[str]) -> None:
    imported = importlib.import_module(f"pytest_processes.{module}")
    for name in names:
        assert getattr(imported, name) is getattr(pytest_processes, name)


def test_version_is_a_string() -> None:
    assert isinstance(pytest_processes.__version__, str)
    with pytest.raises(AttributeError):
        _ = pytest_processes.no_such_name


@pytest.mark.parametrize(
    ("module", "names"),
    [
        ("comms.base", ["ReportChannel", "ReportContent"]),
        ("comms.channels", ["EmailChannel", "WebhookChannel"]),
        ("comms.email_config", ["SMTPConfig", "HTMLEmailStyle"]),
        ("comms.webhook_config", ["WebhookConfig"]),
    ],
)
def test_comms_submodule_import_paths(module: str, names: list[str]) -> None:
    imported = importlib.import_module(f"pytest_processes.{module}")
    for name in names:
        assert getattr(imported, name) is getattr(pytest_processes, name)


def test_importing_the_task_module_leaves_the_task_decorator_in_place() -> None:
    """``pytest_processes.task`` is processes' module path and our decorator's name."""
    code = (
        "import sys\n"
        "from pytest_processes.task import Task\n"
        "from pytest_processes import task\n"
        "module = sys.modules['pytest_processes.task']\n"
        "assert callable(task) and task is not module, task\n"
        "assert module.Task is Task is __import__('pytest_processes').Task\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
