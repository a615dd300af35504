"""Errors raised while building or changing a task graph."""

from __future__ import annotations

__all__ = [
    "CircularDependencyError",
    "DependencyNotFoundError",
    "DynamicTaskError",
    "RunInterrupted",
    "TaskDefinitionError",
    "TaskNotFoundError",
    "TaskSkipped",
    "WorkerDiedError",
]


class DependencyNotFoundError(Exception):
    """A task depends on a task the process does not have."""

    def __init__(self, task_name: str, missing_dep: str, hint: str = "") -> None:
        self.task_name = task_name
        self.missing_dep = missing_dep
        message = f"Task '{task_name}' depends on missing task: '{missing_dep}'"
        super().__init__(f"{message}; {hint}" if hint else message)


class TaskNotFoundError(Exception):
    """A task was looked up by a name the process does not have."""

    def __init__(self, task_name: str) -> None:
        self.task_name = task_name
        super().__init__(f"Task not found: '{task_name}'")


class CircularDependencyError(Exception):
    """The dependencies form a cycle; ``cycle`` lists it (first name repeated at the end)."""

    def __init__(self, message: str, cycle: list[str] | None = None) -> None:
        self.cycle = list(cycle or [])
        super().__init__(message)


class DynamicTaskError(RuntimeError):
    """A task created or awaited during the run cannot be (``context.create``/``context.wait``).

    An unknown dependency, a name taken, a cycle, a wait that could never end,
    or a run that stopped meanwhile: raised inside the calling task, so only it fails.
    """


class TaskDefinitionError(ValueError):
    """One or more task functions cannot be wired into a graph; ``problems`` lists each one."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        if len(self.problems) == 1:
            message = self.problems[0]
        else:
            lines = "\n".join(f"  - {p}" for p in self.problems)
            message = f"{len(self.problems)} problems in the task graph:\n{lines}"
        super().__init__(message)


class TaskSkipped(Exception):  # a signal, not an error: no "Error" suffix
    """Raise inside a task to skip it; its dependants run and receive ``None``."""


class RunInterrupted(KeyboardInterrupt):
    """A run stopped by Ctrl-C or SIGTERM; ``report`` accounts for every task."""

    def __init__(self, reason: str, report: object = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.report = report


class WorkerDiedError(RuntimeError):
    """The worker process running a task died (crash, ``os._exit``, a signal, the OOM killer).

    Only that task fails; its message says which worker died and how (exit code
    or signal). Add it to ``retry_on`` to retry such tasks.
    """
