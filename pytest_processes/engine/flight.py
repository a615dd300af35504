"""A task in flight on an executor: its attempts so far, their time and output."""

from __future__ import annotations

from typing import Any

from ..model.error_data import ErrorData
from ..model.task_types import TaskResult, TaskStatus
from .attempt import Call, Outcome

__all__ = ["Flight", "attempt_result", "flight_start"]


class Flight:
    """A task in flight: its current attempt and what earlier attempts left."""

    __slots__ = ("attempt", "call", "elapsed", "output", "started_at")

    def __init__(self, call: Call, started_at: float) -> None:
        self.call = call
        self.attempt = 1
        self.elapsed = 0.0
        self.output = ""
        self.started_at = started_at

    def add(self, outcome: Outcome) -> None:
        """Count an attempt's time and output (a first attempt's are kept as they are)."""
        if self.attempt == 1:
            self.elapsed = outcome.duration
            self.output = outcome.output
        else:
            self.elapsed += outcome.duration
            self.output += outcome.output


def flight_start(flight: Flight, outcome: Outcome) -> float:
    """Epoch start of a task's first attempt (the outcome's own start for a single attempt)."""
    if flight.attempt == 1:
        return outcome.started_at
    return outcome.started_at - (flight.elapsed - outcome.duration)


def attempt_result(
    status: TaskStatus,
    flight: Flight,
    outcome: Outcome,
    *,
    value: Any = None,
    exception: BaseException | None = None,
    error: ErrorData | None = None,
    reason: str = "",
) -> TaskResult:
    """The final ``TaskResult`` of a task whose last attempt was ``outcome`` (already added)."""
    return TaskResult(
        status,
        value,
        exception,
        error_data=error,
        elapsed_seconds=flight.elapsed,
        attempts=flight.attempt,
        started_at=flight_start(flight, outcome),
        finished_at=outcome.started_at + outcome.duration,
        worker=outcome.worker,
        reason=reason,
        output=flight.output,
        error_type=outcome.error_type if exception is not None else "",
    )
