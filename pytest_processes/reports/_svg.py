"""Inline SVG pictures for the HTML report: the run timeline and the dependency graph.

Pure functions from report entries to escaped SVG markup; no script, no external
asset, so the page reads the same in a browser, a CI artifact viewer or offline.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ..model.task_types import TaskStatus
from ._text import format_duration
from ._text import html_text as escape

if TYPE_CHECKING:
    from ..model.execution_report import ProcessExecutionReport, TaskReportEntry

__all__ = ["STATUS_COLOURS", "dependency_graph_svg", "timeline_svg"]

#: status -> (strong colour, light fill), shared with the page's badges.
STATUS_COLOURS: dict[TaskStatus, tuple[str, str]] = {
    TaskStatus.SUCCESS: ("#1a7f37", "#dafbe1"),
    TaskStatus.ERRORED: ("#cf222e", "#ffebe9"),
    TaskStatus.SKIPPED: ("#9a6700", "#fff8c5"),
    TaskStatus.PENDING: ("#6e7781", "#eaeef2"),
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


def timeline_svg(report: ProcessExecutionReport) -> str:
    """A Gantt chart: one row per task that ran, grouped by worker, bars on a shared clock.

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
    rows = sorted(timed, key=lambda e: (e.worker, e.started_at or 0.0, e.name))

    label_w, worker_w, chart_w, row_h, top = 200, 130, 640, 26, 28
    left = label_w + worker_w
    width, height = left + chart_w + 70, top + row_h * len(rows) + 10
    scale = chart_w / span
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="Task timeline" {_FONT}>'
    ]
    step = _nice_step(span)
    tick = 0.0
    while tick <= span + 1e-9:
        x = left + tick * scale
        out.append(
            f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 6}" stroke="#d0d7de"/>'
            f'<text x="{x:.1f}" y="{top - 10}" text-anchor="middle" fill="#57606a">'
            f"{_tick_label(tick, step)}</text>"
        )
        tick += step
    out.append(
        f'<text x="4" y="{top - 10}" fill="#57606a" font-weight="600">task</text>'
        f'<text x="{label_w}" y="{top - 10}" fill="#57606a" font-weight="600">worker</text>'
    )
    previous_worker: str | None = None
    for i, entry in enumerate(rows):
        y = top + i * row_h
        worker = entry.worker or "-"
        if worker != previous_worker:
            if previous_worker is not None:
                out.append(f'<line x1="0" y1="{y}" x2="{width}" y2="{y}" stroke="#8c959f"/>')
            label = escape(_clip(worker, 18))
            out.append(f'<text x="{label_w}" y="{y + 17}" fill="#24292f">{label}</text>')
            previous_worker = worker
        strong, light = STATUS_COLOURS[entry.status]
        start = (entry.started_at or t0) - t0
        end = (entry.finished_at or t0) - t0
        bx, bw = left + start * scale, max((end - start) * scale, 2.0)
        tip = escape(
            f"{entry.name} on {worker}: {entry.status.value}, "
            f"+{start:.3f}s .. +{end:.3f}s ({format_duration(end - start)})"
        )
        out.append(
            f"<g><title>{tip}</title>"
            f'<text x="4" y="{y + 17}" fill="#24292f">{escape(_clip(entry.name, 26))}</text>'
            f'<rect x="{bx:.1f}" y="{y + 5}" width="{bw:.1f}" height="{row_h - 10}" rx="3" '
            f'fill="{light}" stroke="{strong}" stroke-width="1.5"/>'
            f'<text x="{bx + bw + 5:.1f}" y="{y + 17}" fill="#57606a">'
            f"{escape(format_duration(end - start))}</text></g>"
        )
    out.append("</svg>")
    return "".join(out)


def _layers(entries: dict[str, TaskReportEntry]) -> dict[str, int]:
    """Longest-path layer of each task (roots at 0); a cycle cannot hang it."""
    layer: dict[str, int] = {}
    visiting: set[str] = set()

    def depth(name: str) -> int:
        if name in layer:
            return layer[name]
        if name in visiting:  # defensive: reports come from DAGs
            return 0
        visiting.add(name)
        deps = [d for d in entries[name].dependencies if d in entries]
        layer[name] = 1 + max((depth(d) for d in deps), default=-1)
        visiting.discard(name)
        return layer[name]

    for name in entries:
        depth(name)
    return layer


def _wanted_y(
    name: str, entries: dict[str, TaskReportEntry], xy: dict[str, tuple[float, float]], pad: float
) -> float:
    ups = [xy[d][1] for d in entries[name].dependencies if d in xy]
    return sum(ups) / len(ups) if ups else pad


def dependency_graph_svg(report: ProcessExecutionReport) -> str:
    """Tasks as boxes in dependency layers (left to right), edges from upstream to downstream.

    Returns ``""`` for an empty report.
    """
    entries = report.entries
    if not entries:
        return ""
    layer = _layers(entries)
    columns: list[list[str]] = [[] for _ in range(max(layer.values()) + 1)]
    for name in entries:
        columns[layer[name]].append(name)

    box_w, box_h, gap_x, gap_y, pad = 180, 36, 70, 14, 16
    xy: dict[str, tuple[float, float]] = {}
    for c, col in enumerate(columns):  # each box as near its parents' mean height as fits
        col_x, floor = float(pad + c * (box_w + gap_x)), float(pad)
        for name in sorted(col, key=lambda n: _wanted_y(n, entries, xy, pad)):
            y = max(_wanted_y(name, entries, xy, pad), floor)
            xy[name] = (col_x, y)
            floor = y + box_h + gap_y
    height = max(y for _, y in xy.values()) + box_h + pad
    width = pad * 2 + len(columns) * box_w + (len(columns) - 1) * gap_x
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height:.0f}" '
        f'viewBox="0 0 {width} {height:.0f}" role="img" aria-label="Dependency graph" {_FONT}>'
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#8c959f"/></marker></defs>'
    ]
    for name, entry in entries.items():
        for dep in entry.dependencies:
            if dep not in xy:
                continue
            (x1, y1), (x2, y2) = xy[dep], xy[name]
            sx, sy, ex, ey = x1 + box_w, y1 + box_h / 2, x2 - 2, y2 + box_h / 2
            mid = (sx + ex) / 2
            broken = entries[dep].status is TaskStatus.ERRORED
            style = 'stroke="#cf222e" stroke-dasharray="5 3"' if broken else 'stroke="#8c959f"'
            out.append(
                f'<path d="M{sx:.1f},{sy:.1f} C{mid:.1f},{sy:.1f} {mid:.1f},{ey:.1f} '
                f'{ex:.1f},{ey:.1f}" fill="none" {style} stroke-width="1.5" '
                'marker-end="url(#arrow)"/>'
            )
    for name, entry in entries.items():
        x, y = xy[name]
        strong, light = STATUS_COLOURS[entry.status]
        out.append(
            f"<g><title>{escape(name)}: {escape(entry.status.value)}</title>"
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{box_w}" height="{box_h}" rx="6" '
            f'fill="{light}" stroke="{strong}" stroke-width="1.5"/>'
            f'<text x="{x + box_w / 2:.1f}" y="{y + box_h / 2 + 4:.1f}" text-anchor="middle" '
            f'fill="#24292f">{escape(_clip(name, 24))}</text></g>'
        )
    out.append("</svg>")
    return "".join(out)
