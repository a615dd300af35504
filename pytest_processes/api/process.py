"""``Process``: a validated task graph you can run, compatible with processes 7.0.4."""

from __future__ import annotations

import concurrent.futures
import os
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import repeat
from operator import attrgetter
from types import TracebackType
from typing import Any, Literal

import pluggy

from .. import hookspecs
from ..engine.before import BeforeDependency, add_before_edges
from ..engine.capture import CaptureMode
from ..engine.checkpoint import Checkpoint
from ..engine.executors import Executor
from ..engine.routing import make_executor
from ..engine.run import RunResult, run_graph
from ..engine.scheduler import RunListener
from ..engine.topology import Topology, collector_paused, compile_run
from ..engine.waves import wave_problems
from ..exceptions import (
    CircularDependencyError,
    DependencyNotFoundError,
    RunInterrupted,
    TaskDefinitionError,
    TaskNotFoundError,
)
from ..model.execution_report import ProcessExecutionReport
from ..model.spec import TaskSpec
from ..model.task_types import TaskDependency, TaskResult
from .task import Task

# processes' ``process`` module exports the graph errors: keep those imports working
__all__ = ["CircularDependencyError", "DependencyNotFoundError", "Process", "TaskNotFoundError"]

AUTO_PARALLEL_AT = 10


_EXTRAS = attrgetter("_extras")


def _sets_extras(tasks: list[Task]) -> bool:
    """Whether any task sets an option beyond processes' (most graphs: no ``before``, no wave)."""
    return any(map(_EXTRAS, tasks))  # one C-level pass: an ``Extras`` object is truthy


class ProcessRunner:
    """Results of the process's last run (``process.runner.results``), built on first use.

    The report is the record of a run; ``results`` rebuilds ``TaskResult``s from
    it (with the live exceptions) only when someone asks, which keeps a large
    run's memory to one record per task.
    """

    def __init__(
        self,
        report: ProcessExecutionReport | None = None,
        exceptions: dict[str, BaseException] | None = None,
    ) -> None:
        self._report = report
        self._exceptions = exceptions or {}
        self._results: dict[str, TaskResult] | None = None

    @property
    def results(self) -> dict[str, TaskResult]:
        """One result per task name."""
        if self._results is None:
            entries = self._report.entries if self._report is not None else {}
            self._results = {
                name: e.to_result(self._exceptions.get(name)) for name, e in entries.items()
            }
        return self._results

    @results.setter
    def results(self, value: dict[str, TaskResult]) -> None:
        self._results = value

    @property
    def submitted_tasks(self) -> set[str]:
        """Names of the tasks the last run started (at least one attempt)."""
        entries = self._report.entries if self._report is not None else {}
        return {name for name, e in entries.items() if e.attempts}


def _as_checkpoint(
    checkpoint: str | os.PathLike[str] | Checkpoint | None,
) -> Checkpoint | None:
    """A ``Checkpoint`` for a directory given by path; a ``Checkpoint`` or None as it is."""
    if checkpoint is None or isinstance(checkpoint, Checkpoint):
        return checkpoint
    return Checkpoint(checkpoint)


class _HookListener(RunListener):
    """Forwards engine events to the process's pluggy hooks."""

    def __init__(self, hook: Any, tasks: Sequence[TaskSpec]) -> None:
        self.hook = hook
        self.tasks = tasks  # the run's, by index

    def run_start(self, scheduler: Any) -> None:
        self.scheduler = scheduler

    def task_created(self, index: int, creator: int) -> None:
        self.tasks = self.scheduler.tasks  # the run's own list, grown by one

    def task_start(self, index: int, attempt: int) -> None:
        self.hook.pytest_processes_task_start(task=self.tasks[index], attempt=attempt)

    def task_retry(self, index: int, attempt: int, outcome: Any) -> None:
        error = f"{outcome.error_type}: {outcome.exception}"
        self.hook.pytest_processes_task_retry(task=self.tasks[index], attempt=attempt, error=error)

    def task_finish(self, index: int, result: TaskResult) -> None:
        self.hook.pytest_processes_task_finish(task=self.tasks[index], result=result)


#: what ``Process._install`` sets: a failed change puts them all back
_INSTALLED = ("tasks", "_index", "_topology", "_report_order", "_ranks", "runner")


