"""The channel interface reports are delivered through, and what detail they carry."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..model.execution_report import ProcessExecutionReport

__all__ = ["DEFAULT_OUTPUT_LINES", "ReportChannel", "ReportContent", "ReportDeliveryError"]


class ReportDeliveryError(OSError):
    """A channel could not deliver a report; the message names the destination and the cause.

    An ``OSError`` like the socket, SMTP and HTTP errors it replaces, so existing
    ``except OSError`` handlers keep working. Never carries a password or secret.
    """


#: lines of each captured stream of a failed task the email shows, by default
DEFAULT_OUTPUT_LINES = 50


@dataclass(frozen=True)
class ReportContent:
    """How much failure detail a channel includes.

    ``output_lines``: the email shows the last so many lines of a failed task's
    stdout, stderr and log under its traceback (0: none).
    """

    show_traceback: bool = True
    show_traced_vars: bool = True
    output_lines: int = DEFAULT_OUTPUT_LINES


class ReportChannel(ABC):
    """Somewhere a finished report can be sent (email, webhook, ...)."""

    @abstractmethod
    def send_report(self, report: ProcessExecutionReport, *, errors_only: bool) -> None:
        """Render and deliver ``report``; with ``errors_only``, only its failed tasks."""
