"""Benchmark DAGs as plain data, plus the adapter that turns them into library tasks.

Graphs are built once as ``[(name, [dependency names]), ...]`` so that the very
same shape is fed to every implementation under test. All generators are
deterministic: randomness comes from a seeded ``random.Random``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

Spec = list[tuple[str, list[str]]]
"""A DAG as data: one ``(task name, [names of the tasks it depends on])`` per task."""

GRAPH_KINDS: tuple[str, ...] = ("independent", "chain", "random", "layered")

SLEEP_SECONDS = 0.02
LAYERS = 10
LAYER_WIDTH = 16
LAYERED_FAN_IN = 2
RANDOM_IN_DEGREE = 3


def noop() -> None:
    """Task body that does nothing, so timings measure pure scheduling overhead."""


def _namer(n: int) -> Callable[[int], str]:
    """Return a function giving zero-padded names (``t00001``) wide enough for ``n`` tasks."""
    width = max(5, len(str(max(n - 1, 0))))
    return lambda i: f"t{i:0{width}d}"


def independent(n: int) -> Spec:
    """``n`` tasks without any dependency: the widest possible graph."""
    name = _namer(n)
    return [(name(i), []) for i in range(n)]


def chain(n: int) -> Spec:
    """Task ``i`` depends on task ``i - 1``: no parallelism at all, one ready task at a time."""
    name = _namer(n)
    return [(name(i), [name(i - 1)] if i else []) for i in range(n)]


def random_dag(n: int, seed: int = 1) -> Spec:
    """Random DAG with mean in-degree ~3: task ``i`` depends on ``min(i, 3)`` earlier tasks.

    Dependencies are distinct and drawn uniformly among the earlier tasks, so the
    graph is acyclic by construction and has ``3n - 3`` edges for ``n >= 3``.
    """
    rng = random.Random(seed)
    name = _namer(n)
    spec: Spec = []
    for i in range(n):
        deps = rng.sample(range(i), min(i, RANDOM_IN_DEGREE))
        spec.append((name(i), [name(d) for d in deps]))
    return spec


def layered(seed: int = 1) -> Spec:
    """160 tasks in 10 layers of 16; each task past layer 0 depends on 2 tasks of the layer above.

    Used with :func:`sleep_echo`: the critical path is 10 x 20 ms.
    """
    rng = random.Random(seed)
    spec: Spec = []
    for layer in range(LAYERS):
        for j in range(LAYER_WIDTH):
            deps: list[str] = []
            if layer:
                picks = rng.sample(range(LAYER_WIDTH), LAYERED_FAN_IN)
                deps = [f"l{layer - 1:02d}_{p:02d}" for p in picks]
            spec.append((f"l{layer:02d}_{j:02d}", deps))
    return spec


def make_graph(kind: str, n: int, seed: int = 1) -> Spec:
    """Build the graph called ``kind`` (see :data:`GRAPH_KINDS`); ``n`` is ignored for layered."""
    if kind == "independent":
        return independent(n)
    if kind == "chain":
        return chain(n)
    if kind == "random":
        return random_dag(n, seed)
    if kind == "layered":
        return layered(seed)
    raise ValueError(f"unknown graph kind {kind!r}; expected one of {GRAPH_KINDS}")


def critical_path_length(spec: Spec) -> int:
    """Number of tasks on the longest dependency path (the spec lists deps before dependants)."""
    depth: dict[str, int] = {}
    for name, deps in spec:
        depth[name] = 1 + max((depth[d] for d in deps), default=0)
    return max(depth.values(), default=0)


def to_library_tasks(lib: ModuleType, spec: Spec, func: Callable[[], None]) -> list[Any]:
    """Turn ``spec`` into ``lib.Task`` objects; works for ``processes`` and ``pytest_processes``.

    Both libraries expose ``Task(name, func, dependencies=[TaskDependency(name)])``.
    """
    task_cls = lib.Task
    dep_cls = lib.TaskDependency
    return [task_cls(name, func, dependencies=[dep_cls(d) for d in deps]) for name, deps in spec]


# --------------------------------------------------------------------------- user-style graphs

Parents = list[list[int]]
"""A DAG as each task's parent indices (parents come earlier); task ``i`` is named ``n{i}``."""

MAX_PARENTS = 6


def random_parents(n: int, seed: int = 1) -> Parents:
    """Task ``i`` has 0 to 6 parents (uniformly), drawn uniformly among the earlier tasks."""
    rng = random.Random(seed)
    return [rng.sample(range(i), min(i, rng.randint(0, MAX_PARENTS))) for i in range(n)]


def parents_of(kind: str, n: int, seed: int = 1) -> Parents:
    """The graph ``kind`` as parent indices: ``random`` (0-6 parents) or any of ``make_graph``."""
    if kind == "random":
        return random_parents(n, seed)
    spec = make_graph(kind, n, seed)
    index = {name: i for i, (name, _) in enumerate(spec)}
    return [[index[d] for d in deps] for _, deps in spec]


def echo(i: int, *parents: object) -> int:
    """No-op body that takes its upstream results and returns its own index (checked)."""
    return i


def sleep_echo(i: int, *parents: object) -> int:
    """:func:`echo` after a 20 ms sleep (releases the GIL), for the makespan scenario."""
    time.sleep(SLEEP_SECONDS)
    return i


def user_tasks(lib: ModuleType, parents: Parents, func: Callable[..., int]) -> list[Any]:
    """``lib.Task`` objects built the way processes' users write them (args, upstream results)."""
    task, dep = lib.Task, lib.TaskDependency
    return [
        task(
            f"n{i}",
            func,
            args=(i,),
            dependencies=[dep(f"n{p}", use_result_as_additional_args=True) for p in ps],
        )
        for i, ps in enumerate(parents)
    ]


# --------------------------------------------------------------------------- the floor


class BareTask:
    """A ``Task`` that only keeps what the user code above passes: no check, no option."""

    __slots__ = ("args", "dependencies", "func", "name")

    def __init__(
        self,
        name: str,
        func: Callable[..., Any],
        args: tuple[Any, ...] = (),
        dependencies: list[Any] | None = None,
    ) -> None:
        self.name = name
        self.func = func
        self.args = args
        self.dependencies = dependencies


class BareDependency:
    """A ``TaskDependency`` that only keeps its name and flag."""

    __slots__ = ("task_name", "use_result_as_additional_args")

    def __init__(self, task_name: str, use_result_as_additional_args: bool = False) -> None:
        self.task_name = task_name
        self.use_result_as_additional_args = use_result_as_additional_args


class BareLibrary:
    """What :func:`user_tasks` needs of a library (``Task``, ``TaskDependency``), bare."""

    Task = BareTask
    TaskDependency = BareDependency
