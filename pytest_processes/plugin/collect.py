"""Collection: ``tasks_*.py`` modules and one pytest item per task function."""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from typing import Any

import pytest

from ..api.classes import ClassTask
from ..api.families import FamilyNode, Link, TaskSpec, Variant, expand_families
from ..api.functions import TaskOptions, task_name, task_options
from .compat import empty_fixture_info, fixture_defined, set_item_fixtures
from .parametrize import Declared, declared_variants

__all__ = [
    "TaskItem",
    "TasksModule",
    "collected_tasks",
    "expand_task_items",
    "file_problems",
    "is_task_function",
    "record_file_problems",
    "record_tasks",
]

MARKER = "processes"

#: every task item collected, before ``--lf``/``-k``/``-m`` filter any out
_collected_key = pytest.StashKey[list["TaskItem"]]()
#: the family node of every task collected so far, by task name (first of a name wins)
_nodes_key = pytest.StashKey[dict[str, FamilyNode]]()
#: problems task files found in themselves, by node id (see record_file_problems)
_file_problems_key = pytest.StashKey[dict[str, list[str]]]()


def collected_tasks(config: pytest.Config) -> list[TaskItem]:
    """All task items of the session, selected or not (the graph needs them all)."""
    items: list[TaskItem] = config.stash.get(_collected_key, [])
    return list(items)


def record_tasks(config: pytest.Config, items: Iterable[TaskItem]) -> None:
    """Note collected task items (of any kind of task file) for the graph."""
    config.stash.setdefault(_collected_key, []).extend(items)


def record_file_problems(config: pytest.Config, nodeid: str, problems: list[str]) -> None:
    """Note the problems a task file found in itself, reported with the graph's problems.

    A job file with problems still yields its tasks, so that the graph checks
    their references in the same pass (nothing comes to light in stages).
    """
    config.stash.setdefault(_file_problems_key, {})[nodeid] = list(problems)


def file_problems(config: pytest.Config) -> dict[str, list[str]]:
    """The problems noted by ``record_file_problems``, by the file's node id."""
    found: dict[str, list[str]] = config.stash.get(_file_problems_key, {})
    return dict(found)


def is_task_function(name: str, obj: Any, module_name: str) -> bool:
    """A module-level ``task_*`` function, or a function or class marked ``@task``, defined here.

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
        self.base = task
        self.variant = None
        self.declared = None
        self.links = ()
        super().__init__(**kwargs)

    @classmethod
    def for_function(
        cls,
        parent: pytest.Module,
        func: Any,
        *,
        declared: Declared | None = None,
        spec: TaskSpec | None = None,
    ) -> TaskItem:
        """Build the item for ``func`` (or its family instance ``spec``).

        The fixture set is provisional, settled at graph time; a family
        instance's own parameters are values, never fixtures.
        """
        base = task_name(func)
        variant = spec.variant if spec is not None else None
        name = spec.name if spec is not None else base
        params = _parameters(func)
        values = variant.values if variant is not None else {}
        fixtures = [p for p in params if p not in values and fixture_defined(parent, p)]
        extra: dict[str, Any] = {}
        if variant is not None:
            extra = {"keywords": {variant.id: True}}
            callspec = _callspec(declared, variant)
            if callspec is not None:  # its marks apply; pytest>=9.2 builds the node id from it
                extra.update(callspec=callspec, originalname=base)
        item = cls.from_parent(
            parent,
            name=name,
            callobj=func,
            task=name.lower(),
            options=task_options(func),
            fixtureinfo=empty_fixture_info(),  # replaced just below
            **extra,
        )
        item.base = base
        item.variant = variant
        item.declared = declared
        item.links = spec.links if spec is not None else ()
        item.parameters = params
        item.use_fixtures(fixtures)  # needs the item: its own usefixtures markers count
        return item

    base: str
    #: this instance's parameter values, None for a task that is not part of a family
    variant: Variant | None
    #: the instances the function declares with @pytest.mark.parametrize, if any
    declared: Declared | None
    #: which task results its parameters receive, when families are involved
    links: tuple[Link, ...]
    parameters: list[str]
    fixture_params: tuple[str, ...]

    @property
    def family_node(self) -> FamilyNode:
        return FamilyNode(
            self.base, tuple(self.parameters), self.declared.variants if self.declared else None
        )

    def use_fixtures(self, names: Iterable[str]) -> None:
        """Recompute fixture info for exactly ``names`` (a task name took one over)."""
        names = tuple(names)
        set_item_fixtures(self, _shim(names))
        self.fixture_params = names

    def runtest(self) -> None:
        raise RuntimeError(f"task '{self.task}' runs through pytest --processes, not as a test")

    def repr_failure_from(self, exc: BaseException, text: str) -> Any:
        """The failure repr: pytest's (cut to the task function) when a traceback is at hand."""
        if exc.__traceback__ is None:
            return text
        return self.repr_failure(pytest.ExceptionInfo.from_exception(exc))

    def reportinfo(self) -> tuple[Any, int | None, str]:
        path, lineno, _ = super().reportinfo()
        return path, lineno, f"task {self.task}"


