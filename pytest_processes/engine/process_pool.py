"""The process executor: CPU-bound tasks on a small pool of worker processes.

Each worker is a ``multiprocessing`` process with its own duplex pipe and runs
one attempt at a time, so the parent always knows which task a worker holds.
The scheduler's thread waits on every busy pipe and every worker's sentinel at
once (``multiprocessing.connection.wait``): a result, a worker's death and a
deadline are all seen within one wait, with no helper thread.

* **Start method**: ``forkserver`` where the platform has it, else ``spawn``.
  ``fork`` would copy a parent that runs threads (pytest, logging, Dask), which
  can deadlock the child and warns on Python 3.12+. A forkserver is a
  single-threaded process started once; it preloads this module, so a
  replacement worker is a cheap fork of a clean process (milliseconds), which
  keeps a timed-out slot's downtime short. Both methods pickle the task function
  by reference, so tasks behave the same on every platform.
* **Timeouts really stop the task**: at the deadline the worker is killed
  (SIGKILL, which a task cannot ignore), the task gets the builtin
  ``TimeoutError``, and a fresh worker takes the slot.
* **Crashes fail one task**: a worker that dies (segfault, ``os._exit``, OOM
  killer) fails only the task it held, with :class:`WorkerDiedError` naming the
  exit code or signal; the pool replaces it and the run goes on.
* **Coverage follows the run**: when coverage.py is measuring the parent
  (``pytest --cov``, ``coverage run``), each worker measures with the same
  configuration into a suffixed data file beside the parent's, which pytest-cov
  combines at the end as it does for xdist workers (under ``coverage run``,
  coverage's own report combines them). coverage is imported only when the
  parent already has it. A worker killed at a deadline loses its unsaved data.
* **No leftover work**: workers ignore Ctrl-C (the run decides, with its grace
  period), exit when the parent dies, and are killed and reaped by ``shutdown``
  or, failing that, at interpreter exit.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import multiprocessing
import multiprocessing.connection
import pickle
import sys
import time
import weakref
from collections import deque
from multiprocessing.context import BaseContext
from typing import Any

from . import pool_worker
from .attempt import NOT_STARTED, Call, Outcome, Running
from .executors import SIGNAL_CHECK, Completion, timeout_outcome
from .portable import (
    PROTOCOL,
    died_outcome,
    failed_outcome,
    module_paths,
    pickling_problem,
)

__all__ = ["ProcessExecutor", "default_context"]


def default_context() -> BaseContext:
    """The forkserver context (preloading the worker code) where available, else spawn."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        from multiprocessing import forkserver

        server: Any = forkserver._forkserver
        if getattr(server, "_forkserver_pid", 0) is None:  # not started: preloading counts
            # pytest too when present: a worker re-runs the ``pytest`` script as its main
            extra = ["pytest"] if "pytest" in sys.modules else []
            ctx.set_forkserver_preload(["__main__", __name__, pool_worker.__name__, *extra])
        return ctx
    return multiprocessing.get_context("spawn")


# -- the parent side ---------------------------------------------------------------------------


def _worker_entry() -> Any:
    """``pool_worker.worker_main`` as ``sys.modules`` has it now, so pickling finds it by name.

    A harness that restores ``sys.modules`` (pytester's in-process runs) can leave the
    module this one imported out of it; a reference pickled from there would not match.
    """
    return importlib.import_module(pool_worker.__name__).worker_main


class _Worker:
    """One worker process, and the attempt it is running (if any)."""

    __slots__ = ("call", "conn", "deadline", "key", "name", "proc", "started")

    def __init__(self, proc: Any, conn: multiprocessing.connection.Connection, name: str) -> None:
        self.proc = proc
        self.conn = conn
        self.name = name
        self.key: int | None = None
        self.call: Call | None = None
        self.started = 0.0
        self.deadline: float | None = None


def _kill_all(procs: list[Any]) -> None:
    """Kill and reap worker processes (also run at interpreter exit if ``shutdown`` was not)."""
    for proc in procs:
        if proc.is_alive():
            proc.kill()
    for proc in procs:
        proc.join(5)
    procs.clear()


