"""The ``--processes`` session: validate the graph, run it on the engine, report each task.

Engine events arrive on pytest's main thread (the scheduler runs there) and are
turned into the standard report hooks, so the terminal, ``-x``, ``--lf``,
``--junitxml``, ``--durations`` and other plugins keep working unchanged.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import sys
import warnings
from collections.abc import Iterable, Iterator
from typing import Any

import pytest

from ..api.task import Task
from ..engine.capture import CaptureMode, CaptureSession
from ..engine.checkpoint import Checkpoint, CheckpointWarning
from ..engine.executors import Executor
from ..engine.fdshare import FollowTerminal
from ..engine.routing import make_executor
from ..engine.run import run_graph
from ..model.execution_report import ProcessExecutionReport
from ..model.task_types import TaskResult
from .bridge import Bridge
from .caplog import TaskLogs, uses_caplog
from .collect import TaskItem
from .compat import (
    assertion_protocol,
    check_interactive_exception,
    evaluate_skip_marks,
    evaluate_xfail_marks,
    ini_was_set,
    item_located_skip,
    junit_xml,
    junit_xml_path,
    replace_setupstate,
    terminal_file,
    xfailed_key,
)
from .injection import TaskGraph, mermaid
from .junit_output import JUnitAttempts, JUnitOutput
from .junit_run_output import JUnitRunOutput
from .mask_options import mask_live_logs
from .run_collection import GraphCollection
from .run_summary import RunSummary
from .settings import Settings
from .setupstate import ConcurrentSetupState
from .testreports import Phase, not_run_reports

__all__ = ["ProcessesRun"]


class ProcessesRun(GraphCollection, RunSummary):
    """The plugin object registered under ``--processes`` (one per session)."""

    def __init__(self, config: pytest.Config, settings: Settings) -> None:
        self.config = config
        if config.getoption("trace", False):
            raise pytest.UsageError(
                "--trace does not reach tasks under --processes; use --pdb to debug a failing "
                "task, or put breakpoint() in the task and run with --pdb -s (tasks then run "
                "one at a time on the main thread, their output not captured)"
            )
        if config.getoption("usepdb", False) and settings.workers != 1:
            settings = dataclasses.replace(settings, workers=1)  # one task at a time: see log()
        self.settings = settings
        self.graph = TaskGraph()
        self.report: ProcessExecutionReport | None = None
        self.support: list[str] = []
        self.support_failures: list[tuple[TaskItem, TaskResult]] = []
        self.checkpoint: Checkpoint | None = None
        self.restored: list[str] = []
        #: the summary line saying why ``--processes-json`` was not written
        self.json_problem = ""
        #: module nodeid -> why a task file outside the selection was left out
        self.set_aside: dict[str, str] = {}

    # -- running ---------------------------------------------------------------

    def _lastfailed(self) -> dict[Any, bool] | None:
        """The ``--lf`` plugin's table of failed node ids (None without the cache plugin)."""
        lf = self.config.pluginmanager.get_plugin("lfplugin")
        table = getattr(lf, "lastfailed", None)
        return table if isinstance(table, dict) else None

    def failed_last_time(self, item: TaskItem) -> bool:
        """Whether ``--lf`` counts ``item`` as failed (asked before its report drops it)."""
        table = self._lastfailed()
        return table is not None and getattr(item, "id", item.nodeid) in table

    def rerun_with_lastfailed(self, items: Iterable[TaskItem]) -> None:
        """``--lf`` selects these next time: their created tasks failed (they create them again)."""
        table = self._lastfailed()
        if table is not None:
            for item in items:
                table[getattr(item, "id", item.nodeid)] = True

    def keep_in_lastfailed(self, item: TaskItem, result: TaskResult, failed_before: bool) -> None:
        """A task skipped for an upstream failure stays 'failed' for ``--lf``, so it re-runs.

        So does one that failed before and that a stopped run did not finish.
        """
        if not (result.reason.startswith("upstream failed") or failed_before):
            return
        table = self._lastfailed()
        if table is not None:
            table[getattr(item, "id", item.nodeid)] = True  # pytest>=9.2 keys: NodeId

    def _caplog_tasks(
        self, tasks: list[Task], items: list[TaskItem], logs: TaskLogs
    ) -> dict[int, str]:
        """Tasks using ``caplog`` -> their executor kind; in-process ones log into their own.

        Such a task is run through a copy whose function makes its handler current.
        """
        s = self.settings
        default = "inline" if s.executor == "thread" and s.workers == 1 else s.executor
        kinds: dict[int, str] = {}
        for i, item in enumerate(items):
            if uses_caplog(item):
                kinds[i] = kind = tasks[i].executor or default
                if kind in ("thread", "inline"):
                    tasks[i] = copy.copy(tasks[i])
                    tasks[i].func = logs.wrap(tasks[i].func, item)
        return kinds

    def _executor(self, tasks: list[Task]) -> Executor:
        """The executor of ``--processes-executor``, plus one per other kind tasks ask for."""
        s = self.settings
        kind = "inline" if s.executor == "thread" and s.workers == 1 else s.executor
        try:
            return make_executor(
                kind,
                s.workers,
                {t.executor for t in tasks},
                dask_address=s.dask_address,
                dask_default_client=False,
                # one queued call per worker: the status line lists in-flight tasks
                # as running, so it stays close to what really runs
                thread_prefetch=1,
            )
        except (ImportError, OSError) as exc:  # no Dask extra, or no scheduler at the address
            raise pytest.UsageError(str(exc)) from None

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool:
        if session.testsfailed and not session.config.option.continue_on_collection_errors:
            raise session.Interrupted(
                f"{session.testsfailed} error{'s' if session.testsfailed != 1 else ''} "
                "during collection"
            )
        if session.config.option.collectonly:
            return True
        _junit_gets_task_output(self)
        if self.settings.graph:
            if self.reporter is not None:
                shown, selected, _ = self._shown_tasks(session)
                self.reporter.write_line(mermaid(shown, selected))
            return True
        selected = self._report_unrunnable(session)
        wanted, pulled = self.graph.closure(selected)
        tasks = self.graph.tasks_in(wanted)
        items = [self.graph.items[t.name] for t in tasks]
        logs = TaskLogs(self.config)
        caplog = self._caplog_tasks(tasks, items, logs)
        reported = {i for i, t in enumerate(tasks) if t.name in selected}
        self.support = [t.name for t in tasks if t.name not in selected]
        self._announce_support(pulled)
        state = ConcurrentSetupState(items)
        replace_setupstate(session, state)
        bridge = Bridge(self, session, tasks, items, reported, state, logs, caplog)
        executor = self._executor(tasks)
        self.checkpoint = self._checkpoint()
        # checkpoint problems are listed in the summary, also those found before the run starts
        with bridge.status.attached(), warnings.catch_warnings():
            warnings.simplefilter("ignore", CheckpointWarning)
            ran = run_graph(
                tasks,
                executor,
                name=self.settings.name,
                listener=bridge,
                capture=self.settings.capture,
                grace=5.0,
                # -x/--maxfail: a stop must come before any queued task starts
                prefetch=not session.config.option.maxfail,
                limits=self.settings.limits,
                checkpoint=self.checkpoint,
                on_start=lambda: self.config.hook.pytest_processes_run_start(
                    tasks=tasks, workers=executor.workers, executor=executor.name
                ),
                context=_run_context(self.config, self.settings.capture, items, logs, caplog),
            )
        self.rerun_with_lastfailed(bridge.failed_creators)
        self.restored = [tasks[i].name for i in ran.restored]
        self.report = ran.report.with_unselected(self.support)
        self.config.hook.pytest_processes_run_finish(report=self.report)
        if ran.interrupted:
            raise KeyboardInterrupt(ran.interrupted)
        if session.shouldfail:
            raise session.Failed(session.shouldfail)
        if session.shouldstop:
            raise session.Interrupted(session.shouldstop)
        return True

    def _report_unrunnable(self, session: pytest.Session) -> set[str]:
        """Report the selected tasks that cannot run (collection error, skip mark upstream).

        Returns the names of the selected tasks that will run.
        """
        dropped = self.graph.dropped
        marked = self._not_to_run()
        blocked = self.graph.dependants(set(marked))
        for item in session.items:
            if not isinstance(item, TaskItem):
                continue
            if item.task in dropped:
                reason = f"upstream failed: '{dropped[item.task]}' (collection error)"
                self._report_not_run(item, item_located_skip(reason))
            elif item.task in blocked:
                root = blocked[item.task]
                exc = marked[root]
                if root != item.task:
                    word = "failed" if type(exc) is pytest.fail.Exception else "skipped"
                    exc = item_located_skip(f"upstream {word}: '{root}'")
                self._report_not_run(item, exc)
        return {
            i.task
            for i in session.items
            if isinstance(i, TaskItem) and i.task not in dropped and i.task not in blocked
        }

    def _checkpoint(self) -> Checkpoint | None:
        """Results stored under pytest's cache as tasks succeed, for ``--processes-resume``.

        Without ``--processes-resume`` the previous run's results are cleared
        first, so this run stores afresh and restores nothing.
        """
        cache = getattr(self.config, "cache", None)
        if cache is None:
            return None
        checkpoint = Checkpoint(cache.mkdir("processes-checkpoint"))
        if not self.settings.resume:
            checkpoint.discard()
        return checkpoint

    def _not_to_run(self) -> dict[str, BaseException]:
        """Tasks that ``skip``/``skipif``/``xfail(run=False)`` marks keep from running.

        Evaluated on the main thread before the run, as pytest's skipping plugin
        does in ``pytest_runtest_setup`` (which tasks do not go through); also
        sets up ``xfail`` so that a failing task is reported as xfailed.
        """
        marked: dict[str, BaseException] = {}
        for name, item in self.graph.items.items():
            if name not in self.graph.dropped:
                try:
                    skipped = evaluate_skip_marks(item)
                    if skipped:
                        raise item_located_skip(skipped.reason)
                    item.stash[xfailed_key] = xfailed = evaluate_xfail_marks(item)
                    if xfailed and not self.config.option.runxfail and not xfailed.run:
                        raise pytest.xfail.Exception("[NOTRUN] " + xfailed.reason, pytrace=False)
                except (
                    pytest.skip.Exception,
                    pytest.fail.Exception,
                ) as exc:  # also a bad skipif condition
                    marked[name] = exc
        return marked

    def log(self, item: TaskItem, phase: Phase) -> None:
        """Log one phase's report; a failure goes on to ``pytest_exception_interact`` (``--pdb``).

        As pytest's runner does, on the main thread; with ``--pdb`` tasks run one
        at a time, so nothing else runs while the debugger is open. A failure
        that came back as text (a timeout, another process) has no live frames:
        it is not interacted with, and ``--pdb`` says so.
        """
        report, call = phase.report, phase.call
        item.ihook.pytest_runtest_logreport(report=report)
        if not check_interactive_exception(call, report):
            return
        if not phase.live:
            if self.config.getoption("usepdb", False) and self.reporter is not None:
                self.reporter.write_line(
                    f"processes: --pdb: task '{item.task}' failed where no debugger can reach "
                    "(a timeout, or another process): its traceback is in the report",
                    yellow=True,
                )
            return
        streams = sys.stdout, sys.stderr
        try:
            item.ihook.pytest_exception_interact(node=item, call=call, report=report)
        finally:  # the debugger suspends and resumes capture, which resets these
            sys.stdout, sys.stderr = streams

    def _report_not_run(self, item: TaskItem, exc: BaseException) -> None:
        """A selected task that will not run: skipped (or xfailed, or errored) by ``exc``."""
        ihook = item.ihook
        ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
        for phase in not_run_reports(item, exc):
            self.log(item, phase)
        ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)


