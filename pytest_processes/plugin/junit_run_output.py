"""Run-level output in ``--junitxml``: the ``system-out`` of pytest's ``<testsuite>``.

Output that no single task owns (fds 1 and 2 shared by tasks on threads) belongs
to no test case, and pytest's JUnit writer has no place for it. Once that writer
has written its file, the file is read back with ``xml.etree`` and the output is
added to the suite: lines with their time and stream, secrets masked, capped like
a task's output, XML-illegal characters shown visibly. The file is replaced in
one step, so a failure here leaves pytest's file as it was.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Generator
from pathlib import Path

import pytest

from ..engine.masking import current_masker
from ..model.execution_report import ProcessExecutionReport
from ..reports._text import xml_visible_escape
from .junit_output import JUnitOutput
from .report_files import short_reason, write_report_file

__all__ = ["JUnitRunOutput", "add_suite_output", "run_output_text"]

_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>'


def run_output_text(report: ProcessExecutionReport) -> str:
    """The run-level output as lines (``12:00:01.250 stdout: ...``), masked and XML-safe."""
    lines = report.masked().run_output_lines()
    return xml_visible_escape("\n".join(lines) + "\n") if lines else ""


def add_suite_output(path: Path, text: str) -> None:
    """Add ``<system-out>text</system-out>`` to the first testsuite of the JUnit file ``path``."""
    root = ET.parse(path).getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    if suite is None:
        raise ValueError("it has no <testsuite> element")
    ET.SubElement(suite, "system-out").text = text
    write_report_file(path, _DECLARATION + ET.tostring(root, encoding="unicode"))


class JUnitRunOutput:
    """Adds a ``--processes`` run's run-level output to pytest's JUnit file, at session end."""

    def __init__(
        self,
        path: Path,
        cap: JUnitOutput,
        report: Callable[[], ProcessExecutionReport | None],
    ) -> None:
        self.path, self.cap, self.report = path, cap, report
        #: the summary line saying why the output could not be added
        self.problem = ""

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_sessionfinish(self) -> Generator[None, None, None]:
        # pytest's writer is a plain hook: it has written the file when this resumes;
        # trylast keeps this inside the terminal reporter's wrapper, before the summary
        result = yield
        report = self.report()
        text = run_output_text(report) if report is not None else ""
        if text and self.path.is_file():
            try:
                add_suite_output(self.path, self.cap.tail(text))
            except Exception as exc:
                self.problem = current_masker().mask(
                    f"processes: could not add the run-level output to JUnit report "
                    f"{self.path}: {short_reason(exc)}"
                )
        return result

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.problem:
            terminalreporter.write_line(self.problem, yellow=True, bold=True)
