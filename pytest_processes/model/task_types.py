"""Task outcomes and dependency declarations."""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass
from enum import Enum
from typing import Any

from .error_data import ErrorData
from .fastinit import fast_init

__all__ = [
    "INTERRUPTED_REASON",
    "NOT_RUN_REASON",
    "RESTORED_REASON",
    "AttemptRecord",
    "TaskDependency",
    "TaskResult",
    "TaskStatus",
]

#: ``TaskResult.reason`` of a task restored from a checkpoint instead of being called
RESTORED_REASON = "restored from checkpoint"
#: how the reason of a task cut off by a stopped run begins (its start and output are kept)
INTERRUPTED_REASON = "interrupted while running"
#: how the reason of a task a stopped run never started begins (no start, no worker)
NOT_RUN_REASON = "not run"


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    """One attempt of a task: how it ended, when, for how long, where, and its error if any.

    ``outcome`` is ``passed``, ``failed`` or ``skipped``; ``error_type``, ``message``
    and ``traceback`` are empty unless it failed. Kept for each attempt of a task that
    failed at least once, so a retried error is never lost.
    """

    number: int
    outcome: str
    started_at: float
    duration: float
    worker: str = ""
    error_type: str = ""
    message: str = ""
    traceback: str = ""


class TaskStatus(Enum):
    """Outcome of a task within a run."""

    PENDING = "pending"
    SUCCESS = "success"
    ERRORED = "errored"
    SKIPPED = "skipped"


@dataclass(slots=True, eq=False, repr=False)
class TaskResult:
    """The outcome of one task: status, value or exception, timing and attempts.

    The first six fields are processes' ``TaskResult(status, result, exception,
    error_data=None, elapsed_seconds=0.0, attempts=0)`` and stay positional; the rest
    are keyword-only. Compared by identity, as in processes.
    """

    status: TaskStatus
    result: Any
    exception: BaseException | None
    error_data: ErrorData | None = None
    elapsed_seconds: float = 0.0
    attempts: int = 0
    _: KW_ONLY
    #: where the last attempt ran, and what the task printed and logged (every attempt)
    worker: str = ""
    output: str = ""
    #: when the first attempt began and the last one ended, epoch seconds
    started_at: float | None = None
    finished_at: float | None = None
    #: why the task was skipped or restored; the qualified type of ``exception``
    reason: str = ""
    error_type: str = ""
    #: every attempt, for a task that failed at least once
    attempt_history: tuple[AttemptRecord, ...] = ()

    @property
    def worked(self) -> bool:
        """True if the task succeeded."""
        return self.status is TaskStatus.SUCCESS

    @property
    def restored(self) -> bool:
        """True if the task was not called: its result came from a checkpoint."""
        return self.attempts == 0 and self.reason == RESTORED_REASON and self.worked

    @classmethod
    def pending(cls) -> TaskResult:
        """The placeholder for a task that has not run yet."""
        return cls(TaskStatus.PENDING, None, None)

    @classmethod
    def skipped(cls, reason: str = "") -> TaskResult:
        """A task that never ran (an upstream failed, the run stopped, or it skipped itself)."""
        return cls(TaskStatus.SKIPPED, None, None, reason=reason)

    @classmethod
    def success(cls, result: Any, *, elapsed_seconds: float = 0.0, attempts: int = 0) -> TaskResult:
        """A task whose function returned."""
        return cls(
            TaskStatus.SUCCESS, result, None, elapsed_seconds=elapsed_seconds, attempts=attempts
        )

    @classmethod
    def errored(
        cls,
        exception: BaseException,
        *,
        error_data: ErrorData | None = None,
        elapsed_seconds: float = 0.0,
        attempts: int = 0,
    ) -> TaskResult:
        """A task whose function raised on its last attempt."""
        return cls(
            TaskStatus.ERRORED,
            None,
            exception,
            error_data=error_data,
            elapsed_seconds=elapsed_seconds,
            attempts=attempts,
        )

    def __repr__(self) -> str:
        return (
            f"TaskResult(status={self.status.value}, attempts={self.attempts}, "
            f"elapsed_seconds={self.elapsed_seconds:.3f})"
        )


#: ``TaskResult(...)`` as fast as plain slot stores: a run builds one per task
new_result = fast_init(TaskResult)


class TaskDependency:
    """A dependency on another task, and how its result is passed along.

    With neither flag it only orders the two tasks; with
    ``use_result_as_additional_args`` the result is appended to the positional
    arguments, with ``use_result_as_additional_kwargs`` it is passed as
    ``additional_kwarg_name``.
    """

    __slots__ = (
        "additional_kwarg_name",
        "task_name",
        "use_result_as_additional_args",
        "use_result_as_additional_kwargs",
    )

    def __init__(
        self,
        task_name: str,
        use_result_as_additional_args: bool = False,
        use_result_as_additional_kwargs: bool = False,
        additional_kwarg_name: str = "",
    ) -> None:
        if task_name.__class__ is not str and not isinstance(task_name, str):
            raise TypeError(f"task_name must be of type str. Got {type(task_name)}")
        # names are lower case (as in processes); a lower-case name is kept, not copied
        self.task_name = task_name if task_name.islower() else task_name.lower()
        self.use_result_as_additional_args = use_result_as_additional_args
        self.use_result_as_additional_kwargs = use_result_as_additional_kwargs
        self.additional_kwarg_name = additional_kwarg_name
        if use_result_as_additional_kwargs is False and type(use_result_as_additional_args) is bool:
            return  # the usual dependency: nothing else to check
        if not isinstance(use_result_as_additional_args, bool):
            raise TypeError(
                "use_result_as_additional_args must be of type bool. "
                f"Got {type(use_result_as_additional_args)}"
            )
        if not isinstance(use_result_as_additional_kwargs, bool):
            raise TypeError(
                "use_result_as_additional_kwargs must be of type bool. "
                f"Got {type(use_result_as_additional_kwargs)}"
            )
        if use_result_as_additional_kwargs and additional_kwarg_name == "":
            raise TypeError(
                "If use_result_as_additional_kwargs is True, additional_kwarg_name"
                " must be a non-empty string."
            )

    def __hash__(self) -> int:
        return hash(self.task_name)

    def __repr__(self) -> str:
        return f"TaskDependency({self.task_name!r})"
