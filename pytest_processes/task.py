"""processes' import path ``task``: ``Task`` and the types ``from processes.task import`` gives."""

from .api.task import Task, TaskDependency, TaskResult, TaskStatus

__all__ = ["Task", "TaskDependency", "TaskResult", "TaskStatus"]
