"""A failed attempt: retry it, or record the error with what it leaves unrun downstream.

A mixin of :class:`~.scheduler.Scheduler`.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..model.error_data import ErrorData
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
    """Retries by each task's policy, and the error record of a task that failed for good."""

    if TYPE_CHECKING:
        tasks: Sequence[TaskSpec]
        executor: Executor
        listener: RunListener
        children: Sequence[Sequence[int]]
        stop_reason: str
        _flights: dict[int, Flight]
        _interrupt: KeyboardInterrupt | None
        _loggers: list[logging.Logger | None]

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
            self._flights[i] = flight
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
        task = self.tasks[i]
        logger = self._loggers[i]
        if logger is not None:
            logger.warning(
                f"Attempt {flight.attempt}/{task.retries + 1} failed: {outcome.exception}. "
                "Retrying..."
            )
        self.listener.task_retry(i, flight.attempt, outcome)
        flight.attempt += 1
        if self.stop_reason:  # no new attempt once the run is stopping
            del self._flights[i]
            self._settle(i, self._errored(i, flight, outcome), False)
            return
        self.listener.task_start(i, flight.attempt)
        self.executor.submit(i, flight.call)

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
        """Names of every transitive dependant of task ``i``, breadth first."""
        seen = {i}
        order: list[str] = []
        queue = deque(self.children[i])
        while queue:
            c = queue.popleft()
            if c in seen:
                continue
            seen.add(c)
            order.append(self.tasks[c].name)
            queue.extend(self.children[c])
        return order
