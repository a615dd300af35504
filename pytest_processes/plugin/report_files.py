"""Report files of a ``--processes`` run: paths checked before any task, each file on its own.

A report path that cannot be written is a usage error at configure time, not a
crash after the whole run. At the end each file is written independently: one
that fails is one line in the summary, the others are still written, and the
exit code says a requested report is missing (:data:`REPORT_NOT_WRITTEN`).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ..engine.masking import current_masker
from .option_source import read_option

__all__ = [
    "REPORT_NOT_WRITTEN",
    "checked_report_path",
    "not_written",
    "report_target",
    "short_reason",
    "write_report_file",
]

#: pytest's exit code when every task passed but a requested report was not written
#: (pytest's own codes stop at 6; a failed run keeps its code 1 or 2)
REPORT_NOT_WRITTEN = 10


def _nearest_existing(path: Path) -> Path:
    """``path`` or its closest ancestor that exists."""
    while not path.exists() and path.parent != path:
        path = path.parent
    return path


def checked_report_path(option: str, raw: str, base: Path) -> Path:
    """The absolute path ``raw`` of report option ``option``, or a usage error saying why not.

    Nothing is created here: the directories are made when the report is written.
    """
    path = Path(os.path.normpath(base / Path(raw).expanduser()))
    problem = ""
    if path.is_dir():
        problem = "it is a directory; give a file name"
    else:
        found = _nearest_existing(path.parent)
        if not found.is_dir():
            problem = f"cannot create directory {path.parent}: {found} is not a directory"
        elif not os.access(found, os.W_OK | os.X_OK):
            verb = "write into" if found == path.parent else f"create {path.parent} in"
            problem = f"cannot {verb} directory {found}: permission denied"
    if problem:
        raise pytest.UsageError(
            f"Invalid {option} path {path}: {problem}. Choose a path in a writable directory."
        )
    return path


def report_target(config: pytest.Config, name: str) -> tuple[str, Path] | None:
    """``(path as given, absolute path)`` of report setting ``name``, checked; None if unset.

    A command-line path is taken from the directory pytest was started in, as
    ``--junitxml``'s is; an ini path from the config file's directory, so that it
    does not depend on where pytest is started.
    """
    found = read_option(config, name)
    raw = str(found.value or "").strip()
    if not raw:
        return None
    if found.from_command_line:
        base = config.invocation_params.dir
    else:
        base = config.inipath.parent if config.inipath else config.rootpath
    return raw, checked_report_path(found.label, raw, base)


def write_report_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a ``.tmp`` file removed on failure; no character fails.

    Lone surrogates left in ``text`` are written as ``\\udce9``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8", errors="backslashreplace")
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def not_written(session: pytest.Session, kind: str, path: Path, exc: BaseException) -> str:
    """The summary line for report ``kind`` that failed; a passing run's exit code becomes 10."""
    if int(session.exitstatus) == pytest.ExitCode.OK:
        session.exitstatus = REPORT_NOT_WRITTEN
    reason = short_reason(exc)
    return current_masker().mask(f"processes: could not write {kind} report {path}: {reason}")


def short_reason(exc: BaseException) -> str:
    """``exc`` as one line for the summary: its message, else its type's name."""
    return " ".join(str(exc).split()) or type(exc).__name__
