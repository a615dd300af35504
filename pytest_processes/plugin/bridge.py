"""The engine's run events turned into pytest: fixtures, hooks and reports, on the main thread."""

from __future__ import annotations

import contextlib
import time
from types import TracebackType
from typing import TYPE_CHECKING, Any

import pytest

from ..engine.masking import current_masker
from ..engine.scheduler import RunListener, Scheduler
from ..model.task_types import TaskResult, TaskStatus
from .caplog import TaskLogs
from .collect import TaskItem
from .created import created_item
from .setupstate import ConcurrentSetupState
from .status_line import StatusLine
from .testreports import call_report, setup_report, stop_category, teardown_report
from .tracebacks import shown_traceback

if TYPE_CHECKING:
    from .run import ProcessesRun

__all__ = ["Bridge"]


class Bridge(RunListener):
    """Engine events -> fixtures, hooks and pytest reports, on the main thread."""

    def __init__(
        self,
        run: ProcessesRun,
        session: pytest.Session,
        tasks: list[Any],
        items: list[TaskItem],
        reported: set[int],
        state: ConcurrentSetupState,
        logs: TaskLogs,
        caplog: dict[int, str],
    ) -> None:
        self.run = run
        self.tasks = tasks
        self.session = session
        self.items = items
        self.reported = reported
        self.state = state
        self.logs = logs
        #: tasks that use caplog -> the kind of executor they run on
        self.caplog = caplog
        self.setup_seconds: dict[int, float] = {}
        # tasks that print straight to the terminal (-s) would cut through the live view
        self.status = StatusLine(run.reporter, len(tasks), live=bool(run.settings.capture))
        self.tick_interval = self.status.interval
        self.scheduler: Scheduler | None = None
        #: created task -> its creator; collected tasks whose created tasks failed
        self.creator_of: dict[int, int] = {}
        self.failed_creators: set[TaskItem] = set()

    def run_start(self, scheduler: Scheduler) -> None:
        self.scheduler = scheduler

    def prepare(self, index: int) -> dict[str, Any] | None:
        item = self.items[index]
        if not item.fixturenames:
            return None
        t0 = time.perf_counter()
        kind = self.caplog.get(index)
        try:
            with self.logs.setup(item, kind) if kind else contextlib.nullcontext():
                self.state.setup(item)
        finally:
            self.setup_seconds[index] = time.perf_counter() - t0
        return {name: item.funcargs[name] for name in item.fixture_params}

    def task_created(self, index: int, creator: int) -> None:
        """A task created during the run: an item of its own, reported as its creator is."""
        assert self.scheduler is not None
        task = self.scheduler.tasks[index]
        item = created_item(self.items[creator], task, self.session, self.state)
        self.tasks.append(task)
        self.items.append(item)
        self.run.graph.items[task.name] = item  # --processes-json lists its node id
        if creator in self.reported:
            self.reported.add(index)
        self.creator_of[index] = creator
        self.status.total += 1  # the live view counts it among the waiting

    def prepare_traceback(self, exc: BaseException) -> TracebackType | None:
        """A fixture error's traceback begins at the user's fixture (all with ``--full-trace``)."""
        return shown_traceback(bool(self.session.config.getoption("fulltrace", False)), exc)

    def task_start(self, index: int, attempt: int) -> None:
        item = self.items[index]
        item.ihook.pytest_processes_task_start(task=self.tasks[index], attempt=attempt)

    def task_retry(self, index: int, attempt: int, outcome: Any) -> None:
        item = self.items[index]
        item.ihook.pytest_processes_task_retry(
            task=self.tasks[index],
            attempt=attempt,
            error=current_masker().mask(f"{outcome.error_type}: {outcome.exception}"),
        )

    def task_finish(self, index: int, result: TaskResult) -> None:
        item = self.items[index]
        item.ihook.pytest_processes_task_finish(task=self.tasks[index], result=result)
        self.status.settled(result.status is TaskStatus.ERRORED)
        if index not in self.reported:  # an unselected upstream task: run, not reported
            self._teardown(item)
            if result.status is TaskStatus.ERRORED:
                self.run.support_failures.append((item, result))
                self._count_failure()
            return
        if result.status is TaskStatus.ERRORED and index in self.creator_of:
            self._creator_failed(index)
        stopped = bool(stop_category(result))
        failed_before = stopped and self.run.failed_last_time(item)
        ihook = item.ihook
        ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
        self.run.log(item, setup_report(item, result, self.setup_seconds.pop(index, 0.0)))
        if result.attempts or result.restored:
            self.run.log(item, call_report(item, result))
        t0, started = time.perf_counter(), time.time()
        error = self._teardown(item)
        self.run.log(item, teardown_report(item, result, error, started, time.perf_counter() - t0))
        ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
        if stopped or (result.status is not TaskStatus.SUCCESS and result.attempts == 0):
            # after LFPlugin dropped it as skipped
            self.run.keep_in_lastfailed(item, result, failed_before)
        session = self.session
        reason = session.shouldfail or session.shouldstop
        if reason and self.scheduler is not None:
            self.scheduler.request_stop(str(reason))

    def _creator_failed(self, index: int) -> None:
        """A created task failed: ``--lf`` re-runs the collected task that created it."""
        while index in self.creator_of:
            index = self.creator_of[index]
        self.failed_creators.add(self.items[index])

    def _count_failure(self) -> None:
        """A failed support task is not shown as a test, but fails the run and counts for -x."""
        session = self.session
        session.testsfailed += 1
        maxfail = session.config.getvalue("maxfail")
        if maxfail and session.testsfailed >= maxfail and not session.shouldfail:
            session.shouldfail = f"stopping after {session.testsfailed} failures"
            if self.scheduler is not None:
                self.scheduler.request_stop(session.shouldfail)

    def _teardown(self, item: TaskItem) -> BaseException | None:
        try:
            with self.logs.teardown(item):
                self.state.finish(item)
        except Exception as exc:
            return exc
        return None

    def tick(self, running: dict[int, float]) -> None:
        self.status.update([(self.items[i].task, since) for i, since in running.items()])
