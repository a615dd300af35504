"""The job file schema: a YAML document -> checked jobs, every problem with its line.

The schema is documented in :mod:`.jobfiles`; the YAML plumbing (nodes with their
lines) is :mod:`.jobyaml`, binding to the function's signature :mod:`.jobbind`.
"""

from __future__ import annotations

import inspect
import warnings
from dataclasses import dataclass, field
from typing import Any

import pytest
import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..engine.before import BeforeEntry, when_scheduled
from ..engine.topology import closest
from ..engine.tracing import safe_repr
from ..model.names import RUN_EXECUTORS as EXECUTORS
from ..model.names import TRIGGERS
from .collect import MARKER
from .jobbind import bind
from .jobcall import CallError, JobCall, import_target, resolve_exception
from .jobyaml import STR_TAG, YamlReader, kind

__all__ = ["Job", "JobReader", "Ref"]

TOP_KEYS = ("tasks",)
TASK_KEYS = (
    "call",
    "args",
    "inputs",
    "needs",
    "retries",
    "timeout",
    "retry_on",
    "retry_delay",
    "locks",
    "trigger",
    "executor",
    "before",
    "wave",
    "markers",
)
#: keys from other job formats (flowmancer...) -> what to write here
RENAMED = {
    "dependencies": "'needs' (run after, without the result) or 'inputs' (take its result)",
    "depends_on": "'needs' (run after, without the result) or 'inputs' (take its result)",
    "task": "'call' (a dotted path: package.module.function)",
    "kwargs": "'args'",
    "params": "'args'",
    "marks": "'markers'",
}


@dataclass(frozen=True)
class Ref:
    """A task name a job refers to, and where (``file:line``)."""

    name: str
    where: str


@dataclass
class Job:
    """One task of a job file, checked and ready to become an item."""

    name: str
    line: int  # 1-based
    call: JobCall
    inputs: list[tuple[str, Ref]] = field(default_factory=list)
    needs: list[Ref] = field(default_factory=list)
    marks: list[pytest.MarkDecorator] = field(default_factory=list)


def _never_run() -> None:
    raise RuntimeError("a task of a job file with problems never runs")


def _not_callable(task: str) -> JobCall:
    """A stand-in for a task whose ``call`` is broken: no parameters, never run."""
    return JobCall(_never_run, inspect.Signature([]), f"<broken call of {task}>", {})


