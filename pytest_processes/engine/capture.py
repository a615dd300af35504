"""Per-task capture of stdout, stderr and logging, correct under threads.

``contextlib.redirect_stdout`` is process-wide; here ``sys.stdout``/``sys.stderr``
are replaced (for the duration of a run) by proxies that write to the buffer of
the task running on the current thread, or through to the real stream otherwise.
A root logging handler does the same for log records. ``capture="fd"`` also points
file descriptors 1 and 2 at the task's capture where only one task runs in the
process at a time (a process worker, the inline executor), so that child processes
and C code are captured exactly.
"""

from __future__ import annotations

import io
import logging
import os
import sys
import tempfile
import threading
from typing import Any, Literal, TextIO

from .fdshare import current as shared_fds
from .fdshare import flush_streams, terminal

__all__ = ["CaptureMode", "CaptureSession", "TaskCapture"]

#: False: none; True: ``sys.stdout``/``sys.stderr`` and logging; "fd": descriptors too
CaptureMode = bool | Literal["fd"]

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
        if buf is not None:
            return buf
        return terminal(self._real, 1 if self._which == "out" else 2)

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

    @property
    def buffer(self) -> _BufferProxy:
        """Bytes written here go to the same task as text written to the proxy."""
        return _BufferProxy(self)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


class _BufferProxy(io.BufferedIOBase):
    """The ``.buffer`` of a proxy: bytes go where the proxy's text goes, in order."""

    def __init__(self, proxy: _Proxy) -> None:
        self._proxy = proxy

    def write(self, b: Any) -> int:
        data = bytes(b)
        target = self._proxy._target()
        raw = getattr(target, "buffer", None)
        if raw is None:  # a task's StringIO
            target.write(data.decode(self._proxy.encoding, "replace"))
        else:
            target.flush()  # text written before these bytes comes out before them
            raw.write(data)
        return len(data)

    def flush(self) -> None:
        target = self._proxy._target()
        target.flush()
        raw = getattr(target, "buffer", None)
        if raw is not None:
            raw.flush()

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._proxy.fileno()


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


class _FdFile:
    """A temporary file that descriptor ``fd`` points at while one task runs."""

    __slots__ = ("file", "saved", "stream", "target", "text")

    def __init__(self, target: int) -> None:
        self.target = target
        self.file = tempfile.TemporaryFile()  # noqa: SIM115  # closed in close()
        #: what the task's ``print`` writes to: the same file, unbuffered, so order is kept
        self.stream = io.TextIOWrapper(
            io.FileIO(self.file.fileno(), "w", closefd=False),
            encoding="utf-8",
            errors="replace",
            write_through=True,
        )
        self.text: str | None = None
        self.saved = os.dup(target)
        os.dup2(self.file.fileno(), target)

    def getvalue(self) -> str:
        """Everything written so far (readable from another thread while the task runs)."""
        if self.text is not None:
            return self.text
        fd = self.file.fileno()
        return os.pread(fd, os.fstat(fd).st_size, 0).decode("utf-8", "replace")

    def restore(self) -> None:
        """Point the descriptor back where it was and keep the text."""
        os.dup2(self.saved, self.target)
        os.close(self.saved)
        self.text = self.getvalue()

    def close(self) -> None:
        self.stream.close()
        self.file.close()


def _flush_real() -> None:
    """Push out what the process's own streams hold, so it lands on the right side."""
    flush_streams(*(_saved or ()))


class TaskCapture:
    """Collects one task attempt's output on the current thread.

    With ``fd``, descriptors 1 and 2 point at the task's capture for its duration:
    only for a process where nothing else writes meanwhile.
    """

    __slots__ = ("err", "fd", "lock", "log", "out", "shared")

    def __init__(self, fd: bool = False) -> None:
        #: the run's shared descriptors, which hand this task what it wrote alone
        self.shared = shared_fds()
        self.fd = fd and self.shared is None  # an inline task among threads shares them too
        self.lock = threading.Lock()

    def __enter__(self) -> TaskCapture:
        self.out: io.StringIO | _FdFile
        self.err: io.StringIO | _FdFile
        with self.lock:  # not after a release(): the deadline may pass before the task begins
            if self.fd:
                _flush_real()
                self.out, self.err = _FdFile(1), _FdFile(2)
                _local.out, _local.err = self.out.stream, self.err.stream
            else:
                self.out = _local.out = io.StringIO()
                self.err = _local.err = io.StringIO()
        self.log = _local.log = io.StringIO()
        if self.shared is not None:
            self.shared.task(threading.get_ident(), self._chunk)
        return self

    def _chunk(self, stream: str, text: str) -> None:
        buf = self.out if stream == "stdout" else self.err
        if isinstance(buf, io.StringIO):  # always: only thread captures share descriptors
            buf.write(text)

    def __exit__(self, *exc_info: object) -> None:
        _local.out = _local.err = _local.log = None
        if self.shared is not None:
            self.shared.task(threading.get_ident(), None)
        self.release()
        for file in (self.out, self.err):
            if isinstance(file, _FdFile):
                file.close()

    def release(self) -> None:
        """Give descriptors 1 and 2 back; also called when the task is abandoned at its deadline."""
        with self.lock:
            if not self.fd:
                return
            self.fd = False
            files = [getattr(self, "out", None), getattr(self, "err", None)]
            _flush_real()
            for file in files:
                if isinstance(file, _FdFile):
                    file.restore()

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
