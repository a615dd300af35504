"""``Task``: one unit of work, compatible with processes 7.0.4, plus engine options."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from types import FunctionType
from typing import TYPE_CHECKING, Any

from ..engine.before import BeforeEntry, normal_before
from ..engine.executors import InlineExecutor
from ..engine.run import run_graph
from ..engine.tasklog import TaskLogfileFormatter, base_has_handlers, task_logger
from ..engine.topology import Topology
from ..engine.tracing import callable_name
from ..engine.upstream import gather_into, inject
from ..engine.waves import check_wave
from ..exceptions import CircularDependencyError
from ..model.names import EXECUTORS, TRIGGERS
from ..model.task_types import TaskDependency, TaskResult, TaskStatus
from .task_extras import Extra, Extras

if TYPE_CHECKING:
    from .process import Process

# processes' ``task`` module exports these too: ``from processes.task import TaskStatus`` works
__all__ = ["Task", "TaskDependency", "TaskResult", "TaskStatus"]


def _plain_dependencies(name: str, deps: list[TaskDependency]) -> bool:
    """True if ``deps`` are TaskDependency objects with distinct names, none of them ``name``."""
    names: set[str] = set()
    for dep in deps:  # a loop: cheaper than a comprehension's frame for a few items
        if dep.__class__ is not TaskDependency:
            return False
        names.add(dep.task_name)
    return len(names) == len(deps) and name not in names


def _extras_of(
    name: str,
    trigger: str,
    locks: tuple[str, ...] | list[str],
    executor: str | None,
    before: tuple[BeforeEntry, ...] | list[BeforeEntry],
    wave: int,
    retry_delay: float,
) -> Extras:
    """The options beyond processes' of a task that sets any of them."""
    return Extras(
        trigger=trigger,
        locks=tuple(locks) if isinstance(locks, (list, tuple)) else locks,
        executor=executor,
        before=normal_before(name, before) if before else (),
        wave=wave,
        retry_delay=retry_delay,
    )


