"""From collected task items to a validated engine graph, with every problem named."""

from __future__ import annotations

import copy
import inspect
import re
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from ..api.context import CONTEXT_PARAM, reserved_name_problem
from ..api.functions import TaskOptions, build_task
from ..api.params import Sources, TaskParams, resolve
from ..api.task import Task
from ..engine.before import add_before_edges, before_edge
from ..engine.topology import closest, compile_order
from ..engine.waves import wave_problems
from ..exceptions import CircularDependencyError
from .collect import MARKER, TaskItem
from .compat import visible_fixture_names as _fixtures
from .jobfiles import job_dependencies
from .other_plugins import marker_options, timeout_source, timeout_source_key
from .runparams import cast_value

__all__ = ["TaskGraph", "build_graph", "mermaid"]

MARKER_OPTIONS = (
    "retries",
    "timeout",
    "retry_on",
    "retry_delay",
    "trigger",
    "locks",
    "executor",
    "before",
    "wave",
)


@dataclass
class TaskGraph:
    """All collected tasks, by name, in dependency order, plus the problems found."""

    items: dict[str, TaskItem] = field(default_factory=dict)
    tasks: list[Task] = field(default_factory=list)
    problems: dict[str, list[str]] = field(default_factory=dict)
    #: tasks left out of the run -> the broken task that is the cause (itself if broken)
    dropped: dict[str, str] = field(default_factory=dict)

    def problem(self, item: TaskItem, message: str) -> None:
        assert item.parent is not None
        self.problems.setdefault(item.parent.nodeid, []).append(message)

    def upstream_closure(self, names: set[str]) -> set[str]:
        """``names`` plus every task they depend on, transitively.

        A ``before=`` task is upstream of its targets like any dependency; a
        ``when_scheduled`` one is not, but once it is in, it pulls its targets in.
        """
        return self.closure(names)[0]

    def closure(self, names: set[str]) -> tuple[set[str], list[str]]:
        """:meth:`upstream_closure`, and the tasks only ``when_scheduled`` pulled in."""
        by_name = {t.name: t for t in self.tasks}
        pulls: dict[str, list[str]] = {}
        for task in self.tasks:
            for dep in task.dependencies:
                if before_edge(dep) == "when_scheduled":
                    pulls.setdefault(dep.task_name, []).append(task.name)
        seen: set[str] = set()
        pulled: list[str] = []
        stack = [(name, False) for name in names]
        while stack:
            name, by_pull = stack.pop()
            if name in seen:
                continue
            seen.add(name)
            if by_pull:
                pulled.append(name)
            deps = by_name[name].dependencies
            stack.extend((d.task_name, False) for d in deps if before_edge(d) != "when_scheduled")
            stack.extend((target, True) for target in pulls.get(name, ()))
        return seen, pulled

    def tasks_in(self, wanted: set[str]) -> list[Task]:
        """``wanted``'s tasks in run order, minus ``when_scheduled`` edges of tasks left out."""
        out = []
        for task in self.tasks:
            if task.name not in wanted:
                continue
            deps = task.dependencies
            if any(before_edge(d) == "when_scheduled" and d.task_name not in wanted for d in deps):
                task = copy.copy(task)
                task.dependencies = [
                    d for d in deps if before_edge(d) != "when_scheduled" or d.task_name in wanted
                ]
            out.append(task)
        return out

    def dependants(self, roots: set[str]) -> dict[str, str]:
        """Every task that needs one of ``roots``, transitively -> that root (roots: itself).

        A ``when_scheduled`` edge does not count: a root kept from running does not run first.
        """
        cause = {name: name for name in roots}
        for task in self.tasks:  # dependency order: a task's dependencies come first
            if task.name not in cause:
                needs = (
                    d.task_name for d in task.dependencies if before_edge(d) != "when_scheduled"
                )
                root = next((cause[d] for d in needs if d in cause), None)
                if root is not None:
                    cause[task.name] = root
        return cause


def where(item: TaskItem) -> str:
    """``path:line`` of a task function, relative to the rootdir."""
    path, lineno, _ = item.location
    return f"{path}:{(lineno or 0) + 1}"


