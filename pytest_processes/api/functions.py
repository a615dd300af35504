"""Functions as tasks: the ``@task`` decorator and wiring parameters to tasks by name."""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, cast, overload

from ..engine.before import BeforeEntry
from ..exceptions import TaskDefinitionError
from ..model.task_types import TaskDependency
from .classes import OPTIONS_ATTR, ClassTask, ClassTaskError
from .context import reserved_name_problem
from .families import FamilyNode, Variant, expand_families, variants_from_params
from .params import Sources, TaskParams, Wire, resolve, wants_task_result
from .task import Task

__all__ = [
    "TaskOptions",
    "Wire",
    "family_variants",
    "task",
    "task_name",
    "task_options",
    "tasks_from_functions",
    "wants_task_result",
]

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class TaskOptions:
    """Options given to ``@task``; validated when the task is built."""

    name: str | None = None
    retries: int = 0
    timeout: float | None = None
    retry_on: tuple[type[Exception], ...] | None = None
    #: seconds between a failed attempt and its retry
    retry_delay: float = 0.0
    log_path: str | os.PathLike[str] | None = None
    trigger: str = "all_success"
    locks: tuple[str, ...] = ()
    executor: str | None = None
    traced_vars_frame_filter: str | None = None
    #: a parametrized family: ``((name, values), ...)``, from ``@task(params={name: values})``
    params: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    #: task name patterns this task runs before (see :mod:`pytest_processes.engine.before`)
    before: tuple[BeforeEntry, ...] = ()
    #: coarse ordering: every task of a lower wave settles before this one starts
    wave: int = 0


@overload
def task(func: F, /) -> F: ...


@overload
def task(
    *,
    name: str | None = None,
    retries: int = 0,
    timeout: float | None = None,
    retry_on: tuple[type[Exception], ...] | None = None,
    retry_delay: float = 0.0,
    log_path: str | os.PathLike[str] | None = None,
    trigger: str = "all_success",
    locks: tuple[str, ...] | list[str] = (),
    executor: str | None = None,
    traced_vars_frame_filter: str | None = None,
    params: Mapping[str, Iterable[Any]] | None = None,
    before: Iterable[BeforeEntry] = (),
    wave: int = 0,
) -> Callable[[F], F]: ...


def task(func: Any = None, /, **options: Any) -> Any:
    """Mark a function as a task, bare (``@task``) or with options (``@task(retries=2)``).

    The function is returned unchanged, so it can still be called and unit-tested directly.
    A class with a ``run(self, ...)`` method can be decorated too (see :mod:`.classes`).
    ``params={"env": ["dev", "prod"]}`` makes a family: one task per value
    (``build[dev]``, ``build[prod]``), each given its value as parameter ``env``
    (see :mod:`pytest_processes.api.families`). ``before=["deploy[*]"]`` and
    ``wave=N`` order tasks beyond their data flow (docs/ordering.md).
    """
    if "locks" in options and isinstance(options["locks"], list):
        options["locks"] = tuple(options["locks"])
    if isinstance(options.get("before"), list):
        options["before"] = tuple(options["before"])
    if "params" in options:
        options["params"] = _normal_params(options["params"])
    opts = TaskOptions(**options)

    def mark(f: F) -> F:
        setattr(f, OPTIONS_ATTR, opts)
        return f

    return mark(func) if func is not None else mark


def _normal_params(params: Any) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    """``{name: values}`` as a tuple of pairs; ``TypeError``/``ValueError`` if malformed."""
    if params is None:
        return ()
    if not isinstance(params, Mapping):
        raise TypeError(f"params must be a dict of parameter name -> values, got {params!r}")
    out = []
    for name, values in params.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise TypeError(f"params: {name!r} is not a parameter name")
        if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
            raise TypeError(f"params[{name!r}] must be a list of values, got {values!r}")
        items = tuple(values)
        if not items:
            raise ValueError(f"params[{name!r}] is empty: a family needs at least one value")
        out.append((name, items))
    return tuple(out)


def family_variants(func: Any) -> tuple[Variant, ...] | None:
    """The instances ``@task(params=...)`` declares on ``func``, or None for a plain task."""
    opts = task_options(func)
    if opts is None or not opts.params:
        return None
    return tuple(variants_from_params(dict(opts.params)))


