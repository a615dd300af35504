"""The task context: what a task that takes a ``context`` parameter receives, and ``Created``.

``context`` is a reserved parameter name: ``Process.from_functions`` and
``pytest --processes`` fill it with a :class:`TaskContext` (no task may be named
``context``, so the name can never mean "the result of task context"). A
``Task`` built by hand asks for it with ``kwargs={"context": TaskContext.slot()}``.
A parameter named after a task and annotated :class:`Created` receives what that
task created during the run (a fan-in).
"""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, TypeVar

from ..engine.dynamic import CONTEXT_PARAM, ContextSlot, CreatedSlot, TaskHandle
from ..engine.tasklog import task_logger
from ..model.task_types import TaskDependency
from .task import Task

__all__ = [
    "CONTEXT_PARAM",
    "ContextRequest",
    "Created",
    "TaskContext",
    "created_slot",
    "reserved_name_problem",
    "wants_created",
]

_T = TypeVar("_T")


class Created(dict[str, _T]):
    """``{name: value}`` of every task a task created during the run (a fan-in).

    Annotate a parameter named after the creator (``def report(scan: Created[int])``):
    the task then also waits for every task ``scan`` creates, and receives the
    values of those that succeeded, keyed by the name given to ``create``.
    """


_CREATED_TEXT = re.compile(r"(?:[\w.]+\.)?Created(?:\[.*\])?")


def wants_created(annotation: Any) -> bool:
    """True for ``Created`` or ``Created[...]``, also written as text."""
    if isinstance(annotation, str):
        return _CREATED_TEXT.fullmatch(annotation.replace(" ", "")) is not None
    return annotation is Created or typing.get_origin(annotation) is Created


def created_slot(creators: Sequence[str]) -> CreatedSlot:
    """The keyword value that receives what ``creators`` create."""
    return CreatedSlot(creators, Created)


def reserved_name_problem(name: str, where: str) -> str:
    """The problem with a task named ``context`` ("" for any other name)."""
    if name.lower() != CONTEXT_PARAM:
        return ""
    return (
        f"{where}: a task cannot be named '{CONTEXT_PARAM}': the name is reserved for the "
        "task context parameter; rename the function, or give it @task(name=...)"
    )


class ContextRequest(ContextSlot):
    """A ``context`` argument to be filled in when the task starts, with what only the API knows."""

    __slots__ = ("params", "run_params")

    def __init__(
        self, params: Mapping[str, Any] | None = None, run_params: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__()
        self.params = dict(params or {})
        self.run_params = dict(run_params or {})

    def bind(self, handle: TaskHandle) -> TaskContext:
        return TaskContext(handle, self.params, self.run_params)


class TaskContext:
    """A running task's view of its run: who it is, what it got, and create/wait.

    ``name``: the task's name; ``params``: its family parameters (``{}`` outside a
    family); ``run_params``: the run's inputs (``--processes-param`` under pytest,
    as strings); ``results``: the values of its dependencies that succeeded, by
    name (read-only); ``logger``: the task's logger.
    """

    __slots__ = ("_handle", "params", "results", "run_params")

    def __init__(
        self, handle: TaskHandle, params: Mapping[str, Any], run_params: Mapping[str, Any]
    ) -> None:
        self._handle = handle
        self.params: Mapping[str, Any] = MappingProxyType(dict(params))
        self.run_params: Mapping[str, Any] = MappingProxyType(dict(run_params))
        self.results: Mapping[str, Any] = MappingProxyType(handle.results())

    @staticmethod
    def slot(run_params: Mapping[str, Any] | None = None) -> ContextRequest:
        """The ``kwargs`` value that gives a hand-built ``Task`` its context."""
        return ContextRequest(run_params=run_params)

    @property
    def name(self) -> str:
        return self._handle.name

    @property
    def logger(self) -> Any:
        """The task's logger (``pytest_processes.tasks.<name>``)."""
        logger = getattr(self._handle.task, "logger", None)
        return logger if logger is not None else task_logger(self.name)

    def create(
        self,
        name: str,
        func: Callable[..., Any],
        *,
        args: tuple[Any, ...] = (),
        kwargs: dict[str, Any] | None = None,
        dependencies: Iterable[str | TaskDependency] = (),
        **options: Any,
    ) -> str:
        """Add a task to the run; it is named ``<this task>/<name>`` and returns that name.

        ``dependencies`` name tasks it waits for: tasks this one created before
        (by the name given here) or any task of the run; a ``TaskDependency``
        passes a result as in ``Task``. ``options`` are ``Task``'s (``retries``,
        ``timeout``, ``retry_on``, ``trigger``, ``locks``, ``executor``). A
        function with a ``context`` parameter gets its own. Raises
        :class:`~pytest_processes.exceptions.DynamicTaskError` for an unknown
        dependency, a name taken or a cycle.
        """
        kwargs = dict(kwargs or {})
        if CONTEXT_PARAM not in kwargs and _takes_context(func):
            kwargs[CONTEXT_PARAM] = ContextRequest(run_params=self.run_params)
        deps = [d if isinstance(d, TaskDependency) else TaskDependency(d) for d in dependencies]
        task = Task(
            f"{self.name}/{name}", func, args=args, kwargs=kwargs, dependencies=deps, **options
        )
        return self._handle.create(task)

    def wait(self, *names: str | Iterable[str]) -> dict[str, Any]:
        """Block until the tasks named have settled; ``{name: value}`` in the order given.

        Names are those given to ``create`` (or any task's). This task's worker
        is lent meanwhile, so a one-worker run still runs them. Raises
        :class:`~pytest_processes.exceptions.DynamicTaskError` if one did not
        succeed, if the wait could never end, or if the run stops.
        """
        flat = [n for item in names for n in ([item] if isinstance(item, str) else item)]
        return self._handle.wait(flat)

    def __repr__(self) -> str:
        return f"TaskContext({self.name!r})"


def _takes_context(func: Callable[..., Any]) -> bool:
    try:
        return CONTEXT_PARAM in inspect.signature(func).parameters
    except (TypeError, ValueError):  # a builtin without a signature
        return False
