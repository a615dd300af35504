"""``--processes-mask-env``: which environment values are secrets, masked in every output.

The engine's :class:`~pytest_processes.engine.masking.SecretMasker` does the work;
this module reads the options, builds it once per session, and applies it to
pytest's own reports (terminal, ``--junitxml``) and to live log handlers.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from ..engine.masking import SecretMasker, current_masker, environ_secrets
from .compat import ReprFileLocation, TerminalRepr, TerminalWriter

__all__ = ["HELP", "add_mask_options", "mask_live_logs", "mask_test_report", "masker_from_config"]

HELP = {
    "mask_env": "environment variable whose value is masked as <redacted> in every output "
    "(repeatable; glob patterns such as *_TOKEN). Names holding PASSWORD, SECRET, TOKEN or KEY "
    "are masked by default",
    "mask_env_defaults": "mask environment variables whose names hold PASSWORD, SECRET, TOKEN "
    "or KEY (default: true)",
}


def add_mask_options(group: pytest.OptionGroup, parser: pytest.Parser) -> None:
    """Register ``--processes-mask-env`` and its ini keys."""
    group.addoption(
        "--processes-mask-env",
        dest="processes_mask_env",
        action="append",
        default=[],
        metavar="NAME",
        help=HELP["mask_env"],
    )
    parser.addini("processes_mask_env", HELP["mask_env"], type="linelist", default=[])
    parser.addini(
        "processes_mask_env_defaults", HELP["mask_env_defaults"], type="bool", default=True
    )


def masker_from_config(config: pytest.Config, *secrets: str) -> SecretMasker:
    """The session's masker: named and default environment values, plus ``secrets``."""
    patterns = [
        p.strip()
        for p in [*config.getini("processes_mask_env"), *config.getoption("processes_mask_env")]
        if p.strip()
    ]
    defaults = bool(config.getini("processes_mask_env_defaults"))
    return SecretMasker([*environ_secrets(patterns, defaults=defaults), *secrets])


class MaskedRepr(TerminalRepr):
    """A failure's representation, rendered as usual and then masked before it is written."""

    def __init__(self, inner: Any, masker: SecretMasker) -> None:
        self.inner = inner
        self.masker = masker
        crash = getattr(inner, "reprcrash", None)
        self.reprcrash = (
            ReprFileLocation(crash.path, crash.lineno, masker.mask(crash.message))
            if crash is not None
            else None
        )

    def toterminal(self, tw: TerminalWriter) -> None:
        buffer = io.StringIO()
        inner = TerminalWriter(buffer)
        inner.hasmarkup = tw.hasmarkup
        inner.fullwidth = tw.fullwidth
        inner.code_highlight = False  # colour codes inside a secret would hide it
        self.inner.toterminal(inner)
        tw.write(self.masker.mask(buffer.getvalue()))


def mask_test_report(report: pytest.TestReport | pytest.CollectReport) -> None:
    """Mask the failure text and captured sections of ``report`` before anyone writes it."""
    masker = current_masker()
    if not masker:
        return
    report.sections = [(name, masker.mask(text)) for name, text in report.sections]
    longrepr = report.longrepr
    if isinstance(longrepr, str):
        report.longrepr = masker.mask(longrepr)
    elif isinstance(longrepr, tuple):  # a skip: (path, lineno, reason)
        path, lineno, reason = longrepr
        report.longrepr = (path, lineno, masker.mask(reason))
    elif longrepr is not None:
        report.longrepr = MaskedRepr(longrepr, masker)


class _MaskingFilter(logging.Filter):
    """Masks a record in place: its message (arguments merged) and its traceback text."""

    def __init__(self, masker: SecretMasker) -> None:
        super().__init__()
        self.masker = masker
        self._formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.masker.mask(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.masker.mask(record.exc_text)  # used as is by formatters
        return True


@contextmanager
def mask_live_logs(config: pytest.Config) -> Iterator[None]:
    """Mask records that pytest writes live (``log_cli``, ``--log-file``) during the run."""
    masker = current_masker()
    plugin = config.pluginmanager.get_plugin("logging-plugin")
    found = [getattr(plugin, name, None) for name in ("log_cli_handler", "log_file_handler")]
    handlers = [h for h in found if isinstance(h, logging.Handler)]
    if not masker or not handlers:
        yield
        return
    mask = _MaskingFilter(masker)
    for handler in handlers:
        handler.addFilter(mask)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(mask)
