"""The per-task report of a finished run, and its delivery to channels."""

from __future__ import annotations

import dataclasses
import json
import os
import time
import warnings
from dataclasses import KW_ONLY, dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol

from .error_data import ErrorData
from .fastinit import fast_copy, fast_init, fast_positional
from .spec import TaskSpec
from .task_types import RESTORED_REASON, AttemptRecord, TaskResult, TaskStatus

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from ..comms.base import ReportChannel
    from ..engine.masking import SecretMasker

__all__ = [
    "ProcessExecutionReport",
    "TaskReportEntry",
    "entry_in_order",
    "entry_of",
    "new_entry",
]


class _ProcessLike(Protocol):
    name: str

    @property
    def tasks(self) -> Sequence[TaskSpec]: ...


@dataclass(frozen=True, slots=True)
class TaskReportEntry:
    """One task's line in the report.

    The first nine fields are the processes schema (positional, as there); the rest,
    keyword-only, say when and where the task ran, why it did not, what it printed,
    what type of exception it raised, which tasks it depended on, whether it was
    selected and, when an attempt failed, every attempt.
    """

    name: str
    function: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    status: TaskStatus
    elapsed_seconds: float
    attempts: int
    result: Any | None = None
    error: ErrorData | None = None
    _: KW_ONLY
    started_at: float | None = None
    finished_at: float | None = None
    worker: str = ""
    reason: str = ""
    output: str = ""
    error_type: str = ""
    dependencies: tuple[str, ...] = ()
    #: False for a task that ran only because a selected task needs it (``-k``, node ids)
    selected: bool = True
    attempt_history: tuple[AttemptRecord, ...] = ()

    @property
    def restored(self) -> bool:
        """True if the task was not called: its result came from a checkpoint."""
        status, reason = self.status, self.reason
        return self.attempts == 0 and reason == RESTORED_REASON and status is TaskStatus.SUCCESS

    def to_result(self, exception: BaseException | None = None) -> TaskResult:
        """This entry as a ``TaskResult`` (``exception``: the live one, when still at hand)."""
        result: TaskResult = _result_from(self, exception, self.error)
        return result


#: ``TaskReportEntry(...)`` as fast as plain slot stores
new_entry = fast_init(TaskReportEntry)
#: the same from every field, positionally in declaration order: a run builds one per task
entry_in_order = fast_positional(TaskReportEntry)
#: an entry whose fields a ``TaskResult`` also has are read from it: ``(result, name, ...)``
_entry_from = fast_copy(TaskReportEntry, TaskResult)
#: a ``TaskResult`` whose fields an entry also has are read from it: ``(entry, exception, ...)``
_result_from = fast_copy(TaskResult, TaskReportEntry)


def entry_of(task: TaskSpec, res: TaskResult) -> TaskReportEntry:
    """``task``'s report entry for its final result ``res`` (value or error as its status says)."""
    status = res.status
    deps = task.dependencies
    entry: TaskReportEntry = _entry_from(
        res,
        task.name,
        task.function_name,
        task.args,
        task.kwargs,
        res.error_data if status is TaskStatus.ERRORED else None,
        dependencies=tuple([d.task_name for d in deps]) if deps else (),
    )
    if status is not TaskStatus.SUCCESS and res.result is not None:  # only a success's value
        entry = dataclasses.replace(entry, result=None)
    return entry


def _masked_error(error: ErrorData | None, masker: SecretMasker) -> ErrorData | None:
    if error is None:
        return None
    return dataclasses.replace(
        error,
        args=masker.mask_data(error.args),
        kwargs=masker.mask_data(error.kwargs),
        exception=masker.mask(error.exception),
        traceback_str=masker.mask(error.traceback_str),
        traced_vars={k: masker.mask(v) for k, v in error.traced_vars.items()},
        traced_vars_location=masker.mask(error.traced_vars_location),
    )


def _masked_entry(e: TaskReportEntry, masker: SecretMasker) -> TaskReportEntry:
    """``e`` with every text it carries masked (names, timings and statuses stay)."""
    return dataclasses.replace(
        e,
        args=masker.mask_data(e.args),
        kwargs=masker.mask_data(e.kwargs),
        result=masker.mask_data(e.result),
        error=_masked_error(e.error, masker),
        reason=masker.mask(e.reason),
        output=masker.mask(e.output),
        attempt_history=tuple(
            dataclasses.replace(
                a, message=masker.mask(a.message), traceback=masker.mask(a.traceback)
            )
            for a in e.attempt_history
        ),
    )