def task_options(func: Any) -> TaskOptions | None:
    """The ``@task`` options of ``func``, or None if it is not decorated.

    A class counts as decorated only by its own ``@task``, not a base class's.
    """
    opts = (
        vars(func).get(OPTIONS_ATTR)
        if isinstance(func, type)
        else getattr(func, OPTIONS_ATTR, None)
    )
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
        retry_delay=opts.retry_delay,
        trigger=opts.trigger,
        locks=opts.locks,
        executor=opts.executor,
        before=opts.before,
        wave=opts.wave,
    )


def tasks_from_functions(functions: list[Callable[..., Any]], inputs: dict[str, Any]) -> list[Task]:
    """Tasks for ``functions``, each parameter wired to a task, an input or its default.

    Families (``@task(params=...)``) are expanded first (:func:`expand_families`).
    A parameter annotated ``TaskResult`` receives the upstream ``TaskResult``
    instead of its value. All problems are collected and raised together as
    one ``TaskDefinitionError``.
    """
    problems: list[str] = []
    by_name = _by_name(functions, problems)
    signatures = {name: _parameters(func) for name, func in by_name.items()}
    specs, family_problems = expand_families(_family_nodes(by_name, signatures, problems))
    problems.extend(message for _, message in family_problems)
    sources = Sources(
        kind="task or input",
        inputs=inputs,
        linked_only=by_name,
        known=lambda _task: [*by_name, *inputs],
        check_positional_only=True,
    )
    used_inputs: set[str] = set()
    tasks: list[Task] = []
    for spec in specs:
        func = by_name[spec.base]
        links: dict[str, list[tuple[str, str]]] = {}
        for link in spec.links:
            links.setdefault(link.param, []).append((link.task, link.key))
        values = spec.variant.values if spec.variant is not None else {}
        params = tuple(signatures[spec.base].values())
        where = location(func)
        wiring = resolve(TaskParams(spec.name, spec.base, where, params, links, values), sources)
        problems.extend(wiring.problems)
        used_inputs |= wiring.used_inputs
        try:
            tasks.append(
                build_task(spec.name, func, dependencies=wiring.dependencies, kwargs=wiring.kwargs)
            )
        except (TypeError, ValueError) as exc:
            problems.append(f"{where}: task '{spec.name}': {exc}")
    for unused in sorted(set(inputs) - used_inputs):
        problems.append(f"input '{unused}' is not a parameter of any task")
    if problems:
        for t in tasks:
            t.close_handlers()
        raise TaskDefinitionError(problems)
    return tasks


def _family_nodes(
    by_name: dict[str, Callable[..., Any]],
    signatures: dict[str, dict[str, inspect.Parameter]],
    problems: list[str],
) -> list[FamilyNode]:
    """One node per function for family expansion; ``params=`` naming no parameter is a problem."""
    nodes = []
    for name, func in by_name.items():
        variants = family_variants(func)
        missing = [k for k in variants[0].ids if k not in signatures[name]] if variants else []
        if missing:
            problems.append(
                f"{location(func)}: task '{name}': @task(params=...) names "
                f"{', '.join(map(repr, missing))}, which the function does not take"
            )
            variants = None
        nodes.append(FamilyNode(name, tuple(signatures[name]), variants))
    return nodes


def _by_name(
    functions: list[Callable[..., Any]], problems: list[str]
) -> dict[str, Callable[..., Any]]:
    """``functions`` by task name; a non-callable or a second task of one name is a problem."""
    by_name: dict[str, Callable[..., Any]] = {}
    for func in functions:
        if not callable(cast(object, func)):  # users pass anything
            problems.append(f"{func!r} is not callable and cannot be a task")
            continue
        if isinstance(func, type):  # a class task: built without arguments, then run()
            try:
                func = ClassTask(func)
            except ClassTaskError as exc:
                problems.append(str(exc))
                continue
        name = task_name(func)
        reserved = reserved_name_problem(name, location(func))
        if reserved:
            problems.append(reserved)
            continue
        if name in by_name:
            problems.append(
                f"two tasks are named '{name}': {location(by_name[name])} and {location(func)}; "
                "rename one, or give it @task(name=...)"
            )
            continue
        by_name[name] = func
    return by_name


def _parameters(func: Callable[..., Any]) -> dict[str, inspect.Parameter]:
    """The parameters of ``func`` that can be wired (no ``*args``/``**kwargs``), by name."""
    return {
        p.name: p
        for p in inspect.signature(func).parameters.values()
        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    }
