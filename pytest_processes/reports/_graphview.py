"""What the report's dependency graph shows: which tasks, with families folded into one node.

By default the graph shows the failed tasks with everything upstream and downstream of
them; a family (``name[param]`` instances of one task) is one node with counts per status.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..model.task_types import TaskStatus

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from ..model.execution_report import TaskReportEntry

__all__ = ["GraphNode", "GraphView", "family_name", "graph_view", "neighbourhood"]

#: worst first: a node of several tasks takes the colour of its worst member
_SEVERITY = (TaskStatus.ERRORED, TaskStatus.SKIPPED, TaskStatus.PENDING, TaskStatus.SUCCESS)


@dataclass(frozen=True)
class GraphNode:
    """One box: a task, or a family of task instances (``members`` > 1)."""

    key: str
    label: str
    status: TaskStatus
    counts: dict[TaskStatus, int]
    members: tuple[str, ...]
    upstream_only: bool


@dataclass(frozen=True)
class GraphView:
    """The nodes and edges to draw, the edges that leave a failed task, the node shown first."""

    nodes: list[GraphNode]
    edges: list[tuple[str, str]]
    broken: set[tuple[str, str]]
    focus: str


def family_name(name: str) -> str:
    """``build`` for ``build[dev]``; a name without parameters is its own family."""
    if name.endswith("]") and "[" in name and not name.startswith("["):
        return name[: name.index("[")]
    return name


def neighbourhood(
    entries: Mapping[str, TaskReportEntry], focus: Iterable[str], depth: int | None = None
) -> set[str]:
    """``focus`` and every task upstream or downstream of one of them (within ``depth`` steps)."""
    downs: dict[str, list[str]] = {n: [] for n in entries}
    for name, entry in entries.items():
        for dep in entry.dependencies:
            if dep in downs:
                downs[dep].append(name)
    ups = {n: [d for d in e.dependencies if d in entries] for n, e in entries.items()}
    seen = set()
    for links in (ups, downs):
        ring = [n for n in focus if n in entries]
        reached, step = set(ring), 0
        while ring and (depth is None or step < depth):
            ring = [m for n in ring for m in links[n] if m not in reached]
            reached.update(ring)
            step += 1
        seen |= reached
    return seen


def _node(key: str, members: list[TaskReportEntry]) -> GraphNode:
    counts = Counter(e.status for e in members)
    status = next(s for s in _SEVERITY if counts[s])
    label = members[0].name if len(members) == 1 else f"{key}[…] ×{len(members)}"
    return GraphNode(
        key=key,
        label=label,
        status=status,
        counts={s: counts[s] for s in _SEVERITY if counts[s]},
        members=tuple(e.name for e in members),
        upstream_only=all(not e.selected for e in members),
    )


def graph_view(entries: Mapping[str, TaskReportEntry], names: Iterable[str]) -> GraphView:
    """The graph of the tasks ``names`` (in report order), families folded into one node each."""
    wanted = set(names)
    groups: dict[str, list[TaskReportEntry]] = {}
    for name, entry in entries.items():
        if name in wanted:
            groups.setdefault(family_name(name), []).append(entry)
    key_of = {e.name: key for key, group in groups.items() for e in group}
    edges: dict[tuple[str, str], None] = {}
    broken = set()
    for name, key in key_of.items():
        for dep in entries[name].dependencies:
            if dep in key_of and key_of[dep] != key:
                edges[key_of[dep], key] = None
                if entries[dep].status is TaskStatus.ERRORED:
                    broken.add((key_of[dep], key))
    nodes = [_node(key, group) for key, group in groups.items()]
    failed = [n.key for n in nodes if n.status is TaskStatus.ERRORED]
    return GraphView(nodes, list(edges), broken, failed[0] if failed else "")