def _callspec(declared: Declared | None, variant: Variant) -> Any:
    """pytest's callspec of a declared instance (it carries ``pytest.param`` marks)."""
    if declared is None:
        return None
    for v, callspec in zip(declared.variants, declared.callspecs, strict=True):
        if v.id == variant.id:
            return callspec
    return None


def _specs_by_base(
    nodes: list[FamilyNode],
) -> tuple[dict[str, list[TaskSpec]], list[tuple[str, str]]]:
    """Family instances of ``nodes`` by task name, and the problems (none without families)."""
    if not any(n.variants for n in nodes):
        return {}, []
    specs, problems = expand_families(nodes)
    out: dict[str, list[TaskSpec]] = {}
    for spec in specs:
        out.setdefault(spec.base, []).append(spec)
    return out, problems


class TasksModule(pytest.Module):
    """A ``tasks_*.py`` file: imported like a test module, its task functions become items.

    Family instances are made here when their family is known by now (so node
    ids like ``tasks_x.py::deploy[dev]`` select them); :func:`expand_task_items`
    settles the rest once every file is collected.
    """

    def collect(self) -> list[pytest.Item | pytest.Collector]:
        module = self.obj
        found: list[tuple[Any, Declared | None]] = []
        known = self.config.stash.setdefault(_nodes_key, {})
        mine: list[FamilyNode] = []
        for name, obj in list(vars(module).items()):
            try:
                if not is_task_function(name, obj, module.__name__):
                    continue
                if isinstance(obj, type):  # a class task: built without arguments
                    obj = ClassTask(obj)
            except TypeError as exc:  # ClassTaskError too
                raise self.CollectError(f"{self.path.name}: {exc}") from None
            base = task_name(obj)
            declared = declared_variants(self, obj, base)
            found.append((obj, declared))
            if base not in known:
                mine.append(_node(obj, base, declared))
        specs, _ = _specs_by_base([*known.values(), *mine])  # problems: expand_task_items
        known.update((n.name, n) for n in mine)
        items: list[pytest.Item | pytest.Collector] = []
        for obj, declared in found:
            instances = specs.get(task_name(obj), [])
            if instances and instances[0].variant is not None:
                items.extend(
                    TaskItem.for_function(self, obj, declared=declared, spec=s) for s in instances
                )
            else:
                items.append(TaskItem.for_function(self, obj))
        record_tasks(self.config, (i for i in items if isinstance(i, TaskItem)))
        return items


def _parameters(func: Any) -> list[str]:
    """The parameters of ``func`` that can be injected (no ``*args``/``**kwargs``)."""
    return [
        p.name
        for p in inspect.signature(func).parameters.values()
        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]


def _node(func: Any, base: str, declared: Declared | None) -> FamilyNode:
    variants = declared.variants if declared else None
    return FamilyNode(base, tuple(_parameters(func)), variants)


def expand_task_items(
    config: pytest.Config,
) -> tuple[dict[TaskItem, list[TaskItem]], list[tuple[TaskItem, str]]]:
    """Settle family instances over every collected task, once collection is over.

    Returns the items replaced (-> their replacements, for ``session.items``)
    and the family problems found, each with the item it belongs to. Links
    (which result each parameter receives) are set on every family-related item.
    """
    items = config.stash.get(_collected_key, [])
    groups: dict[str, list[TaskItem]] = {}
    for item in items:
        if not isinstance(item.parent, pytest.Module):
            continue  # a job file's task is never a family instance
        group = groups.setdefault(item.base, [])
        if not group or group[0].parent is item.parent:  # a duplicate name stays as it is
            group.append(item)
    by_base, problems = _specs_by_base([group[0].family_node for group in groups.values()])
    if not by_base:
        return {}, []
    replaced: dict[TaskItem, list[TaskItem]] = {}
    added: list[TaskItem] = []
    for base, group in groups.items():
        head, existing = group[0], {i.name: i for i in group}
        module = head.parent
        assert isinstance(module, pytest.Module)
        wanted = by_base.get(base, [])
        new = [
            existing.get(s.name)
            or TaskItem.for_function(module, head.obj, declared=head.declared, spec=s)
            for s in wanted
        ]
        for spec, item in zip(wanted, new, strict=True):
            item.links = spec.links
        fresh = [i for i in new if i.name not in existing]
        added.extend(fresh)
        replaced.update((old, fresh) for old in group if old not in new)
    if replaced or added:
        config.stash[_collected_key] = [i for i in items if i not in replaced] + added
    heads = {base: group[0] for base, group in groups.items()}
    return replaced, [(heads[base], message) for base, message in problems]
