"""Report delivery after a ``--processes`` run: the HTML file, then email and webhooks.

Settings come from the command line first, then the ini file; the SMTP login and
the webhook secret come only from environment variables, and are never printed.
Files are written first (after ``--processes-json`` and ``--junitxml``), then the
report is sent. A delivery failure is one warning line in the terminal summary:
it never changes the exit code and is not a Python warning (``filterwarnings =
error`` suites would turn it into an error). An HTML file that cannot be written
is one line too, and a passing run then exits with ``REPORT_NOT_WRITTEN``.
"""

from __future__ import annotations

import warnings
from collections.abc import Generator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ..comms import WebhookChannel, WebhookConfig
from ..comms._smtp import PlaintextLoginWarning
from ..comms._webhook import safe_url
from ..engine.masking import current_masker
from ..model.execution_report import ProcessExecutionReport
from .delivery_settings import DeliverySettings
from .report_files import not_written, write_report_file

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..comms.base import ReportChannel

__all__ = ["Delivery", "DeliverySettings"]


class Delivery:
    """Writes ``--processes-html`` and sends the report once the session is over."""

    def __init__(self, config: pytest.Config, settings: DeliverySettings) -> None:
        self.config = config
        self.settings = settings
        self.html_written: Path | None = None
        self.sent: list[str] = []
        self.problems: list[str] = []
        self.skipped_because = ""
        self._interrupted = ""

    @classmethod
    def from_config(cls, config: pytest.Config) -> Delivery:
        return cls(config, DeliverySettings.from_config(config))

    def pytest_report_header(self) -> list[str]:
        return self.settings.header()

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        self._interrupted = str(excinfo.value) or type(excinfo.value).__name__

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_sessionfinish(
        self, session: pytest.Session, exitstatus: int | pytest.ExitCode
    ) -> Generator[None, None, None]:
        # A trylast wrapper: every other sessionfinish (--processes-json, --junitxml)
        # has written its file when this resumes, and the terminal summary comes after.
        result = yield
        report = self._final_report(exitstatus)
        if report is not None:
            self._write_html(report, session)
            self._send(report, exitstatus)
        return result

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.html_written is not None:
            terminalreporter.write_sep("-", f"generated processes html file: {self.html_written}")
        for line in self.sent:
            terminalreporter.write_line(line)
        if self.skipped_because and self.config.get_verbosity() > 0:
            terminalreporter.write_line(self.skipped_because)
        for line in self.problems:
            terminalreporter.write_line(line, yellow=True, bold=True)

    # -- after the run -----------------------------------------------------------

    def _final_report(self, exitstatus: int | pytest.ExitCode) -> ProcessExecutionReport | None:
        """The run's report; a run stopped before any task ran gets an empty, interrupted one."""
        from . import run_key

        run = self.config.stash.get(run_key, None)
        if run is not None and run.report is not None:
            return run.report
        graph_only = run is not None and run.settings.graph
        if self.config.option.collectonly or graph_only or not _failed_exit(exitstatus):
            return None
        reason = self._interrupted or f"pytest exited with status {int(exitstatus)}"
        name = run.settings.name if run is not None else self.config.rootpath.name
        return ProcessExecutionReport(process_name=name, interrupted=reason)

    def _write_html(self, report: ProcessExecutionReport, session: pytest.Session) -> None:
        """Write ``--processes-html``; whatever goes wrong is one line, and the rest still runs."""
        path = self.settings.html_path
        if path is None:
            return
        try:
            write_report_file(path, report.to_html())
        except Exception as exc:
            self.problems.append(not_written(session, "HTML", path, exc))
        else:
            self.html_written = path

    def _channels(self) -> list[tuple[str, Callable[[], ReportChannel]]]:
        """``(what, make_channel)`` per destination, built where their failures are caught."""
        s = self.settings
        channels: list[tuple[str, Callable[[], ReportChannel]]] = []
        if s.email is not None:
            channels.append((f"email to {', '.join(s.email.toaddrs)}", s.email.channel))
        for url in s.webhooks:
            config = WebhookConfig(url, secret=s.webhook_secret)
            channels.append((f"webhook to {safe_url(url)}", partial(WebhookChannel, config)))
        return channels

    def _send(self, report: ProcessExecutionReport, exitstatus: int | pytest.ExitCode) -> None:
        s = self.settings
        if s.email is None and not s.webhooks:
            return
        failed = not report.ok or _failed_exit(exitstatus)
        if s.notify == "never" or (s.notify == "failures" and not failed):
            self.skipped_because = f"processes: report not sent (notify={s.notify})"
            return
        errors_only = s.notify == "failures" and bool(report.errored)
        for what, make_channel in self._channels():
            try:
                with warnings.catch_warnings():  # a plaintext login was allowed at startup
                    warnings.simplefilter("ignore", PlaintextLoginWarning)
                    make_channel().send_report(report, errors_only=errors_only)
            except Exception as exc:
                detail = str(exc) or type(exc).__name__
                if not detail.startswith("webhook POST"):
                    detail = f"{what} failed: {detail}"
                self.problems.append(self._clean(f"processes: {detail}"))
            else:
                self.sent.append(f"processes: report sent: {what}")

    def _clean(self, text: str) -> str:
        """One line, with every secret masked."""
        line = " ".join(part.strip() for part in text.splitlines() if part.strip())
        for secret in self.settings.secrets:
            line = line.replace(secret, "***")
        return current_masker().mask(line)


def _failed_exit(exitstatus: int | pytest.ExitCode) -> bool:
    return int(exitstatus) not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED)
