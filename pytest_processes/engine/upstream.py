"""Upstream values into a call: the one place that puts dependency results into arguments.

A task's *plan* (see :class:`~.topology.Topology`) lists, per dependency,
``(dependency index, append positionally, keyword or "")``; its *gather* lists
the keyword dependencies that want more than the bare value (a fan-in dict,
or the whole ``TaskResult``). The scheduler, ``Task.run`` and executors that
send calls ahead all read plans through these functions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import repeat
from operator import attrgetter
from typing import Any

from ..model.task_types import TaskResult

__all__ = [
    "PASSES_ARG",
    "PASSES_KWARG",
    "Gather",
    "Plan",
    "gather_into",
    "inject",
    "injected_slots",
    "positional",
    "positional_plan",
]

#: ``(dependency index, append positionally, keyword name or "")`` per passed dependency
Plan = Sequence[tuple[int, bool, str]]
#: ``(dependency index, keyword, fan-in key or "", pass the whole TaskResult)``
Gather = Sequence[tuple[int, str, str, bool]]

#: a dependency's flags, read by ``map`` over a whole dependency list
PASSES_ARG = attrgetter("use_result_as_additional_args")
PASSES_KWARG = attrgetter("use_result_as_additional_kwargs")
# endless and stateless: zip takes as many as there are dependencies
_TRUE, _NO_KEYWORD = repeat(True), repeat("")


def positional(deps: Sequence[Any]) -> bool:
    """True when every dependency in ``deps`` passes its result positionally and nothing else.

    The usual dependency list (processes' ``use_result_as_additional_args``); the
    flags are read now, in C (``map``), not in a Python loop over the list.
    """
    return all(map(PASSES_ARG, deps)) and not any(map(PASSES_KWARG, deps))


def positional_plan(parents: Sequence[int]) -> Plan:
    """The plan of a :func:`positional` dependency list at indices ``parents``."""
    return tuple(zip(parents, _TRUE, _NO_KEYWORD, strict=False))


def inject(
    args: tuple[Any, ...], kwargs: dict[str, Any], plan: Plan | None, values: Sequence[Any]
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Copies of ``args``/``kwargs`` with the upstream ``values`` that ``plan`` passes."""
    positional, kwargs = list(args), dict(kwargs)
    for j, as_arg, kw in plan or ():
        if as_arg:
            positional.append(values[j])
        if kw:
            kwargs[kw] = values[j]
    return tuple(positional), kwargs


def gather_into(
    kwargs: dict[str, Any],
    gather: Gather,
    values: Sequence[Any],
    result: Callable[[int], TaskResult],
) -> None:
    """Fan-in dicts and whole ``TaskResult``s into ``kwargs``, for the keywords that want them."""
    groups: dict[str, dict[str, Any]] = {}
    for j, kw, key, whole in gather:
        value = result(j) if whole else values[j]
        if key:
            groups.setdefault(kw, {})[key] = value
        else:
            kwargs[kw] = value
    kwargs.update(groups)


def injected_slots(nargs: int, plan: Plan) -> list[tuple[int, int, str]]:
    """Where :func:`inject` put each upstream value of a call with ``nargs`` positional arguments.

    ``(dependency index, position or -1, keyword or "")``, in plan order: the
    inverse of :func:`inject`, for an executor that swaps values for futures.
    """
    pos = nargs - sum(1 for _, as_arg, _ in plan if as_arg)
    slots: list[tuple[int, int, str]] = []
    for j, as_arg, kw in plan:
        slots.append((j, pos if as_arg else -1, kw))
        pos += as_arg
    return slots