def _junit_gets_task_output(run: ProcessesRun) -> None:
    """``--junitxml`` writes each task's captured output to ``system-out``, capped.

    Unless ``junit_logging`` is configured, a task's output is what CI readers
    of the XML want next to its result, so ``--processes`` defaults it to
    ``system-out`` (pytest's own default, ``no``, drops it). Each stream keeps
    its last ``processes_junit_output_limit`` bytes there (see ``junit_output``);
    so does the output of the run no task owns, in the suite's (``junit_run_output``).
    """
    config, settings = run.config, run.settings
    logxml = junit_xml(config)
    if logxml is None:
        return
    config.pluginmanager.register(JUnitAttempts(logxml), "processes-junit-attempts")
    if not ini_was_set(config, "junit_logging") and logxml.logging == "no":
        logxml.logging = "system-out"
    if logxml.logging != "no":
        once = bool(getattr(logxml, "log_passing_tests", True))  # else only skips write it
        cap = JUnitOutput(settings.junit_output_limit, settings.json_path, once=once)
        config.pluginmanager.register(cap, "processes-junit-output")
        path, report = junit_xml_path(logxml), lambda: run.report
        config.pluginmanager.register(JUnitRunOutput(path, cap, report), "processes-junit-run")


@contextlib.contextmanager
def _run_context(
    config: pytest.Config,
    capture: CaptureMode,
    items: list[TaskItem],
    logs: TaskLogs,
    caplog: Any,
) -> Iterator[None]:
    """What the run happens inside: assertion details, capture, log routing, masking."""
    with (
        _assertion_details(items),
        CaptureSession() if capture else contextlib.nullcontext(),
        _terminal_follows(config) if capture == "fd" else contextlib.nullcontext(),
        logs.routing() if caplog else contextlib.nullcontext(),
        mask_live_logs(config),
    ):
        yield


def _terminal_follows(config: pytest.Config) -> contextlib.AbstractContextManager[Any]:
    """pytest's terminal keeps writing to the terminal while tasks' fds 1 and 2 are captured."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return contextlib.nullcontext()
    return terminal_file(reporter, lambda file: FollowTerminal(1, file))


@contextlib.contextmanager
def _assertion_details(items: list[TaskItem]) -> Iterator[None]:
    """Failed asserts in tasks explain themselves (``At index 0 diff``...), as in tests.

    pytest's assertion plugin sets this up around each test's protocol, which
    tasks do not go through; its wrapper is reused for the whole run.
    """
    if not items:
        yield
        return
    wrapper = assertion_protocol(items[0])
    next(wrapper)
    try:
        yield
    finally:
        wrapper.close()
