"""Task functions and helpers of the executor suite, importable by worker processes.

Attempts on a process or Dask worker share no memory with the test, so state
that must outlive an attempt (retries) lives in files under ``tmp_path``.
Helpers live here rather than in ``conftest.py``: a worker importing a test
module would find another directory's ``conftest`` first.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from pytest_processes.engine.executors import Executor
from pytest_processes.exceptions import TaskSkipped

KINDS = ("inline", "thread", "process", "dask")

#: what ``executor_for(kind)`` returns: a name or an engine executor for ``Process.run``
ExecutorSpec = str | Executor


def pool_children() -> list[Any]:
    """Live worker processes of process executors (the session's Dask workers excluded)."""
    import multiprocessing

    return [p for p in multiprocessing.active_children() if p.name.startswith("pytest_processes-")]


def word(text: str) -> str:
    return text


def join(*parts: str, sep: str = "") -> str:
    return sep.join(parts)


def stamp(name: str) -> tuple[str, float, float]:
    """``(name, start, end)`` around a short sleep, to check ordering across workers."""
    start = time.time()
    time.sleep(0.02)
    return name, start, time.time()


def after(previous: tuple[str, float, float], name: str) -> tuple[str, float, float]:
    start = time.time()
    assert start >= previous[2], f"{name} started before {previous[0]} ended"
    return name, start, time.time()


def fail(message: str = "broken input") -> None:
    rows = [1, 2, 3]  # noqa: F841 - a traced variable
    raise ValueError(message)


def fail_inside(message: str = "broken deeper") -> None:
    """Fail in a function this task calls: the traceback must show both frames."""
    fail(message)


def flaky(counter: str, succeed_on: int) -> str:
    """Raise ConnectionError until attempt ``succeed_on`` (one line per attempt in ``counter``)."""
    path = Path(counter)
    with path.open("a") as fh:
        fh.write("ran\n")
    attempt = len(path.read_text().splitlines())
    if attempt < succeed_on:
        raise ConnectionError(f"attempt {attempt}")
    return f"ok on {attempt}"


def rendezvous(path: str, count: int, seconds: float = 10.0) -> int:
    """Append a line to ``path``, then wait (at most ``seconds``) until ``count`` lines are there.

    Holds each call open until the others have run, so that calls meant to be distinct
    overlap; returns the lines seen (fewer than ``count`` if the others never ran).
    """
    file = Path(path)
    with file.open("a") as fh:
        fh.write("ran\n")
    deadline = time.monotonic() + seconds
    while len(file.read_text().splitlines()) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return len(file.read_text().splitlines())


def logged(log: str, name: str, *inputs: Any, pause: float = 0.0) -> str:
    """Append ``name`` to the file ``log`` (after ``pause`` seconds): who ran, in which order."""
    time.sleep(pause)
    with Path(log).open("a") as fh:
        fh.write(name + "\n")
    return f"{name}({', '.join(map(str, inputs))})"


def skip_self() -> None:
    raise TaskSkipped("nothing to do")


def hang(seconds: float, marker: str = "") -> str:
    time.sleep(seconds)
    if marker:
        Path(marker).write_text("still running after the deadline")
    return "woke up"


def chatty(name: str) -> str:
    print(f"out from {name}")
    print(f"err from {name}", file=sys.stderr)
    logging.getLogger("chatty").warning("log from %s", name)
    return name


def pid() -> int:
    return os.getpid()


def crash(code: int) -> None:
    os._exit(code)


def kill_self() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def make_lock() -> Any:
    return threading.Lock()


def burn(n: int) -> int:
    """Pure-Python CPU work."""
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


class TaggedError(Exception):
    """An exception with extra state that must survive the trip back."""

    def __init__(self, message: str, code: int = 0) -> None:
        super().__init__(message)
        self.code = code

    def __reduce__(self) -> tuple[Any, ...]:
        return (TaggedError, (str(self), self.code))


class StubbornError(Exception):
    """Pickles, but cannot be rebuilt (``__init__`` takes two arguments)."""

    def __init__(self, a: str, b: str) -> None:
        super().__init__(f"{a}/{b}")


def raise_tagged() -> None:
    raise TaggedError("tagged", code=7)


def raise_stubborn() -> None:
    raise StubbornError("left", "right")


def announce_then_sleep(marker: str, seconds: float) -> str:
    """Say it started (a file), then work for ``seconds``."""
    Path(marker).write_text("started")
    time.sleep(seconds)
    return "finished"
