"""``run_graph``: the one way to run a task graph and build its report.

``Process.run``, ``Task.run`` and the pytest plugin's run loop all call it;
they differ only in the listener they pass (hooks, TestReports) and in the
context they run under (capture, log routing), given as ``context``.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from ..model.execution_report import OutputChunk, ProcessExecutionReport, TaskReportEntry
from ..model.spec import TaskSpec
from ..model.task_types import TaskResult
from .capture import CaptureMode
from .checkpoint import Checkpoint
from .executors import Executor
from .fdshare import SharedFds
from .scheduler import RunListener, Scheduler
from .signals import sigterm_as_interrupt
from .topology import Topology

__all__ = ["RunResult", "run_graph"]


@dataclass(slots=True, kw_only=True)
class RunResult:
    """What a run left: its report, the live exceptions by task index, and how it ended."""

    report: ProcessExecutionReport
    #: one entry per task, in task order (the report's entries, by index)
    entries: Sequence[TaskReportEntry]
    exceptions: dict[int, BaseException]
    #: why the run stopped early, "" if it went to its end
    stop_reason: str
    #: "KeyboardInterrupt" or "SIGTERM" when a signal stopped it, else ""
    interrupted: str
    #: indices of the tasks a checkpoint restored
    restored: list[int]
    #: every task of the run by index: the tasks given, then those created during the run
    tasks: Sequence[TaskSpec]

    def result(self, i: int) -> TaskResult:
        """Task ``i``'s final result, with its live exception."""
        return self.entries[i].to_result(self.exceptions.get(i))


def run_graph(
    tasks: Sequence[TaskSpec],
    executor: Executor,
    *,
    name: str = "",
    topology: Topology | None = None,
    report_order: Sequence[int] | None = None,
    ranks: Sequence[int] | None = None,
    listener: RunListener | None = None,
    capture: CaptureMode = False,
    fail_fast: bool = False,
    prefetch: bool = True,
    grace: float = 5.0,
    limits: dict[str, int] | None = None,
    checkpoint: Checkpoint | None = None,
    durations: Mapping[str, float] | None = None,
    on_start: Callable[[], Any] | None = None,
    context: AbstractContextManager[Any] | None = None,
    sigterm: bool = True,
) -> RunResult:
    """Run ``tasks`` (in topological order) on ``executor`` and report on each.

    ``on_start`` is called once the run is set up, just before its clock
    starts; ``context`` is entered around the run itself; with ``sigterm``,
    SIGTERM stops the run like Ctrl-C. ``capture="fd"`` with tasks on threads
    captures fds 1 and 2 for the whole run (see :mod:`.fdshare`). ``report_order``:
    the order of the report's entries by task index, when not that of ``tasks``
    (tasks created during the run come after). ``ranks``: each task's place in the list the
    caller gave, when ``tasks`` are in another order: a failure lists its dependants in
    that order, as processes does.
    """
    scheduler = Scheduler(
        tasks,
        executor,
        topology=topology,
        listener=listener,
        capture=capture,
        fail_fast=fail_fast,
        prefetch=prefetch,
        grace=grace,
        limits=limits,
        checkpoint=checkpoint,
        durations=durations,
        ranks=ranks,
    )
    if on_start is not None:
        on_start()
    started = time.time()
    with _surroundings(executor, capture, context, sigterm) as shared:
        entries = scheduler.run()
    run_output = tuple(shared.chunks) if shared is not None else ()
    return _result(scheduler, entries, name, started, run_output, checkpoint, report_order)


_NAME = attrgetter("name")


def _result(
    scheduler: Scheduler,
    entries: Sequence[TaskReportEntry],
    name: str,
    started: float,
    run_output: tuple[OutputChunk, ...],
    checkpoint: Checkpoint | None,
    order: Sequence[int] | None = None,
) -> RunResult:
    """What the finished run left: its report (named ``name``), exceptions and how it ended."""
    listed = entries  # in the report: the given order, then the tasks created during the run
    if order is not None:
        listed = [*map(entries.__getitem__, order), *entries[len(order) :]]
    by_name = dict(zip(map(_NAME, listed), listed, strict=True))
    report = ProcessExecutionReport(
        by_name,
        name,
        started_at=started,
        finished_at=time.time(),
        interrupted=scheduler.stop_reason,
        run_output=run_output,
    )
    return RunResult(
        report=report,
        entries=entries,
        exceptions=scheduler.exceptions,
        stop_reason=scheduler.stop_reason,
        interrupted=scheduler.interrupted,
        restored=sorted(checkpoint.restored) if checkpoint is not None else [],
        tasks=scheduler.tasks,
    )


@contextlib.contextmanager
def _surroundings(
    executor: Executor,
    capture: CaptureMode,
    context: AbstractContextManager[Any] | None,
    sigterm: bool,
) -> Iterator[SharedFds | None]:
    """What a run happens inside: SIGTERM as Ctrl-C, the caller's context, shared fd capture.

    Gives the shared capture of fds 1 and 2 (``capture="fd"`` with tasks on this
    process's threads), None without one.
    """
    shared = SharedFds() if capture == "fd" and shares_threads(executor) else None
    with (
        sigterm_as_interrupt() if sigterm else contextlib.nullcontext(),
        context if context is not None else contextlib.nullcontext(),
        shared if shared is not None else contextlib.nullcontext(),
    ):
        yield shared


def shares_threads(executor: Executor) -> bool:
    """Tasks run on this process's threads, several at once: fds 1 and 2 are shared.

    Inline and process workers capture each task's descriptors exactly; Dask and
    other pools may outlive the run, holding the pipes, so they are left alone.
    """
    parts = set(executor.name.split("+"))
    return "thread" in parts and parts <= {"thread", "inline", "process"}
