"""The ready-queue scheduler: all bookkeeping on the caller's thread, O(V+E) per run.

A task is submitted the moment its own dependencies are settled; a completion
touches only the finished task's dependants. Attempts (retries) are scheduled
here, so hooks see each one; task bodies run on the executor and come back as
:class:`~.attempt.Outcome` values. A failure skips its dependants (by trigger
rule), independent branches go on; a stop request (fail-fast, Ctrl-C, SIGTERM)
starts nothing new, lets running tasks finish within a grace period, and still
accounts for every task. Optional: a :class:`~.checkpoint.Checkpoint` restores
what an earlier run finished and stores each new result as it comes; given
expected durations, the ready queue becomes a heap ordered by remaining path
(critical path first, see :mod:`.priority`), else it stays a FIFO deque.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping, Sequence
from itertools import repeat
from operator import methodcaller
from types import TracebackType
from typing import Any

from ..model.execution_report import TaskReportEntry, entry_of
from ..model.spec import TaskSpec
from ..model.task_types import (
    NOT_RUN_REASON,
    RESTORED_REASON,
    TaskResult,
    TaskStatus,
)
from .attempt import FAILED, NOT_STARTED, OK, Call, Outcome, call_of
from .capture import CaptureMode, CaptureSession
from .checkpoint import Checkpoint
from .dynamic import Dynamic, Slot, has_slots
from .executors import Executor, InlineExecutor, ThreadExecutor
from .failures import Failures
from .flight import Flight, attempt_result, flight_start, success_entry
from .listener import RunListener, Terminated
from .locks import LockTable
from .readyqueue import queue_setup
from .series import InlineSeries
from .stopping import Stopping
from .tasklog import base_has_handlers
from .topology import Topology
from .upstream import PASSES_ARG, PASSES_KWARG, Gather, Plan, gather_into, inject

__all__ = ["RunListener", "Scheduler", "Terminated"]

SUCCESS = TaskStatus.SUCCESS


class Scheduler(Stopping, Failures, InlineSeries):
    """Runs ``tasks`` (in topological order) on ``executor`` and collects one result each."""

    def __init__(
        self,
        tasks: Sequence[TaskSpec],
        executor: Executor,
        *,
        topology: Topology | None = None,
        listener: RunListener | None = None,
        capture: CaptureMode = False,
        fail_fast: bool = False,
        prefetch: bool = True,
        grace: float = 5.0,
        limits: dict[str, int] | None = None,
        checkpoint: Checkpoint | None = None,
        durations: Mapping[str, float] | None = None,
        ranks: Sequence[int] | None = None,
    ) -> None:
        self.tasks = tasks
        #: each task's place in the list the user gave, if not ``tasks``' order (see ``downstream``)
        self.ranks = ranks
        self.executor = executor
        self.listener = listener or RunListener()
        self.capture = capture
        self.fail_fast = fail_fast
        self.grace = grace
        self.lock_table = LockTable(limits)
        topo = self._topology = topology if topology is not None else Topology(tasks)
        self.children = topo.children
        self._kids, self._kid_start = topo.child_index, topo.child_start
        self._parents, self._parent_start = topo.parent_index, topo.parent_start
        #: how results flow into task ``i``: ``wiring(i) -> (plan, gather)``, see ``upstream.py``
        self.wiring = topo.wiring
        self.pending = list(topo.indegree)
        self._init_state(len(tasks))
        #: each task's options beyond processes' (``_extras``), read once per run; None for
        #: a task that has none: its trigger, locks and executor are the defaults, read
        #: without a descriptor call (a task of another kind than ``Task`` reads its own)
        self._options: list[object] = list(map(getattr, tasks, repeat("_extras"), repeat(True)))
        kind = type(self.listener)  # what the listener overrides: the rest is not called
        self._prepares = kind.prepare is not RunListener.prepare
        self._starts = kind.task_start is not RunListener.task_start
        self._finishes = kind.task_finish is not RunListener.task_finish
        #: upstream results go straight into ``args`` for the usual dependency list:
        #: no ``prepare``, a graph that does not grow, an executor that needs no plan
        self._direct = not self._prepares and isinstance(executor, (InlineExecutor, ThreadExecutor))
        #: restores results of an earlier run and stores this run's (see ``checkpoint.py``)
        self.checkpoint = checkpoint
        self._restore = checkpoint.begin(tasks) if checkpoint is not None else {}
        if checkpoint is not None and checkpoint.durations:
            durations = {**checkpoint.durations, **(durations or {})}
        queue = queue_setup(
            tasks,
            executor,
            self.children,
            self.entries,
            prefetch=prefetch,
            fail_fast=fail_fast,
            durations=durations,
            prepares=self._prepares,
            plain=self._options.count(None) == len(tasks),
        )
        self._ready, self._window, self._ahead = queue.ready, queue.window, queue.ahead
        #: each task's remaining path when durations are given (critical path first), else None
        self.priorities = queue.priorities
        #: plain tasks run back to back on this thread (see ``series.py``): nothing watches
        #: a task's start or end, and the run keeps nothing beyond its report
        self._inline = (
            self._direct
            and isinstance(executor, InlineExecutor)
            and not capture
            and checkpoint is None
            and not self._starts
            and not self._finishes
            and self.listener.tick_interval is None
            and self._ahead is None
        )

    def _init_state(self, n: int) -> None:
        """What the run learns of ``n`` tasks: values, entries, attempts in flight, stopping."""
        self.values: list[Any] = [None] * n
        # one report entry per settled task; live exceptions kept beside them
        self.entries: list[TaskReportEntry | None] = [None] * n
        self.exceptions: dict[int, BaseException] = {}
        self.blocked: list[str] = [""] * n
        self.failed_any = False
        #: the first task that failed, named when a ``no_failures`` task is skipped
        self.first_failure = ""
        self.stop_reason = ""
        self.interrupted = ""
        self._deferred: list[int] = []
        self._interrupt: KeyboardInterrupt | None = None
        self._flights: dict[int, Flight] = {}
        #: retries waiting out their ``retry_delay``: (due, task) heap, and task -> state
        self._delayed: list[tuple[float, int]] = []
        self._waiting: dict[int, tuple[Flight, Outcome]] = {}
        #: set by ``request_stop``: ends a wait for a delayed retry at once
        self._stop_event = threading.Event()
        self._loggers: list[logging.Logger | None] = []
        #: created tasks and waiting tasks (see ``dynamic.py``); None until a task asks for them
        self._dynamic: Dynamic | None = None

    # -- public --------------------------------------------------------------

    def run(self) -> list[TaskReportEntry]:
        """Run to the end (or the stop) and return one report entry per task, in task order."""
        n = len(self.tasks)
        base = base_has_handlers()  # asked once, not once per task
        self._loggers = list(map(methodcaller("active_logger", base), self.tasks))
        restore = self._restore
        for i in range(n):
            if self.pending[i] == 0 and (not restore or i not in restore):
                self._activate(i)  # roots go through the trigger rules too; never blocked
        self.listener.run_start(self)
        if restore:
            self._restore_all(restore)
        # per-task buffers only receive output while the stream proxies are installed
        session = CaptureSession() if self.capture else None
        if session is not None:
            session.__enter__()
        try:
            self._loop()
        except KeyboardInterrupt as exc:
            self.interrupted = "SIGTERM" if isinstance(exc, Terminated) else "KeyboardInterrupt"
            self.request_stop(f"run interrupted ({self.interrupted})")
            self._drain_grace()
        finally:
            self.executor.shutdown(cancel=bool(self.interrupted))
            if session is not None:
                session.__exit__(None, None, None)
            if self.checkpoint is not None:  # whatever ends the run (finish writes the rest)
                self.checkpoint.close()
        self._drop_delayed()
        self._settle_unrun()
        if self.checkpoint is not None:
            self.checkpoint.finish(complete=not self.failed_any and not self.stop_reason)
        entries = self.entries
        for i, entry in enumerate(entries):  # left: pending (stopped without a reason)
            if entry is None:
                entries[i] = self._entry(i, TaskResult.pending())
        return entries  # type: ignore[return-value]  # no None left

    def result(self, i: int) -> TaskResult:
        """Task ``i``'s final result (with its live exception), rebuilt from its entry."""
        entry = self.entries[i] or self._entry(i, TaskResult.pending())
        return entry.to_result(self.exceptions.get(i))

    def _entry(self, i: int, result: TaskResult) -> TaskReportEntry:
        return entry_of(self.tasks[i], result)

    # -- the loop ------------------------------------------------------------

    def _loop(self) -> None:
        flights, executor, listener = self._flights, self.executor, self.listener
        interval = listener.tick_interval
        next_tick = time.monotonic() + interval if interval is not None else 0.0
        while True:
            due: float | None = None  # seconds until a delayed retry is due
            if self._waiting:  # retries waiting out their delay
                if self.stop_reason:
                    self._drop_delayed()
                else:
                    due = self._release_due()
            wait = interval if due is None else due if interval is None else min(interval, due)
            if not self.stop_reason:
                self._fill()
            if not flights:
                if self._waiting:
                    self._wait_for_retry(wait if wait is not None else 0.0)
                    continue
                if self._deferred and not self.stop_reason:
                    self._release_deferred()
                    continue
                return
            dynamic = self._dynamic
            if dynamic is not None and dynamic.stalled():
                dynamic.break_stall()
            if interval is not None:  # ticks every ``interval`` however often tasks finish
                until_tick = max(0.0, next_tick - time.monotonic())
                wait = until_tick if due is None else min(until_tick, due)
            done = executor.poll(wait)
            if dynamic is not None:
                dynamic.drain()
            for key, outcome in done:
                self._on_outcome(key, outcome)
            if self._interrupt is not None:  # raised inside a task, now accounted for
                raise self._interrupt
            if interval is not None and flights and time.monotonic() >= next_tick:
                next_tick = time.monotonic() + interval
                listener.tick({i: f.started_at for i, f in flights.items()})

    def _fill(self) -> None:
        if self._inline and self._direct and not self._flights and not self.stop_reason:
            self._series()  # the plain tasks first; the rest (if any) below
        ready, flights, capacity = self._ready, self._flights, self._window
        options = self._options
        while ready and len(flights) < capacity and not self.stop_reason:
            i = ready.popleft()
            if options[i] is not None:
                locks = self.tasks[i].locks
                if locks and not self.lock_table.acquire(i, locks):
                    continue
            self._start(i)

    def _start(self, i: int) -> None:
        task = self.tasks[i]
        logger = self._loggers[i]
        if logger is not None:
            logger.info(f"Starting {task.name}.")
        args: tuple[Any, ...] = task.args
        kwargs = task.kwargs
        plan = gather = None
        deps = task.dependencies
        wired = not deps
        # the usual list: every result appended positionally (``positional``, inlined)
        if (
            deps
            and self._direct
            and all(map(PASSES_ARG, deps))
            and not any(map(PASSES_KWARG, deps))
        ):
            start = self._parent_start
            parents = self._parents[start[i] : start[i + 1]]
            if len(parents) == len(deps):
                args = (*args, *map(self.values.__getitem__, parents))
                wired = True
        if not wired:
            plan, gather = self.wiring(i)
        if (
            plan is not None
            or gather is not None
            or self._prepares
            or (kwargs and has_slots(kwargs))
        ):
            made = self._arguments(i, args, kwargs, plan, gather)
            if made is None:  # setting them up failed: the task has settled
                return
            args, kwargs = made
        call = self._call(task, args, kwargs, plan, self._options[i] is None)
        self._flights[i] = Flight(call, time.monotonic())
        if self._starts:
            self.listener.task_start(i, 1)
        self.executor.submit(i, call)
        if self._ahead is not None:
            self._ahead.after_submit(self, i, self._call)

    def _arguments(
        self,
        i: int,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        plan: Plan | None,
        gather: Gather | None,
    ) -> tuple[tuple[Any, ...], dict[str, Any]] | None:
        """Task ``i``'s arguments beyond the usual: listener extras, keyword results, slots.

        None if setting them up failed: the task has then settled as failed.
        """
        extra = None
        if self._prepares:
            try:
                extra = self.listener.prepare(i)
            except Exception as exc:  # e.g. a fixture that fails to set up
                self._fail_unstarted(i, exc, self.listener.prepare_traceback(exc))
                return None
        if plan is not None or extra or gather is not None:
            args, kwargs = inject(args, kwargs, plan, self.values)
            if gather is not None:
                gather_into(kwargs, gather, self.values, self.result)
            if extra:
                kwargs.update(extra)
        if kwargs and has_slots(kwargs):
            try:
                kwargs = self._fill_slots(i, kwargs)
            except Exception as exc:  # e.g. a context on an executor that cannot give one
                self._fail_unstarted(i, exc)
                return None
        return args, kwargs

    def _fail_unstarted(self, i: int, exc: Exception, tb: TracebackType | None = None) -> None:
        """Task ``i`` fails before its first attempt (its setup raised ``exc``).

        ``tb``: the part of the traceback reports show (a fixture error's starts at the fixture).
        """
        task = self.tasks[i]
        failure = Outcome.failure(
            exc,
            trace_filter=task.traced_vars_frame_filter,
            tb=exc.__traceback__ if tb is None else tb,
            started_at=time.time(),
        )
        call = Call(name=task.name, func=task.func, args=task.args, kwargs=task.kwargs)
        flight = Flight(call, time.monotonic())
        flight.attempt = 0
        self._settle(i, self._errored(i, flight, failure), False)

    # -- tasks created during the run (see dynamic.py) ---------------------------

    def _fill_slots(self, i: int, kwargs: dict[str, Any]) -> dict[str, Any]:
        """Task ``i``'s keyword arguments with its context and fan-ins filled in."""
        dynamic = self._dynamic or self._grow()
        return {k: v.fill(dynamic, i) if isinstance(v, Slot) else v for k, v in kwargs.items()}

    def _grow(self) -> Dynamic:
        """From now on the graph may grow: per-task lists become this run's own."""
        self.tasks = list(self.tasks)
        self._direct = False  # created tasks are wired by ``dynamic.wiring``
        # created tasks may hold locks or have timeouts: back to the executor's usual window
        self._window = min(self._window, self.executor.window)
        self._ahead = None  # send-ahead sizes its tables once, for the compiled tasks
        self._dynamic = dynamic = Dynamic(self, self._topology.wiring, len(self.tasks))
        self.wiring = dynamic.wiring
        self.children = dynamic.children_view
        return dynamic

    def add_task(self, task: TaskSpec, creator: int) -> int:
        """Append a task that ``creator`` created to every per-task list; its index."""
        i = len(self.tasks)
        self.tasks.append(task)  # type: ignore[attr-defined]  # a list since _grow
        self.pending.append(0)
        self.values.append(None)
        self.entries.append(None)
        self.blocked.append("")
        self._loggers.append(task.active_logger(base_has_handlers()))
        self._options.append(getattr(task, "_extras", True))
        if self.priorities is not None:
            self.priorities.append(0.0)
        adopt = getattr(self._ready, "adopt", None)  # a ready queue with data per task
        if adopt is not None:
            adopt(i, creator)
        return i

    def created_ready(self, i: int) -> None:
        """A created task whose dependencies have all settled is queued (or skipped) now."""
        if self.pending[i] == 0:
            skipped = self._activate(i)
            if skipped is not None:
                self._settle(i, skipped, False)

    def _call(
        self,
        task: TaskSpec,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        plan: Sequence[tuple[int, bool, str]] | None,
        plain: bool = False,
    ) -> Call:
        """The call for one attempt of ``task``; ``plain``: it has no options beyond processes'."""
        return call_of(
            task.name,
            task.func,
            args,
            kwargs,
            task.timeout,
            task.traced_vars_frame_filter,
            self.capture,
            None if plain else task.executor,
            plan,  # inputs
        )

    def _restore_all(self, restored: dict[int, Any]) -> None:
        """Settle the tasks the checkpoint restored; dependants receive the stored results.

        Each gets one ``task_finish`` (no ``task_start``) with ``result.restored``
        true. Restored tasks only depend on restored tasks, so none is blocked.
        """
        for i in sorted(restored):
            value = self.values[i] = restored[i]
            result = TaskResult(SUCCESS, value, None, reason=RESTORED_REASON)
            self.entries[i] = self._entry(i, result)
            logger = self._loggers[i]
            if logger is not None:
                logger.info(f"Restored {self.tasks[i].name} from checkpoint.")
            if self._finishes:
                self.listener.task_finish(i, result)
            for c in self.children[i]:
                self.pending[c] -= 1
                if self.pending[c] == 0 and c not in restored:
                    skipped = self._activate(c)
                    if skipped is not None:
                        self._settle(c, skipped, False)

    def _on_outcome(self, i: int, outcome: Outcome) -> None:
        flight = self._flights.pop(i)  # put back if another attempt follows
        flight.add(outcome)
        kind = outcome.kind
        if kind == OK:
            task = self.tasks[i]
            value = self.values[i] = outcome.value
            logger = self._loggers[i]
            if logger is not None:
                logger.info(f"Finished {task.name}.")
            if self.checkpoint is not None:
                self.checkpoint.store(i, value, flight.elapsed)
            if not self._finishes:  # no listener wants a TaskResult: straight to the report
                started = outcome.started_at
                self.entries[i] = success_entry(
                    task,
                    value,
                    started if flight.attempt == 1 else flight_start(flight, outcome),
                    started + outcome.duration,
                    flight.elapsed,
                    flight.attempt,
                    outcome.worker,
                    flight.output,
                    flight.records() if flight.history else (),
                )
                self._succeeded(i)
                return
            self._settle(i, attempt_result(SUCCESS, flight, outcome, value=value), True)
        elif kind == FAILED:
            self._on_failure(i, flight, outcome)
        elif kind == NOT_STARTED:  # queued when the run was stopped
            self._stopped(i, f"{NOT_RUN_REASON}: {self.stop_reason}")
        else:  # the task skipped itself: counts as success, dependants get None
            reason = outcome.traceback
            result = attempt_result(TaskStatus.SKIPPED, flight, outcome, reason=reason)
            self._settle(i, result, True)

    # -- settling and release ------------------------------------------------

    def _settle(self, i: int, result: TaskResult, ok: bool, *, cascade: bool = True) -> None:
        """Record a final result and release dependants (iteratively: chains can be long)."""
        work = [(i, result, ok)]
        while work:
            i, result, ok = work.pop()
            self.entries[i] = self._entry(i, result)
            if result.exception is not None:
                self.exceptions[i] = result.exception
            if not ok and not self.failed_any and result.status is TaskStatus.ERRORED:
                self.failed_any = True
                self.first_failure = self.tasks[i].name
            if i in self.lock_table.holding:
                self._release_locks(i)
            if self._finishes:
                self.listener.task_finish(i, result)
            if not ok and self.fail_fast and result.status is TaskStatus.ERRORED:
                self.request_stop(f"fail-fast: task '{self.tasks[i].name}' failed")
            if not cascade:
                continue
            cause = "" if ok else (self.blocked[i] or self.tasks[i].name)
            kids: Sequence[int]
            if self._dynamic is None:
                kids = self._kids[self._kid_start[i] : self._kid_start[i + 1]]
            else:
                kids = self._dynamic.dependants(i, self._kids, self._kid_start)
            for c in kids:
                if cause and not self.blocked[c]:
                    self.blocked[c] = cause
                self.pending[c] -= 1
                if self.pending[c] == 0:
                    skipped = self._activate(c)
                    if skipped is not None:
                        work.append((c, skipped, False))

    def _succeeded(self, i: int) -> None:
        """The fast part of :meth:`_settle` for a success whose entry is already recorded."""
        pending, start, options = self.pending, self._kid_start, self._options
        if options[i] is not None and i in self.lock_table.holding:  # a plain task has no locks
            self._release_locks(i)
        kids: Sequence[int]
        if self._dynamic is None:
            kids = self._kids[start[i] : start[i + 1]]
        else:
            kids = self._dynamic.dependants(i, self._kids, start)
        for c in kids:
            pending[c] -= 1
            if pending[c] == 0:
                if options[c] is None and not self.blocked[c]:  # _activate's usual case
                    self._ready.append(c)
                else:
                    self._release(c)

    def _release(self, c: int) -> None:
        """All of ``c``'s dependencies settled: queue, defer or skip it (see ``_activate``)."""
        skipped = self._activate(c)
        if skipped is not None:
            self._settle(c, skipped, False)

    def _activate(self, c: int) -> TaskResult | None:
        """All of ``c``'s dependencies settled: queue it, defer it, or return its skip."""
        trigger = "all_success" if self._options[c] is None else self.tasks[c].trigger
        if trigger == "all_done":
            self._ready.append(c)
        elif trigger == "no_failures":
            if self.blocked[c]:
                return TaskResult.skipped(f"upstream failed: '{self.blocked[c]}'")
            self._deferred.append(c)
        elif self.blocked[c]:
            return TaskResult.skipped(f"upstream failed: '{self.blocked[c]}'")
        else:
            self._ready.append(c)
        return None

    def _release_deferred(self) -> None:
        """Everything else settled: ``no_failures`` tasks run only if nothing failed."""
        deferred, self._deferred = self._deferred, []
        for c in deferred:
            if self.failed_any:
                reason = f"a task of this run failed: '{self.first_failure}'"
                self._settle(c, TaskResult.skipped(reason), False)
            else:
                self._ready.append(c)

    # -- locks ---------------------------------------------------------------

    def _release_locks(self, i: int) -> None:
        """Task ``i`` settled: free its locks; tasks parked on them go first in the queue."""
        for c in self.lock_table.release(i, self.tasks[i].locks):
            self._ready.appendleft(c)
