"""A report as one self-contained, static HTML page (no script, no external asset).

Sections: verdict and summary counts, the task table, each failure with its
exception, traceback, downstream impact and traced variables, captured output,
a timeline of when each task ran on which worker, and the dependency graph.
Every value from the report is HTML-escaped; ANSI colour codes are removed, other control
characters and undecodable bytes are shown escaped (``\\x00``, ``\\xe9``).
"""

from __future__ import annotations

import os
import string
import time
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from ..model.task_types import TaskStatus
from ._attempts import attempts_html
from ._svg import STATUS_COLOURS, dependency_graph_svg, timeline_svg
from ._text import format_duration, format_epoch, html_text, seconds

if TYPE_CHECKING:
    from ..model.execution_report import ProcessExecutionReport, TaskReportEntry

__all__ = ["report_to_html"]

STATUS_LABELS = {
    TaskStatus.SUCCESS: "passed",
    TaskStatus.ERRORED: "failed",
    TaskStatus.SKIPPED: "skipped",
    TaskStatus.PENDING: "not run",
}


@cache
def _template() -> string.Template:
    folder = resources.files("pytest_processes.reports").joinpath("templates")
    text = folder.joinpath("report.html").read_text("utf-8")
    return string.Template(text)


def _e(text: object) -> str:
    """Escaped, ANSI-free text of any value; control characters and surrogates shown escaped."""
    return html_text(text)


def badge(status: TaskStatus) -> str:
    """The coloured status pill of a task."""
    return f'<span class="badge {status.value}">{STATUS_LABELS[status]}</span>'


def _total_time(report: ProcessExecutionReport) -> float:
    if report.started_at is not None and report.finished_at is not None:
        return seconds(report.finished_at - report.started_at)
    return sum(seconds(e.elapsed_seconds) for e in report.entries.values())


def _anchor(index: int) -> str:
    return f"task-{index}"


def _header(report: ProcessExecutionReport) -> str:
    name = report.process_name or "(unnamed process)"
    if report.interrupted:
        verdict = '<span class="verdict interrupted">INTERRUPTED</span>'
    elif report.errored:
        verdict = '<span class="verdict failed">FAILED</span>'
    else:
        verdict = '<span class="verdict passed">PASSED</span>'
    workers = {e.worker for e in report.entries.values() if e.worker}
    meta = [f"{len(report.entries)} tasks"]
    if workers:
        meta.append(f"{len(workers)} worker{'s' if len(workers) != 1 else ''}")
    if report.started_at is not None:
        meta.append(f"started {format_epoch(report.started_at)}")
    meta.append(f"total time {format_duration(_total_time(report))}")
    out = (
        f'<header class="top"><h1>Process report: {_e(name)}</h1>{verdict}'
        f'<div class="meta">{_e(" · ".join(meta))}</div></header>'
    )
    if report.interrupted:
        reason = _e(report.interrupted)
        out += f'<div class="banner"><strong>Run interrupted:</strong> {reason}</div>'
    return out


def _cards(report: ProcessExecutionReport) -> str:
    counts = {s: 0 for s in TaskStatus}
    for entry in report.entries.values():
        counts[entry.status] += 1
    cards = [("total", len(report.entries), "tasks")]
    cards += [
        (TaskStatus.SUCCESS.value, counts[TaskStatus.SUCCESS], "passed"),
        (TaskStatus.ERRORED.value, counts[TaskStatus.ERRORED], "failed"),
        (TaskStatus.SKIPPED.value, counts[TaskStatus.SKIPPED], "skipped"),
    ]
    if counts[TaskStatus.PENDING]:
        cards.append((TaskStatus.PENDING.value, counts[TaskStatus.PENDING], "not run"))
    html = "".join(
        f'<div class="card {kind}"><div class="n">{n}</div><div class="l">{label}</div></div>'
        for kind, n, label in cards
    )
    html += (
        f'<div class="card time"><div class="n">{_e(format_duration(_total_time(report)))}</div>'
        '<div class="l">total time</div></div>'
    )
    return f'<section class="cards" aria-label="Summary">{html}</section>'


def _details_cell(entry: TaskReportEntry, index: int) -> str:
    parts = [f"<code>{_e(entry.function)}</code>"]
    if entry.status is TaskStatus.ERRORED:
        summary = entry.error.exception if entry.error is not None else ""
        first = summary.splitlines()[0] if summary.strip() else "(no message)"
        kind = f"{entry.error_type}: " if entry.error_type else ""
        parts.append(f'<a href="#{_anchor(index)}">{_e(kind + first)}</a>')
    elif entry.reason:
        parts.append(f'<span class="muted">{_e(entry.reason)}</span>')
    if entry.status is not TaskStatus.ERRORED and entry.attempt_history:
        parts.append(attempts_html(entry))  # a failure shows them in its own card
    return "<br>".join(parts)