def _marker_options(item: TaskItem, base: TaskOptions, graph: TaskGraph) -> TaskOptions:
    opts = base
    for mark in reversed(list(item.iter_markers(MARKER))):
        if mark.args:
            graph.problem(
                item,
                f"{where(item)}: task '{item.task}': @pytest.mark.{MARKER} takes keyword "
                f"options only ({', '.join(MARKER_OPTIONS)})",
            )
        for key, value in mark.kwargs.items():
            if key not in MARKER_OPTIONS:
                hint = closest(key, MARKER_OPTIONS)
                graph.problem(
                    item,
                    f"{where(item)}: task '{item.task}': unknown option '{key}' in "
                    f"@pytest.mark.{MARKER}" + (f"; did you mean '{hint[0]}'?" if hint else ""),
                )
                continue
            if key == "locks" or (key == "before" and isinstance(value, list)):
                value = tuple(value)
            opts = replace(opts, **{key: value})
    return opts


def _options(item: TaskItem, defaults: TaskOptions, graph: TaskGraph) -> TaskOptions:
    """Marker over ``@task`` over ``timeout``/``flaky`` markers over command line/ini defaults."""
    opts = marker_options(item, defaults)  # pytest-timeout's and pytest-rerunfailures' markers
    own = item.options
    item.stash[timeout_source_key] = timeout_source(item, own, MARKER)
    if own is not None:
        explicit = {
            f.name: getattr(own, f.name)
            for f in fields(TaskOptions)
            if getattr(own, f.name) != f.default
        }
        opts = replace(opts, **explicit)
    return _marker_options(item, opts, graph)


def _hints(func: Any) -> dict[str, Any]:
    try:
        return typing.get_type_hints(func)
    except Exception:  # unresolvable annotations: cast nothing, pass strings
        return {}


def build_graph(
    items: list[TaskItem],
    run_params: dict[str, str],
    defaults: TaskOptions,
    family_problems: Iterable[tuple[TaskItem, str]] = (),
    file_problems: Mapping[str, list[str]] | None = None,
) -> TaskGraph:
    """Validate the collected tasks into one graph; problems are keyed by module nodeid.

    ``file_problems`` (by file node id) are those task files found in themselves
    (job files); the graph's own problems of those files follow them.
    """
    graph = TaskGraph(problems={k: list(v) for k, v in (file_problems or {}).items()})
    for item, message in family_problems:
        graph.problem(item, f"{where(item)}: {message}")
    _index(items, graph)
    sources = Sources(
        kind="task, fixture or run parameter",
        inputs=run_params,
        tasks=graph.items,
        linked_only={i.base for i in items if i.variant is not None},
        convert=cast_value,
        known=lambda task: [
            *(n for n in graph.items if n != task.name),
            *run_params,
            *_fixtures(graph.items[task.name]),
        ],
        advice="; pass it with --processes-param {param}=VALUE if it is an input",
    )
    for name, item in graph.items.items():
        deps, wrong = job_dependencies(item, graph.items)  # a job file's inputs and needs
        for message in wrong:
            graph.problem(item, message)
        wiring = resolve(_task_params(name, item), sources)
        for message in wiring.problems:
            graph.problem(item, message)
        fixtures = [f for f in item.fixture_params if f not in wiring.taken]
        if tuple(fixtures) != item.fixture_params:
            item.use_fixtures(fixtures)
        opts = _options(item, defaults, graph)
        try:
            graph.tasks.append(
                build_task(
                    name,
                    item.obj,
                    dependencies=[*deps, *wiring.dependencies],
                    kwargs=wiring.kwargs,
                    options=opts,
                )
            )
        except (TypeError, ValueError) as exc:
            graph.problem(item, f"{where(item)}: task '{name}': {exc}")
    _ordering_problems(graph)
    _order_sound_tasks(graph)
    return graph


def _ordering_problems(graph: TaskGraph) -> None:
    """Add the ``before=`` edges; a bad pattern or wave order is a problem of the task at fault."""
    if any(t.before for t in graph.tasks):
        for name, message in add_before_edges(graph.tasks):
            graph.problem(graph.items[name], f"{where(graph.items[name])}: {message}")
    for name, message in wave_problems(graph.tasks):
        graph.problem(graph.items[name], f"{where(graph.items[name])}: {message}")


def _index(items: list[TaskItem], graph: TaskGraph) -> None:
    """Fill ``graph.items`` by task name; two tasks of one name are a problem of both."""
    for item in items:
        reserved = reserved_name_problem(item.task, where(item))
        if reserved:
            graph.problem(item, reserved)
            continue
        other = graph.items.get(item.task)
        if other is not None:
            message = (
                f"two tasks are named '{item.task}': {where(other)} and {where(item)}; "
                "rename one, or give it @task(name=...)"
            )
            graph.problem(item, message)
            graph.problem(other, message)
            continue
        graph.items[item.task] = item


