"""One resolver from a task function's parameters to upstream tasks, fixtures, inputs and defaults.

The library (``Process.from_functions``) and the pytest plugin both wire parameters
here; the plugin passes what only it knows (fixtures, run parameters) as data.
"""

from __future__ import annotations

import collections.abc
import inspect
import re
import typing
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..engine.topology import closest
from ..model.task_types import TaskDependency, TaskResult
from .context import CONTEXT_PARAM, ContextRequest, created_slot, wants_created

__all__ = [
    "Sources",
    "TaskParams",
    "Wire",
    "Wiring",
    "resolve",
    "result_dependency",
    "unknown_parameter",
    "wants_task_result",
]


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


def result_dependency(name: str, param: str) -> TaskDependency:
    """A dependency whose result is passed as keyword argument ``param``."""
    return TaskDependency(name, use_result_as_additional_kwargs=True, additional_kwarg_name=param)


class Wire(TaskDependency):
    """A keyword dependency that passes more than the bare value.

    ``fan_in_key``: the result goes into a dict passed as ``param``, under this
    key (a family's fan-in). ``pass_result``: the upstream ``TaskResult`` is
    passed instead of its value (status, exception, reason...): what an
    ``all_done`` task needs to see why a dependency failed.
    """

    __slots__ = ("fan_in_key", "pass_result")

    def __init__(self, name: str, param: str, *, fan_in_key: str = "", pass_result: bool = False):
        super().__init__(name, use_result_as_additional_kwargs=True, additional_kwarg_name=param)
        self.fan_in_key = fan_in_key
        self.pass_result = pass_result


_RESULT_TEXT = re.compile(
    r"(?:[\w.]+\.)?TaskResult"
    r"|(?:[\w.]+\.)?(?:dict|Dict|Mapping)\[str,(?:[\w.]+\.)?TaskResult\]"
)


def wants_task_result(annotation: Any) -> bool:
    """True for ``TaskResult`` (or a str -> ``TaskResult`` mapping, for a fan-in), also as text."""
    if isinstance(annotation, str):
        return _RESULT_TEXT.fullmatch(annotation.replace(" ", "")) is not None
    if annotation is TaskResult:
        return True
    origin = typing.get_origin(annotation)
    if origin in (dict, collections.abc.Mapping):
        args = typing.get_args(annotation)
        return len(args) == 2 and args[1] is TaskResult
    return False


@dataclass(frozen=True)
class TaskParams:
    """One task's facts for wiring: its parameters, links from family expansion, family values."""

    name: str
    base: str
    where: str
    parameters: tuple[inspect.Parameter, ...]
    #: parameter -> ``[(upstream task, fan-in key), ...]``
    links: Mapping[str, list[tuple[str, str]]] = field(default_factory=dict)
    values: Mapping[str, Any] = field(default_factory=dict)
    hints: Mapping[str, Any] = field(default_factory=dict)
    fixtures: Collection[str] = ()


@dataclass(frozen=True)
class Sources:
    """What parameters can name besides links: tasks by name, inputs, and how to report a miss."""

    kind: str
    inputs: Mapping[str, Any]
    #: task names a parameter receives the result of by name (the plugin's plain tasks)
    tasks: Collection[str] = ()
    #: task names only ever wired through a link (no link: family expansion reported it)
    linked_only: Collection[str] = ()
    #: an input as the value passed (``ValueError`` if it does not fit the annotation)
    convert: Callable[[Any, Any], Any] = lambda value, _hint: value
    #: names a "did you mean" hint draws from, for one task
    known: Callable[[TaskParams], Iterable[str]] = lambda _task: ()
    #: appended to the message for a parameter that names nothing (``{param}`` is filled in)
    advice: str = ""
    check_positional_only: bool = False


@dataclass
class Wiring:
    """What ``resolve`` found for one task."""

    dependencies: list[TaskDependency] = field(default_factory=list)
    kwargs: dict[str, Any] = field(default_factory=dict)
    #: parameters that receive a task's result (not a fixture of the same name)
    taken: set[str] = field(default_factory=set)
    used_inputs: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)


def resolve(task: TaskParams, sources: Sources) -> Wiring:
    """Each parameter's source: a link, a task by name, a family value, a fixture, an input."""
    out = Wiring()
    for param in task.parameters:
        key = param.name.lower()
        hint = task.hints.get(param.name, param.annotation)
        whole = wants_task_result(hint)
        if param.name == CONTEXT_PARAM:  # reserved: never a task, fixture or input
            out.kwargs[param.name] = ContextRequest(task.values, sources.inputs)
            out.taken.add(param.name)  # not a fixture of that name either
            out.used_inputs |= set(sources.inputs)  # read through context.run_params
        elif param.name in task.links:
            out.taken.add(param.name)
            if sources.check_positional_only and param.kind is param.POSITIONAL_ONLY:
                out.problems.append(
                    f"{task.where}: task '{task.name}' takes '{param.name}' as "
                    "positional-only; make it a regular parameter so the result can be "
                    "passed by name"
                )
            _wire(out, param.name, list(task.links[param.name]), whole, wants_created(hint))
        elif key in sources.linked_only and key != task.base:
            pass  # no instance to pair with: family expansion reported it
        elif param.name in task.values:
            out.kwargs[param.name] = task.values[param.name]
        elif key in sources.tasks and key != task.name:
            out.taken.add(param.name)
            _wire(out, param.name, [(key, "")], whole, wants_created(hint))
        elif param.name in task.fixtures:
            pass
        elif param.name in sources.inputs:
            out.used_inputs.add(param.name)
            _input(task, sources, param.name, out)
        elif param.default is param.empty:
            message = unknown_parameter(
                task.name, task.where, param.name, sources.known(task), sources.kind
            )
            out.problems.append(message + sources.advice.format(param=param.name))
    return out


def _wire(
    out: Wiring, param: str, upstreams: list[tuple[str, str]], whole: bool, created: bool
) -> None:
    """``param`` receives its upstream results, or (``Created``) what those tasks create."""
    if created:
        out.dependencies.extend(TaskDependency(up) for up, _ in upstreams)
        out.kwargs[param] = created_slot([up for up, _ in upstreams])
        return
    for upstream, fan_in_key in upstreams:
        out.dependencies.append(_dependency(upstream, param, fan_in_key, whole))


def _dependency(upstream: str, param: str, fan_in_key: str, whole: bool) -> TaskDependency:
    """The dependency passing ``upstream``'s result (or whole ``TaskResult``) as ``param``."""
    if fan_in_key or whole:
        return Wire(upstream, param, fan_in_key=fan_in_key, pass_result=whole)
    return result_dependency(upstream, param)


def _input(task: TaskParams, sources: Sources, param: str, out: Wiring) -> None:
    """Pass input ``param`` converted to its annotation; a value that does not fit is a problem."""
    try:
        out.kwargs[param] = sources.convert(sources.inputs[param], task.hints.get(param))
    except ValueError as exc:
        out.problems.append(f"{task.where}: task '{task.name}': run parameter '{param}': {exc}")