def _task_table(report: ProcessExecutionReport) -> str:
    t0 = report.started_at
    rows = []
    for index, entry in enumerate(report.entries.values()):
        start = ""
        if entry.started_at is not None:
            at = entry.started_at
            start = f"+{at - t0:.3f}s" if t0 is not None else format_epoch(at)
        ran = entry.attempts > 0 or seconds(entry.elapsed_seconds) > 0
        duration = format_duration(entry.elapsed_seconds) if ran else "—"
        rows.append(
            f'<tr class="{entry.status.value}"><td><strong>{_e(entry.name)}</strong></td>'
            f'<td>{badge(entry.status)}</td><td class="num">{entry.attempts}</td>'
            f'<td class="num">{_e(duration)}</td><td>{_e(entry.worker)}</td>'
            f'<td class="num">{_e(start)}</td><td>{_details_cell(entry, index)}</td></tr>'
        )
    if not rows:
        return '<section><h2>Tasks</h2><p class="muted">This report has no tasks.</p></section>'
    head = "".join(
        f"<th>{h}</th>"
        for h in ("Task", "Status", "Attempts", "Duration", "Worker", "Started", "Details")
    )
    return (
        f'<section><h2>Tasks</h2><table class="tasks"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def _pre(text: str) -> str:
    return f'<pre class="block">{_e(text.rstrip())}</pre>'


def _failure(entry: TaskReportEntry, index: int) -> str:
    error = entry.error
    message = error.exception if error is not None else ""
    kind = entry.error_type or "Exception"
    parts = [
        f'<article class="failure" id="{_anchor(index)}"><h3>{_e(entry.name)} '
        f"{badge(entry.status)}</h3>"
        f'<div class="muted">function <code>{_e(entry.function)}</code> · '
        f"{entry.attempts} attempt{'s' if entry.attempts != 1 else ''} · "
        f"{_e(format_duration(entry.elapsed_seconds))}</div>"
        f'<h4>Exception</h4><div class="exc">{_e(kind)}: {_e(message or "(no message)")}</div>'
    ]
    parts.append(attempts_html(entry))
    if error is not None and error.downstream_impact:
        chips = "".join(f'<span class="chip">{_e(n)}</span>' for n in error.downstream_impact)
        parts.append(f"<h4>Downstream impact (not run)</h4><div>{chips}</div>")
    if error is not None and error.traceback_str.strip():
        parts.append(f"<h4>Traceback</h4>{_pre(error.traceback_str)}")
    if error is not None and error.traced_vars:
        loc = error.traced_vars_location
        where = f" at <code>{_e(loc)}</code>" if loc else ""
        rows = "".join(
            f"<tr><td><code>{_e(k)}</code></td><td><code>{_e(v)}</code></td></tr>"
            for k, v in error.traced_vars.items()
        )
        parts.append(f'<h4>Traced variables{where}</h4><table class="vars">{rows}</table>')
    if entry.output.strip():
        parts.append(f"<h4>Captured output</h4>{_pre(entry.output)}")
    parts.append("</article>")
    return "".join(parts)


def _failures(report: ProcessExecutionReport) -> str:
    cards = [
        _failure(entry, i)
        for i, entry in enumerate(report.entries.values())
        if entry.status is TaskStatus.ERRORED
    ]
    if not cards:
        return ""
    return f"<section><h2>Failures ({len(cards)})</h2>{''.join(cards)}</section>"


def _outputs(report: ProcessExecutionReport) -> str:
    blocks = [
        f"<details><summary>{_e(e.name)} {badge(e.status)}</summary>{_pre(e.output)}</details>"
        for e in report.entries.values()
        if e.output.strip() and e.status is not TaskStatus.ERRORED
    ]
    if not blocks:
        return ""
    return f"<section><h2>Captured output</h2>{''.join(blocks)}</section>"


def _run_output(report: ProcessExecutionReport) -> str:
    """Output written while several tasks ran on threads, which no single task owns."""
    lines = report.run_output_lines()
    if not lines:
        return ""
    return (
        '<section><h2>Output of the run</h2><p class="muted">Written to file descriptors 1 '
        "and 2 while several tasks ran on threads, so no single task owns it.</p>"
        f"{_pre(chr(10).join(lines))}</section>"
    )


def _legend() -> str:
    items = "".join(
        f'<span><svg width="12" height="12" aria-hidden="true"><rect width="12" height="12" '
        f'rx="2" fill="{light}" stroke="{strong}"/></svg> {STATUS_LABELS[status]}</span>'
        for status, (strong, light) in STATUS_COLOURS.items()
    )
    return f'<p class="legend muted">{items}</p>'


def _figures(report: ProcessExecutionReport) -> str:
    out = []
    timeline = timeline_svg(report)
    if timeline:
        out.append(
            '<section><h2>Timeline</h2><p class="muted">When each task ran, on which worker '
            "(seconds from the start of the run).</p>"
            f'<div class="figure">{timeline}</div></section>'
        )
    graph = dependency_graph_svg(report)
    if graph:
        out.append(
            '<section><h2>Dependency graph</h2><p class="muted">Arrows go from a task to the '
            f"tasks that depend on it; red dashed arrows leave a failed task.</p>{_legend()}"
            f'<div class="figure">{graph}</div></section>'
        )
    return "".join(out)


def render_html(report: ProcessExecutionReport) -> str:
    """The full HTML page of ``report``."""
    generated = format_epoch(time.time())
    body = "".join(
        [
            _header(report),
            _cards(report),
            _task_table(report),
            _failures(report),
            _figures(report),
            _outputs(report),
            _run_output(report),
            f"<footer>Generated by pytest-processes on {_e(generated)}.</footer>",
        ]
    )
    title = f"Process report: {report.process_name or '(unnamed process)'}"
    return _template().substitute(title=_e(title), body=body)


def report_to_html(
    report: ProcessExecutionReport, path: str | os.PathLike[str] | None = None
) -> str:
    """The report as one HTML page, secrets masked; also written (UTF-8) to ``path``."""
    text = render_html(report.masked())
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text
