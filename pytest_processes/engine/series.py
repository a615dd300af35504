"""Plain tasks run back to back on the scheduler's thread: the sequential run's fast path.

A mixin of :class:`~.scheduler.Scheduler`. In a sequential run that nothing
watches task by task (no capture, no listener hook per task, no checkpoint, no
ticks), a task with processes' options alone (no timeout, no option of ours,
upstream results passed positionally) needs none of the objects an attempt
travels in (call, flight, outcome): it is called here and its report entry
written at once. The first task that needs more goes back to the
queue for the general path, and so does any attempt that does not pass: its
outcome is built as ``run_call`` builds it and settled by ``_on_outcome``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..model.execution_report import TaskReportEntry
from ..model.spec import TaskSpec
from .attempt import (
    EPOCH_OFFSET,
    NEVER_AWAITED,
    Outcome,
    Running,
    await_value,
    call_of,
    failed_outcome,
)
from .dynamic import has_slots
from .flight import Flight, success_entry

if TYPE_CHECKING:
    from collections import deque

    from .priority import ReadyHeap
    from .waves import WaveQueue

__all__ = ["InlineSeries"]


class InlineSeries:
    """Runs the plain tasks at the head of the ready queue one after another (see module)."""

    if TYPE_CHECKING:
        tasks: Sequence[TaskSpec]
        values: list[Any]
        entries: list[TaskReportEntry | None]
        stop_reason: str
        _ready: deque[int] | ReadyHeap | WaveQueue
        _flights: dict[int, Flight]
        _options: list[object]
        _loggers: list[logging.Logger | None]
        _parents: Sequence[int]
        _parent_start: Sequence[int]
        _kids: Sequence[int]
        _kid_start: Sequence[int]
        pending: list[int]
        blocked: list[str]
        _interrupt: KeyboardInterrupt | None

        def _release(self, c: int) -> None: ...

        def _on_outcome(self, i: int, outcome: Outcome) -> None: ...

    def _series(self) -> None:
        """Run plain ready tasks until the queue is empty, the run stops, or one is not plain."""
        ready, tasks, values, entries = self._ready, self.tasks, self.values, self.entries
        options, loggers = self._options, self._loggers
        parents, start = self._parents, self._parent_start
        clock = time.perf_counter
        kids, kid_start, pending, blocked = self._kids, self._kid_start, self.pending, self.blocked
        while ready and not self.stop_reason:
            i = ready.popleft()
            task = tasks[i]
            args, kwargs, deps = task.args, task.kwargs, task.dependencies
            if options[i] is not None or task.timeout is not None or (kwargs and has_slots(kwargs)):
                ready.appendleft(i)  # for the general path, first as it was
                return
            if deps:
                # every result passed positionally (flags read now, as processes reads them)
                for dep in deps:
                    if dep.use_result_as_additional_kwargs or not dep.use_result_as_additional_args:
                        ready.appendleft(i)
                        return
                first, end = start[i], start[i + 1]
                if len(deps) != end - first:  # a dependency added since the graph was built
                    ready.appendleft(i)
                    return
                args = (*args, *map(values.__getitem__, parents[first:end]))
            logger = loggers[i]
            if logger is not None:
                logger.info(f"Starting {task.name}.")
            t0 = clock()
            try:
                value = task.func(*args, **kwargs)
                if type(value) not in NEVER_AWAITED and hasattr(type(value), "__await__"):
                    value = await_value(value, None)
            except BaseException as exc:
                self._series_failed(i, task, args, kwargs, exc, t0)
                if self._interrupt is not None:  # accounted for: now stop the run
                    raise self._interrupt from None
                if self._flights:  # a retry was submitted: its outcome waits in the executor
                    return
                continue
            finished = clock() + EPOCH_OFFSET
            values[i] = value
            if logger is not None:
                logger.info(f"Finished {task.name}.")
            started = t0 + EPOCH_OFFSET
            entries[i] = success_entry(task, value, started, finished, finished - started)
            for c in kids[kid_start[i] : kid_start[i + 1]]:  # _succeeded, without its frame
                pending[c] -= 1
                if pending[c] == 0:
                    if options[c] is None and not blocked[c]:
                        ready.append(c)
                    else:
                        self._release(c)

    def _series_failed(
        self,
        i: int,
        task: TaskSpec,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        exc: BaseException,
        t0: float,
    ) -> None:
        """Task ``i``'s attempt raised ``exc``: settle it the general way (retry, error, skip)."""
        duration = time.perf_counter() - t0
        # name, func, args, kwargs, timeout, trace_filter, capture, executor, inputs
        trace_filter = task.traced_vars_frame_filter
        call = call_of(task.name, task.func, args, kwargs, None, trace_filter, False, None, None)
        if isinstance(exc, KeyboardInterrupt):  # Ctrl-C or SIGTERM inside the task
            running = Running("main")
            running.started_at = t0 + EPOCH_OFFSET
            outcome = running.interrupted(exc)
        else:
            outcome = failed_outcome(call, exc, t0 + EPOCH_OFFSET, duration, "main")
        self._flights[i] = Flight(call, time.monotonic() - duration)
        self._on_outcome(i, outcome)