def _json_fallback(value: Any) -> Any:
    """Render what ``json`` cannot encode natively, without losing it."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (set, frozenset)):
        return list(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return repr(value)


@dataclass(frozen=True, slots=True)
class OutputChunk:
    """Output of the run that no single task owns: when (epoch seconds), which stream, what."""

    at: float
    stream: str
    text: str

    def lines(self) -> list[str]:
        """Each line of the text after its local time and stream: ``12:00:01.250 stdout: ...``."""
        at = time.strftime("%H:%M:%S", time.localtime(self.at)) + f".{int(self.at % 1 * 1000):03d}"
        return [f"{at} {self.stream}: {line}" for line in self.text.splitlines()]


@dataclass(frozen=True, slots=True)
class ProcessExecutionReport:
    """Per-task breakdown of a run, in topological order.

    ``interrupted`` is empty for a run that went to its end, else why it stopped
    early (Ctrl-C, SIGTERM, fail-fast); ``started_at``/``finished_at`` are epoch seconds.
    """

    entries: dict[str, TaskReportEntry] = field(default_factory=dict)
    process_name: str = ""
    started_at: float | None = None
    finished_at: float | None = None
    interrupted: str = ""
    #: descriptor-level output written while several tasks shared the process's threads
    run_output: tuple[OutputChunk, ...] = ()

    def run_output_lines(self) -> list[str]:
        """``run_output`` as lines, each after its time and stream (see ``OutputChunk.lines``)."""
        return [line for chunk in self.run_output for line in chunk.lines()]

    def _with_status(self, status: TaskStatus) -> dict[str, TaskReportEntry]:
        return {name: e for name, e in self.entries.items() if e.status is status}

    @property
    def successes(self) -> dict[str, TaskReportEntry]:
        """Entries of the tasks that succeeded."""
        return self._with_status(TaskStatus.SUCCESS)

    @property
    def errored(self) -> dict[str, TaskReportEntry]:
        """Entries of the tasks that failed."""
        return self._with_status(TaskStatus.ERRORED)

    @property
    def skipped(self) -> dict[str, TaskReportEntry]:
        """Entries of the tasks that never ran or skipped themselves."""
        return self._with_status(TaskStatus.SKIPPED)

    @property
    def ok(self) -> bool:
        """True when no task failed and the run was not interrupted."""
        return not self.interrupted and not any(
            e.status is TaskStatus.ERRORED for e in self.entries.values()
        )

    @classmethod
    def from_results(
        cls,
        process: _ProcessLike,
        results: dict[str, TaskResult],
        *,
        started_at: float | None = None,
        finished_at: float | None = None,
        interrupted: str = "",
    ) -> ProcessExecutionReport:
        """Build the report of ``process`` from one result per task name."""
        entries: dict[str, TaskReportEntry] = {}
        pending = TaskResult.pending()
        for task in process.tasks:
            entries[task.name] = entry_of(task, results.get(task.name, pending))
        return cls(
            entries,
            process.name,
            started_at=started_at,
            finished_at=finished_at,
            interrupted=interrupted,
        )

    def masked(self, masker: SecretMasker | None = None) -> ProcessExecutionReport:
        """A copy with every secret value replaced by ``<redacted>``; ``self`` if none is set.

        ``masker`` defaults to :func:`~pytest_processes.engine.masking.current_masker`.
        Every writer (JSON, JUnit, HTML, channels) writes this copy.
        """
        if masker is None:
            from ..engine.masking import current_masker

            masker = current_masker()
        if not masker:
            return self
        return dataclasses.replace(
            self,
            entries={n: _masked_entry(e, masker) for n, e in self.entries.items()},
            interrupted=masker.mask(self.interrupted),
            run_output=tuple(
                dataclasses.replace(c, text=masker.mask(c.text)) for c in self.run_output
            ),
        )

    def to_json(self, *, indent: int | None = None, **dumps_kwargs: Any) -> str:
        """The whole report as JSON, secrets masked; values JSON cannot hold are rendered.

        A ``default=`` given by the caller is tried first, then the built-in fallback.
        """
        report = self.masked()
        user_default: Callable[[Any], Any] | None = dumps_kwargs.pop("default", None)

        def default(value: Any) -> Any:
            if user_default is not None:
                try:
                    return user_default(value)
                except TypeError:
                    pass
            return _json_fallback(value)

        data = {
            "entries": {name: _json_fallback(e) for name, e in report.entries.items()},
            "process_name": report.process_name,
            "started_at": report.started_at,
            "finished_at": report.finished_at,
            "interrupted": report.interrupted,
            "run_output": [dataclasses.asdict(c) for c in report.run_output],
        }
        return json.dumps(data, indent=indent, default=default, **dumps_kwargs)

    @classmethod
    def from_json(cls, text: str) -> ProcessExecutionReport:
        """Read back a report written by :meth:`to_json` (same entries, statuses, timings)."""
        from ..reports.json_io import report_from_json

        return report_from_json(text)

    def to_junit_xml(self, path: str | os.PathLike[str] | None = None) -> str:
        """The report as JUnit XML (a testsuite, a testcase per task); also written to ``path``."""
        from ..reports.junit import report_to_junit_xml

        return report_to_junit_xml(self, path)

    def to_html(self, path: str | os.PathLike[str] | None = None) -> str:
        """The report as one self-contained HTML page; also written to ``path``."""
        from ..reports.html import report_to_html

        return report_to_html(self, path)

    def with_unselected(self, names: Iterable[str]) -> ProcessExecutionReport:
        """A copy whose entries ``names`` are marked as run only for a selected task downstream."""
        support = set(names)
        if not support:
            return self
        entries = {
            n: dataclasses.replace(e, selected=False) if n in support else e
            for n, e in self.entries.items()
        }
        return dataclasses.replace(self, entries=entries)

    def restricted_to(self, tasks: list[str]) -> ProcessExecutionReport:
        """A new report with only the named tasks (names compared case-insensitively)."""
        wanted = {t.lower() for t in tasks}
        return dataclasses.replace(
            self, entries={n: e for n, e in self.entries.items() if n.lower() in wanted}
        )

    def notify(
        self,
        *channels: ReportChannel,
        only_errors: bool = False,
        tasks: list[str] | None = None,
        show_warnings: bool = True,
    ) -> None:
        """Send the report through each channel in order; a failing channel becomes a warning.

        With ``only_errors`` and no failed task in the whole run, nothing is sent.
        ``tasks`` restricts what is sent to those task names.
        """
        if not channels:
            return
        if only_errors and not any(e.status is TaskStatus.ERRORED for e in self.entries.values()):
            return
        report = self if tasks is None else self.restricted_to(tasks)
        for channel in channels:
            try:
                channel.send_report(report, errors_only=only_errors)
            except Exception as exc:
                if show_warnings:
                    warnings.warn(
                        f"{type(channel).__name__} failed to send report: {exc}",
                        UserWarning,
                        stacklevel=2,
                    )