class Task:
    """A named function call with its arguments, dependencies, retries and timeout.

    Beyond processes: ``trigger`` (``all_success``, ``all_done``, ``no_failures``)
    decides when it runs relative to its dependencies' outcomes, ``locks``
    names resources it must hold exclusively (see ``Process.run(limits=...)``),
    ``executor`` asks for a kind of worker, ``before`` names tasks (patterns)
    it must run before, ``wave`` orders coarse groups (see docs/ordering.md), and
    ``retry_delay`` is the number of seconds between a failed attempt and its retry
    (other tasks go on meanwhile).
    """

    __slots__ = (
        "_extras",
        "_logger",
        "args",
        "dependencies",
        "func",
        "kwargs",
        "log_path",
        "name",
        "retries",
        "retry_on",
        "timeout",
        "traced_vars_frame_filter",
    )

    # options beyond processes': one ``_extras`` object, None while all are defaults
    trigger: Extra[str] = Extra()
    locks: Extra[tuple[str, ...]] = Extra()
    executor: Extra[str | None] = Extra()
    before: Extra[tuple[BeforeEntry, ...]] = Extra()
    wave: Extra[int] = Extra()
    retry_delay: Extra[float] = Extra()

    def __init__(
        self,
        name: str,
        func: Callable[..., Any],
        log_path: str | os.PathLike[str] | None = None,
        args: tuple[Any, ...] = (),
        kwargs: dict[str, Any] | None = None,
        dependencies: list[TaskDependency] | None = None,
        traced_vars_frame_filter: str | None = None,
        timeout: float | None = None,
        retries: int | None = 0,
        retry_on: tuple[type[Exception], ...] | None = None,
        *,
        trigger: str = "all_success",
        locks: tuple[str, ...] | list[str] = (),
        executor: str | None = None,
        before: tuple[BeforeEntry, ...] | list[BeforeEntry] = (),
        wave: int = 0,
        retry_delay: float = 0.0,
    ) -> None:
        if name.__class__ is not str and not isinstance(name, str):
            raise TypeError(f"name must be str. Got {type(name)}")
        # processes lower-cases names; a lower-case name is kept, not copied
        self.name = name = name if name.islower() else name.lower()
        self.func = func
        self.log_path = log_path
        self.args = args
        self.kwargs = {} if kwargs is None else kwargs
        self.dependencies = deps = [] if dependencies is None else dependencies
        self.traced_vars_frame_filter = traced_vars_frame_filter
        self.timeout = timeout
        self.retries = 0 if retries is None else retries
        self.retry_on = retry_on
        self._logger: logging.Logger | None = None
        self._extras: Extras | None = None  # the usual task: every option at its default
        if not (
            trigger == "all_success"
            and executor is None
            and (locks.__class__ is tuple or locks.__class__ is list)
            and not locks
            and (before.__class__ is tuple or before.__class__ is list)
            and not before
            and wave.__class__ is int
            and wave == 0
            and retry_delay.__class__ is float
            and retry_delay == 0.0
        ):
            self._extras = _extras_of(name, trigger, locks, executor, before, wave, retry_delay)
        # the usual options, tested cheaply (exact types, defaults); anything else takes
        # every check, in processes' order, which raises the precise error
        if not (
            self._extras is None
            and timeout is None
            and retry_on is None
            and traced_vars_frame_filter is None
            and self.retries.__class__ is int
            and self.retries >= 0
            and args.__class__ is tuple
            and self.kwargs.__class__ is dict
            and deps.__class__ is list
            and " " not in name
            and callable(func)
            and (not deps or _plain_dependencies(name, deps))
        ):
            self._check_types()
            if " " in name:
                raise ValueError(f"Task name cannot contain spaces. Got {name}")
            if deps:
                self._check_dependency_names()
        if log_path is not None:
            handler = logging.FileHandler(log_path)
            handler.setLevel(logging.INFO)
            handler.setFormatter(TaskLogfileFormatter())
            self.logger.addHandler(handler)

    def _check_dependency_names(self) -> None:
        seen: set[str] = set()
        for dep in self.dependencies:
            if dep.task_name in seen:
                raise ValueError(f"Duplicate dependency name: {dep.task_name}")
            seen.add(dep.task_name)
            if dep.task_name == self.name:
                raise CircularDependencyError(f"Task '{self.name}' lists itself as a dependency.")

    def _check_types(self) -> None:
        if not callable(self.func):
            raise TypeError(f"func must be callable. Got {type(self.func)}")
        if not isinstance(self.args, tuple):
            raise TypeError(f"args must be tuple. Got {type(self.args)}")
        if not isinstance(self.kwargs, dict):
            raise TypeError(f"kwargs must be dict. Got {type(self.kwargs)}")
        if not isinstance(self.dependencies, list):
            raise TypeError(f"dependencies must be list. Got {type(self.dependencies)}")
        for dep in self.dependencies:
            if dep.__class__ is not TaskDependency and not isinstance(dep, TaskDependency):
                raise TypeError(f"dependency must be of type TaskDependency. Got {type(dep)}")
        f = self.traced_vars_frame_filter
        if f is not None and not isinstance(f, str):
            raise TypeError(f"traced_vars_frame_filter must be a str or None. Got {type(f)}")
        t = self.timeout
        if t is not None and (not isinstance(t, (int, float)) or t <= 0):
            raise TypeError(f"timeout must be a positive number or None, got {t!r}")
        if not isinstance(self.retries, int) or self.retries < 0:
            raise TypeError(f"retries must be a non-negative int, got {self.retries!r}")
        d = self.retry_delay
        if isinstance(d, bool) or not isinstance(d, (int, float)) or d < 0:
            raise TypeError(
                f"Task '{self.name}': retry_delay must be a number of seconds >= 0, got {d!r}"
            )
        r = self.retry_on
        if r is not None and (
            not isinstance(r, tuple)
            or not all(isinstance(e, type) and issubclass(e, Exception) for e in r)
        ):
            raise TypeError("retry_on must be None or a tuple of Exception subclasses")
        if self.trigger not in TRIGGERS:
            raise ValueError(
                f"Task '{self.name}': trigger must be one of {', '.join(TRIGGERS)}, "
                f"got {self.trigger!r}"
            )
        locks = self.locks  # most tasks hold none: no generator for them
        if not isinstance(locks, tuple) or (locks and not all(isinstance(x, str) for x in locks)):
            raise TypeError(f"Task '{self.name}': locks must be a list of str, got {self.locks!r}")
        if self.executor is not None and self.executor not in EXECUTORS:
            raise ValueError(
                f"Task '{self.name}': executor must be one of {', '.join(EXECUTORS)}, "
                f"got {self.executor!r}"
            )
        if type(self.wave) is not int:
            check_wave(self.name, self.wave)

    @property
    def logger(self) -> logging.Logger:
        """This task's logger (created on first use; propagates to ``pytest_processes.tasks``)."""
        if self._logger is None:
            self._logger = task_logger(self.name)
        return self._logger

    def active_logger(self, base: bool | None = None) -> logging.Logger | None:
        """The logger if any handler would receive its records, else None (saves the work).

        ``base``: whether the shared parent logger has handlers, if the caller knows.
        """
        if self._logger is not None and self._logger.handlers:
            return self._logger
        if base is None:
            base = base_has_handlers()
        return self.logger if base else None

    @property
    def function_name(self) -> str:
        """Name of the function this task calls (partials and callable objects included)."""
        func = self.func
        return func.__name__ if type(func) is FunctionType else callable_name(func)

    @property
    def dependency_names(self) -> tuple[str, ...]:
        """Names of the tasks this task depends on, in declaration order."""
        return tuple(d.task_name for d in self.dependencies)

    def get_dependencies_names(self) -> set[str]:
        """Names of the tasks this task depends on."""
        return {d.task_name for d in self.dependencies}

    def close_handlers(self) -> None:
        """Close and detach every handler of this task's logger (idempotent)."""
        if self._logger is None:
            return
        for handler in list(self._logger.handlers):
            handler.close()
            self._logger.removeHandler(handler)

    def run(self, executing_process: Process | None = None) -> TaskResult:
        """Run this task alone, with its retries and timeout; never raises for a task failure.

        With ``executing_process``, dependency results are taken from that
        process's last run; without it, dependencies are ignored.
        """
        args, kwargs = self.args, self.kwargs
        if executing_process is not None and self.dependencies:
            args, kwargs = self._with_upstream(executing_process.runner.results)
        alone = _Alone(self, args, kwargs)
        result = run_graph([alone], InlineExecutor(), sigterm=False).result(0)
        if result.error_data is not None and executing_process is not None:
            impact = [t.name for t in executing_process.get_dependant_tasks(self.name)]
            object.__setattr__(result.error_data, "downstream_impact", impact)
        return result

    def _with_upstream(
        self, results: dict[str, TaskResult]
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """This task's arguments with its dependencies' results from an earlier run.

        The same plan as in a whole run: the dependencies stand first in a small
        graph of their own (a missing result passes None, or a pending result).
        """
        deps = self.dependencies
        nodes: list[Any] = [_Upstream(d.task_name) for d in deps]  # name and no dependencies
        topology = Topology([*nodes, self], list(range(len(deps))))
        found = [results.get(d.task_name) for d in deps]
        values = [r.result if r is not None else None for r in found]
        plan, gather = topology.wiring(len(deps))
        args, kwargs = inject(self.args, self.kwargs, plan, values)
        if gather is not None:
            gather_into(kwargs, gather, values, lambda j: found[j] or TaskResult.pending())
        return args, kwargs

    def __repr__(self) -> str:
        return f"Task({self.name!r}, {self.function_name})"


class _Upstream:
    """A dependency of a task run alone: only its name, and no dependencies of its own."""

    __slots__ = ("dependencies", "name")

    def __init__(self, name: str) -> None:
        self.name = name
        self.dependencies: list[TaskDependency] = []


class _Alone:
    """A task seen without its dependencies, its arguments already resolved."""

    def __init__(self, task: Task, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self._task = task
        self.args = args
        self.kwargs = kwargs
        self.dependencies: list[TaskDependency] = []
        self.locks: tuple[str, ...] = ()
        self.trigger = "all_success"

    def __getattr__(self, name: str) -> Any:
        return getattr(self._task, name)
