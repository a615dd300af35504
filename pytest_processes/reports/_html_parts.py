"""The HTML report's task table and dependency-graph section, and the small pieces they share.

The table carries its sort keys and filter fields as ``data-`` attributes for the
page's script; the graph section shows the failures' neighbourhood first, the whole
graph on demand, and says so when a graph is too large to draw.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..model.task_types import TaskStatus
from ._attempts import attempts_html
from ._graphview import GraphView, graph_view, neighbourhood
from ._svg import STATUS_COLOURS, STATUS_LABELS, dependency_graph_svg
from ._text import format_duration, format_epoch, html_text, seconds

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ..model.execution_report import ProcessExecutionReport, TaskReportEntry

__all__ = [
    "MAX_GRAPH_NODES",
    "STATUS_LABELS",
    "anchor",
    "badge",
    "graph_section",
    "task_table",
    "upstream_chip",
]

#: a graph with more boxes than this (families folded) is not drawn: the page must stay usable
MAX_GRAPH_NODES = 600
_e = html_text


def badge(status: TaskStatus) -> str:
    """The coloured status pill of a task."""
    return f'<span class="badge {status.value}">{STATUS_LABELS[status]}</span>'


def upstream_chip(entry: TaskReportEntry) -> str:
    """The mark of a task that ran only because a selected task needs it."""
    return "" if entry.selected else ' <span class="chip upstream">upstream, not selected</span>'


def anchor(index: int) -> str:
    """The id of a task's failure card."""
    return f"task-{index}"


def _details_cell(entry: TaskReportEntry, index: int) -> str:
    parts = [f"<code>{_e(entry.function)}</code>"]
    if entry.status is TaskStatus.ERRORED:
        summary = entry.error.exception if entry.error is not None else ""
        first = summary.splitlines()[0] if summary.strip() else "(no message)"
        kind = f"{entry.error_type}: " if entry.error_type else ""
        parts.append(f'<a href="#{anchor(index)}">{_e(kind + first)}</a>')
    elif entry.reason:
        parts.append(f'<span class="muted">{_e(entry.reason)}</span>')
    if entry.status is not TaskStatus.ERRORED and entry.attempt_history:
        parts.append(attempts_html(entry))  # a failure shows them in its own card
    return "<br>".join(parts)


def _row(entry: TaskReportEntry, index: int, t0: float | None) -> str:
    start, start_key = "", ""
    if entry.started_at is not None:
        at = entry.started_at
        start = f"+{at - t0:.3f}s" if t0 is not None else format_epoch(at)
        start_key = f"{at - t0 if t0 is not None else at:.6f}"
    ran = entry.attempts > 0 or seconds(entry.elapsed_seconds) > 0
    duration = format_duration(entry.elapsed_seconds) if ran else "—"
    dur_key = f"{seconds(entry.elapsed_seconds):.6f}" if ran else ""
    upstream = "" if entry.selected else ' data-upstream="1"'
    return (
        f'<tr class="{entry.status.value}" data-status="{entry.status.value}"{upstream} '
        f'data-name="{_e(entry.name.lower())}" data-i="{index}" data-dur="{dur_key}" '
        f'data-start="{start_key}"><td class="num">{index + 1}</td>'
        f"<td><strong>{_e(entry.name)}</strong>{upstream_chip(entry)}</td>"
        f'<td>{badge(entry.status)}</td><td class="num">{entry.attempts}</td>'
        f'<td class="num">{_e(duration)}</td><td>{_e(entry.worker)}</td>'
        f'<td class="num">{_e(start)}</td><td>{_details_cell(entry, index)}</td></tr>'
    )


def _filters(report: ProcessExecutionReport) -> str:
    present = {e.status for e in report.entries.values()}
    options = "".join(
        f'<option value="{s.value}">{STATUS_LABELS[s]}</option>' for s in TaskStatus if s in present
    )
    if any(not e.selected for e in report.entries.values()):
        options += '<option value="upstream">upstream, not selected</option>'
    total = len(report.entries)
    return (
        '<div class="filters"><label>Status <select id="f-status"><option value="">all'
        f'</option>{options}</select></label> <label>Name <input id="f-name" type="search" '
        'placeholder="part of a task name"></label> '
        f'<span id="f-count" class="muted">{total} of {total} shown</span></div>'
    )


def task_table(report: ProcessExecutionReport) -> str:
    """Every task, in the run's dependency order; filterable by status and name, sortable."""
    t0 = report.started_at
    rows = [_row(entry, i, t0) for i, entry in enumerate(report.entries.values())]
    if not rows:
        return '<section><h2>Tasks</h2><p class="muted">This report has no tasks.</p></section>'
    head = (
        '<th data-sort="i" aria-sort="ascending" title="Sort by run order">#</th><th>Task</th>'
        '<th>Status</th><th>Attempts</th><th data-sort="dur" title="Sort by duration">Duration</th>'
        '<th>Worker</th><th data-sort="start" title="Sort by start">Started</th><th>Details</th>'
    )
    return (
        f'<section id="tasks"><h2>Tasks</h2>{_filters(report)}<p class="muted">Default order: '
        "the run's dependency order (# column: a task comes after every task it depends on). "
        "Click #, Duration or Started to sort; click again to reverse.</p>"
        f'<div class="scroll"><table class="tasks" id="task-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div></section>"
    )


def _legend() -> str:
    items = "".join(
        f'<span><svg width="12" height="12" aria-hidden="true"><rect width="12" height="12" '
        f'rx="2" fill="{light}" stroke="{strong}"/></svg> {STATUS_LABELS[status]}</span>'
        for status, (strong, light) in STATUS_COLOURS.items()
    )
    return f'<p class="legend muted">{items}</p>'


def _figure(view: GraphView, ident: str, label: str) -> str:
    """One drawn graph with its zoom bar."""
    svg = dependency_graph_svg(view, ident, label)
    buttons = "".join(
        f'<button type="button" data-zoom="{z}" data-for="{ident}">{t}</button>'
        for z, t in (("in", "+"), ("out", "−"), ("all", "whole drawing"), ("start", "reset"))
    )
    return f'<div class="zoombar">{buttons}</div><div class="figure graphbox">{svg}</div>'


def _near_view(entries: Mapping[str, TaskReportEntry], failed: list[str]) -> tuple[GraphView, str]:
    """The failures' neighbourhood, cut to fewer steps away while it is too large to draw."""
    for depth in (None, 4, 3, 2, 1):
        view = graph_view(entries, neighbourhood(entries, failed, depth))
        if len(view.nodes) <= MAX_GRAPH_NODES:
            break
    if depth is None:
        return view, "the failed tasks with everything upstream and downstream of them"
    return view, f"the failed tasks and the tasks up to {depth} step(s) upstream and downstream"


def graph_section(report: ProcessExecutionReport) -> str:
    """The failures' upstream and downstream first (families folded), the whole graph on demand."""
    entries = report.entries
    if not entries:
        return ""
    failed = [n for n, e in entries.items() if e.status is TaskStatus.ERRORED]
    whole = graph_view(entries, entries)
    view, what = _near_view(entries, failed) if failed else (whole, "all tasks")
    parts = [
        '<section id="graph"><h2>Dependency graph</h2><p class="muted">Showing '
        f"{what}; a family (<code>name[param]</code>) is one box with counts. Arrows go from a "
        "task to the tasks that depend on it; red dashed arrows leave a failed task. Drag to "
        f"pan, Ctrl+wheel or the buttons to zoom.</p>{_legend()}",
    ]
    if len(view.nodes) <= MAX_GRAPH_NODES:
        parts.append(_figure(view, "graph-main", "Dependency graph"))
    else:
        parts.append(_too_large(len(view.nodes)))
    if len(view.nodes) < len(whole.nodes):
        inner = (
            _figure(whole, "graph-whole", "Whole dependency graph")
            if len(whole.nodes) <= MAX_GRAPH_NODES
            else _too_large(len(whole.nodes))
        )
        parts.append(
            f"<details><summary>Whole graph ({len(entries)} tasks)</summary>{inner}</details>"
        )
    parts.append("</section>")
    return "".join(parts)


def _too_large(boxes: int) -> str:
    return (
        f'<p class="muted">{boxes} boxes even with families folded: too many to draw '
        f"(the limit is {MAX_GRAPH_NODES}). The task table lists every task.</p>"
    )
