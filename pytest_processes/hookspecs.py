"""Hook specifications of the engine, for ``conftest.py`` files and plugins.

Every hook is called on the scheduler's thread (the thread that called
``Process.run``, or pytest's main thread), never on a worker, one call at a
time. Implementations may accept fewer arguments than the spec. An exception
raised by a hook implementation propagates and stops the run as a crash
would: keep hooks small.

In ``pytest --processes``, implement them in a ``conftest.py`` (per-task hooks
see only the tasks below that conftest's directory) or an installed plugin.
With the library, register a plugin object: ``Process(..., plugins=[obj])``
or ``process.plugin_manager.register(obj)``. When the plugin may be absent,
mark implementations ``@pytest.hookimpl(optionalhook=True)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from .api.task import Task
    from .model.execution_report import ProcessExecutionReport
    from .model.task_types import TaskResult

hookspec = pluggy.HookspecMarker("pytest")


@hookspec
def pytest_processes_run_start(tasks: list[Task], workers: int, executor: str) -> None:
    """The run is about to start its first task.

    :param tasks: every task of the run, in topological order.
    :param workers: how many tasks may run at once.
    :param executor: the executor's name (``inline``, ``thread``, ...).
    """


@hookspec
def pytest_processes_task_start(task: Task, attempt: int) -> None:
    """An attempt of ``task`` is being handed to a worker.

    :param task: the task.
    :param attempt: 1 for the first attempt, 2 for the first retry, ...
    """


@hookspec
def pytest_processes_task_retry(task: Task, attempt: int, error: str) -> None:
    """Attempt ``attempt`` of ``task`` failed with a retryable error; another follows
    (after the task's ``retry_delay``, if it has one).

    :param error: the failed attempt's exception as ``Type: message``.
    """


@hookspec
def pytest_processes_task_finish(task: Task, result: TaskResult) -> None:
    """``task`` settled: succeeded, failed after its last attempt, or was skipped.

    A task restored from a checkpoint (``Process.run(checkpoint=...)``) was not
    called: it gets this hook only, with ``result.restored`` true.

    :param result: its final result (``result.status``, ``result.result``,
        ``result.error_data``, ``result.attempts``, ``result.reason``...).
    """


@hookspec
def pytest_processes_run_finish(report: ProcessExecutionReport) -> None:
    """The run is over (also after an interrupt); ``report`` accounts for every task."""


__all__ = [
    "pytest_processes_run_finish",
    "pytest_processes_run_start",
    "pytest_processes_task_finish",
    "pytest_processes_task_retry",
    "pytest_processes_task_start",
]
