"""processes' import path ``process``: ``Process`` and the graph errors it raises."""

from .api.process import (
    CircularDependencyError,
    DependencyNotFoundError,
    Process,
    TaskNotFoundError,
)

__all__ = ["CircularDependencyError", "DependencyNotFoundError", "Process", "TaskNotFoundError"]
