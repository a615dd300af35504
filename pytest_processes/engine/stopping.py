"""Stopping a run: no new task, running ones finish within a grace period, each accounted for.

A mixin of :class:`~.scheduler.Scheduler`: a stop (fail-fast, Ctrl-C, SIGTERM)
settles every task the run did not finish with a result that says why.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from ..model.execution_report import TaskReportEntry
from ..model.task_types import INTERRUPTED_REASON, NOT_RUN_REASON, TaskResult, TaskStatus
from .attempt import FAILED, Outcome
from .executors import Executor, HandsBackOnStop, InlineExecutor, ReportsStarted
from .flight import Flight, attempt_result
from .listener import RunListener

if TYPE_CHECKING:
    from .dynamic import Dynamic

__all__ = ["Stopping"]


class Stopping:
    """Request a stop, wait out the grace period, and settle what was cut off or never ran."""

    if TYPE_CHECKING:
        executor: Executor
        listener: RunListener
        entries: list[TaskReportEntry | None]
        grace: float
        stop_reason: str
        _flights: dict[int, Flight]
        _starts: bool
        _dynamic: Dynamic | None
        _stop_event: threading.Event

        def _settle(
            self, i: int, result: TaskResult, ok: bool, *, cascade: bool = True
        ) -> None: ...

        def _on_outcome(self, i: int, outcome: Outcome) -> None: ...

    def request_stop(self, reason: str) -> None:
        """Start no new task; running ones finish. Safe to call from listener callbacks."""
        if not self.stop_reason:
            self.stop_reason = reason
            self._stop_event.set()
            self.executor.stop_queued()
            if self._dynamic is not None:  # tasks waiting for others: the wait is over
                self._dynamic.stop(reason)
            executor = self.executor
            taken = executor.taken_on_stop() if isinstance(executor, HandsBackOnStop) else ()
            for i, call in taken:
                if self.entries[i] is None and i not in self._flights:
                    self._flights[i] = Flight(call, time.monotonic())
                    if self._starts:
                        self.listener.task_start(i, 1)

    def _stopped(self, i: int, reason: str) -> None:
        """Task ``i`` did not run (or finish) because the run stopped.

        Its dependants are not released: they did not fail either, and
        :meth:`_settle_unrun` gives them the stop's reason.
        """
        self._settle(i, TaskResult.skipped(reason), False, cascade=False)

    def _drain_grace(self) -> None:
        """After an interrupt: let running tasks finish for up to ``grace`` seconds."""
        deadline = time.monotonic() + self.grace
        try:
            while self._flights:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                done = self.executor.poll(min(left, 0.1))
                if not done and isinstance(self.executor, InlineExecutor):
                    break  # inline calls run within submit: nothing else will come back
                for key, outcome in done:
                    self._on_outcome(key, outcome)
        except KeyboardInterrupt:
            pass  # a second Ctrl-C: stop waiting
        self._settle_flights()

    def _settle_flights(self) -> None:
        """The grace period is over: tasks still on the executor are interrupted or not run.

        The executor's ``running`` tells them apart; it is read before a last
        poll, since a call that finished meanwhile is in one or the other.
        """
        if not self._flights:
            return
        executor = self.executor
        live = executor.running() if isinstance(executor, ReportsStarted) else None
        try:
            for key, outcome in self.executor.poll(0) if live is not None else ():
                self._on_outcome(key, outcome)
        except KeyboardInterrupt:
            pass  # a second Ctrl-C: settle what is left as it stands
        for i, flight in list(self._flights.items()):
            del self._flights[i]
            if live is not None and i in live:
                outcome = live[i].interrupted(KeyboardInterrupt())
                flight.add(outcome)
                self._cut_off(i, flight, outcome)
            elif live is None or flight.attempt > 1:  # begun, but the executor cannot say when
                self._cut_off(i, flight, Outcome(kind=FAILED))
            else:
                self._stopped(i, f"{NOT_RUN_REASON}: {self.stop_reason}")

    def _cut_off(self, i: int, flight: Flight, outcome: Outcome) -> None:
        """Task ``i`` was running when the run stopped: its start, worker and output so far.

        ``outcome`` (already added to ``flight``) is the interrupted attempt; without
        a start (``started_at`` 0) the task is known to have begun, not when.
        """
        known = bool(outcome.started_at)
        after = outcome.duration if known else time.monotonic() - flight.started_at
        reason = f"{INTERRUPTED_REASON} (after {after:.1f}s)"
        result = attempt_result(TaskStatus.SKIPPED, flight, outcome, reason=reason)
        if not known:
            result.elapsed_seconds, result.started_at, result.finished_at = after, None, None
        self._settle(i, result, False, cascade=False)

    def _settle_unrun(self) -> None:
        """Tasks the run never reached (stopped early) get a result that says why.

        Listeners hear of each (``task_finish``), so every report counts them.
        """
        reason = self.stop_reason
        for i, entry in enumerate(self.entries):
            if entry is None and reason:
                self._stopped(i, f"{NOT_RUN_REASON}: {reason}")
