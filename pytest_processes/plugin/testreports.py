"""Engine results as pytest reports, one phase at a time.

Each phase goes through ``pytest_runtest_makereport`` with a ``CallInfo`` built
from the engine's result, exactly as pytest's runner does, so plugins that wrap
report making (tmp_path retention, xfail, ...) see what they expect.
"""

from __future__ import annotations

import time
from typing import Literal, NamedTuple

import pytest

from ..engine.capture import split_sections
from ..engine.masking import current_masker
from ..model.task_types import INTERRUPTED_REASON, NOT_RUN_REASON, TaskResult, TaskStatus
from ..reports._attempts import attempts_text
from .collect import TaskItem
from .compat import (
    ReprFileLocation,
    Skipped,
    TerminalRepr,
    TerminalWriter,
    call_info,
    item_located_skip,
)
from .mask_options import mask_test_report
from .other_plugins import with_limit_source
from .tracebacks import shown_traceback

__all__ = [
    "Phase",
    "call_report",
    "not_run_reports",
    "setup_report",
    "stop_category",
    "teardown_report",
]

When = Literal["setup", "call", "teardown"]


class Phase(NamedTuple):
    """One phase's report, with the call it was made from (for ``pytest_exception_interact``)."""

    report: pytest.TestReport
    call: pytest.CallInfo[None]
    #: the exception was raised in this process and keeps its traceback: a debugger can show it
    live: bool


def _excinfo(
    exc: BaseException, when: When, config: pytest.Config
) -> pytest.ExceptionInfo[BaseException]:
    if exc.__traceback__ is None:  # came back from another process without one
        try:
            raise exc
        except BaseException:
            return pytest.ExceptionInfo.from_current()
    if when != "call":  # a fixture's error: from the user's fixture on, as for a test
        tb = shown_traceback(bool(config.getoption("fulltrace", False)), exc)
        return pytest.ExceptionInfo.from_exc_info((type(exc), exc, tb))  # type: ignore[arg-type]
    return pytest.ExceptionInfo.from_exception(exc)


class TextFailure(TerminalRepr):
    """A failure known only as text: a timeout's stack, a worker process's traceback.

    ``reprcrash`` gives the one-line message the short summary and JUnit use.
    """

    def __init__(self, text: str, crash: ReprFileLocation) -> None:
        self.text = text
        self.reprcrash = crash

    def toterminal(self, tw: TerminalWriter) -> None:
        for line in self.text.rstrip("\n").splitlines():
            tw.line(line)
        self.reprcrash.toterminal(tw)


def _make(
    item: TaskItem,
    when: When,
    exc: BaseException | None,
    start: float,
    duration: float,
    attempts: int,
    text: str = "",
) -> Phase:
    live = exc is not None and exc.__traceback__ is not None
    textual = exc is not None and exc.__traceback__ is None and bool(text)
    excinfo = _excinfo(exc, when, item.config) if exc is not None else None
    call = call_info(excinfo, start, duration, when)
    report: pytest.TestReport = item.ihook.pytest_runtest_makereport(item=item, call=call)
    if textual and excinfo is not None and report.failed:  # no traceback here, only its text
        path, lineno, _ = item.location
        crash = ReprFileLocation(path, (lineno or 0) + 1, excinfo.exconly())
        report.longrepr = TextFailure(text, crash)
    mask_test_report(report)  # before the terminal, --junitxml or any plugin sees it
    report.processes_attempts = attempts  # type: ignore[attr-defined]
    report.processes_restored = False  # type: ignore[attr-defined]
    return Phase(report, call, live)


def stop_category(result: TaskResult) -> str:
    """ "not run" or "interrupted" for a task a stopped run left undone, else "".

    The terminal counts these apart from skips (``pytest_report_teststatus``).
    """
    if result.status is not TaskStatus.SKIPPED:
        return ""
    if result.reason.startswith(f"{NOT_RUN_REASON}:"):
        return "not run"
    if result.reason.startswith(INTERRUPTED_REASON):
        return "interrupted"
    return ""


def setup_report(item: TaskItem, result: TaskResult, duration: float) -> Phase:
    """``setup``: passed, failed (a fixture raised), or skipped (upstream failed / run stopped)."""
    exc: BaseException | None = None
    text = ""
    if result.attempts == 0 and not result.restored:
        if result.status is TaskStatus.ERRORED:
            exc = result.exception
            text = result.error_data.traceback_str if result.error_data else ""
        else:
            exc = item_located_skip(result.reason)
    start = result.started_at or time.time()
    phase = _make(item, "setup", exc, start - duration, duration, result.attempts, text)
    if exc is not None and phase.report.skipped:
        phase.report.processes_stop = stop_category(result)  # type: ignore[attr-defined]
    return phase


def call_report(item: TaskItem, result: TaskResult) -> Phase:
    """``call``: the task body's outcome, with its captured output as report sections.

    A task restored from the checkpoint (``--processes-resume``) passes without running.
    """
    if result.restored:
        phase = _make(item, "call", None, result.started_at or time.time(), 0.0, 0)
        phase.report.processes_restored = True  # type: ignore[attr-defined]
        return phase
    for kind, text in split_sections(result.output).items():
        item.add_report_section("call", kind, text)
    exc: BaseException | None = None
    text = ""
    if result.status is TaskStatus.ERRORED:
        exc = with_limit_source(item, result.exception or RuntimeError(result.reason))
        text = result.error_data.traceback_str if result.error_data else ""
    elif result.status is TaskStatus.SKIPPED:
        own = result.exception
        exc = own if isinstance(own, Skipped) else item_located_skip(result.reason or "skipped")
    start = result.started_at or time.time()
    phase = _make(item, "call", exc, start, result.elapsed_seconds, result.attempts, text)
    if phase.report.skipped:
        phase.report.processes_stop = stop_category(result)  # type: ignore[attr-defined]
    _earlier_attempts(phase.report, result)
    return phase


#: the title of the report section that lists a task's attempts before its last
EARLIER_ATTEMPTS = "Earlier attempts"


def _earlier_attempts(report: pytest.TestReport, result: TaskResult) -> None:
    """Attempts before the last: a section under the failure, full text for ``--junitxml``."""
    earlier = result.attempt_history[:-1]
    if not earlier:
        return
    mask = current_masker().mask
    report.sections.append((EARLIER_ATTEMPTS, mask(attempts_text(earlier))))
    full = mask(attempts_text(earlier, tracebacks=True))
    report.processes_earlier_attempts = full  # type: ignore[attr-defined]


def teardown_report(
    item: TaskItem, result: TaskResult, error: BaseException | None, start: float, duration: float
) -> Phase:
    """``teardown``: passed, or failed when a finalizer raised."""
    return _make(item, "teardown", error, start, duration, result.attempts)


def not_run_reports(item: TaskItem, exc: BaseException) -> list[Phase]:
    """``setup`` (skipped, xfailed or failed by ``exc``) and ``teardown`` of a task not run."""
    now = time.time()
    return [_make(item, "setup", exc, now, 0.0, 0), _make(item, "teardown", None, now, 0.0, 0)]
