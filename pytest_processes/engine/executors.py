"""Where attempts run: the executor protocol, the inline executor and the thread pool.

An executor accepts :class:`~.attempt.Call` values keyed by an int and hands
back ``(key, Outcome)`` pairs from :meth:`Executor.poll`. It enforces each
call's ``timeout`` itself: a thread cannot be killed, so the thread pool
abandons a timed-out thread, replaces it, and reports
the builtin ``TimeoutError`` at the deadline.
"""

from __future__ import annotations

import queue
import sys
import threading
import time
import traceback
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from .attempt import NOT_STARTED, Call, Outcome, Running, run_call
from .tracing import is_library_path

__all__ = [
    "Executor",
    "HandsBackOnStop",
    "InlineExecutor",
    "ReportsStarted",
    "SendsAhead",
    "ThreadExecutor",
    "run_guarded",
    "timeout_outcome",
]

Completion = tuple[int, Outcome]

#: longest uninterrupted wait of the scheduler's thread. A signal the kernel
#: delivers to a worker thread does not interrupt a blocking wait of the main
#: thread, so its Python handler (Ctrl-C, SIGTERM) would not run until it woke.
SIGNAL_CHECK = 0.2


@runtime_checkable
class Executor(Protocol):
    """Runs attempts on ``workers`` workers; the scheduler keeps at most ``window`` in flight.

    ``window`` may exceed ``workers``: the surplus waits in the executor's queue,
    which keeps workers busy between two scheduler wake-ups. Optional features
    are the Protocols below (:class:`SendsAhead`, :class:`HandsBackOnStop`,
    :class:`ReportsStarted`); the scheduler tests for them with ``isinstance``.
    """

    name: str
    workers: int
    window: int

    def submit(self, key: int, call: Call) -> None:
        """Start ``call``; its outcome is returned by a later :meth:`poll` under ``key``."""

    def poll(self, timeout: float | None) -> list[Completion]:
        """Wait up to ``timeout`` seconds (None: until one is done) and return finished attempts."""

    def stop_queued(self) -> None:
        """Calls submitted but not yet started come back NOT_STARTED instead of running."""

    def shutdown(self, *, cancel: bool) -> None:
        """Release workers; with ``cancel``, do not wait for attempts still running."""


@runtime_checkable
class SendsAhead(Protocol):
    """An executor that can hold a dependant until its upstream attempts finish (Dask does).

    Workers then go from one task to the next without waiting for the scheduler.
    """

    def submit_ahead(self, key: int, call: Call, after: Sequence[int]) -> bool:
        """Send ``call`` before its upstream keys ``after`` are done (False: nothing sent).

        The scheduler still submits ``key`` when it becomes ready; the executor then
        reuses the attempt it holds, or runs a fresh one if an upstream attempt failed.
        """


@runtime_checkable
class HandsBackOnStop(Protocol):
    """An executor whose calls sent ahead may have started when the run stops."""

    def taken_on_stop(self) -> list[tuple[int, Call]]:
        """After :meth:`Executor.stop_queued`: calls sent ahead that had started anyway.

        :meth:`Executor.poll` returns their outcomes like any other's.
        """


@runtime_checkable
class ReportsStarted(Protocol):
    """An executor that can say which calls a worker has actually begun.

    An interrupt then tells a task cut off while running from one never started.
    """

    def running(self) -> dict[int, Running]:
        """Calls begun and not handed back yet, by key.

        A call begun is always here or in :meth:`Executor.poll`'s queue; a
        ``Running`` without ``started_at`` is begun, at a time not known.
        """


def timeout_outcome(call: Call, started_at: float, worker: str, stack: str = "") -> Outcome:
    """The FAILED outcome of an attempt that hit its deadline (builtin ``TimeoutError``).

    ``stack`` is where the task was when the deadline passed, shown above the error.
    """
    exc = TimeoutError(f"Task '{call.name}' timed out after {call.timeout}s")
    outcome = Outcome.failure(
        exc, started_at=started_at, duration=float(call.timeout or 0.0), worker=worker
    )
    text = "".join(traceback.format_exception_only(type(exc), exc))
    outcome.traceback = f"Still running at the deadline:\n{stack}\n{text}" if stack else text
    return outcome


def run_guarded(
    call: Call, worker: str, running: Running | None = None, *, alone: bool = False
) -> Outcome:
    """``run_call``, with a KeyboardInterrupt (or SIGTERM) raised in the task returned as FAILED.

    The scheduler then accounts for the task and stops the run; on a pool
    thread the interrupt would otherwise kill the worker and hang the run.
    The FAILED outcome keeps the attempt's start and output so far.
    """
    running = running or Running(worker)
    try:
        return run_call(call, worker, running, alone=alone)
    except KeyboardInterrupt as exc:
        return running.interrupted(exc)


