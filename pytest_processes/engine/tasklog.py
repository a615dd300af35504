"""Task logfiles: the processes line format, with the failure context appended on error."""

from __future__ import annotations

import logging
from typing import Any

from .masking import current_masker

__all__ = ["LOG_FORMAT", "TaskLogfileFormatter", "task_logger"]

LOG_FORMAT = "%(asctime)s - %(name)s - %(levelname)s - %(message)s"
_BASE = logging.getLogger("pytest_processes.tasks")


def task_logger(name: str) -> logging.Logger:
    """A logger for one task that propagates to ``pytest_processes.tasks`` and the root.

    It is built outside the logging registry, so loggers of discarded tasks are
    garbage collected instead of living as long as the interpreter.
    """
    logger = logging.Logger(f"pytest_processes.tasks.{name}", logging.DEBUG)
    logger.parent = _BASE
    return logger


def base_has_handlers() -> bool:
    """True when a record propagated from a task logger would reach some handler."""
    return _BASE.hasHandlers()


class TaskLogfileFormatter(logging.Formatter):
    """One line per record; an error record's ``task_context`` is appended as readable text."""

    def __init__(self) -> None:
        super().__init__(LOG_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        """The record as logfile text, with every secret value masked."""
        return current_masker().mask(self._format(record))

    def _format(self, record: logging.LogRecord) -> str:
        ctx: dict[str, Any] | None = getattr(record, "task_context", None)
        if not ctx:
            return super().format(record)
        exc_info, record.exc_info = record.exc_info, None
        try:
            base = super().format(record)
        finally:
            record.exc_info = exc_info
        impact = ", ".join(ctx.get("downstream_impact") or ()) or "-"
        lines = [
            base,
            "",
            f"Function: {ctx.get('function', '?')}",
            f"Args: {ctx.get('args', ())!r}",
            f"Kwargs: {ctx.get('kwargs', {})!r}",
            f"Downstream impact: {impact}",
            f"Traced vars location: {ctx.get('traced_vars_location') or '-'}",
        ]
        traced: dict[str, str] = ctx.get("traced_vars") or {}
        if traced:
            lines.append("Traced vars:")
            lines.extend(f"  {k} = {v}" for k, v in traced.items())
        tb = str(ctx.get("traceback_str") or "")
        if tb:
            lines.extend(["", tb.rstrip("\n")])
        return "\n".join(lines)
