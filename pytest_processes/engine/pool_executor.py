"""Any ``concurrent.futures.Executor`` as an engine executor (a user's pool, Dask's client).

``Process.run(executor=pool)`` wraps ``pool`` here: each attempt is
``pool.submit(run_portable, call, ..., attempt_id)`` and a done callback puts the
future on a queue that :meth:`FuturesExecutor.poll` drains. ``attempt_id`` is new
for every submission, so a pool that names work by its content (Dask's
``client.get_executor()`` submits with ``pure=True``) never merges a retry, or the
same task of two concurrent runs, into a call that already happened. The pool belongs to the
caller: it is never shut down here. Timeouts are enforced on this side (the
attempt is reported as ``TimeoutError`` at its deadline and its future
cancelled); whether the work itself stops is up to the pool: a thread cannot be
stopped, which is what ``executor="process"`` is for.
"""

from __future__ import annotations

import concurrent.futures as cf
import functools
import os
import pickle
import queue
import time
import uuid
from concurrent.futures import BrokenExecutor

from ..exceptions import WorkerDiedError
from .attempt import NOT_STARTED, Call, Outcome
from .executors import SIGNAL_CHECK, Completion, timeout_outcome
from .portable import failed_outcome, pickling_problem, run_portable

__all__ = ["FuturesExecutor"]


class _Pending:
    __slots__ = ("call", "future", "started", "submitted")

    def __init__(self, call: Call, future: cf.Future[Outcome]) -> None:
        self.call = call
        self.future = future
        self.submitted = time.time()
        self.started: float | None = None


class FuturesExecutor:
    """Adapts ``pool`` (any ``concurrent.futures.Executor``) to the engine's protocol.

    ``workers`` is the pool's size when it says (``_max_workers``), else the given value.
    """

    name = "futures"

    def __init__(self, pool: cf.Executor, workers: int = 4) -> None:
        self.pool = pool
        size = getattr(pool, "_max_workers", None)
        self.workers = size if isinstance(size, int) and size > 0 else max(1, workers)
        self.window = self.workers * 2
        self.label = type(pool).__name__
        self._pid = os.getpid()
        self._done: queue.SimpleQueue[tuple[int, cf.Future[Outcome]]] = queue.SimpleQueue()
        self._flights: dict[int, _Pending] = {}
        self._ready: list[Completion] = []
        self._stopping = False

    def submit(self, key: int, call: Call) -> None:
        if self._stopping:
            self._ready.append((key, Outcome(kind=NOT_STARTED)))
            return
        try:
            future = self.pool.submit(run_portable, call, self.label, self._pid, uuid.uuid4().hex)
        except Exception as exc:  # a pool shut down or broken before the call
            self._ready.append((key, self._error(call, exc)))
            return
        self._flights[key] = _Pending(call, future)
        future.add_done_callback(functools.partial(self._finished, key))

    def _finished(self, key: int, future: cf.Future[Outcome]) -> None:
        """Done callback (on the pool's thread): hand the future to ``poll``."""
        self._done.put((key, future))

    def _error(self, call: Call, exc: BaseException) -> Outcome:
        """The outcome of a call the pool could not run or send back, naming the task."""
        error: BaseException
        if isinstance(exc, BrokenExecutor):  # e.g. a process of a ProcessPoolExecutor died
            error = WorkerDiedError(
                f"Task '{call.name}': a worker of {self.label} died ({type(exc).__name__}: {exc})"
            )
        elif isinstance(exc, (pickle.PicklingError, TypeError, AttributeError)):
            error = pickle.PicklingError(pickling_problem(call, exc))
        else:
            error = RuntimeError(
                f"Task '{call.name}': {self.label} could not run it ({type(exc).__name__}: {exc})"
            )
        return failed_outcome(error, self.label)

    def _outcome(self, pending: _Pending, future: cf.Future[Outcome]) -> Outcome:
        if future.cancelled():
            return Outcome(kind=NOT_STARTED)
        exc = future.exception()
        if exc is not None:
            return self._error(pending.call, exc)
        outcome: object = future.result()
        if not isinstance(outcome, Outcome):
            return failed_outcome(
                TypeError(f"Task '{pending.call.name}': {self.label} returned {outcome!r}")
            )
        return outcome

    def poll(self, timeout: float | None) -> list[Completion]:
        out, self._ready = self._ready, []
        end = None if timeout is None else time.monotonic() + timeout
        if out:
            end = time.monotonic()
        while True:
            wait = SIGNAL_CHECK if end is None else max(0.0, end - time.monotonic())
            timed = [p for p in self._flights.values() if p.call.timeout is not None]
            if timed:
                wait = min(wait, self._next_deadline(timed))
            try:
                key, future = self._done.get(timeout=min(wait, SIGNAL_CHECK))
                while True:
                    pending = self._flights.get(key)
                    if pending is not None and pending.future is future:
                        del self._flights[key]
                        out.append((key, self._outcome(pending, future)))
                    key, future = self._done.get_nowait()
            except queue.Empty:
                pass
            self._expire(out)
            if out or (end is not None and time.monotonic() >= end):
                return out

    def _next_deadline(self, timed: list[_Pending]) -> float:
        """Seconds until the nearest deadline; soon if a timed call has not visibly started."""
        now = time.time()
        soonest = SIGNAL_CHECK
        for p in timed:
            if p.started is None and p.future.running():
                p.started = now
            if p.started is None:
                soonest = min(soonest, 0.01)
            else:
                soonest = min(soonest, max(0.0, p.started + float(p.call.timeout or 0) - now))
        return soonest

    def _expire(self, out: list[Completion]) -> None:
        now = time.time()
        for key, p in list(self._flights.items()):
            if p.call.timeout is None or p.started is None:
                continue
            if now >= p.started + p.call.timeout and not p.future.done():
                del self._flights[key]
                p.future.cancel()
                out.append((key, timeout_outcome(p.call, p.started, self.label)))

    def stop_queued(self) -> None:
        """Cancel the futures the pool has not started; they come back NOT_STARTED."""
        self._stopping = True
        for p in list(self._flights.values()):
            p.future.cancel()

    def shutdown(self, *, cancel: bool) -> None:
        """Forget this run's futures (cancelling them with ``cancel``); the pool stays open."""
        futures = [p.future for p in self._flights.values()]
        if cancel:
            for future in futures:
                future.cancel()
        else:
            cf.wait(futures)
        self._flights.clear()

    def __repr__(self) -> str:
        return f"FuturesExecutor({self.pool!r})"
