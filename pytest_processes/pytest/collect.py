"""Collection: ``tasks_*.py`` modules and one pytest item per task function."""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from typing import Any

import pytest
from _pytest._code import ExceptionInfo
from _pytest.fixtures import FuncFixtureInfo

from ..wiring import TaskOptions, task_name, task_options

__all__ = ["TaskItem", "TasksModule", "collected_tasks", "is_task_function"]

MARKER = "processes"

#: every task item collected, before ``--lf``/``-k``/``-m`` filter any out
_collected_key = pytest.StashKey[list["TaskItem"]]()


def collected_tasks(config: pytest.Config) -> list[TaskItem]:
    """All task items of the session, selected or not (the graph needs them all)."""
    items: list[TaskItem] = config.stash.get(_collected_key, [])
    return list(items)


def is_task_function(name: str, obj: Any, module_name: str) -> bool:
    """A module-level function named ``task_*`` or decorated with ``@task``, defined here.

    Raises ``TypeError`` for something named ``task_*`` that is not callable.
    """
    if task_options(obj) is None and not name.startswith("task_"):
        return False
    if not callable(obj):
        kind = type(obj).__name__
        article = "an" if kind[:1].lower() in "aeiou" else "a"
        raise TypeError(
            f"'{name}' is named like a task but is {article} {kind}, not a function; "
            "rename it, or make it a function"
        )
    # imported from elsewhere: it belongs to (and is collected with) its own module
    return getattr(obj, "__module__", None) == module_name


def _shim(names: Iterable[str]) -> Any:
    """A stand-in whose signature lists just ``names``, to ask pytest for those fixtures."""

    def shim() -> None:  # pragma: no cover - never called
        raise AssertionError

    params = [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in names]
    shim.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    return shim


class TaskItem(pytest.Function):
    """One task: a pytest item whose fixtures are only the parameters that name fixtures."""

    def __init__(self, *, task: str, options: TaskOptions | None, **kwargs: Any) -> None:
        self.task = task
        self.options = options
        super().__init__(**kwargs)

    @classmethod
    def for_function(cls, parent: pytest.Module, func: Any) -> TaskItem:
        """Build the item for ``func`` with a provisional fixture set (settled at graph time)."""
        name = task_name(func)
        params = [
            p.name
            for p in inspect.signature(func).parameters.values()
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]
        fm = parent.session._fixturemanager
        fixtures = [p for p in params if fm.getfixturedefs(p, parent)]
        item = cls.from_parent(
            parent,
            name=name,
            callobj=func,
            task=name,
            options=task_options(func),
            fixtureinfo=FuncFixtureInfo((), (), [], {}),  # replaced just below
        )
        item.parameters = params
        item.use_fixtures(fixtures)  # needs the item: its own usefixtures markers count
        return item

    parameters: list[str]
    fixture_params: tuple[str, ...]

    def use_fixtures(self, names: Iterable[str]) -> None:
        """Recompute fixture info for exactly ``names`` (a task name took one over)."""
        names = tuple(names)
        fm = self.session._fixturemanager
        self._fixtureinfo = fm.getfixtureinfo(self, _shim(names), None)
        self.fixturenames = self._fixtureinfo.names_closure
        self.fixture_params = names
        self._initrequest()

    def runtest(self) -> None:
        raise RuntimeError(f"task '{self.task}' runs through pytest --processes, not as a test")

    def repr_failure_from(self, exc: BaseException, text: str) -> Any:
        """The failure repr: pytest's (cut to the task function) when a traceback is at hand."""
        if exc.__traceback__ is None:
            return text
        return self.repr_failure(ExceptionInfo.from_exception(exc))

    def reportinfo(self) -> tuple[Any, int | None, str]:
        path, lineno, _ = super().reportinfo()
        return path, lineno, f"task {self.task}"


class TasksModule(pytest.Module):
    """A ``tasks_*.py`` file: imported like a test module, its task functions become items."""

    def collect(self) -> list[pytest.Item | pytest.Collector]:
        module = self.obj
        items: list[pytest.Item | pytest.Collector] = []
        for name, obj in list(vars(module).items()):
            try:
                if not is_task_function(name, obj, module.__name__):
                    continue
            except TypeError as exc:
                raise self.CollectError(f"{self.path.name}: {exc}") from None
            items.append(TaskItem.for_function(self, obj))
        seen = self.config.stash.setdefault(_collected_key, [])
        seen.extend(i for i in items if isinstance(i, TaskItem))
        return items
