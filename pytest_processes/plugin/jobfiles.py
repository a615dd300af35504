"""Job files: ``tasks_*.yaml`` declaring tasks that call Python functions by dotted path.

For teams that keep jobs as configuration. One YAML document, read with a safe loader::

    tasks:
      extract:                      # task name: a Python identifier (case-insensitive)
        call: etl.extract           # required: module path, then the callable in it
        args: {url: "https://..."}  # values for the function's parameters
      load:
        call: etl.load
        inputs: {rows: extract}     # parameter <- the result of a task (YAML or Python)
        needs: [create_tables]      # run after these tasks, without their results
        retries: 2                  # retries, timeout, retry_delay (seconds), retry_on
        timeout: 60                 # (exception names: builtins or dotted paths), locks,
        locks: [db]                 # trigger, executor: as in @pytest.mark.processes
        markers: [slow, {skipif: "sys.platform == 'win32'"}]
        before: [report]            # run before these tasks (patterns; {when_scheduled: p})
        wave: 1                     # every task of a lower wave finishes first

A parameter given in neither ``args`` nor ``inputs`` is filled by name like a
Python task's: a task result, a fixture, a run parameter, else its default.
A class in ``call`` is a class task: ``args`` go to its constructor, the rest
to its ``run`` method (see :mod:`pytest_processes.api.classes`).
Top-level keys starting with ``x-`` hold YAML anchors to reuse (``args: *common``;
``<<: *defaults`` merges a mapping); nothing else is ignored.
Modules are found on ``sys.path``, then in the job file's directory, then in the
rootdir (see :mod:`.jobcall`). Every problem (unknown key, wrong type, missing
function, unknown task) is a collection error naming the file and line.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any

import pytest

from ..api.params import result_dependency
from ..engine.topology import closest
from ..model.task_types import TaskDependency
from .collect import TaskItem, record_file_problems, record_tasks
from .compat import (
    Traceback,
    TracebackFallback,
    bestrelpath,
    empty_fixture_info,
    fixture_defined,
)
from .jobschema import Job, JobReader, Ref

__all__ = ["JobFile", "JobItem", "job_dependencies"]


class JobItem(TracebackFallback, TaskItem):
    """A task declared in a job file: located at its line, its function bound to its args."""

    def __init__(self, *, job: Job, **kwargs: Any) -> None:
        self.job = job
        super().__init__(**kwargs)

    @classmethod
    def for_job(cls, parent: JobFile, job: Job) -> JobItem:
        params = list(job.call.__signature__.parameters)
        item = cls.from_parent(
            parent,
            name=job.name,
            callobj=job.call,
            task=job.name,
            options=None,
            job=job,
            fixtureinfo=empty_fixture_info(),  # replaced just below
        )
        for mark in job.marks:
            item.add_marker(mark)
        item.parameters = params
        item.use_fixtures(p for p in params if fixture_defined(parent, p))
        return item

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, self.job.line - 1, f"task {self.task}"

    def fallback_traceback(self, excinfo: pytest.ExceptionInfo[BaseException]) -> Traceback:
        """A class or a builtin has no code to cut at: cut the engine's frames instead."""
        entries = list(excinfo.traceback)
        package = Path(__file__).parents[1]
        user = [i for i, e in enumerate(entries) if package not in Path(e.path).parents]
        return Traceback(entries[user[0] :]) if user else excinfo.traceback


class JobFile(pytest.File):
    """A ``tasks_*.yaml`` job file: its tasks become items, or its problems one error."""

    def collect(self) -> list[pytest.Item | pytest.Collector]:
        shown = bestrelpath(self.config.rootpath, self.path)
        search = tuple(dict.fromkeys((self.path.parent, self.config.rootpath)))
        reader = JobReader(self.path, shown, search)
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise self.CollectError(f"{shown}: cannot read the job file: {exc}") from None
        jobs = reader.read(text)
        if reader.problems:  # reported with the graph's, so that nothing comes in stages
            record_file_problems(self.config, self.nodeid, reader.problems)
        tasks = [JobItem.for_job(self, job) for job in jobs]
        record_tasks(self.config, tasks)
        return list(tasks)


def job_dependencies(
    item: TaskItem, tasks: Collection[str]
) -> tuple[list[TaskDependency], list[str]]:
    """A job file task's ``inputs`` and ``needs`` as dependencies, and the names that are wrong.

    Checked once every file is collected: the tasks named may be in any task file.
    """
    if not isinstance(item, JobItem):
        return [], []
    deps: list[TaskDependency] = []
    problems = []
    others = [t for t in tasks if t != item.task]
    wanted: list[tuple[str | None, Ref]] = [(param, ref) for param, ref in item.job.inputs]
    wanted += [(None, ref) for ref in item.job.needs]
    for param, ref in wanted:
        what = f"inputs: '{param}' takes the result of" if param else "needs:"
        if ref.name == item.task:
            problems.append(f"{ref.where}: task '{item.task}': {what} '{ref.name}', itself")
        elif ref.name not in tasks and (family := _instances(ref.name, tasks)):
            problems.append(
                f"{ref.where}: task '{item.task}': {what} '{ref.name}', a parametrized family "
                f"({', '.join(family)}); name one instance (a job file cannot take a "
                "family's results all at once)"
            )
        elif ref.name not in tasks:
            hint = closest(ref.name, others)
            problems.append(
                f"{ref.where}: task '{item.task}': {what} '{ref.name}', which names no task"
                + (f"; did you mean {', '.join(map(repr, hint))}?" if hint else "")
            )
        elif param:
            deps.append(result_dependency(ref.name, param))
        elif all(d.task_name != ref.name for d in deps):
            deps.append(TaskDependency(ref.name))  # order only: the result is not passed
    return deps, problems


def _instances(base: str, tasks: Collection[str]) -> list[str]:
    """The instances of family ``base`` among ``tasks`` (``build[dev]``, ...), if it is one."""
    return sorted(t for t in tasks if t.startswith(f"{base}["))