class Process:
    """Validates a list of tasks into a graph and runs it.

    Names are matched case-insensitively everywhere. ``plugins`` are objects
    implementing the hooks of :mod:`pytest_processes.hookspecs`.
    """

    def __init__(
        self, tasks: list[Task], name: str = "", *, plugins: Iterable[object] = ()
    ) -> None:
        self.name = name
        self.tasks: list[Task] = []
        self._index: dict[str, Task] | None = None  # built on first lookup
        self._topology: Topology | None = None
        #: the FIFO order of the run's tasks (``_topology.tasks``) when they differ from ``tasks``
        self._report_order: Sequence[int] | None = None
        #: each run task's place in the list last given, when the run's order differs (the
        #: FIFO order of a list not given dependencies first); None: the run keeps that list
        self._ranks: Sequence[int] | None = None
        self.runner = ProcessRunner()
        self._pm: pluggy.PluginManager | None = None
        try:
            with collector_paused():
                self._install(tasks)
        except BaseException:
            if isinstance(tasks, list):
                for task in tasks:
                    if isinstance(task, Task):
                        task.close_handlers()
            raise
        for plugin in plugins:
            self.plugin_manager.register(plugin)

    # -- building ------------------------------------------------------------

    def _install(self, tasks: list[Task]) -> None:
        if not isinstance(tasks, list):
            raise TypeError(f"tasks must be list. Got {type(tasks)}")
        if not all(map(isinstance, tasks, repeat(Task))):
            bad = next(t for t in tasks if not isinstance(t, Task))
            raise TypeError(f"task must be Task. Got {type(bad)}")
        # validated and indexed once here, reused by every run of this task list
        added: list[tuple[Any, BeforeDependency]] = []
        try:
            order, self._topology, given = self._ordered(tasks, added)
        except BaseException:
            for target, edge in added:  # nothing changes on an error
                target.dependencies.remove(edge)
            raise
        self.tasks = list(map(tasks.__getitem__, order))
        kept = array("i", order)  # 4 bytes a task, not an int object and a pointer (36)
        self._report_order = kept if given else None
        self._ranks = None if given else kept
        self._index = None
        self.runner = ProcessRunner()

    @staticmethod
    def _ordered(
        tasks: list[Task], added: list[tuple[Any, BeforeDependency]]
    ) -> tuple[list[int], Topology, bool]:
        """``compile_run`` after the ``before=`` edges; bad patterns or waves raise together."""
        if not _sets_extras(tasks):  # no ``before`` edge to add, no wave to check
            return compile_run(tasks)
        problems = [m for _, m in add_before_edges(tasks, added=added)]
        if problems:
            raise TaskDefinitionError(problems)
        compiled = compile_run(tasks)
        problems = [m for _, m in wave_problems(tasks)]
        if problems:
            raise TaskDefinitionError(problems)
        return compiled

    def _reinstall(self, tasks: list[Task], undo: Callable[[], None] = lambda: None) -> None:
        """Install a changed task list, or restore the previous state and re-raise."""
        previous = [getattr(self, name) for name in _INSTALLED]
        try:
            with collector_paused():
                self._install(tasks)
        except BaseException:
            for name, value in zip(_INSTALLED, previous, strict=True):
                setattr(self, name, value)
            undo()
            raise

    @classmethod
    def from_functions(
        cls,
        functions: Iterable[Callable[..., Any]],
        name: str = "",
        *,
        inputs: dict[str, Any] | None = None,
        plugins: Iterable[object] = (),
    ) -> Process:
        """Build a process from plain functions, wiring parameters to tasks by name.

        A parameter named after another task receives its result (and depends on
        it); else a key of ``inputs``; else its default. Anything else is a
        :class:`~pytest_processes.exceptions.TaskDefinitionError` naming the task,
        the parameter and the closest task names. A parameter annotated
        ``TaskResult`` receives the upstream ``TaskResult`` instead of its value
        (e.g. in an ``all_done`` task). ``@task(params={"env": [...]})`` makes a
        family (``build[dev]``, ...): a task with an ``env`` parameter is paired
        one to one, one without it receives ``{id: result}`` of every instance
        (see :mod:`pytest_processes.api.families`).
        """
        from .functions import tasks_from_functions

        return cls(tasks_from_functions(list(functions), inputs or {}), name, plugins=plugins)

    # -- lookups -------------------------------------------------------------

    def _by_name(self) -> dict[str, Task]:
        """Tasks by name, indexed on first use (a run never needs it)."""
        if self._index is None:
            self._index = {t.name: t for t in self.tasks}
        return self._index

    def get_task(self, task_name: str) -> Task:
        """The task with this name (case-insensitive); ``TaskNotFoundError`` if none."""
        try:
            return self._by_name()[task_name.lower()]
        except KeyError:
            raise TaskNotFoundError(task_name) from None

    def get_dependant_tasks(self, task_name: str) -> list[Task]:
        """Every task that depends on ``task_name``, directly or not, breadth first.

        A task's direct dependants are taken in the order the tasks were given, as
        processes takes them.
        """
        children: dict[str, list[Task]] = {}
        for task in self._given():
            for dep in task.dependencies:
                children.setdefault(dep.task_name, []).append(task)
        seen: set[str] = set()
        found: list[Task] = []
        queue = deque(children.get(task_name.lower(), ()))
        while queue:
            task = queue.popleft()
            if task.name not in seen:
                seen.add(task.name)
                found.append(task)
                queue.extend(children.get(task.name, ()))
        return found

    def _given(self) -> list[Task]:
        """The tasks in the order of the list last given (``tasks`` is in FIFO order)."""
        if self._topology is None:
            return self.tasks
        run_tasks: list[Task] = self._topology.tasks  # type: ignore[assignment]
        if self._ranks is None:  # the run keeps the given list
            return list(run_tasks)
        given: list[Task] = [*run_tasks]
        for k, rank in enumerate(self._ranks):
            given[rank] = run_tasks[k]
        return given

    # -- mutation (atomic) ---------------------------------------------------

    def add_task(self, task: Task) -> None:
        """Add ``task`` and re-validate; on any error nothing changes."""
        if not isinstance(task, Task):
            raise TypeError(f"task must be Task. Got {type(task)}")
        if task.name in self._by_name():
            raise ValueError(f"Duplicate task name: {task.name}")
        self._reinstall([*self.tasks, task])

    def remove_task(self, task_name: str) -> None:
        """Remove a task no other task depends on, closing its log handlers."""
        task = self.get_task(task_name)
        users = sorted(
            t.name
            for t in self.tasks
            if any(
                d.task_name == task.name and type(d) is not BeforeDependency for d in t.dependencies
            )
        )
        if users:
            raise ValueError(
                f"Cannot remove task '{task.name}': still required by {', '.join(users)}. "
                "Remove the dependent task(s) first."
            )
        edges = [
            (t, d)
            for t in self.tasks
            for d in t.dependencies
            if type(d) is BeforeDependency and d.task_name == task.name
        ]  # its before= edges go with it
        for t, d in edges:
            t.dependencies.remove(d)

        def undo() -> None:
            for t, d in edges:
                t.dependencies.append(d)

        self._reinstall([t for t in self.tasks if t is not task], undo=undo)
        task.close_handlers()

    def add_task_dependency(self, task_name: str, dependency: TaskDependency) -> None:
        """Make ``task_name`` depend on another task; on any error nothing changes."""
        if not isinstance(dependency, TaskDependency):
            raise TypeError(f"dependency must be of type TaskDependency. Got {type(dependency)}")
        task = self.get_task(task_name)
        if dependency.task_name in task.get_dependencies_names():
            raise ValueError(f"Task '{task.name}' already depends on '{dependency.task_name}'.")
        task.dependencies.append(dependency)
        self._reinstall(list(self.tasks), undo=lambda: task.dependencies.remove(dependency))

    # -- hooks -----------------------------------------------------------------

    @property
    def plugin_manager(self) -> pluggy.PluginManager:
        """The pluggy manager whose plugins receive this process's engine hooks."""
        if self._pm is None:
            self._pm = pluggy.PluginManager("pytest")
            self._pm.add_hookspecs(hookspecs)
        return self._pm

    # -- running -----------------------------------------------------------------

    def _executor(
        self,
        parallel: bool | None,
        max_workers: int,
        executor: str | Executor | concurrent.futures.Executor | None,
    ) -> Executor:
        workers = max(1, max_workers)
        if executor is None:
            if parallel is None:
                parallel = len(self.tasks) >= AUTO_PARALLEL_AT
            executor = "thread" if parallel and workers > 1 else "inline"
        # only a task with options beyond processes' can ask for an executor of its own
        return make_executor(executor, workers, {t.executor for t in filter(_EXTRAS, self.tasks)})

    def run(
        self,
        parallel: bool | None = None,
        max_workers: int = 4,
        *,
        executor: str | Executor | concurrent.futures.Executor | None = None,
        fail_fast: bool = False,
        capture: CaptureMode = False,
        limits: dict[str, int] | None = None,
        grace: float = 5.0,
        checkpoint: str | os.PathLike[str] | Checkpoint | None = None,
        durations: Mapping[str, float] | None = None,
    ) -> ProcessExecutionReport:
        """Run every task in dependency order and report on each.

        ``parallel=None`` runs on ``max_workers`` threads from 10 tasks up, else
        on the calling thread. ``executor`` picks the workers: ``"thread"``,
        ``"process"`` (CPU-bound work; a timeout kills the worker), ``"dask"``
        (the default ``distributed.Client``, else a ``LocalCluster`` for the run),
        or any ``concurrent.futures.Executor`` (e.g. ``client.get_executor()``);
        a task's own ``executor`` option overrides it for that task. A failed
        task's dependants are skipped; other branches go on. ``fail_fast``
        starts no new task after the first
        failure. ``capture`` records each task's stdout, stderr and logging in
        its result; ``capture="fd"`` also captures descriptors 1 and 2 (child
        processes, C code) on the process executor and with one worker.
        ``limits`` caps how many tasks holding a lock run at once.
        Ctrl-C or SIGTERM stops the run (running tasks get ``grace`` seconds) and
        raises :class:`~pytest_processes.exceptions.RunInterrupted` carrying the report.

        ``checkpoint`` (a directory, or a :class:`~pytest_processes.Checkpoint`)
        stores each result as its task succeeds; the next run with it calls only
        what did not succeed, what changed and what depends on those (restored
        tasks report ``reason="restored from checkpoint"``, ``attempts=0``).
        ``durations`` (task name -> expected seconds, e.g. from the last run)
        makes the scheduler start the ready task with the longest remaining
        path first; a checkpoint supplies the durations it recorded.
        """
        chosen = self._executor(parallel, max_workers, executor)
        hook = self._pm.hook if self._pm is not None and self._pm.get_plugins() else None
        if self._topology is None:
            self._topology, self._report_order, self._ranks = Topology(self.tasks), None, None
        run_tasks = self._topology.tasks
        ran = run_graph(
            run_tasks,
            chosen,
            name=self.name,
            topology=self._topology,
            report_order=self._report_order,
            ranks=self._ranks,
            listener=_HookListener(hook, run_tasks) if hook is not None else None,
            capture=capture,
            fail_fast=fail_fast,
            grace=grace,
            limits=limits,
            checkpoint=_as_checkpoint(checkpoint),
            durations=durations,
            on_start=self._announcer(hook, chosen),
        )
        return self._finish(ran, hook)

    def _announcer(self, hook: Any, chosen: Executor) -> Callable[[], Any] | None:
        """What calls ``pytest_processes_run_start`` once the run is set up (None: no hooks)."""
        if hook is None:
            return None
        return lambda: hook.pytest_processes_run_start(
            tasks=list(self.tasks), workers=chosen.workers, executor=chosen.name
        )

    def _finish(self, ran: RunResult, hook: Any) -> ProcessExecutionReport:
        """Keep the run's exceptions for ``runner``, tell the hooks, raise if interrupted."""
        report = ran.report
        tasks = ran.tasks
        self.runner = ProcessRunner(
            report, {tasks[i].name: exc for i, exc in ran.exceptions.items()}
        )
        if hook is not None:
            hook.pytest_processes_run_finish(report=report)
        if ran.interrupted:
            raise RunInterrupted(ran.stop_reason, report)
        return report

    # -- lifetime ----------------------------------------------------------------

    def close_loggers(self) -> None:
        """Close and remove every handler of every task's logger."""
        for task in self.tasks:
            task.close_handlers()

    def __enter__(self) -> Process:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> Literal[False]:
        self.close_loggers()
        return False

    def __repr__(self) -> str:
        return f"Process({self.name!r}, {len(self.tasks)} tasks)"
