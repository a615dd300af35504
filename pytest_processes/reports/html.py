"""A report as one self-contained HTML page (no external asset; one small inline script).

Failures first: the verdict and counts, then each failed task with its error,
traceback and captured output; then the dependency graph around the failures, the
task table (filter, sort), the timeline (one lane per worker) and other output.
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
from ._html_parts import STATUS_LABELS, anchor, badge, graph_section, task_table, upstream_chip
from ._svg import timeline_svg
from ._text import format_duration, format_epoch, html_text, seconds

if TYPE_CHECKING:
    from ..model.execution_report import ProcessExecutionReport, TaskReportEntry

__all__ = ["report_to_html"]


@cache
def _asset(name: str) -> str:
    folder = resources.files("pytest_processes.reports").joinpath("templates")
    return folder.joinpath(name).read_text("utf-8")


def _e(text: object) -> str:
    """Escaped, ANSI-free text of any value; control characters and surrogates shown escaped."""
    return html_text(text)


def _total_time(report: ProcessExecutionReport) -> float:
    if report.started_at is not None and report.finished_at is not None:
        return seconds(report.finished_at - report.started_at)
    return sum(seconds(e.elapsed_seconds) for e in report.entries.values())


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
    """Counts per status of the selected tasks; the upstream tasks a selection pulled in apart."""
    chosen = [e for e in report.entries.values() if e.selected]
    support = [e for e in report.entries.values() if not e.selected]
    counts = {s: sum(1 for e in chosen if e.status is s) for s in TaskStatus}
    cards = [("total", len(chosen), "tasks selected" if support else "tasks")]
    cards += [
        (s.value, counts[s], STATUS_LABELS[s])
        for s in (TaskStatus.SUCCESS, TaskStatus.ERRORED, TaskStatus.SKIPPED, TaskStatus.PENDING)
        if counts[s] or s is not TaskStatus.PENDING
    ]
    if support:
        failed = sum(1 for e in support if e.status is TaskStatus.ERRORED)
        note = f", {failed} failed" if failed else ""
        cards.append(("upstream", len(support), f"upstream, not selected{note}"))
    html = "".join(
        f'<div class="card {kind}"><div class="n">{n}</div><div class="l">{_e(label)}</div></div>'
        for kind, n, label in cards
    )
    html += (
        f'<div class="card time"><div class="n">{_e(format_duration(_total_time(report)))}</div>'
        '<div class="l">total time</div></div>'
    )
    return f'<section class="cards" aria-label="Summary">{html}</section>'


def _pre(text: str) -> str:
    return f'<pre class="block">{_e(text.rstrip())}</pre>'


def _failure(entry: TaskReportEntry, index: int) -> str:
    """One failed task in full: its error first, then traceback, output and what it stopped."""
    error = entry.error
    message = error.exception if error is not None else ""
    kind = entry.error_type or "Exception"
    parts = [
        f'<article class="failure" id="{anchor(index)}"><h3>{_e(entry.name)} '
        f"{badge(entry.status)}{upstream_chip(entry)}</h3>"
        f'<div class="exc">{_e(kind)}: {_e(message or "(no message)")}</div>'
        f'<div class="muted">function <code>{_e(entry.function)}</code> · '
        f"{entry.attempts} attempt{'s' if entry.attempts != 1 else ''} · "
        f"{_e(format_duration(entry.elapsed_seconds))}"
        f"{' · worker ' + _e(entry.worker) if entry.worker else ''}</div>"
    ]
    if entry.reason:
        parts.append(f"<h4>Reason</h4><div>{_e(entry.reason)}</div>")
    if error is not None and error.traceback_str.strip():
        parts.append(f"<h4>Traceback</h4>{_pre(error.traceback_str)}")
    parts.append(attempts_html(entry))
    if entry.output.strip():
        parts.append(f"<h4>Captured output</h4>{_pre(entry.output)}")
    if error is not None and error.traced_vars:
        loc = error.traced_vars_location
        where = f" at <code>{_e(loc)}</code>" if loc else ""
        rows = "".join(
            f"<tr><td><code>{_e(k)}</code></td><td><code>{_e(v)}</code></td></tr>"
            for k, v in error.traced_vars.items()
        )
        parts.append(f'<h4>Traced variables{where}</h4><table class="vars">{rows}</table>')
    if error is not None and error.downstream_impact:
        chips = "".join(f'<span class="chip">{_e(n)}</span>' for n in error.downstream_impact)
        parts.append(f"<h4>Downstream impact (not run)</h4><div>{chips}</div>")
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
    return f'<section id="failures"><h2>Failures ({len(cards)})</h2>{"".join(cards)}</section>'


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


def _timeline(report: ProcessExecutionReport) -> str:
    timeline = timeline_svg(report)
    if not timeline:
        return ""
    return (
        '<section id="timeline"><h2>Timeline</h2><p class="muted">One lane per worker, '
        "seconds from the start of the run; hover a bar for the task's name and times.</p>"
        f'<div class="figure">{timeline}</div></section>'
    )


def render_html(report: ProcessExecutionReport) -> str:
    """The full HTML page of ``report``."""
    generated = format_epoch(time.time())
    body = "".join(
        [
            _header(report),
            _cards(report),
            _failures(report),
            graph_section(report),
            task_table(report),
            _timeline(report),
            _outputs(report),
            _run_output(report),
            f"<footer>Generated by pytest-processes on {_e(generated)}.</footer>",
        ]
    )
    title = f"Process report: {report.process_name or '(unnamed process)'}"
    template = string.Template(_asset("report.html"))
    return template.substitute(title=_e(title), body=body, script=_asset("report.js"))


def report_to_html(
    report: ProcessExecutionReport, path: str | os.PathLike[str] | None = None
) -> str:
    """The report as one HTML page, secrets masked; also written (UTF-8) to ``path``."""
    text = render_html(report.masked())
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text
