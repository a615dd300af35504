"""After a ``--processes`` run: stop categories, the JSON report and the summary lines.

A mixin of :class:`~pytest_processes.plugin.run.ProcessesRun`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from ..engine.checkpoint import Checkpoint
from ..engine.masking import current_masker
from ..model.execution_report import ProcessExecutionReport
from ..model.task_types import TaskResult
from .collect import TaskItem
from .compat import VerboseWord, verbose_word
from .injection import TaskGraph
from .report_files import not_written, write_report_file
from .settings import Settings

__all__ = ["JSON_SCHEMA_VERSION", "RunSummary"]

JSON_SCHEMA_VERSION = 1


class RunSummary:
    """Reporting hooks of the ``--processes`` session (state lives on ProcessesRun)."""

    config: pytest.Config
    settings: Settings
    graph: TaskGraph
    report: ProcessExecutionReport | None
    checkpoint: Checkpoint | None
    restored: list[str]
    set_aside: dict[str, str]
    support_failures: list[tuple[TaskItem, TaskResult]]
    json_problem: str

    @pytest.hookimpl(tryfirst=True)
    def pytest_report_teststatus(
        self, report: pytest.TestReport | pytest.CollectReport
    ) -> tuple[str, str, VerboseWord] | None:
        """Tasks a stopped run left undone count as "not run" or "interrupted", not skipped."""
        category: str = getattr(report, "processes_stop", "")
        if not category or not report.skipped:
            return None
        letter = "n" if category == "not run" else "i"
        return category, letter, verbose_word(category.upper(), yellow=True)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Write ``--processes-json``; a failure is one summary line, never a crash."""
        target = self.settings.json_target
        if target is None or self.report is None:
            return
        try:
            data = json.loads(self.report.to_json())
            data = {"schema_version": JSON_SCHEMA_VERSION, **data}
            data["nodeids"] = {name: item.nodeid for name, item in self.graph.items.items()}
            write_report_file(target, json.dumps(data, indent=2))
        except Exception as exc:
            self.json_problem = not_written(session, "JSON", target, exc)

    def _resume_line(self) -> str:
        """What ``--processes-resume`` did, said plainly (a completed run leaves nothing)."""
        assert self.report is not None
        checkpoint = self.checkpoint
        if not self.restored and checkpoint is not None and checkpoint.last_run_complete:
            return "processes: the last run completed: nothing to resume, running everything"
        ran = len(self.report.entries) - len(self.restored)
        names = ", ".join(self.restored) if self.restored else "none"
        return (
            f"processes: resumed: {len(self.restored)} task(s) restored from the last run "
            f"({names}); {ran} task(s) run"
        )

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.settings.resume and self.report is not None:
            terminalreporter.write_line(self._resume_line())
        for problem in self.checkpoint.problems if self.checkpoint is not None else ():
            terminalreporter.write_line(f"processes: checkpoint: {problem}", yellow=True)
        for nodeid, why in self.set_aside.items():
            terminalreporter.write_line(
                f"processes: left out {nodeid}, which no selected task needs: {why}",
                yellow=True,
            )
        for item, result in self.support_failures:
            error = result.error_data
            message = f"{result.error_type}: {error.exception}" if error else result.reason
            message = current_masker().mask(message)
            terminalreporter.write_line(
                f"processes: upstream task '{item.task}' (not selected) failed: {message}",
                red=True,
            )
        if self.report is not None and self.report.run_output and not self.report.ok:
            terminalreporter.write_sep(
                "-", "output of the run no single task owns (fds 1 and 2, tasks on threads)"
            )
            for line in _run_output_lines(self.report):
                terminalreporter.write_line(line)
        if self.json_problem:
            terminalreporter.write_line(self.json_problem, red=True, bold=True)
        elif self.settings.json_target is not None and self.report is not None:
            # absolute, as pytest prints --junitxml's: a CI log says where to look
            terminalreporter.write_sep(
                "-", f"generated processes json file: {self.settings.json_target}"
            )


def _run_output_lines(report: ProcessExecutionReport) -> Iterator[str]:
    """Run-level output, each line with its time and stream, secrets masked."""
    masker = current_masker()
    for line in report.run_output_lines():
        yield masker.mask(line)
