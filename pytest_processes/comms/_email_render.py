"""Rendering of the report email: subject, HTML body (inline styles only) and plain text.

The HTML comes from ``themes/email.html`` filled with a palette from
``themes/palettes.json`` and the strings of ``themes/lang/<language>.json``. Mail
clients drop ``<style>`` blocks and scripts, so every style is inline and the
layout is tables. Every value taken from the report is HTML-escaped.
"""

from __future__ import annotations

import json
import string
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, cast

from ..engine.capture import split_sections
from ..model.task_types import TaskStatus
from ..reports._attempts import attempt_line, earlier_attempts
from ..reports._text import format_duration, html_text, visible_text

if TYPE_CHECKING:
    from importlib.abc import Traversable

    from ..model.execution_report import ProcessExecutionReport, TaskReportEntry
    from .base import ReportContent
    from .email_config import HTMLEmailStyle

__all__ = ["RenderedEmail", "load_language", "load_palette", "render_email"]

_MONO = "font-family:Menlo,Consolas,'Courier New',monospace;font-size:12px;"


def _themes() -> Traversable:
    return resources.files("pytest_processes.comms").joinpath("themes")


@cache
def load_language(language: str) -> dict[str, str]:
    """The UI strings of ``language`` (``en``, ``es``, ...)."""
    text = _themes().joinpath("lang").joinpath(f"{language}.json").read_text("utf-8")
    return cast("dict[str, str]", json.loads(text))


@cache
def _palettes() -> dict[str, dict[str, str]]:
    text = _themes().joinpath("palettes.json").read_text("utf-8")
    return cast("dict[str, dict[str, str]]", json.loads(text))


def load_palette(palette: str) -> dict[str, str]:
    """The colours of ``palette`` (keys such as ``accent``, ``errored_bg``)."""
    return _palettes()[palette]


@cache
def _template() -> string.Template:
    text = _themes().joinpath("email.html").read_text("utf-8")
    return string.Template(text)


@dataclass(frozen=True)
class RenderedEmail:
    """What goes into the message: subject line, text part and HTML part."""

    subject: str
    text: str
    html: str


def _e(value: object) -> str:
    return html_text(value)


def _status_label(status: TaskStatus, lang: dict[str, str]) -> str:
    return lang[f"status_{status.value}"]


def _badge(status: TaskStatus, lang: dict[str, str], pal: dict[str, str]) -> str:
    key = status.value
    return (
        f'<span style="display:inline-block;padding:1px 10px;border-radius:10px;font-size:12px;'
        f"font-weight:bold;background-color:{pal[key + '_bg']};color:{pal[key + '_text']};"
        f'border:1px solid {pal[key]};">{_e(_status_label(status, lang))}</span>'
    )


def _pre(text: str, pal: dict[str, str]) -> str:
    """A code block whose lines never wrap (``^^^^`` stays under its code): it scrolls."""
    return (
        f'<div style="max-width:100%;overflow-x:auto;"><pre style="{_MONO}'
        f"background-color:{pal['code_bg']};color:{pal['code_text']};"
        f"border:1px solid {pal['border']};border-radius:6px;padding:10px;margin:4px 0 8px 0;"
        f'white-space:pre;overflow-x:auto;word-wrap:normal;">{_e(text.rstrip())}</pre></div>'
    )


#: the captured streams a failed task's email shows, in this order
_STREAMS = ("stdout", "stderr", "log")


def _output_tails(entry: TaskReportEntry, limit: int) -> list[tuple[str, int, str]]:
    """``(stream, lines cut, last lines)`` of each captured stream that holds text."""
    if limit <= 0 or not entry.output.strip():
        return []
    sections = split_sections(entry.output)
    out = []
    for stream in _STREAMS:
        lines = sections.get(stream, "").rstrip("\n").splitlines()
        if any(line.strip() for line in lines):
            out.append((stream, max(len(lines) - limit, 0), "\n".join(lines[-limit:])))
    return out


def _tail_text(cut: int, text: str, lang: dict[str, str]) -> str:
    """The kept lines, after a ``[70 earlier lines not shown]`` line when some were cut."""
    return f"[{cut} {lang['lines_cut']}]\n{text}" if cut else text


def _label(text: str, pal: dict[str, str]) -> str:
    return f'<div style="font-weight:bold;color:{pal["muted"]};margin-top:8px;">{_e(text)}</div>'


def _exception_text(entry: TaskReportEntry) -> str:
    message = entry.error.exception if entry.error is not None else ""
    if entry.error_type:
        return f"{entry.error_type}: {message}" if message else entry.error_type
    return message