def _task_params(name: str, item: TaskItem) -> TaskParams:
    """What the resolver needs of one collected task: parameters, links, values, fixtures."""
    links: dict[str, list[tuple[str, str]]] = {}
    for link in item.links:
        links.setdefault(link.param, []).append((link.task.lower(), link.key))
    parameters = tuple(
        p
        for p in inspect.signature(item.obj).parameters.values()
        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    )
    return TaskParams(
        name,
        item.base,
        where(item),
        parameters,
        links,
        item.variant.values if item.variant is not None else {},
        _hints(item.obj),
        item.fixture_params,
    )


def _order_sound_tasks(graph: TaskGraph) -> None:
    """Put the sound tasks in dependency order; leave out (in ``dropped``) the others.

    A task is left out when its module has a problem (like a module that fails
    to import), it is in a cycle, or it needs a task left out. Only
    ``--continue-on-collection-errors`` runs what remains.
    """
    dropped = graph.dropped
    while True:
        for name, item in graph.items.items():
            assert item.parent is not None
            if item.parent.nodeid in graph.problems:
                dropped.setdefault(name, name)
        changed = True
        while changed:
            changed = False
            for task in graph.tasks:
                cause = next((dropped[d] for d in task.dependency_names if d in dropped), None)
                if cause is not None and task.name not in dropped:
                    dropped[task.name] = cause
                    changed = True
        keep = [t for t in graph.tasks if t.name not in dropped]
        try:
            order = compile_order(keep)
        except CircularDependencyError as exc:
            cycle = dict.fromkeys(exc.cycle)
            locations = ", ".join(f"{n} at {where(graph.items[n])}" for n in cycle)
            graph.problem(
                graph.items[exc.cycle[0]],
                f"tasks depend on each other in a cycle: {' -> '.join(exc.cycle)} ({locations})",
            )
            dropped.update((n, n) for n in cycle)
            continue
        graph.tasks = [keep[i] for i in order]
        if any(t.wave for t in graph.tasks):  # run order: a task only needs lower waves
            graph.tasks.sort(key=lambda t: t.wave)
        return


def unused_run_params(graph: TaskGraph, run_params: dict[str, str]) -> list[str]:
    """Run parameters no task takes (a typo would otherwise be dropped silently).

    A task that takes a ``context`` may read any of them (``context.run_params``).
    """
    wanted = {
        p.name
        for item in graph.items.values()
        for p in inspect.signature(item.obj).parameters.values()
    }
    if CONTEXT_PARAM in wanted:
        return []
    return sorted(set(run_params) - wanted)


#: a task name usable as a Mermaid node id as it is (``build[dev]`` is not)
_MERMAID_ID = re.compile(r"[a-z_][a-z0-9_]*")


def mermaid(tasks: list[Task], selected: set[str] | None = None) -> str:
    """The task graph as a Mermaid flowchart (dependency --> dependant).

    An edge injected by ``before=`` is dotted and labelled with its form. Tasks not in
    ``selected`` (run only because a selected task needs them) get the class ``upstream``,
    drawn dashed; ``None`` means every task is selected.
    """
    ids = {
        t.name: t.name if _MERMAID_ID.fullmatch(t.name) else f"t{k}" for k, t in enumerate(tasks)
    }
    lines = ["graph TD"]
    for task in tasks:
        lines.append(f'    {ids[task.name]}["{task.name}"]')
    for task in tasks:
        for dep in task.dependencies:
            form = before_edge(dep)
            arrow = f"-.->|{form}|" if form else "-->"
            lines.append(f"    {ids[dep.task_name]} {arrow} {ids[task.name]}")
    support = [ids[t.name] for t in tasks if selected is not None and t.name not in selected]
    if support:
        lines.append("    classDef upstream stroke-dasharray: 5 5,fill:#ddf4ff,color:#0969da")
        lines.append(f"    class {','.join(support)} upstream")
    return "\n".join(lines)


def dependency_text(task: Task) -> str:
    """``load, setup (before)``: a task's dependencies for ``--co``, injected ones marked."""
    return ", ".join(
        f"{d.task_name} ({form})" if (form := before_edge(d)) else d.task_name
        for d in task.dependencies
    )
