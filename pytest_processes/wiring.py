"""Functions as tasks: the ``@task`` decorator and wiring parameters to tasks by name."""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any, TypeVar, cast, overload

from .engine.graph import closest
from .exceptions import TaskDefinitionError
from .task import Task
from .task_types import TaskDependency

__all__ = ["TaskOptions", "task", "task_name", "task_options", "tasks_from_functions"]

F = TypeVar("F", bound=Callable[..., Any])
OPTIONS_ATTR = "__pytest_processes_task__"


@dataclass(frozen=True)
class TaskOptions:
    """Options given to ``@task``; validated when the task is built."""

    name: str | None = None
    retries: int = 0
    timeout: float | None = None
    retry_on: tuple[type[Exception], ...] | None = None
    log_path: str | os.PathLike[str] | None = None
    trigger: str = "all_success"
    locks: tuple[str, ...] = ()
    executor: str | None = None
    traced_vars_frame_filter: str | None = None


@overload
def task(func: F, /) -> F: ...


@overload
def task(
    *,
    name: str | None = None,
    retries: int = 0,
    timeout: float | None = None,
    retry_on: tuple[type[Exception], ...] | None = None,
    log_path: str | os.PathLike[str] | None = None,
    trigger: str = "all_success",
    locks: tuple[str, ...] | list[str] = (),
    executor: str | None = None,
    traced_vars_frame_filter: str | None = None,
) -> Callable[[F], F]: ...


def task(func: Any = None, /, **options: Any) -> Any:
    """Mark a function as a task, bare (``@task``) or with options (``@task(retries=2)``).

    The function is returned unchanged, so it can still be called and unit-tested directly.
    """
    if "locks" in options and isinstance(options["locks"], list):
        options["locks"] = tuple(options["locks"])
    opts = TaskOptions(**options)

    def mark(f: F) -> F:
        setattr(f, OPTIONS_ATTR, opts)
        return f

    return mark(func) if func is not None else mark


def task_options(func: Any) -> TaskOptions | None:
    """The ``@task`` options of ``func``, or None if it is not decorated."""
    opts = getattr(func, OPTIONS_ATTR, None)
    return opts if isinstance(opts, TaskOptions) else None


def task_name(func: Any) -> str:
    """``name=`` if given, else the function's name without a leading ``task_``."""
    opts = task_options(func)
    if opts is not None and opts.name:
        return opts.name.lower()
    name: str = getattr(func, "__name__", type(func).__name__)
    return name.removeprefix("task_").lower()


def location(func: Any) -> str:
    """``file:line`` where ``func`` is defined, or its repr when unknown."""
    try:
        code = inspect.unwrap(func).__code__
    except AttributeError:
        return repr(func)
    return f"{code.co_filename}:{code.co_firstlineno}"


def unknown_parameter(task: str, where: str, param: str, known: Iterable[str], kind: str) -> str:
    """The message for a parameter that names nothing the task can receive."""
    known = sorted(set(known))
    hint = closest(param, known)
    suggestion = f"; did you mean {', '.join(map(repr, hint))}?" if hint else ""
    listing = f" (available: {', '.join(known)})" if known and len(known) <= 12 else ""
    return (
        f"{where}: task '{task}' has parameter '{param}' that names no {kind} and has no "
        f"default{suggestion}{listing}"
    )


def build_task(
    name: str,
    func: Callable[..., Any],
    *,
    dependencies: list[TaskDependency],
    kwargs: dict[str, Any],
    options: TaskOptions | None = None,
) -> Task:
    """A ``Task`` for ``func`` with its ``@task`` options (``options`` overrides them)."""
    opts = options or task_options(func) or TaskOptions()
    return Task(
        name,
        func,
        log_path=opts.log_path,
        kwargs=kwargs,
        dependencies=dependencies,
        traced_vars_frame_filter=opts.traced_vars_frame_filter,
        timeout=opts.timeout,
        retries=opts.retries,
        retry_on=opts.retry_on,
        trigger=opts.trigger,
        locks=opts.locks,
        executor=opts.executor,
    )


def result_dependency(name: str, param: str) -> TaskDependency:
    """A dependency whose result is passed as keyword argument ``param``."""
    return TaskDependency(name, use_result_as_additional_kwargs=True, additional_kwarg_name=param)


def tasks_from_functions(functions: list[Callable[..., Any]], inputs: dict[str, Any]) -> list[Task]:
    """Tasks for ``functions``, each parameter wired to a task, an input or its default.

    All problems are collected and raised together as one ``TaskDefinitionError``.
    """
    problems: list[str] = []
    by_name: dict[str, Callable[..., Any]] = {}
    for func in functions:
        if not callable(cast(object, func)):  # users pass anything
            problems.append(f"{func!r} is not callable and cannot be a task")
            continue
        name = task_name(func)
        if name in by_name:
            problems.append(
                f"two tasks are named '{name}': {location(by_name[name])} and {location(func)}; "
                "rename one, or give it @task(name=...)"
            )
            continue
        by_name[name] = func
    used_inputs: set[str] = set()
    tasks: list[Task] = []
    for name, func in by_name.items():
        deps: list[TaskDependency] = []
        kwargs: dict[str, Any] = {}
        for param in inspect.signature(func).parameters.values():
            if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                continue
            key = param.name.lower()
            if key in by_name and key != name:
                if param.kind is param.POSITIONAL_ONLY:
                    problems.append(
                        f"{location(func)}: task '{name}' takes '{param.name}' as positional-only; "
                        "make it a regular parameter so the result can be passed by name"
                    )
                deps.append(result_dependency(key, param.name))
            elif param.name in inputs:
                kwargs[param.name] = inputs[param.name]
                used_inputs.add(param.name)
            elif param.default is param.empty:
                problems.append(
                    unknown_parameter(
                        name, location(func), param.name, [*by_name, *inputs], "task or input"
                    )
                )
        try:
            tasks.append(build_task(name, func, dependencies=deps, kwargs=kwargs))
        except (TypeError, ValueError) as exc:
            problems.append(f"{location(func)}: task '{name}': {exc}")
    for unused in sorted(set(inputs) - used_inputs):
        problems.append(f"input '{unused}' is not a parameter of any task")
    if problems:
        for t in tasks:
            t.close_handlers()
        raise TaskDefinitionError(problems)
    return tasks


def with_name(opts: TaskOptions | None, name: str) -> TaskOptions:
    """``opts`` with ``name`` set (used for parametrized instances)."""
    return replace(opts or TaskOptions(), name=name)