def _error_html(
    entry: TaskReportEntry, lang: dict[str, str], pal: dict[str, str], content: ReportContent
) -> str:
    error = entry.error
    parts = [_label(lang["exception"], pal), _pre(_exception_text(entry), pal)]
    if error is None:
        return "".join(parts)
    if error.downstream_impact:
        chips = " ".join(
            f'<code style="{_MONO}background-color:{pal["code_bg"]};padding:1px 6px;'
            f'border-radius:4px;">{_e(n)}</code>'
            for n in error.downstream_impact
        )
        parts += [_label(lang["downstream"], pal), f"<div>{chips}</div>"]
    if content.show_traceback and error.traceback_str.strip():
        parts += [_label(lang["traceback"], pal), _pre(error.traceback_str, pal)]
    for stream, cut, text in _output_tails(entry, content.output_lines):
        label = f"{lang['captured_output']}: {stream}"
        parts += [_label(label, pal), _pre(_tail_text(cut, text, lang), pal)]
    if content.show_traced_vars and error.traced_vars:
        blurb = lang["traced_vars_at"].replace("{location}", error.traced_vars_location or "?")
        lines = "\n".join(f"{k} = {v}" for k, v in error.traced_vars.items())
        parts += [
            _label(lang["traced_vars"], pal),
            f'<div style="color:{pal["muted"]};font-size:12px;">{_e(blurb)}</div>',
            _pre(lines, pal),
        ]
    return "".join(parts)


def _attempts_html(entry: TaskReportEntry, lang: dict[str, str], pal: dict[str, str]) -> str:
    """The attempts before the last, one line each (``""`` for a task tried once)."""
    earlier = earlier_attempts(entry)
    if not earlier:
        return ""
    return _label(lang["earlier_attempts"], pal) + _pre(
        "\n".join(attempt_line(a) for a in earlier), pal
    )


def _task_html(
    entry: TaskReportEntry, lang: dict[str, str], pal: dict[str, str], content: ReportContent
) -> str:
    facts = [f'{_e(lang["function"])}: <code style="{_MONO}">{_e(entry.function)}</code>']
    if entry.attempts or entry.elapsed_seconds:
        facts.append(f"{_e(lang['duration'])}: {_e(format_duration(entry.elapsed_seconds))}")
        facts.append(f"{_e(lang['attempts'])}: {entry.attempts}")
    body = [
        f'<div style="font-size:15px;font-weight:bold;">{_e(entry.name)} '
        f"{_badge(entry.status, lang, pal)}</div>",
        f'<div style="color:{pal["muted"]};font-size:12px;">{" &middot; ".join(facts)}</div>',
    ]
    if entry.reason and entry.status is not TaskStatus.ERRORED:
        body.append(f'<div style="margin-top:6px;">{_e(lang["reason"])}: {_e(entry.reason)}</div>')
    if entry.status is TaskStatus.ERRORED:
        body.append(_error_html(entry, lang, pal, content))
    body.append(_attempts_html(entry, lang, pal))
    return (  # a fixed layout: a long line scrolls in its block instead of widening the card
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
        f'style="table-layout:fixed;width:100%;margin:0 0 12px 0;border:1px solid {pal["border"]};'
        f'border-left:4px solid {pal[entry.status.value]};border-radius:6px;">'
        f'<tr><td style="padding:10px 14px;">{"".join(body)}</td></tr></table>'
    )


def _counts(report: ProcessExecutionReport) -> list[tuple[TaskStatus, str, int]]:
    rows = [
        (TaskStatus.SUCCESS, "successes", len(report.successes)),
        (TaskStatus.ERRORED, "errors", len(report.errored)),
        (TaskStatus.SKIPPED, "skipped", len(report.skipped)),
    ]
    pending = sum(1 for e in report.entries.values() if e.status is TaskStatus.PENDING)
    if pending:
        rows.append((TaskStatus.PENDING, "not_run", pending))
    return rows


def _summary_cells(
    report: ProcessExecutionReport, lang: dict[str, str], pal: dict[str, str]
) -> str:
    counts = _counts(report)
    width = f"{100 // len(counts)}%"
    return "".join(
        f'<td align="center" width="{width}" style="width:{width};padding:10px 4px;'
        f"background-color:{pal['code_bg']};"
        f'border:1px solid {pal["border"]};border-top:3px solid {pal[status.value]};">'
        f'<div style="font-size:24px;font-weight:bold;color:{pal[status.value]};">{n}</div>'
        f'<div style="font-size:12px;color:{pal["muted"]};">{_e(lang[key])}</div></td>'
        for status, key, n in counts
    )


def _shown(report: ProcessExecutionReport, errors_only: bool) -> list[TaskReportEntry]:
    """The entries the email lists: failures first, then the rest in run order."""
    entries = list((report.errored if errors_only else report.entries).values())
    return sorted(entries, key=lambda e: e.status is not TaskStatus.ERRORED)


