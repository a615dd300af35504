"""A failed attempt: retry it, or record the error with what it leaves unrun downstream.

A mixin of :class:`~.scheduler.Scheduler`.
"""

from __future__ import annotations

import heapq
import logging
import threading
import time
from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..model.error_data import ErrorData
from ..model.execution_report import TaskReportEntry
from ..model.spec import TaskSpec
from ..model.task_types import TaskResult, TaskStatus
from .attempt import Outcome
from .executors import Executor
from .flight import Flight, attempt_result
from .listener import RunListener, Terminated
from .waits import RunStopping

__all__ = ["DEFAULT_RETRY_ON", "Failures"]

DEFAULT_RETRY_ON: tuple[type[BaseException], ...] = (ConnectionError, TimeoutError)


class Failures:
    """Retries by each task's policy, and the error record of a task that failed for good.

    A retry with a ``retry_delay`` waits in ``_waiting`` (due times in ``_delayed``)
    while other tasks go on; a stop fails it at once with its last error.
    """

    if TYPE_CHECKING:
        tasks: Sequence[TaskSpec]
        executor: Executor
        listener: RunListener
        children: Sequence[Sequence[int]]
        ranks: Sequence[int] | None
        stop_reason: str
        _flights: dict[int, Flight]
        _interrupt: KeyboardInterrupt | None
        _loggers: list[logging.Logger | None]
        entries: list[TaskReportEntry | None]
        _delayed: list[tuple[float, int]]
        _waiting: dict[int, tuple[Flight, Outcome]]
        _stop_event: threading.Event

        def _settle(
            self, i: int, result: TaskResult, ok: bool, *, cascade: bool = True
        ) -> None: ...

        def request_stop(self, reason: str) -> None: ...

        def _cut_off(self, i: int, flight: Flight, outcome: Outcome) -> None: ...

    def _on_failure(self, i: int, flight: Flight, outcome: Outcome) -> None:
        if isinstance(outcome.exception, KeyboardInterrupt):  # Ctrl-C/SIGTERM in the task
            self._interrupt = self._interrupt or outcome.exception
            term = isinstance(outcome.exception, Terminated)
            # stop now, before the batch's later outcomes are handled
            self.request_stop(f"run interrupted ({'SIGTERM' if term else 'KeyboardInterrupt'})")
            self._cut_off(i, flight, outcome)
            return
        if self.stop_reason and isinstance(outcome.exception, RunStopping):
            self._cut_off(i, flight, outcome)  # the stop ended its wait: cut off, not failed
            return
        if self._should_retry(self.tasks[i], flight.attempt, outcome.exception):
            self._retry(i, flight, outcome)
            return
        self._settle(i, self._errored(i, flight, outcome), False)

    @staticmethod
    def _should_retry(task: TaskSpec, attempt: int, exc: BaseException | None) -> bool:
        if task.retries < 1 or attempt > task.retries:
            return False
        retry_on = task.retry_on if task.retry_on is not None else DEFAULT_RETRY_ON
        return isinstance(exc, retry_on)

    def _retry(self, i: int, flight: Flight, outcome: Outcome) -> None:
        if self.stop_reason:  # no new attempt once the run is stopping
            self._settle(i, self._errored(i, flight, outcome), False)
            return
        task = self.tasks[i]
        logger = self._loggers[i]
        if logger is not None:
            logger.warning(
                f"Attempt {flight.attempt}/{task.retries + 1} failed: {outcome.exception}. "
                "Retrying..."
            )
        # waiting before the listener runs: an interrupt in it finds the task accounted for
        self._waiting[i] = (flight, outcome)
        heapq.heappush(self._delayed, (time.monotonic() + task.retry_delay, i))
        self.listener.task_retry(i, flight.attempt, outcome)
        if task.retry_delay <= 0:
            self._release_due()

    def _resubmit(self, i: int, flight: Flight) -> None:
        """The next attempt of task ``i``: in flight first, then heard of, then submitted."""
        flight.attempt += 1
        self._flights[i] = flight
        self.listener.task_start(i, flight.attempt)
        self.executor.submit(i, flight.call)

    def _release_due(self) -> float | None:
        """Submit the delayed retries now due; seconds until the next one (None: none left).

        A task leaves ``_waiting`` only once it is in flight, so an interrupt at any
        point leaves it in one or the other (``_drop_delayed`` skips a settled one).
        """
        delayed, now = self._delayed, time.monotonic()
        while delayed and delayed[0][0] <= now:
            _, i = heapq.heappop(delayed)
            self._resubmit(i, self._waiting[i][0])
            del self._waiting[i]
        return delayed[0][0] - now if delayed else None

    def _wait_for_retry(self, seconds: float) -> None:
        """Nothing runs, a retry waits out its delay: on the stop event, so a stop ends it."""
        self._stop_event.wait(seconds)

    def _drop_delayed(self) -> None:
        """The run is stopping: each retry still waiting fails with its last error."""
        self._delayed.clear()
        waiting, self._waiting = self._waiting, {}
        for i, (flight, outcome) in waiting.items():
            if self.entries[i] is None:  # not settled meanwhile (cut off in flight)
                self._settle(i, self._errored(i, flight, outcome), False)

    def _errored(self, i: int, flight: Flight, outcome: Outcome) -> TaskResult:
        task = self.tasks[i]
        exc = outcome.exception or RuntimeError(outcome.traceback)
        error = ErrorData(
            task_name=task.name,
            function=task.function_name,
            args=task.args,
            kwargs=task.kwargs,
            downstream_impact=self.downstream(i),
            exception=str(exc),
            traceback_str=outcome.traceback,
            traced_vars=outcome.traced_vars,
            traced_vars_location=outcome.location,
        )
        logger = self._loggers[i]
        if logger is not None:
            context = {
                "task_name": error.task_name,
                "function": error.function,
                "args": error.args,
                "kwargs": error.kwargs,
                "downstream_impact": error.downstream_impact,
                "exception": error.exception,
                "traceback_str": error.traceback_str,
                "traced_vars": error.traced_vars,
                "traced_vars_location": error.traced_vars_location,
            }
            logger.error(str(exc), extra={"task_context": context})
        return attempt_result(TaskStatus.ERRORED, flight, outcome, exception=exc, error=error)

    def downstream(self, i: int) -> list[str]:
        """Names of every transitive dependant of task ``i``, breadth first.

        A task's direct dependants come in the order the user listed them (``ranks``
        when the run's order differs), as processes lists them.
        """
        ranks, children = self.ranks, self.children

        def dependants(c: int) -> Sequence[int]:
            if ranks is None:
                return children[c]
            n = len(ranks)  # tasks created during the run come after, in their own order
            return sorted(children[c], key=lambda d: ranks[d] if d < n else d)

        seen = {i}
        order: list[str] = []
        queue = deque(dependants(i))
        while queue:
            c = queue.popleft()
            if c in seen:
                continue
            seen.add(c)
            order.append(self.tasks[c].name)
            queue.extend(dependants(c))
        return order
