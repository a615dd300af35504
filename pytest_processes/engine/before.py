"""Reverse dependencies (``before=``): a task names the tasks it must run before.

``before=["deploy[*]"]`` (plain form) makes the declaring task an upstream of
every matching task: wherever a matching task runs, the declaring task runs
first (and is pulled in if it was not selected). ``before=[when_scheduled(
"deploy[*]")]`` (conditional form, parproc's ``WhenScheduled``) applies only when
the declaring task itself runs, and then pulls the matching tasks in too.

Patterns match task names case-insensitively: ``*`` is any text, ``?`` one
character, and brackets are literal, so ``deploy[*]`` matches every instance of
the family ``deploy``; a family's base name (``deploy``) matches all its
instances as well. The edges become order-only dependencies of the targets
(:class:`BeforeDependency`), so validation, cycles, reports and graphs see
them like any other.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from ..model.spec import TaskSpec
from ..model.task_types import TaskDependency

__all__ = [
    "BeforeDependency",
    "WhenScheduled",
    "add_before_edges",
    "before_edge",
    "before_matches",
    "normal_before",
    "when_scheduled",
]


@dataclass(frozen=True)
class WhenScheduled:
    """A ``before=`` pattern that applies only when the declaring task is scheduled."""

    pattern: str


def when_scheduled(pattern: str) -> WhenScheduled:
    """``before=[when_scheduled("deploy[*]")]``: run before those tasks, only when I run."""
    if not isinstance(pattern, str) or not pattern:
        raise TypeError(f"when_scheduled() takes a task name pattern, got {pattern!r}")
    return WhenScheduled(pattern)


#: one entry of ``before=``: a pattern, or a conditional pattern
BeforeEntry = str | WhenScheduled


def normal_before(name: str, before: object) -> tuple[BeforeEntry, ...]:
    """``before`` as a tuple of patterns; ``TypeError`` naming the task if malformed."""
    if isinstance(before, (str, WhenScheduled)):
        before = (before,)
    if not isinstance(before, (list, tuple)):
        raise TypeError(
            f"Task '{name}': before must be a list of task name patterns, got {before!r}"
        )
    for entry in before:
        if not (isinstance(entry, WhenScheduled) or (isinstance(entry, str) and entry)):
            raise TypeError(
                f"Task '{name}': before entries must be task name patterns (str) or "
                f"when_scheduled(pattern), got {entry!r}"
            )
    return tuple(before)


class BeforeDependency(TaskDependency):
    """An order-only dependency on ``task_name``, injected by that task's ``before=``.

    ``conditional``: from ``when_scheduled`` (it holds only when ``task_name``
    runs); ``pattern``: the pattern that matched.
    """

    __slots__ = ("conditional", "pattern")

    def __init__(self, task_name: str, pattern: str, *, conditional: bool = False) -> None:
        super().__init__(task_name)
        self.pattern = pattern
        self.conditional = conditional


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def before_matches(pattern: str, name: str) -> bool:
    """Whether ``pattern`` matches task ``name``, or the family base of ``name``."""
    rx = _compiled(pattern)
    if rx.fullmatch(name):
        return True
    base, bracket, _ = name.partition("[")
    return bool(bracket) and rx.fullmatch(base) is not None


def _declarations(tasks: Iterable[TaskSpec]) -> Iterable[tuple[TaskSpec, BeforeEntry]]:
    for task in tasks:
        for entry in getattr(task, "before", ()):
            yield task, entry


def add_before_edges(
    tasks: Sequence[TaskSpec],
    started: Collection[str] = (),
    added: list[tuple[TaskSpec, BeforeDependency]] | None = None,
) -> list[tuple[str, str]]:
    """Add each ``before=`` edge to its target's dependencies; problems as ``(task, message)``.

    A pattern that matches no other task is a problem (both forms: the whole
    graph is known here, so it is a typo). Edges already present are kept once,
    so calling it again after adding tasks is safe; each edge added is noted in
    ``added`` (to undo). A target in ``started`` (it already runs) is a
    ``ValueError``: it cannot wait for the declaring task.
    """
    problems: list[tuple[str, str]] = []
    for task, entry in _declarations(tasks):
        conditional = isinstance(entry, WhenScheduled)
        pattern = entry.pattern if isinstance(entry, WhenScheduled) else entry
        targets = [t for t in tasks if t is not task and before_matches(pattern, t.name)]
        if not targets:
            form = f"when_scheduled({pattern!r})" if conditional else repr(pattern)
            problems.append(
                (
                    task.name,
                    f"task '{task.name}': before={form} matches no task; patterns use * and ? "
                    "(brackets are literal, e.g. 'deploy[*]'); check the name",
                )
            )
            continue
        for target in targets:
            if any(d.task_name == task.name for d in target.dependencies):
                continue
            if target.name in started:
                raise ValueError(
                    f"task '{task.name}' must run before '{target.name}' (before={pattern!r}), "
                    f"but '{target.name}' has already started; create '{task.name}' before "
                    f"'{target.name}' starts, or leave '{target.name}' out of its before="
                )
            edge = BeforeDependency(task.name, pattern, conditional=conditional)
            target.dependencies.append(edge)
            if added is not None:
                added.append((target, edge))
    return problems


def before_edge(dep: TaskDependency) -> str:
    """``""`` for an ordinary dependency, else ``"before"`` or ``"when_scheduled"``."""
    if isinstance(dep, BeforeDependency):
        return "when_scheduled" if dep.conditional else "before"
    return ""
