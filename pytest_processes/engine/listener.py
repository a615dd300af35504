"""What a run tells the outside: the listener of run events, and SIGTERM as an interrupt."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Any

from ..model.task_types import TaskResult
from .attempt import Outcome

if TYPE_CHECKING:
    from .scheduler import Scheduler

__all__ = ["RunListener", "Terminated"]


class Terminated(KeyboardInterrupt):
    """SIGTERM, turned into an interrupt of the run."""


class RunListener:
    """Receives run events on the scheduler's thread. Override what you need."""

    #: seconds between :meth:`tick` calls while tasks run; None for no ticks
    tick_interval: float | None = None

    def run_start(self, scheduler: Scheduler) -> None:
        """The run is about to submit its first task."""

    def prepare(self, index: int) -> dict[str, Any] | None:
        """Extra keyword arguments for a task about to start (raising fails the task)."""
        return None

    def task_created(self, index: int, creator: int) -> None:
        """Task ``creator`` added task ``index`` to the run (``scheduler.tasks[index]``)."""

    def prepare_traceback(self, exc: BaseException) -> TracebackType | None:
        """The part of the traceback of an error :meth:`prepare` raised that reports show.

        By default, from the frame the scheduler called ``prepare`` in, inward.
        """
        return exc.__traceback__

    def task_start(self, index: int, attempt: int) -> None:
        """An attempt is being submitted."""

    def task_retry(self, index: int, attempt: int, outcome: Outcome) -> None:
        """Attempt ``attempt`` failed and another follows."""

    def task_finish(self, index: int, result: TaskResult) -> None:
        """A task settled (success, error or skip), final.

        A task restored from a checkpoint gets this call only (no ``task_start``),
        with ``result.restored`` true, before any task runs.
        """

    def tick(self, running: dict[int, float]) -> None:
        """Periodic call while tasks run: index -> monotonic start time."""
