"""Inline SVG pictures for the HTML report: the run timeline and the dependency graph.

Pure functions from report entries to escaped SVG markup; no external asset, so the
page reads the same in a browser, a CI artifact viewer or offline. Each picture fits
its box through its ``viewBox``; the page's own small script adds zoom and pan.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ..model.task_types import TaskStatus
from ._layout import BOX_H, BOX_W, Layout, layered_layout
from ._text import format_duration
from ._text import html_text as escape

if TYPE_CHECKING:
    from ..model.execution_report import ProcessExecutionReport, TaskReportEntry
    from ._graphview import GraphNode, GraphView

__all__ = ["STATUS_COLOURS", "STATUS_LABELS", "dependency_graph_svg", "timeline_svg"]

#: status -> (strong colour, light fill), shared with the page's badges.
STATUS_COLOURS: dict[TaskStatus, tuple[str, str]] = {
    TaskStatus.SUCCESS: ("#1a7f37", "#dafbe1"),
    TaskStatus.ERRORED: ("#cf222e", "#ffebe9"),
    TaskStatus.SKIPPED: ("#9a6700", "#fff8c5"),
    TaskStatus.PENDING: ("#6e7781", "#eaeef2"),
}
STATUS_LABELS = {
    TaskStatus.SUCCESS: "passed",
    TaskStatus.ERRORED: "failed",
    TaskStatus.SKIPPED: "skipped",
    TaskStatus.PENDING: "not run",
}
_FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="12"'


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _nice_step(span: float, max_ticks: int = 8) -> float:
    """A 1/2/5 x 10^k tick step giving at most ``max_ticks`` intervals over ``span``."""
    raw = span / max_ticks
    base = 10 ** math.floor(math.log10(raw))
    for mult in (1, 2, 5, 10):
        if base * mult >= raw:
            return float(base * mult)
    return float(base * 10)  # pragma: no cover - the loop always returns


def _tick_label(value: float, step: float) -> str:
    decimals = max(0, -math.floor(math.log10(step))) if step < 1 else 0
    return f"{value:.{decimals}f}s"


def _lanes(timed: list[TaskReportEntry]) -> dict[str, list[list[TaskReportEntry]]]:
    """Per worker, rows of bars that do not overlap (one row unless a worker ran tasks at once)."""
    lanes: dict[str, list[list[TaskReportEntry]]] = {}
    for entry in sorted(timed, key=lambda e: (e.started_at or 0.0, e.name)):
        rows = lanes.setdefault(entry.worker or "-", [])
        for row in rows:
            if (row[-1].finished_at or 0.0) <= (entry.started_at or 0.0):
                row.append(entry)
                break
        else:
            rows.append([entry])
    return dict(sorted(lanes.items()))


def timeline_svg(report: ProcessExecutionReport) -> str:
    """A task stream: one lane per worker, one bar per task on a shared clock; hover for details.

    Returns ``""`` when no task has both a start and a finish time.
    """
    timed = [
        e
        for e in report.entries.values()
        if e.started_at is not None and e.finished_at is not None and e.finished_at >= e.started_at
    ]
    if not timed:
        return ""
    starts = [e.started_at for e in timed if e.started_at is not None]
    ends = [e.finished_at for e in timed if e.finished_at is not None]
    t0 = min([*starts, report.started_at] if report.started_at is not None else starts)
    t1 = max([*ends, report.finished_at] if report.finished_at is not None else ends)
    span = max(t1 - t0, 1e-3)
    lanes = _lanes(timed)
    left, chart_w, row_h, gap, top = 130, 980, 18, 8, 26
    height = top + sum(len(rows) * row_h + gap for rows in lanes.values()) + 4
    width, scale = left + chart_w + 20, chart_w / span
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="100%" '
        f'viewBox="0 0 {width} {height}" preserveAspectRatio="xMinYMin meet" role="img" '
        f'aria-label="Task timeline" {_FONT}>'
    ]
    step, tick = _nice_step(span), 0.0
    while tick <= span + 1e-9:
        x = left + tick * scale
        out.append(
            f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height}" stroke="#eaeef2"/>'
            f'<text x="{x:.1f}" y="{top - 10}" text-anchor="middle" fill="#57606a">'
            f"{_tick_label(tick, step)}</text>"
        )
        tick += step
    y = top
    for worker, rows in lanes.items():
        lane_h = len(rows) * row_h
        out.append(
            f'<rect x="0" y="{y - 2}" width="{width}" height="{lane_h + 4}" fill="#f6f8fa"/>'
            f'<text x="4" y="{y + 13}" fill="#24292f">{escape(_clip(worker, 18))}</text>'
        )
        for r, row in enumerate(rows):
            out.extend(_bar(e, t0, left, scale, y + r * row_h, row_h) for e in row)
        y += lane_h + gap
    out.append("</svg>")
    return "".join(out)


def _bar(entry: TaskReportEntry, t0: float, left: float, scale: float, y: float, h: int) -> str:
    """One task's bar: its name inside when it fits, name and times on hover."""
    strong, light = STATUS_COLOURS[entry.status]
    start = (entry.started_at or t0) - t0
    end = (entry.finished_at or t0) - t0
    bx, bw = left + start * scale, max((end - start) * scale, 1.5)
    tip = escape(
        f"{entry.name} on {entry.worker or '-'}: {entry.status.value}, "
        f"+{start:.3f}s .. +{end:.3f}s ({format_duration(end - start)})"
    )
    chars = int((bw - 6) / 7)
    label = (
        f'<text x="{bx + 3:.1f}" y="{y + h - 6}" fill="#24292f" font-size="11">'
        f"{escape(_clip(entry.name, chars))}</text>"
        if chars >= 4
        else ""
    )
    return (
        f'<g class="bar"><title>{tip}</title><rect x="{bx:.1f}" y="{y + 1}" width="{bw:.1f}" '
        f'height="{h - 2}" rx="3" fill="{light}" stroke="{strong}"/>{label}</g>'
    )