class InlineExecutor:
    """Runs each attempt at once on the caller's thread (sequential mode).

    A call with a timeout runs on a helper thread so that the deadline can be
    enforced; the helper is abandoned (and asked to stop) if it overruns.
    """

    name = "inline"
    workers = 1
    window = 1

    def __init__(self) -> None:
        self._done: list[Completion] = []
        #: a Running no attempt uses: the next one takes it (one made per task costs more)
        self._spare: Running | None = Running("main")

    def submit(self, key: int, call: Call) -> None:
        if call.timeout is None:
            # taken, not shared: a task waiting for others runs them inside its own call
            running, self._spare = self._spare or Running("main"), None
            try:
                outcome = run_call(call, "main", running, alone=True)
            except KeyboardInterrupt as exc:  # as run_guarded, without its frame per task
                outcome = running.interrupted(exc)
            running.started_at = running.capture = None
            self._spare = running
            self._done.append((key, outcome))
            return
        box: list[Outcome] = []
        started = time.time()
        running = Running("main-timeout")
        helper = threading.Thread(
            target=lambda: box.append(run_guarded(call, "main-timeout", running, alone=True)),
            name=f"pytest_processes-timeout-{call.name}",
            daemon=True,
        )
        helper.start()
        deadline = time.monotonic() + call.timeout
        while helper.is_alive() and (left := deadline - time.monotonic()) > 0:
            helper.join(min(left, SIGNAL_CHECK))
        if box:
            self._done.append((key, box[0]))
        else:
            if running.capture is not None:  # the abandoned task keeps no hold on fds 1 and 2
                running.capture.release()
            outcome = timeout_outcome(call, started, "main-timeout", _thread_stack(helper))
            self._done.append((key, outcome))

    def poll(self, timeout: float | None) -> list[Completion]:
        done, self._done = self._done, []
        return done

    def stop_queued(self) -> None:
        """Nothing is ever queued: calls run as they are submitted."""

    def shutdown(self, *, cancel: bool) -> None:
        self._done = []


def _thread_stack(thread: threading.Thread) -> str:
    """Where ``thread`` is right now, user frames only when it has any."""
    frame = sys._current_frames().get(thread.ident or -1)
    if frame is None:
        return ""
    entries = traceback.extract_stack(frame)
    user = [e for e in entries if not is_library_path(e.filename)]
    return "".join(traceback.format_list(user or entries)).rstrip()


class _Slot:
    """A call in flight on a pool thread."""

    __slots__ = ("abandoned", "call", "finished", "key", "running", "started", "thread")

    def __init__(self, key: int, call: Call) -> None:
        self.key = key
        self.call = call
        self.started: float | None = None
        self.thread: threading.Thread | None = None
        self.running: Running | None = None
        self.finished = False
        self.abandoned = False


#: put on a thread pool's completion queue to make a waiting ``poll`` return
_WAKE = _Slot(-1, Call(name="", func=None, args=(), kwargs={}))
#: put on its work queue: the thread that takes it ends (a lent thread is given back)
_RETIRE = _Slot(-1, Call(name="", func=None, args=(), kwargs={}))


