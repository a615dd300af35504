"""Validation and ordering of a task graph, in O(V+E).

Checks run in the order processes 7.0.4 uses (duplicate names, then missing
dependencies, then cycles) and the order is its FIFO Kahn order: tasks with no
dependencies in input order, each dependant appended (in input order) when
its last dependency is placed.
"""

from __future__ import annotations

import difflib
import gc
from array import array
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import accumulate, chain
from operator import attrgetter, lt
from typing import overload

from ..exceptions import CircularDependencyError, DependencyNotFoundError
from ..model.spec import TaskSpec
from ..model.task_types import TaskDependency
from .upstream import Gather, Plan, positional, positional_plan

_NAME = attrgetter("name")
_DEPENDENCIES = attrgetter("dependencies")

__all__ = [
    "Children",
    "Topology",
    "closest",
    "collector_paused",
    "compile_graph",
    "compile_order",
    "compile_run",
    "find_cycle",
    "group_by_parent",
    "plan_of",
]


def closest(name: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """The candidate names most like ``name`` (for 'did you mean' hints)."""
    return difflib.get_close_matches(name, list(candidates), n=n, cutoff=0.5)


def find_cycle(deps: Mapping[str, Sequence[str]]) -> list[str]:
    """One cycle in ``deps`` (name -> names it depends on) as ``[a, b, ..., a]``; [] if none."""
    WHITE, GREY, BLACK = 0, 1, 2
    color = dict.fromkeys(deps, WHITE)
    for root in deps:
        if color[root] != WHITE:
            continue
        path: list[str] = [root]
        iters = [iter(deps[root])]
        color[root] = GREY
        while iters:
            nxt = next(iters[-1], None)
            if nxt is None:
                color[path.pop()] = BLACK
                iters.pop()
            elif color.get(nxt, BLACK) == GREY:
                return [*path[path.index(nxt) :], nxt]
            elif color.get(nxt) == WHITE:
                color[nxt] = GREY
                path.append(nxt)
                iters.append(iter(deps[nxt]))
    return []


def cycle_message(cycle: list[str]) -> str:
    return f"Circular dependency detected: {' -> '.join(cycle)} (each task depends on the next)"


def group_by_parent(
    parents: list[int], indegree: Sequence[int], fan_out: Sequence[int]
) -> tuple[list[int], list[int]]:
    """Edges regrouped by parent: task ``j``'s dependants are ``children[start[j]:start[j + 1]]``.

    ``parents`` lists each edge's parent, edges grouped by dependant in task
    order (``indegree[i]`` of them for task ``i``); ``fan_out[j]`` counts task
    ``j``'s dependants. A counting sort, so each task's dependants stay in task
    order; it makes no object per task: a list per task would live just long
    enough for the cyclic collector to promote it and count it towards a full
    collection of the whole heap.
    """
    start = list(accumulate(fan_out, initial=0))
    free = start[:-1]  # next slot of each parent's dependants
    children = [0] * len(parents)
    edge = 0
    for i, count in enumerate(indegree):
        if count:
            for j in parents[edge : edge + count]:
                children[free[j]] = i
                free[j] += 1
            edge += count
    return children, start


def dependant_counts(parents: list[int], n: int) -> list[int]:
    """How many dependants each of ``n`` tasks has, from the parent of each edge."""
    fan_out = [0] * n
    for j in parents:
        fan_out[j] += 1
    return fan_out


def compile_order(tasks: Sequence[TaskSpec]) -> list[int]:
    """Validate ``tasks`` and return their indices in FIFO topological order.

    Raises ``ValueError`` (duplicate name), ``DependencyNotFoundError`` or
    ``CircularDependencyError`` (naming the cycle).
    """
    index: dict[str, int] = {}
    for i, task in enumerate(tasks):
        if task.name in index:
            raise ValueError(f"Duplicate task name: {task.name}")
        index[task.name] = i
    n = len(tasks)
    indegree = [0] * n
    parents: list[int] = []  # parent of each edge, edges in dependant order
    fan_out = [0] * n
    for i, task in enumerate(tasks):
        names = task.dependency_names
        for dep in names:
            j = index.get(dep)
            if j is None:
                hint = closest(dep, index)
                raise DependencyNotFoundError(
                    task.name, dep, f"did you mean {', '.join(map(repr, hint))}?" if hint else ""
                )
            parents.append(j)
            fan_out[j] += 1
        indegree[i] = len(names)
    children, start = group_by_parent(parents, indegree, fan_out)
    ready = deque(i for i in range(n) if indegree[i] == 0)
    order: list[int] = []
    while ready:
        i = ready.popleft()
        order.append(i)
        for c in children[start[i] : start[i + 1]]:
            indegree[c] -= 1
            if indegree[c] == 0:
                ready.append(c)
    if len(order) != n:
        left = {tasks[i].name: tasks[i].dependency_names for i in range(n) if indegree[i] > 0}
        cycle = find_cycle(left)
        raise CircularDependencyError(cycle_message(cycle), cycle)
    return order


class Children(Sequence[Sequence[int]]):
    """``children[i]``: the dependants of task ``i``, read from the flat arrays of a Topology."""

    __slots__ = ("_flat", "_start")

    def __init__(self, flat: array[int], start: array[int]) -> None:
        self._flat = flat
        self._start = start

    def __len__(self) -> int:
        return len(self._start) - 1

    def __iter__(self) -> Iterator[Sequence[int]]:
        flat, start = self._flat, self._start
        return (flat[start[i] : start[i + 1]] for i in range(len(start) - 1))

    @overload
    def __getitem__(self, i: int) -> Sequence[int]: ...

    @overload
    def __getitem__(self, i: slice) -> Sequence[Sequence[int]]: ...

    def __getitem__(self, i: int | slice) -> Sequence[int] | Sequence[Sequence[int]]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        n = len(self)
        k = i + n if i < 0 else i
        if not 0 <= k < n:
            raise IndexError(f"task index {i} out of range for {n} tasks")
        return self._flat[self._start[k] : self._start[k + 1]]


class Topology:
    """Index-based adjacency of an ordered, validated task list, built in O(V+E).

    The dependants of task ``i`` (in task order) are ``child_index[child_start[i]
    : child_start[i + 1]]``, also readable as ``children[i]``; its dependencies are
    ``parent_index[parent_start[i] : parent_start[i + 1]]``, in declaration order.
    Flat int arrays take a few bytes per edge, against a list (and an int object)
    per task, and give the cyclic garbage collector no object per task to scan.
    ``indegree[i]`` is the number of dependencies. How results flow into a task
    (:meth:`wiring`) is worked out when it is submitted, not stored for every task.
    """

    __slots__ = (
        "child_index",
        "child_start",
        "children",
        "indegree",
        "parent_index",
        "parent_start",
        "tasks",
    )

    def __init__(
        self,
        tasks: Sequence[TaskSpec],
        parents: list[int] | None = None,
        fan_out: list[int] | None = None,
    ) -> None:
        if parents is None:
            index = dict(zip(map(_NAME, tasks), range(len(tasks)), strict=True))
            parents = [index[d.task_name] for t in tasks for d in t.dependencies]
        self.tasks = tasks
        self.indegree = indegree = list(map(len, map(_DEPENDENCIES, tasks)))
        self.parent_index = array("i", parents)
        self.parent_start = array("i", accumulate(indegree, initial=0))
        if fan_out is None:
            fan_out = dependant_counts(parents, len(tasks))
        dependants, start = group_by_parent(parents, indegree, fan_out)
        self.child_index = array("i", dependants)
        self.child_start = array("i", start)
        self.children = Children(self.child_index, self.child_start)

    @classmethod
    def of_edges(
        cls,
        tasks: Sequence[TaskSpec],
        parents: list[int],
        indegree: list[int],
        children: list[int],
        start: list[int],
    ) -> Topology:
        """The topology of ``tasks`` from edges already grouped both ways (see ``compile_run``)."""
        topology = cls.__new__(cls)
        topology.tasks = tasks
        topology.indegree = indegree
        topology.parent_index = array("i", parents)
        topology.parent_start = array("i", accumulate(indegree, initial=0))
        topology.child_index = array("i", children)
        topology.child_start = array("i", start)
        topology.children = Children(topology.child_index, topology.child_start)
        return topology

    def wiring(self, i: int) -> tuple[Plan | None, Gather | None]:
        """Task ``i``'s plan and gather (see :mod:`.upstream`); ``(None, None)`` if it takes none.

        Built from the task's dependencies when it is submitted, so the flags
        read are the ones the task has then, as processes reads them at run time.
        """
        deps = self.tasks[i].dependencies
        if not deps:
            return None, None
        start = self.parent_start
        return plan_of(deps, self.parent_index[start[i] : start[i + 1]])


def plan_of(
    deps: Sequence[TaskDependency], parents: Sequence[int]
) -> tuple[Plan | None, Gather | None]:
    """The plan and gather of a task with dependencies ``deps`` at indices ``parents``."""
    if not deps:
        return None, None
    if len(deps) == len(parents) and positional(deps):  # the usual list: no Python loop
        return positional_plan(parents), None
    plan: list[tuple[int, bool, str]] = []
    gather: list[tuple[int, str, str, bool]] | None = None
    # a dependency appended after the graph was built is not in it: zip stops there
    for dep, j in zip(deps, parents, strict=False):
        if dep.use_result_as_additional_kwargs:
            kw = dep.additional_kwarg_name
            key: str = getattr(dep, "fan_in_key", "")
            whole: bool = getattr(dep, "pass_result", False)
            if kw and (key or whole):  # a fan-in dict or a whole TaskResult
                if gather is None:
                    gather = []
                gather.append((j, kw, key, whole))
            else:
                plan.append((j, dep.use_result_as_additional_args, kw))
        elif dep.use_result_as_additional_args:
            plan.append((j, True, ""))
    return (tuple(plan) if plan else None), gather


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a graph is indexed.

    Indexing creates no reference cycle, yet its allocations trigger full
    collections that scan every object of the heap (the tasks included): one
    reason the per-task cost grew with the graph's size.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def compile_graph(tasks: Sequence[TaskSpec]) -> tuple[list[int], Topology]:
    """``compile_order`` and the :class:`Topology` of the ordered tasks, in one pass over the edges.

    Any invalid graph is handed to :func:`compile_order`, which raises the error
    processes raises, so both keep the same checks in the same order. Edges stay
    in flat int lists: no object per task lives beyond this call.
    """
    order, topology, _ = compile_run(tasks, keep_given=False)
    return order, topology


def _listed_first(children: list[int], start: list[int], n: int) -> bool:
    """True if every task of ``n`` comes after all its dependencies in the list.

    ``children[start[j]]`` is task ``j``'s first dependant (each task's dependants are in
    task order), or, for a task without any, the first dependant of a later task (or
    ``n``): it exceeds ``j`` for every ``j`` exactly when no dependant comes before its
    dependency. One C-level pass over the tasks, not over the edges.
    """
    children.append(n)  # what a trailing task without dependants reads
    try:
        return all(map(lt, range(n), map(children.__getitem__, start[:n])))
    finally:
        children.pop()


def compile_run(
    tasks: Sequence[TaskSpec], *, keep_given: bool = True
) -> tuple[list[int], Topology, bool]:
    """The FIFO order of ``tasks``, the :class:`Topology` a run uses, and whether it keeps theirs.

    Tasks listed dependencies first (the usual way) are run in the order given:
    a FIFO ready queue over them starts tasks in the same order, so the run needs
    no renumbered copy of the graph, only its report put in the FIFO order
    (the third value is then True). Any other list is run in the FIFO order.
    """
    n = len(tasks)
    index = dict(zip(map(_NAME, tasks), range(n), strict=True))
    try:
        if len(index) != n:
            raise KeyError
        parents = [index[d.task_name] for t in tasks for d in t.dependencies]
    except KeyError:
        compile_order(tasks)  # raises the precise error
        raise
    del index
    indegree = list(map(len, map(_DEPENDENCIES, tasks)))
    fan_out = dependant_counts(parents, n)
    children, start = group_by_parent(parents, indegree, fan_out)
    order = [i for i in range(n) if not indegree[i]]
    pending = indegree.copy()
    for i in order:  # FIFO Kahn: the list is the queue, read as it grows
        for c in children[start[i] : start[i + 1]]:
            pending[c] -= 1
            if not pending[c]:
                order.append(c)
    del pending
    if len(order) != n:
        compile_order(tasks)  # raises the cycle error
        raise AssertionError("compile_graph found a cycle compile_order did not")
    if keep_given and _listed_first(children, start, n):
        # every dependency listed before its dependant: the given order is topological
        return order, Topology.of_edges(list(tasks), parents, indegree, children, start), True
    del children, start
    pos = [0] * n
    for k, i in enumerate(order):
        pos[i] = k
    offsets = list(accumulate(indegree, initial=0))
    # each task's parents, renumbered and put in the new task order (map and chain: no Python loop)
    renumbered = list(map(pos.__getitem__, parents))
    del parents, pos
    spans = map(slice, map(offsets.__getitem__, order), map(offsets[1:].__getitem__, order))
    moved = list(chain.from_iterable(map(renumbered.__getitem__, spans)))
    del renumbered, offsets
    in_order = list(map(tasks.__getitem__, order))
    return order, Topology(in_order, moved, list(map(fan_out.__getitem__, order))), False
