"""A task in flight on an executor: its attempts so far, their time and output."""

from __future__ import annotations

from typing import Any

from ..model.error_data import ErrorData
from ..model.execution_report import TaskReportEntry, entry_in_order
from ..model.spec import TaskSpec
from ..model.task_types import AttemptRecord, TaskResult, TaskStatus, new_result
from .attempt import FAILED, NOT_STARTED, OK, SKIPPED, Call, Outcome

__all__ = [
    "Flight",
    "attempt_fields",
    "attempt_record",
    "attempt_result",
    "flight_start",
    "success_entry",
]

_OUTCOME_WORDS = {OK: "passed", FAILED: "failed", SKIPPED: "skipped"}


def attempt_record(number: int, outcome: Outcome) -> AttemptRecord:
    """What is kept of one attempt: how it ended, when, where, and its error."""
    failed = outcome.kind == FAILED
    exc = outcome.exception
    return AttemptRecord(
        number,
        _OUTCOME_WORDS.get(outcome.kind, "failed"),
        outcome.started_at,
        outcome.duration,
        outcome.worker,
        error_type=outcome.error_type if failed else "",
        message=str(exc) if failed and exc is not None else "",
        traceback=outcome.traceback if failed else "",
    )


class Flight:
    """A task in flight: its current attempt and what earlier attempts left.

    ``history`` stays None until an attempt fails: a task that passes at once
    (the common case) costs no record.
    """

    __slots__ = ("attempt", "call", "elapsed", "history", "output", "started_at")

    def __init__(self, call: Call, started_at: float) -> None:
        self.call = call
        self.attempt = 1
        self.elapsed = 0.0
        self.output = ""
        self.started_at = started_at
        self.history: list[AttemptRecord] | None = None

    def add(self, outcome: Outcome) -> None:
        """Count an attempt's time and output (a first attempt's are kept as they are)."""
        if self.history is not None:
            if outcome.kind != NOT_STARTED:
                self.history.append(attempt_record(self.attempt, outcome))
        elif outcome.kind == FAILED:
            self.history = [attempt_record(self.attempt, outcome)]
        if self.attempt == 1:
            self.elapsed = outcome.duration
            self.output = outcome.output
        else:
            self.elapsed += outcome.duration
            self.output += outcome.output

    def records(self) -> tuple[AttemptRecord, ...]:
        """Every attempt so far if one failed, else nothing (see ``TaskResult.attempt_history``)."""
        return tuple(self.history) if self.history else ()


def flight_start(flight: Flight, outcome: Outcome) -> float:
    """Epoch start of a task's first attempt (the outcome's own start for a single attempt)."""
    if flight.attempt == 1:
        return outcome.started_at
    if flight.history:  # recorded: exact even when a retry waited out a delay
        return flight.history[0].started_at
    return outcome.started_at - (flight.elapsed - outcome.duration)


def attempt_fields(flight: Flight, outcome: Outcome) -> dict[str, Any]:
    """What the attempts of a task ending with ``outcome`` (already added) tell its result.

    The same keys in a ``TaskResult`` and a ``TaskReportEntry``: timing, worker,
    output and attempt history.
    """
    started = outcome.started_at
    return {
        "elapsed_seconds": flight.elapsed,
        "attempts": flight.attempt,
        "started_at": started if flight.attempt == 1 else flight_start(flight, outcome),
        "finished_at": started + outcome.duration,
        "worker": outcome.worker,
        "output": flight.output,
        "attempt_history": flight.records(),
    }


def success_entry(
    task: TaskSpec,
    value: Any,
    started_at: float,
    finished_at: float,
    elapsed: float,
    attempts: int = 1,
    worker: str = "main",
    output: str = "",
    records: tuple[AttemptRecord, ...] = (),
) -> TaskReportEntry:
    """The entry of a task that succeeded, built without a ``TaskResult`` on the way.

    The fast path of a run without listeners: the same values as
    ``entry_of(task, attempt_result(SUCCESS, ...))``, passed positionally: keywords
    (or unpacking ``attempt_fields``) would cost more than building the entry.
    ``started_at`` is the first attempt's start, ``finished_at`` the last one's end.
    """
    deps = task.dependencies
    return entry_in_order(  # every field of TaskReportEntry, in its order
        task.name,
        task.function_name,
        task.args,
        task.kwargs,
        TaskStatus.SUCCESS,
        elapsed,
        attempts,
        value,
        None,  # error
        started_at,
        finished_at,
        worker,
        "",  # reason
        output,
        "",  # error_type
        # from a list: tuple(map(...)) guesses a size and shrinks, and the collector
        # then runs half as often again (measured: 24 against 16 young collections per 10k)
        tuple([d.task_name for d in deps]) if deps else (),
        True,  # selected
        records,
    )


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
    return new_result(
        status,
        value,
        exception,
        error_data=error,
        reason=reason,
        error_type=outcome.error_type if exception is not None else "",
        **attempt_fields(flight, outcome),
    )