def subject_line(report: ProcessExecutionReport, lang: dict[str, str], *, errors_only: bool) -> str:
    """Localized title, `` <process name>`` when named, then `` | YYYYMMDD`` (local date)."""
    title = lang["title_errors" if errors_only else "title_report"]
    head = f"{title} {report.process_name}".rstrip() if report.process_name else title
    return visible_text(f"{head} | {date.today():%Y%m%d}")


def _text_entry(entry: TaskReportEntry, lang: dict[str, str], content: ReportContent) -> list[str]:
    """One task in the plain-text part: facts, then a failure's detail, then earlier attempts."""
    out = [f"[{_status_label(entry.status, lang)}] {entry.name}"]
    out.append(f"  {lang['function']}: {entry.function}")
    if entry.attempts or entry.elapsed_seconds:
        out.append(
            f"  {lang['duration']}: {format_duration(entry.elapsed_seconds)}"
            f" | {lang['attempts']}: {entry.attempts}"
        )
    if entry.reason and entry.status is not TaskStatus.ERRORED:
        out.append(f"  {lang['reason']}: {entry.reason}")
    error = entry.error if entry.status is TaskStatus.ERRORED else None
    if entry.status is TaskStatus.ERRORED:
        out.append(f"  {lang['exception']}: {_exception_text(entry)}")
    if error is not None and error.downstream_impact:
        out.append(f"  {lang['downstream']}: {', '.join(error.downstream_impact)}")
    if error is not None and content.show_traceback and error.traceback_str.strip():
        out.append(f"  {lang['traceback']}:")
        out += [f"    {line}" for line in error.traceback_str.rstrip().splitlines()]
    for stream, cut, text in _output_tails(entry, content.output_lines) if error else ():
        out.append(f"  {lang['captured_output']}: {stream}")
        out += [f"    {line}" for line in _tail_text(cut, text, lang).splitlines()]
    if error is not None and content.show_traced_vars and error.traced_vars:
        blurb = lang["traced_vars_at"].replace("{location}", error.traced_vars_location or "?")
        out.append(f"  {lang['traced_vars']}: {blurb}")
        out += [f"    {k} = {v}" for k, v in error.traced_vars.items()]
    earlier = earlier_attempts(entry)
    if earlier:
        out.append(f"  {lang['earlier_attempts']}:")
        out += [f"    {attempt_line(a)}" for a in earlier]
    out.append("")
    return out


def _text_body(
    report: ProcessExecutionReport,
    entries: list[TaskReportEntry],
    lang: dict[str, str],
    content: ReportContent,
    heading: str,
) -> str:
    name = report.process_name or lang["unnamed"]
    out = [heading, "=" * len(heading), f"{lang['process']}: {name}"]
    if report.interrupted:
        out.append(lang["interrupted"].replace("{reason}", report.interrupted))
    counts = " | ".join(f"{lang[key]}: {n}" for _, key, n in _counts(report))
    out += ["", f"{lang['summary']}: {counts}", "", lang["tasks"], "-" * len(lang["tasks"])]
    if not entries:
        out.append(lang["no_tasks"])
    for entry in entries:
        out += _text_entry(entry, lang, content)
    out += ["-- ", lang["footer"], ""]
    return visible_text("\n".join(out))


def render_email(
    report: ProcessExecutionReport,
    style: HTMLEmailStyle,
    content: ReportContent,
    *,
    errors_only: bool,
) -> RenderedEmail:
    """Subject, plain text and HTML of the report email.

    The summary counts the whole ``report`` passed in; with ``errors_only`` only
    its failed tasks are listed.
    """
    lang, pal = load_language(style.language), load_palette(style.palette)
    heading = lang["title_errors" if errors_only else "title_report"]
    entries = _shown(report, errors_only)
    tasks_html = "".join(_task_html(e, lang, pal, content) for e in entries) or (
        f'<div style="color:{pal["muted"]};">{_e(lang["no_tasks"])}</div>'
    )
    notice = ""
    if report.interrupted:
        text = lang["interrupted"].replace("{reason}", report.interrupted)
        notice = (
            f'<tr><td style="padding:12px 24px 0 24px;"><div style="padding:8px 12px;'
            f'border-radius:6px;background-color:{pal["skipped_bg"]};color:{pal["skipped_text"]};">'
            f"{_e(text)}</div></td></tr>"
        )
    html = _template().substitute(
        pal,
        lang=style.language,
        heading=_e(heading),
        process_label=_e(lang["process"]),
        process_name=_e(report.process_name or lang["unnamed"]),
        notice_row=notice,
        summary_title=_e(lang["summary"]),
        summary_cells=_summary_cells(report, lang, pal),
        tasks_title=_e(lang["tasks"]),
        tasks_html=tasks_html,
        footer=_e(lang["footer"]),
    )
    return RenderedEmail(
        subject=subject_line(report, lang, errors_only=errors_only),
        text=_text_body(report, entries, lang, content, heading),
        html=html,
    )