def _edge_path(points: list[tuple[float, float]]) -> str:
    """Curves across the gaps between columns, straight lines through a column's edge slot."""
    (x, y), rest = points[0], points[1:]
    d = [f"M{x:.1f},{y:.1f}"]
    for k, (nx, ny) in enumerate(rest):
        if k % 2 == 0:  # a gap: a curve whose control points stay inside the gap
            mid = (x + nx) / 2
            d.append(f"C{mid:.1f},{y:.1f} {mid:.1f},{ny:.1f} {nx:.1f},{ny:.1f}")
        else:
            d.append(f"L{nx:.1f},{ny:.1f}")
        x, y = nx, ny
    return " ".join(d)


def _node_svg(node: GraphNode, x: float, y: float, focus: bool) -> str:
    strong, light = STATUS_COLOURS[node.status]
    counts = ", ".join(f"{n} {STATUS_LABELS[s]}" for s, n in node.counts.items())
    extra = ' stroke-width="3"' if node.status is TaskStatus.ERRORED else ' stroke-width="1.5"'
    if node.status is TaskStatus.SKIPPED:
        extra += ' stroke-dasharray="5 3"'
    if node.upstream_only:
        extra += ' fill-opacity="0.6"'
    tip = f"{node.label}: {counts}" + (" (upstream, not selected)" if node.upstream_only else "")
    cx = x + BOX_W / 2
    if len(node.members) > 1:
        sub = " · ".join(f"{n} {STATUS_LABELS[s]}" for s, n in node.counts.items())
        text = (
            f'<text x="{cx:.1f}" y="{y + 16:.1f}" text-anchor="middle" fill="#24292f">'
            f"{escape(_clip(node.label, 26))}</text>"
            f'<text x="{cx:.1f}" y="{y + 30:.1f}" text-anchor="middle" fill="#57606a" '
            f'font-size="10">{escape(_clip(sub, 34))}</text>'
        )
    else:
        text = (
            f'<text x="{cx:.1f}" y="{y + BOX_H / 2 + 4:.1f}" text-anchor="middle" '
            f'fill="#24292f">{escape(_clip(node.label, 26))}</text>'
        )
    mark = " focus" if focus else ""
    return (
        f'<g class="node {node.status.value}{mark}" data-key="{escape(node.key)}">'
        f"<title>{escape(tip)}</title>"
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{BOX_W:.0f}" height="{BOX_H:.0f}" rx="6" '
        f'fill="{light}" stroke="{strong}"{extra}/>{text}</g>'
    )


#: the box a graph is first shown in (CSS pixels); larger graphs open on their failure
VIEW_W, VIEW_H = 1140.0, 460.0


def _first_view(layout: Layout, focus: str) -> tuple[tuple[float, float, float, float], float]:
    """The part of the drawing shown when the page opens, and its scale.

    All of it when it fits at 60% or more, else a window around the failed node.
    """
    w, h = layout.width, layout.height
    scale = min(1.0, VIEW_W / w, VIEW_H / h)
    if scale >= 0.6 or focus not in layout.boxes:
        return (0.0, 0.0, w, h), scale
    vw, vh = min(VIEW_W / 0.8, w), min(VIEW_H / 0.8, h)
    fx, fy = layout.boxes[focus]
    x = min(max(fx + BOX_W / 2 - vw / 2, 0.0), w - vw)
    y = min(max(fy + BOX_H / 2 - vh / 2, 0.0), h - vh)
    return (x, y, vw, vh), 0.8


def dependency_graph_svg(view: GraphView, ident: str, label: str = "Dependency graph") -> str:
    """The graph of ``view``, laid out in layers left to right; ``""`` when it has no node.

    The SVG (element id ``ident``) fits its box through its ``viewBox``, opened on the
    failed node; the page's script zooms and pans it.
    """
    if not view.nodes:
        return ""
    layout = layered_layout([n.key for n in view.nodes], view.edges)
    (x, y, w, h), scale = _first_view(layout, view.focus)
    arrow = f"{ident}-arrow"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{ident}" class="graph" '
        f'width="{w * scale:.0f}" height="{h * scale:.0f}" '
        f'viewBox="{x:.0f} {y:.0f} {w:.0f} {h:.0f}" '
        f'data-full="0 0 {layout.width:.0f} {layout.height:.0f}" role="img" '
        f'aria-label="{escape(label)}" {_FONT}>'
        f'<defs><marker id="{arrow}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#8c959f"/></marker></defs>'
    ]
    for up, down, points in layout.edges:
        broken = (up, down) in view.broken
        style = 'stroke="#cf222e" stroke-dasharray="5 3"' if broken else 'stroke="#8c959f"'
        out.append(
            f'<path class="edge" data-from="{escape(up)}" data-to="{escape(down)}" '
            f'd="{_edge_path(points)}" fill="none" {style} '
            f'stroke-width="1.5" marker-end="url(#{arrow})"/>'
        )
    for node in view.nodes:
        bx, by = layout.boxes[node.key]
        out.append(_node_svg(node, bx, by, node.key == view.focus))
    out.append("</svg>")
    return "".join(out)