class ProcessExecutor:
    """Runs attempts on ``max_workers`` worker processes (started as needed, replaced on loss).

    ``window`` is twice the worker count: a finished worker gets its next call
    from the local queue within the same ``poll``.
    """

    name = "process"

    #: calls queued per worker beyond the one it runs (see ``Executor.window``)
    PREFETCH = 1

    def __init__(self, max_workers: int, *, context: BaseContext | None = None) -> None:
        self.workers = max(1, max_workers)
        self.window = self.workers * (1 + self.PREFETCH)
        self._ctx = context or default_context()
        self._pool: list[_Worker] = []
        self._queue: deque[tuple[int, Call]] = deque()
        self._done: list[Completion] = []
        self._procs: list[Any] = []  # every process started, until reaped
        self._paths: dict[int, dict[str, str]] = {}
        self._stopping = False
        self._serial = 0
        self._finalizer = weakref.finalize(self, _kill_all, self._procs)
        self._coverage = pool_worker.parent_coverage()

    # -- workers -----------------------------------------------------------------------------

    def _spawn(self) -> _Worker:
        self._serial += 1
        name = f"process-{self._serial}"
        ours, theirs = self._ctx.Pipe(duplex=True)
        proc = self._ctx.Process(  # type: ignore[attr-defined]
            target=_worker_entry(),
            args=(theirs, name, logging.getLogger().getEffectiveLevel(), self._coverage),
            name=f"pytest_processes-{name}",
        )
        proc.start()
        theirs.close()
        self._procs.append(proc)
        worker = _Worker(proc, ours, name)
        self._pool.append(worker)
        return worker

    def _retire(self, worker: _Worker, kill: bool) -> None:
        """Take ``worker`` out of the pool (killing it first if asked); it is reaped later."""
        if kill and worker.proc.is_alive():
            worker.proc.kill()
        self._pool.remove(worker)
        worker.conn.close()

    def _reap(self) -> None:
        """Join processes that have ended, so that none is left a zombie."""
        for proc in [p for p in self._procs if not p.is_alive()]:
            proc.join()
            self._procs.remove(proc)

    # -- sending -------------------------------------------------------------------------------

    def submit(self, key: int, call: Call) -> None:
        if self._stopping:
            self._done.append((key, Outcome(kind=NOT_STARTED)))
            return
        self._queue.append((key, call))
        self._dispatch()

    def _message(self, call: Call) -> bytes | Outcome:
        """The bytes a worker receives for ``call``, or the FAILED outcome if it cannot go."""
        func = call.func
        paths = self._paths.get(id(func))
        if paths is None:
            paths = self._paths[id(func)] = module_paths(func)
        try:
            return pickle.dumps((paths, pickle.dumps(call, PROTOCOL)), PROTOCOL)
        except Exception as exc:
            return failed_outcome(pickle.PicklingError(pickling_problem(call, exc)))

    def _dispatch(self) -> None:
        """Hand queued calls to idle workers, starting workers up to ``workers``."""
        queue = self._queue
        while queue:
            worker = next((w for w in self._pool if w.key is None), None)
            if worker is None:
                if len(self._pool) >= self.workers:
                    return
                worker = self._spawn()
            key, call = queue.popleft()
            message = self._message(call)
            if isinstance(message, Outcome):
                self._done.append((key, message))
                continue
            try:
                worker.conn.send_bytes(message)
            except OSError:  # died while idle: replace it, the call goes first in line
                self._retire(worker, kill=True)
                queue.appendleft((key, call))
                continue
            worker.key, worker.call = key, call
            worker.started = time.time()
            timeout = call.timeout
            worker.deadline = None if timeout is None else time.monotonic() + timeout

    # -- receiving -----------------------------------------------------------------------------

    def poll(self, timeout: float | None) -> list[Completion]:
        end = None if timeout is None else time.monotonic() + timeout
        while True:
            if self._done:
                end = time.monotonic()  # something to return: only take what is ready
            wait = SIGNAL_CHECK if end is None else max(0.0, end - time.monotonic())
            deadlines = [w.deadline for w in self._pool if w.deadline is not None]
            if deadlines:
                wait = max(0.0, min(wait, min(deadlines) - time.monotonic()))
            self._wait(min(wait, SIGNAL_CHECK))
            self._expire()
            self._dispatch()
            if self._done or (end is not None and time.monotonic() >= end):
                break
        done, self._done = self._done, []
        return done

    def _wait(self, wait: float) -> None:
        """Wait for any pipe or sentinel; record results and deaths."""
        by_object: dict[Any, _Worker] = {}
        for worker in self._pool:
            by_object[worker.proc.sentinel] = worker
            if worker.key is not None:
                by_object[worker.conn] = worker
        if not by_object:
            time.sleep(wait)
            return
        ready = multiprocessing.connection.wait(list(by_object), wait)
        dead: list[_Worker] = []
        for obj in ready:
            worker = by_object[obj]
            if obj is worker.conn:
                if not self._receive(worker):
                    dead.append(worker)
            elif worker not in dead:
                dead.append(worker)
        for worker in dead:
            if worker in self._pool:
                self._on_death(worker)

    def _receive(self, worker: _Worker) -> bool:
        """Read a finished attempt's outcome; False if the worker died instead."""
        try:
            data = worker.conn.recv_bytes()
        except (EOFError, OSError):
            return False
        key, call = worker.key, worker.call
        assert key is not None and call is not None
        worker.key = worker.call = worker.deadline = None
        try:
            outcome: Outcome = pickle.loads(data)
        except Exception as exc:
            outcome = failed_outcome(
                RuntimeError(
                    f"Task '{call.name}': its outcome could not be unpickled in the parent "
                    f"process ({type(exc).__name__}: {exc})"
                ),
                worker.name,
            )
        self._done.append((key, outcome))
        return True

    def _on_death(self, worker: _Worker) -> None:
        """A worker's process ended: fail the attempt it held (if any) and drop it."""
        if worker.key is not None and worker.conn.poll():  # it answered, then died
            self._receive(worker)
        self._retire(worker, kill=False)
        worker.proc.join(1.0)
        if worker.key is None or worker.call is None:
            return
        outcome = died_outcome(
            worker.call,
            worker.name,
            worker.proc.pid,
            worker.proc.exitcode,
            started_at=worker.started,
            duration=time.time() - worker.started,
        )
        self._done.append((worker.key, outcome))

    def _expire(self) -> None:
        """Kill the workers whose attempt passed its deadline; the attempt times out."""
        now = time.monotonic()
        for worker in list(self._pool):
            if worker.deadline is None or now < worker.deadline or worker.call is None:
                continue
            if worker.conn.poll():  # finished just in time
                self._receive(worker)
                continue
            assert worker.key is not None
            self._retire(worker, kill=True)
            outcome = timeout_outcome(worker.call, worker.started, worker.name)
            outcome.traceback += (
                f"(worker process {worker.name}, pid {worker.proc.pid}, was killed at the "
                "deadline)\n"
            )
            self._done.append((worker.key, outcome))
        self._reap()

    # -- stopping ------------------------------------------------------------------------------

    def running(self) -> dict[int, Running]:
        """Attempts a worker process holds, by key: start and worker (output stays in the child)."""
        held: dict[int, Running] = {}
        for worker in self._pool:
            if worker.key is not None:
                running = held[worker.key] = Running(worker.name)
                running.started_at = worker.started
        return held

    def stop_queued(self) -> None:
        self._stopping = True
        while self._queue:
            key, _ = self._queue.popleft()
            self._done.append((key, Outcome(kind=NOT_STARTED)))

    def shutdown(self, *, cancel: bool) -> None:
        """Stop every worker: idle ones at once, busy ones killed (``cancel``) or awaited."""
        self._stopping = True
        self._queue.clear()
        for worker in list(self._pool):
            if cancel and worker.key is not None:
                self._retire(worker, kill=True)
                continue
            with contextlib.suppress(OSError):
                worker.conn.send_bytes(pool_worker.STOP)  # a busy worker reads it after its attempt
        for worker in list(self._pool):
            worker.proc.join(None if worker.key is not None else 2.0)
            self._retire(worker, kill=True)
        self._finalizer()