class ThreadExecutor:
    """A pool of daemon threads fed by one queue; completions come back on another.

    Threads are daemons, so a task that never returns cannot block interpreter
    exit; a timed-out thread is abandoned (it exits once its call returns, and
    its result is dropped) and replaced to keep ``workers`` threads.
    """

    name = "thread"

    #: calls queued per worker beyond the one it runs (see ``Executor.window``): with
    #: short tasks, a deeper queue means fewer hand-offs between the scheduler's thread
    #: and the workers (measured by ``benchmarks/bench_engine.py``, scenario A)
    PREFETCH = 8
    #: calls queued per worker in a run of plain tasks (see ``burst``)
    BURST = 64

    def __init__(self, max_workers: int, *, prefetch: int | None = None) -> None:
        self.workers = max(1, max_workers)
        depth = self.PREFETCH if prefetch is None else max(0, prefetch)
        self.window = self.workers * (1 + depth)
        #: the window when no task holds a lock or has a timeout (a lock is held while its
        #: call waits in the queue, a deadline is tracked per queued call): with no-op
        #: tasks, a run on 4 threads costs about a quarter less than with ``window``
        #: (``benchmarks/bench_engine.py``, scenario A); a depth asked for is kept as it is
        self.burst = self.workers * (1 + self.BURST) if prefetch is None else self.window
        self._stopping = False
        # untimed calls travel as (key, call) and come back as (key, outcome);
        # timed ones as a _Slot, so the deadline can be tracked and abandoned
        self._work: queue.SimpleQueue[tuple[int, Call] | _Slot | None] = queue.SimpleQueue()
        self._done: queue.SimpleQueue[tuple[int | _Slot, Outcome]] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._timed: list[_Slot] = []
        self._lock = threading.Lock()
        self._serial = 0
        #: attempts begun on a worker -> their key; read by ``running`` on an interrupt
        self._live: dict[Running, int] = {}

    def _spawn(self) -> None:
        self._serial += 1
        thread = threading.Thread(target=self._worker, name=f"worker-{self._serial}", daemon=True)
        self._threads.append(thread)
        thread.start()

    def _worker(self) -> None:
        me = threading.current_thread()
        name = me.name
        work, done, lock, live = self._work, self._done, self._lock, self._live
        while True:
            item = work.get()
            if item is None:
                return
            if type(item) is tuple:
                key, call = item
                if self._stopping:
                    done.put((key, Outcome(kind=NOT_STARTED)))
                    continue
                running = Running(name)
                live[running] = key
                try:  # as _run, without its two frames per task
                    outcome = run_call(call, name, running)
                except KeyboardInterrupt as exc:
                    self._stopping = True  # nothing queued behind an interrupt may start
                    outcome = running.interrupted(exc)
                done.put((key, outcome))
                del live[running]  # after the put: a started call is always in one of them
                continue
            slot: _Slot = item  # type: ignore[assignment]
            if slot is _RETIRE:  # the thread a waiting task lent goes (see ``lend``)
                with lock:
                    if me in self._threads:
                        self._threads.remove(me)
                return
            if self._stopping:
                done.put((slot, Outcome(kind=NOT_STARTED)))
                continue
            running = slot.running = Running(name)  # before the thread: see _expire_overdue
            live[running] = slot.key
            slot.thread = me
            slot.started = time.time()
            outcome = self._run(slot.call, running)
            with lock:
                live.pop(running, None)  # gone already if abandoned
                if slot.abandoned:
                    return  # replaced at the deadline; the result is dropped
                slot.finished = True
                done.put((slot, outcome))

    def _run(self, call: Call, running: Running) -> Outcome:
        outcome = run_guarded(call, running.worker, running)
        if isinstance(outcome.exception, KeyboardInterrupt):
            self._stopping = True  # nothing queued behind an interrupt may start
        return outcome

    def running(self) -> dict[int, Running]:
        """Calls a worker has begun and not yet handed back, by key (see ``ReportsStarted``)."""
        return {key: running for running, key in self._live.copy().items()}

    def submit(self, key: int, call: Call) -> None:
        if len(self._threads) < self.workers:
            self._spawn()
        if call.timeout is None:
            self._work.put((key, call))
            return
        slot = _Slot(key, call)
        self._timed.append(slot)
        self._work.put(slot)

    def _next_deadline(self) -> float | None:
        deadlines = [
            s.started + float(s.call.timeout or 0.0) for s in self._timed if s.started is not None
        ]
        return min(deadlines) if deadlines else None

    def _get(self, wait: float | None) -> tuple[int | _Slot, Outcome]:
        """``get`` on the completion queue, waking up every ``SIGNAL_CHECK`` seconds."""
        end = None if wait is None else time.monotonic() + wait
        while True:
            left = SIGNAL_CHECK if end is None else end - time.monotonic()
            try:
                return self._done.get(timeout=max(0.0, min(left, SIGNAL_CHECK)))
            except queue.Empty:
                if end is not None and time.monotonic() >= end:
                    raise

    def poll(self, timeout: float | None) -> list[Completion]:
        wait = timeout
        if self._timed:
            deadline = self._next_deadline()
            # a timed call not yet picked up by a thread: look again soon
            soon = 0.01 if deadline is None else max(0.0, deadline - time.time())
            wait = soon if wait is None else min(wait, soon)
        out: list[Completion] = []
        done = self._done
        try:
            item = self._get(wait)
        except queue.Empty:
            pass
        else:
            while True:
                key, outcome = item
                if type(key) is int:
                    out.append((key, outcome))
                elif key is not _WAKE:  # a wake-up (see ``wake``) returns nothing
                    slot: _Slot = key  # type: ignore[assignment]
                    self._timed.remove(slot)
                    out.append((slot.key, outcome))
                if done.empty():  # only this thread takes from it: not empty, get cannot wait
                    break
                item = done.get_nowait()
        if self._timed:
            self._expire_overdue(out)
        return out

    def _expire_overdue(self, out: list[Completion]) -> None:
        now = time.time()
        for slot in list(self._timed):
            thread, started = slot.thread, slot.started
            if thread is None or started is None or now < started + float(slot.call.timeout or 0):
                continue
            with self._lock:
                if slot.finished:
                    continue  # its outcome is already on the way
                slot.abandoned = True
                if slot.running is not None:
                    self._live.pop(slot.running, None)  # the timeout is its outcome
            self._timed.remove(slot)
            self._threads.remove(thread)
            stack = _thread_stack(thread)
            out.append((slot.key, timeout_outcome(slot.call, started, thread.name, stack)))
            self._spawn()

    def stop_queued(self) -> None:
        self._stopping = True

    def wake(self) -> None:
        """Make a waiting :meth:`poll` return now (a task asked the scheduler something)."""
        self._done.put((_WAKE, Outcome(kind=NOT_STARTED)))

    def lend(self, n: int) -> None:
        """A task waits for others (``n`` = 1): one more thread runs them; -1 takes it back."""
        self.workers += n
        if n > 0:
            self._spawn()
        else:
            self._work.put(_RETIRE)  # the next thread to look for work ends

    def shutdown(self, *, cancel: bool) -> None:
        threads = list(self._threads)  # a lent thread may be leaving meanwhile
        for _ in threads:
            self._work.put(None)
        if not cancel:
            for thread in threads:
                thread.join()
        self._threads = []
