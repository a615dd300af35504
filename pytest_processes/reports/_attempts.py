"""The attempts of a retried task as text: one line each, tracebacks on request.

Shared by the terminal, JUnit, HTML and email, so each shows a retried error
the same way: ``attempt 1: failed after 0.20s, started 2026-06-22T10:04:05Z on
thread-1: ConnectionError: db down``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ._text import format_duration, format_epoch, html_text

if TYPE_CHECKING:
    from ..model.execution_report import TaskReportEntry
    from ..model.task_types import AttemptRecord

__all__ = [
    "attempt_error",
    "attempt_line",
    "attempts_html",
    "attempts_text",
    "earlier_attempts",
]


def earlier_attempts(entry: TaskReportEntry) -> tuple[AttemptRecord, ...]:
    """The attempts before the last one; the entry's own fields describe the last."""
    return entry.attempt_history[:-1]


def attempt_error(attempt: AttemptRecord) -> str:
    """``Type: first line of the message`` of a failed attempt, ``""`` for one that did not fail."""
    if not attempt.error_type:
        return ""
    lines = attempt.message.strip().splitlines()
    return f"{attempt.error_type}: {lines[0]}" if lines else attempt.error_type


def attempt_line(attempt: AttemptRecord) -> str:
    """One attempt on one line: number, outcome, duration, start, worker and error."""
    start = format_epoch(attempt.started_at) if attempt.started_at else "unknown"
    where = f" on {attempt.worker}" if attempt.worker else ""
    line = (
        f"attempt {attempt.number}: {attempt.outcome} after "
        f"{format_duration(attempt.duration)}, started {start}{where}"
    )
    error = attempt_error(attempt)
    return f"{line}: {error}" if error else line


def attempts_text(attempts: Sequence[AttemptRecord], *, tracebacks: bool = False) -> str:
    """A line per attempt, each followed by its traceback (indented) when ``tracebacks``."""
    out: list[str] = []
    for attempt in attempts:
        out.append(attempt_line(attempt))
        if tracebacks and attempt.traceback.strip():
            out += [f"    {line}" for line in attempt.traceback.rstrip().splitlines()]
    return "\n".join(out)


def attempts_html(entry: TaskReportEntry) -> str:
    """The report page's block of a task's earlier attempts (``""`` if it had none).

    A table row per attempt (number, outcome, start, duration, worker, error),
    each traceback folded under its row; classes of the page's own stylesheet.
    """
    earlier = earlier_attempts(entry)
    if not earlier:
        return ""
    rows = []
    for a in earlier:
        error = html_text(attempt_error(a)) or "—"
        if a.traceback.strip():
            error = (
                f"<details><summary>{error}</summary>"
                f'<pre class="block">{html_text(a.traceback.rstrip())}</pre></details>'
            )
        start = format_epoch(a.started_at) if a.started_at else "unknown"
        rows.append(
            f"<tr><td>{a.number}</td><td>{html_text(a.outcome)}</td><td>{start}</td>"
            f"<td>{format_duration(a.duration)}</td><td>{html_text(a.worker)}</td>"
            f"<td>{error}</td></tr>"
        )
    head = "".join(
        f"<th>{h}</th>" for h in ("Attempt", "Outcome", "Started", "Duration", "Worker", "Error")
    )
    n = len(earlier)
    return (
        f'<div class="attempts"><h4>Earlier attempts ({n})</h4><table class="vars">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )
