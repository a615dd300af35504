"""Per-task capture of stdout, stderr and logging, correct under threads.

``contextlib.redirect_stdout`` is process-wide; here ``sys.stdout``/``sys.stderr``
are replaced (for the duration of a run) by proxies that write to the buffer of
the task running on the current thread, or through to the real stream otherwise.
A root logging handler does the same for log records.
"""

from __future__ import annotations

import io
import logging
import sys
import threading
from typing import Any, TextIO

__all__ = ["CaptureSession", "TaskCapture"]

_local = threading.local()
_lock = threading.Lock()
_installs = 0
_saved: tuple[TextIO, TextIO] | None = None
_LOG_FORMAT = "%(levelname)-8s %(name)s:%(filename)s:%(lineno)d %(message)s"


class _Proxy(io.TextIOBase):
    """A text stream that routes writes to the current thread's task buffer."""

    def __init__(self, which: str, real: TextIO) -> None:
        self._which = which
        self._real = real

    def _target(self) -> TextIO:
        buf: io.StringIO | None = getattr(_local, self._which, None)
        return buf if buf is not None else self._real

    def write(self, s: str) -> int:
        return self._target().write(s)

    def flush(self) -> None:
        self._target().flush()

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._real, "encoding", "utf-8") or "utf-8"

    def fileno(self) -> int:
        return self._real.fileno()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


class _LogRouter(logging.Handler):
    """Appends log records to the buffer of the task running on this thread."""

    def emit(self, record: logging.LogRecord) -> None:
        buf: io.StringIO | None = getattr(_local, "log", None)
        if buf is not None:
            try:
                buf.write(self.format(record) + "\n")
            except Exception:
                self.handleError(record)


_router = _LogRouter(logging.NOTSET)
_router.setFormatter(logging.Formatter(_LOG_FORMAT))


class CaptureSession:
    """Installs the stream proxies and the log router for the length of a run (re-entrant)."""

    def __enter__(self) -> CaptureSession:
        global _installs, _saved
        with _lock:
            if _installs == 0:
                _saved = (sys.stdout, sys.stderr)
                sys.stdout = _Proxy("out", sys.stdout)
                sys.stderr = _Proxy("err", sys.stderr)
                logging.getLogger().addHandler(_router)
            _installs += 1
        return self

    def __exit__(self, *exc_info: object) -> None:
        global _installs, _saved
        with _lock:
            _installs -= 1
            if _installs == 0 and _saved is not None:
                sys.stdout, sys.stderr = _saved
                _saved = None
                logging.getLogger().removeHandler(_router)


class TaskCapture:
    """Collects one task attempt's output on the current thread."""

    __slots__ = ("err", "log", "out")

    def __enter__(self) -> TaskCapture:
        self.out = _local.out = io.StringIO()
        self.err = _local.err = io.StringIO()
        self.log = _local.log = io.StringIO()
        return self

    def __exit__(self, *exc_info: object) -> None:
        _local.out = _local.err = _local.log = None

    def text(self) -> str:
        """Output as pytest-style sections; empty when the task printed nothing."""
        parts = []
        for title, buf in (("stdout", self.out), ("stderr", self.err), ("log", self.log)):
            value = buf.getvalue()
            if value:
                parts.append(f"----- captured {title} -----\n{value}")
        return "".join(parts)


def split_sections(text: str) -> dict[str, str]:
    """Inverse of :meth:`TaskCapture.text`: ``{"stdout": ..., "stderr": ..., "log": ...}``.

    A retried task's output holds one set of sections per attempt: they are joined in order.
    """
    sections: dict[str, str] = {}
    current: str | None = None
    for line in text.splitlines(keepends=True):
        if line.startswith("----- captured ") and line.rstrip().endswith(" -----"):
            current = line.strip()[len("----- captured ") : -len(" -----")]
            sections.setdefault(current, "")
        elif current is not None:
            sections[current] += line
    return sections