class JobReader(YamlReader):
    """Reads a job file's document into checked jobs."""

    def read(self, text: str) -> list[Job]:
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = f":{mark.line + 1}" if mark is not None else ""
            context = exc.context
            if context and exc.context_mark is not None and exc.context_mark is not mark:
                context += f" (from line {exc.context_mark.line + 1})"
            what = "; ".join(p for p in (context, exc.problem) if p)
            self._problems.append((0, f"{self.shown}{line}: not valid YAML: {what}"))
            return []
        except yaml.YAMLError as exc:
            self._problems.append((0, f"{self.shown}: not valid YAML: {exc}"))
            return []
        if root is None:  # an empty file, like an empty tasks_*.py: no tasks
            return []
        self.duplicates(root, set())
        top = self.mapping(root, None, "a job file")
        for key, (knode, _) in top.items():
            if key not in TOP_KEYS and not key.startswith("x-"):
                self.problem(
                    knode,
                    None,
                    f"unknown key '{key}': a job file has 'tasks', and 'x-' keys for YAML "
                    "anchors to reuse",
                )
        if "tasks" not in top:
            if isinstance(root, MappingNode):
                self.problem(root, None, "no 'tasks': give a mapping of task name -> task")
            return []
        jobs = []
        for name, (knode, spec) in self.mapping(top["tasks"][1], None, "'tasks'").items():
            if not name.isidentifier():
                fixed = "".join(c if c.isalnum() else "_" for c in name).lower()
                fixed = fixed if fixed.isidentifier() else f"task_{fixed}"
                self.problem(
                    knode,
                    None,
                    f"task name '{name}' is not a Python identifier (tasks take each other's "
                    f"results by parameter name); call it '{fixed}'",
                )
                continue
            job = self.task(name.lower(), knode, spec)
            if job is not None:
                jobs.append(job)
        return jobs

    def task(self, name: str, knode: Node, spec: Node) -> Job | None:
        keys = self.mapping(spec, name, "a task")
        if not isinstance(spec, MappingNode):
            return None
        for key, (node, _) in keys.items():
            if key not in TASK_KEYS:
                hint = RENAMED.get(key)
                hint = hint or ", ".join(map(repr, closest(key, TASK_KEYS, n=1)))
                self.problem(
                    node,
                    name,
                    f"unknown key '{key}'"
                    + (f"; did you mean {hint}?" if hint else f" (known: {', '.join(TASK_KEYS)})"),
                )
        if "call" not in keys:
            self.problem(knode, name, "no 'call': say which function it runs (package.module.func)")
        target = self.target(name, keys["call"][1]) if "call" in keys else None
        args = self.args(name, keys)
        inputs = self.inputs(name, keys)
        needs = self.refs(name, keys, "needs")
        marks = self.markers(name, keys)
        options = self.options(name, keys)
        if options:
            marks.insert(0, getattr(pytest.mark, MARKER).with_args(**options))
        call = None
        if target is not None:
            call = bind(self, name, keys["call"][1], target, args, inputs)
        # a task whose call is broken still takes part, so that its inputs and needs are
        # checked, and tasks naming it are not told it does not exist; it never runs
        job = Job(name, knode.start_mark.line + 1, call or _not_callable(name))
        job.needs, job.marks = needs, marks
        job.inputs = [(param, ref) for param, (_, ref) in inputs.items()]
        return job

    # -- the parts of a task -------------------------------------------------

    def target(self, task: str, node: Node) -> Any:
        ok, path = self.value(node, task)
        if not ok:
            return None
        if not isinstance(path, str):
            self.problem(node, task, f"'call' must be a dotted path, got {kind(node)}")
            return None
        try:
            target = import_target(path, self.search)
        except CallError as exc:
            self.problem(node, task, f"call: {exc}")
            return None
        if not callable(target):
            what = f"{type(target).__name__} {safe_repr(target, 60)}"
            self.problem(node, task, f"call: '{path}' is not callable: it is {what}")
            return None
        return target

    def args(self, task: str, keys: dict[str, tuple[Node, Node]]) -> dict[str, tuple[Node, Any]]:
        if "args" not in keys:
            return {}
        out = {}
        for param, (knode, vnode) in self.mapping(keys["args"][1], task, "'args'").items():
            ok, value = self.value(vnode, task)
            if ok:
                out[param] = (knode, value)
        return out

    def inputs(self, task: str, keys: dict[str, tuple[Node, Node]]) -> dict[str, tuple[Node, Ref]]:
        if "inputs" not in keys:
            return {}
        out = {}
        for param, (knode, vnode) in self.mapping(keys["inputs"][1], task, "'inputs'").items():
            if isinstance(vnode, ScalarNode) and vnode.tag == STR_TAG and vnode.value:
                out[param] = (knode, Ref(vnode.value.lower(), self.at(vnode)))
            else:
                self.problem(vnode, task, f"inputs: '{param}' must name a task, got {kind(vnode)}")
        return out

    def refs(self, task: str, keys: dict[str, tuple[Node, Node]], key: str) -> list[Ref]:
        if key not in keys:
            return []
        named = self.names(keys[key][1], task, f"'{key}'")
        return [Ref(n.lower(), self.at(node)) for n, node in named]

    def options(self, task: str, keys: dict[str, tuple[Node, Node]]) -> dict[str, Any]:
        """The ``@pytest.mark.processes`` options given as keys, checked for type."""
        out: dict[str, Any] = {}
        for key in ("retries", "timeout", "retry_delay", "trigger", "executor", "wave"):
            if key not in keys:
                continue
            node = keys[key][1]
            ok, value = self.value(node, task)
            if not ok:
                continue
            if key == "retries":
                good = isinstance(value, int) and not isinstance(value, bool) and value >= 0
                need = "a whole number of extra attempts (0 or more)"
            elif key == "wave":
                good = isinstance(value, int) and not isinstance(value, bool)
                need = "a whole number (tasks of lower waves finish first)"
            elif key == "timeout":
                good = isinstance(value, (int, float)) and not isinstance(value, bool)
                good = good and value > 0
                need = "a number of seconds above 0"
            elif key == "retry_delay":
                good = isinstance(value, (int, float)) and not isinstance(value, bool)
                good = good and value >= 0
                need = "a number of seconds (0 or more) to wait before a retry"
            else:
                choices = TRIGGERS if key == "trigger" else EXECUTORS
                good = value in choices
                hint = closest(str(value), choices) if isinstance(value, str) else []
                need = f"one of {', '.join(choices)}"
                need += f" (did you mean '{hint[0]}'?)" if hint else ""
            if good:
                out[key] = value
            else:
                self.problem(node, task, f"'{key}' must be {need}, got {kind(node)}")
        if "locks" in keys:
            out["locks"] = tuple(n for n, _ in self.names(keys["locks"][1], task, "'locks'"))
        if "before" in keys:
            out["before"] = self.before(task, keys["before"][1])
        if "retry_on" in keys:
            classes = []
            for name, node in self.names(keys["retry_on"][1], task, "'retry_on'"):
                try:
                    classes.append(resolve_exception(name, self.search))
                except CallError as exc:
                    self.problem(node, task, f"retry_on: {exc}")
            out["retry_on"] = tuple(classes)
        return out

    def before(self, task: str, node: Node) -> tuple[BeforeEntry, ...]:
        """``before``: task name patterns, or ``{when_scheduled: pattern}`` (conditional form)."""
        if not isinstance(node, SequenceNode):
            self.problem(
                node, task, f"'before' must be a list of task name patterns, got {kind(node)}"
            )
            return ()
        out: list[BeforeEntry] = []
        for entry in node.value:
            if isinstance(entry, ScalarNode) and entry.tag == STR_TAG and entry.value:
                out.append(entry.value)
                continue
            if isinstance(entry, MappingNode) and len(entry.value) == 1:
                knode, vnode = entry.value[0]
                if (
                    getattr(knode, "value", None) == "when_scheduled"
                    and isinstance(vnode, ScalarNode)
                    and vnode.tag == STR_TAG
                    and vnode.value
                ):
                    out.append(when_scheduled(vnode.value))
                    continue
            self.problem(
                entry,
                task,
                "before: an entry is a task name pattern or {when_scheduled: pattern}, "
                f"got {kind(entry)}",
            )
        return tuple(out)

    def markers(self, task: str, keys: dict[str, tuple[Node, Node]]) -> list[pytest.MarkDecorator]:
        """``[name, {name: args}]``: args a list (positional), a mapping (keywords) or a value."""
        if "markers" not in keys:
            return []
        node = keys["markers"][1]
        if not isinstance(node, SequenceNode):
            self.problem(node, task, f"'markers' must be a list, got {kind(node)}")
            return []
        marks = []
        for entry in node.value:
            args: tuple[Any, ...] = ()
            kwargs: dict[str, Any] = {}
            if isinstance(entry, MappingNode) and len(entry.value) == 1:
                knode, vnode = entry.value[0]
                ok, value = self.value(vnode, task)
                if not ok:
                    continue
                name = knode.value if isinstance(knode, ScalarNode) else ""
                if isinstance(value, dict):
                    kwargs = {str(k): v for k, v in value.items()}
                elif isinstance(value, list):
                    args = tuple(value)
                elif value is not None:
                    args = (value,)
            elif isinstance(entry, ScalarNode) and entry.tag == STR_TAG:
                name = entry.value
            else:
                self.problem(
                    entry,
                    task,
                    f"markers: an entry is a marker name or {{name: arguments}}, got {kind(entry)}",
                )
                continue
            if not name.isidentifier():
                self.problem(entry, task, f"markers: '{name}' is not a marker name")
                continue
            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always", pytest.PytestUnknownMarkWarning)
                    marks.append(getattr(pytest.mark, name).with_args(*args, **kwargs))
            except pytest.fail.Exception as exc:  # --strict-markers: not registered
                self.problem(entry, task, f"markers: {exc.msg}")
            for w in caught:  # an unknown marker: warn at the job file's line, not here
                try:
                    line = entry.start_mark.line + 1
                    warnings.warn_explicit(w.message, w.category, self.path, line)
                except Warning as exc:  # -W error: a problem like the others
                    self.problem(entry, task, f"markers: {type(exc).__name__}: {exc}")
        return marks
