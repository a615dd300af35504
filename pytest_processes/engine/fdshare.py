"""Descriptors 1 and 2 of a run whose tasks share the process's threads.

Descriptor-level output (child processes, ``os.write``, C code) cannot be told
apart by thread, so for the whole run fds 1 and 2 feed pipes read here: a chunk
goes to the task that was the only one running when it was read, the rest is
kept as run-level output with its time. What the run itself prints (the
terminal, a thread with no task) goes to the real descriptors through
:func:`terminal`.
"""

from __future__ import annotations

import codecs
import io
import os
import select
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TextIO

from ..model.execution_report import OutputChunk
from .fionread import pipe_waiting

__all__ = ["FollowTerminal", "SharedFds", "current", "flush_streams", "terminal"]

_current: SharedFds | None = None
_SETTLE_LIMIT = 1.0  # seconds a task's start or end waits for the pipes to be read


def terminal(stream: TextIO, which: int) -> TextIO:
    """Where ``stream`` should write: the real descriptor ``which`` (1 or 2) while fds are
    shared and ``stream`` writes to that descriptor, else ``stream`` itself."""
    shared = _current
    if shared is None or _fileno(stream) != which:
        return stream
    return shared.terminals[which - 1]


def _fileno(stream: Any) -> int | None:
    """The descriptor ``stream`` writes to; None for an in-memory stream (pytester's)."""
    try:
        fd: int = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return None
    return fd


class _Pipe:
    """One descriptor pointed at a pipe, and the thread that reads it."""

    def __init__(self, target: int, take: Callable[[str, str], None]) -> None:
        self.target, self.stream = target, "stdout" if target == 1 else "stderr"
        self.saved = os.dup(target)
        self.read_end, write_end = os.pipe()
        os.dup2(write_end, target)
        os.close(write_end)
        self.busy = False
        self._take = take
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.thread = threading.Thread(
            target=self._read, name=f"pytest_processes-fd{target}", daemon=True
        )
        self.thread.start()

    def _read(self) -> None:
        # busy from before the read until the chunk is taken, so SharedFds._unread()
        # never sees an empty pipe while a chunk is in hand
        while True:
            select.select([self.read_end], [], [])
            self.busy = True
            data = os.read(self.read_end, 65536)
            if not data:
                self.busy = False
                return
            self._take(self.stream, self._decoder.decode(data))
            self.busy = False

    def restore(self) -> None:
        """The descriptor back where it was; the reader ends once the pipe is drained."""
        os.dup2(self.saved, self.target)  # closes the run's write end
        os.close(self.saved)
        self.thread.join(_SETTLE_LIMIT)
        if not self.thread.is_alive():  # else a child still holds the pipe: leave it open
            os.close(self.read_end)


class SharedFds:
    """Captures fds 1 and 2 for a run; ``chunks`` is what no single task can own."""

    def __init__(self) -> None:
        self.chunks: list[OutputChunk] = []
        self.terminals: tuple[TextIO, TextIO] = (sys.__stdout__, sys.__stderr__)  # type: ignore[assignment]
        self._running: dict[int, Callable[[str, str], None]] = {}
        self._changing = threading.Lock()  # held by a change to ``_running``, reads included
        self._owners = threading.Lock()  # ``_running`` as the readers see it; never held long
        self._pipes: list[_Pipe] = []
        self._read_ends: list[int] = []
        self._waiting: Callable[[int], int | None] | None = None

    def __enter__(self) -> SharedFds:
        global _current
        flush_streams()
        self._pipes = [_Pipe(1, self._take), _Pipe(2, self._take)]
        self._read_ends = [p.read_end for p in self._pipes]
        self._waiting = pipe_waiting()
        self.terminals = (_stream_on(self._pipes[0].saved), _stream_on(self._pipes[1].saved))
        _current = self
        return self

    def __exit__(self, *exc_info: object) -> None:
        global _current
        flush_streams()
        _current = None
        for pipe in self._pipes:
            pipe.restore()
        for stream in self.terminals:
            stream.close()

    def _take(self, stream: str, text: str) -> None:
        with self._owners:
            owners = list(self._running.values())
            if len(owners) == 1:
                owners[0](stream, text)
            elif text:
                self.chunks.append(OutputChunk(time.time(), stream, text))

    def task(self, key: int, write: Callable[[str, str], None] | None) -> None:
        """A task begins (``write`` receives its chunks) or ends (None) on thread ``key``.

        When the change moves who owns output (a task alone before or after it),
        what was written so far is read first; a change among two or more tasks,
        where output is the run's before and after, is made at once. One change at a
        time, so that none slips in while the pipes are read.
        """
        with self._changing:
            if not self._keeps_owner(key, write):
                self.settle()
            with self._owners:
                if write is None:
                    self._running.pop(key, None)
                else:
                    self._running[key] = write

    def _keeps_owner(self, key: int, write: Callable[[str, str], None] | None) -> bool:
        """Whether output is the run's both before and after the change (no lone task's)."""
        running = self._running
        before = after = len(running)
        if write is None:
            after -= key in running
        else:
            after += key not in running
        return before != 1 and after != 1

    def settle(self) -> None:
        """Wait (briefly, bounded) until every chunk written so far has been taken.

        The usual case, nothing written, costs one ``FIONREAD`` per pipe (see :mod:`.fionread`).
        """
        if not self._unread():
            return
        deadline = time.monotonic() + _SETTLE_LIMIT
        while self._unread() and time.monotonic() < deadline:
            time.sleep(0.001)

    def _unread(self) -> bool:
        """Whether a pipe holds data, or a reader a chunk it has not handed on yet."""
        out, err = self._pipes
        if out.busy or err.busy:
            return True
        return self._pipes_hold_data() or out.busy or err.busy

    def _pipes_hold_data(self) -> bool:
        """Whether bytes wait in either pipe: ``FIONREAD`` where it works, else ``select``."""
        waiting = self._waiting
        if waiting is not None:
            out, err = waiting(self._read_ends[0]), waiting(self._read_ends[1])
            if out is not None and err is not None:
                return bool(out or err)
        readable, _, _ = select.select(self._read_ends, (), (), 0)
        return bool(readable)


class FollowTerminal:
    """A file that writes to the real descriptor while fds are shared, else to ``fallback``.

    For writers that hold a stream from before the run (pytest's terminal).
    """

    def __init__(self, which: int, fallback: TextIO) -> None:
        self._which, self._fallback = which, fallback

    def _target(self) -> TextIO:
        return terminal(self._fallback, self._which)

    def write(self, s: str) -> int:
        return self._target().write(s)

    def flush(self) -> None:
        self._target().flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fallback, name)


def current() -> SharedFds | None:
    """The run whose fds are shared right now, if any."""
    return _current


def _stream_on(fd: int) -> TextIO:
    """A line-buffered text stream onto a duplicate of ``fd`` (closed with the stream)."""
    encoding = getattr(sys.__stdout__, "encoding", None) or "utf-8"
    return io.TextIOWrapper(
        io.FileIO(os.dup(fd), "w"), encoding=encoding, errors="replace", line_buffering=True
    )


def flush_streams(*more: TextIO | None) -> None:
    """Push out what Python's streams hold, so it lands before descriptors move."""
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__, *more):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass
