"""Collection under ``--processes``: the graph of every task, selection, run order, ``--co``.

A mixin of :class:`~pytest_processes.plugin.run.ProcessesRun`: the hooks that
turn collected items into the engine's graph before and after other plugins select.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from ..api.task import Task
from .collect import TaskItem, TasksModule, collected_tasks, expand_task_items, file_problems
from .compat import make_collect_report
from .injection import TaskGraph, build_graph, dependency_text, unused_run_params
from .mask_options import mask_test_report
from .settings import Settings
from .upstream_files import SupportFile, collect_support_files

__all__ = ["GraphCollection"]


class GraphCollection:
    """Collection hooks of the ``--processes`` session (state lives on ProcessesRun)."""

    config: pytest.Config
    settings: Settings
    graph: TaskGraph
    set_aside: dict[str, str]
    support: list[str]

    @property
    def reporter(self) -> pytest.TerminalReporter | None:
        reporter: pytest.TerminalReporter | None = self.config.pluginmanager.get_plugin(
            "terminalreporter"
        )
        return reporter

    @pytest.hookimpl(tryfirst=True)
    def pytest_make_collect_report(
        self, collector: pytest.Collector
    ) -> pytest.CollectReport | None:
        """Collect task files whole: ``--lf`` would skip the files of a failed task's upstream.

        An import error's text is masked like a task failure's.
        """
        if isinstance(collector, TasksModule):
            report = make_collect_report(collector)
            mask_test_report(report)
            return report
        return None

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_collection_modifyitems(
        self, session: pytest.Session, items: list[pytest.Item]
    ) -> Iterator[None]:
        """Build the graph before any plugin selects; once all have, put items in run order.

        ``session.items`` ends in dependency order (declaration order among
        independent tasks), the order the engine starts them and the JSON report
        lists them, so ``--co -q``, ``-v`` and JUnit show the same order.
        """
        self._build_graph(session, items)
        result = yield
        rank = {task.name: k for k, task in enumerate(self.graph.tasks)}
        # tasks left out of the graph (collection errors) are reported first, before the run
        items.sort(key=lambda i: rank.get(i.task, -1) if isinstance(i, TaskItem) else -1)
        return result

    def _build_graph(self, session: pytest.Session, items: list[pytest.Item]) -> None:
        """Build the graph of every task, even those --lf/-k/-m leave out: they may be needed.

        Task files the command line did not name are collected too (``support``):
        a selected task may need their tasks upstream. Family instances are
        settled once every file is in (``expand_task_items``).
        """
        support = collect_support_files(session)
        replaced, family_problems = expand_task_items(session.config)
        if replaced:  # a selected task stands for all its family instances
            new: list[pytest.Item] = []
            for i in items:
                new.extend(replaced.get(i, [i]) if isinstance(i, TaskItem) else [i])
            items[:] = list(dict.fromkeys(new))
        task_items = collected_tasks(session.config)
        own = file_problems(session.config)
        self.graph = build_graph(
            task_items, self.settings.run_params, self.settings.defaults, family_problems, own
        )
        self._set_aside_support_problems(session, support, items)
        for nodeid, problems in self.graph.problems.items():
            problems = _by_line(problems) if nodeid in own else problems
            report = pytest.CollectReport(nodeid, "failed", "\n".join(problems), [])
            session.ihook.pytest_collectreport(report=report)
        if self.graph.problems:  # a module with a problem runs nothing, like one failing import
            items[:] = [
                i
                for i in items
                if not (
                    isinstance(i, TaskItem)
                    and i.parent is not None
                    and i.parent.nodeid in self.graph.problems
                )
            ]
        unused = unused_run_params(self.graph, self.settings.run_params)
        if unused and not self.graph.problems:
            raise pytest.UsageError(
                f"run parameter(s) {', '.join(map(repr, unused))} given with "
                "--processes-param / processes_params match no parameter of any task"
            )

    def _set_aside_support_problems(
        self, session: pytest.Session, support: list[SupportFile], items: list[pytest.Item]
    ) -> None:
        """A broken task file outside the selection fails the run only if the selection needs it.

        It is needed when a selected task depends on one of its broken tasks, or
        (for a file that does not import) when a selected file has a problem of
        its own: an unknown parameter may be a task that file defines. Otherwise
        it is named in the summary and left out.
        """
        graph = self.graph
        ids = {module.nodeid for module, _ in support}
        selected = {i.task for i in items if isinstance(i, TaskItem)}
        needed = set()
        for name in selected & set(graph.dropped):
            parent = graph.items[graph.dropped[name]].parent
            needed.add(parent.nodeid if parent is not None else "")
        shown = {m for nodeid, ms in graph.problems.items() if nodeid not in ids for m in ms}
        for nodeid in [n for n in graph.problems if n in ids and n not in needed]:
            own = [m for m in graph.problems.pop(nodeid) if m not in shown]  # not a duplicate name
            if own:
                self.set_aside[nodeid] = own[0]
        for module, rep in support:
            if rep.passed:
                continue
            if shown:
                session.ihook.pytest_collectreport(report=rep)
            else:
                self.set_aside[module.nodeid] = _last_line(str(rep.longrepr))

    def _shown_tasks(self, session: pytest.Session) -> tuple[list[Task], set[str], list[str]]:
        """The tasks a run would start (in order), the selected ones, the ones pulled in."""
        selected = {
            i.task
            for i in session.items
            if isinstance(i, TaskItem) and i.task not in self.graph.dropped
        }
        wanted, pulled = self.graph.closure(selected)
        return self.graph.tasks_in(wanted), selected, pulled

    def _announce_support(self, pulled: list[str]) -> None:
        """Name the tasks the run adds to the selection: upstream ones, and pulled-in targets."""
        if self.reporter is None:
            return
        upstream = [name for name in self.support if name not in pulled]
        if upstream:
            self.reporter.write_line(
                f"processes: also running {len(upstream)} upstream task(s) that were not "
                f"selected: {', '.join(upstream)}"
            )
        later = [name for name in self.support if name in pulled]
        if later:
            self.reporter.write_line(
                f"processes: also running {len(later)} task(s) that selected tasks must run "
                f"before (before=when_scheduled): {', '.join(later)}"
            )

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """``--co`` (not ``-q``): each task's dependencies, and upstream tasks a selection adds.

        ``-q`` lists node ids only (already in run order), for scripts to read.
        """
        reporter = self.reporter
        if reporter is None or not self.config.option.collectonly or self.graph.problems:
            return
        if self.config.get_verbosity() < 0:
            return
        reporter.write_sep("-", "tasks in dependency order")
        tasks, selected, pulled = self._shown_tasks(session)
        for task in tasks:
            deps = dependency_text(task)
            wave = f"  (wave {task.wave})" if task.wave else ""
            note = ""
            if task.name not in selected:
                why = "when_scheduled" if task.name in pulled else "upstream"
                note = f"  ({why}, not selected)"
            reporter.write_line(f"{task.name}" + (f"  <- {deps}" if deps else "") + wave + note)


def _last_line(text: str) -> str:
    """The last non-empty line of a collection error: usually the exception itself."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1].removeprefix("E").strip() if lines else "collection failed"


def _by_line(problems: list[str]) -> list[str]:
    """A job file's problems (``path:line: ...``) in line order: its own and the graph's."""
    return sorted(problems, key=_line_of)


def _line_of(problem: str) -> int:
    found = re.match(r"[^\s:]+:(\d+):", problem)
    return int(found.group(1)) if found else 0
