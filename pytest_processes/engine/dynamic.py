"""Tasks created while the run goes on (``context.create``), on the scheduler's side.

The scheduler builds a :class:`Dynamic` the first time a task starts with a
:class:`Slot` among its keyword arguments (its context, or the results of the
tasks another task created); a run without one never builds it and pays
nothing. Every change to the graph happens on the scheduler's thread: a task on
a pool thread sends its request, wakes the scheduler and blocks for the answer;
a task running on the scheduler's own thread (inline) is answered at once.
A created task is appended to the scheduler's per-task lists; its edges live
here (the flat arrays of the compiled graph stay as they are), so releasing a
dependant stays O(edges). Waiting is in :mod:`.waits`.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..exceptions import DynamicTaskError
from ..model.spec import TaskSpec
from ..model.task_types import TaskStatus
from .before import WhenScheduled, before_matches
from .topology import closest, plan_of
from .upstream import Gather, Plan
from .waits import RunStopping, Waits

if TYPE_CHECKING:
    from .scheduler import Scheduler

__all__ = ["CONTEXT_PARAM", "ContextSlot", "CreatedSlot", "Dynamic", "Slot", "TaskHandle"]

#: the parameter through which a task receives its context (reserved: no task may take the name)
CONTEXT_PARAM = "context"
#: the executors a task that takes a context may run on (it calls back into the scheduler)
CONTEXT_KINDS = ("thread", "inline")


class Slot:
    """A keyword argument the scheduler fills in when its task starts."""

    __slots__ = ()

    def fill(self, run: Dynamic, i: int) -> Any:
        """The value task ``i`` receives in place of this slot."""
        raise NotImplementedError


class ContextSlot(Slot):
    """Where a task's context goes; :meth:`bind` makes it from the run's :class:`TaskHandle`.

    Its ``repr`` differs on every run, so a checkpoint never restores a task that
    may create others: it runs again, and creates them again.
    """

    __slots__ = ("_token",)

    def __init__(self) -> None:
        self._token = uuid.uuid4().hex[:12]

    def fill(self, run: Dynamic, i: int) -> Any:
        run.check_context_executor(i)
        return self.bind(TaskHandle(run, i))

    def bind(self, handle: TaskHandle) -> Any:
        """What the task receives: the handle itself here; the API wraps it."""
        return handle

    def __repr__(self) -> str:
        return f"<context {self._token}>"


class CreatedSlot(Slot):
    """The values of every task that ``creators`` created, as ``{name: value}`` (a fan-in).

    Names are relative to their creator with one creator, else full names.
    ``wrap`` builds the mapping passed (``dict`` by default).
    """

    __slots__ = ("creators", "wrap")

    def __init__(self, creators: Sequence[str], wrap: Any = dict) -> None:
        self.creators = tuple(c.lower() for c in creators)
        self.wrap = wrap

    def fill(self, run: Dynamic, i: int) -> Any:
        return self.wrap(run.created_values(self.creators))

    def __repr__(self) -> str:
        return f"<tasks created by {', '.join(self.creators)}>"


def has_slots(kwargs: dict[str, Any]) -> bool:
    """Whether a task's keyword arguments hold a :class:`Slot` (asked only when it has any)."""
    return any(isinstance(v, Slot) for v in kwargs.values())


class TaskHandle:
    """What a running task may ask of its run: its name, results, and to create or wait."""

    __slots__ = ("_run", "index")

    def __init__(self, run: Dynamic, index: int) -> None:
        self._run = run
        self.index = index

    @property
    def task(self) -> TaskSpec:
        """The running task itself."""
        return self._run.scheduler.tasks[self.index]

    @property
    def name(self) -> str:
        """The running task's name."""
        return self.task.name

    def results(self) -> dict[str, Any]:
        """The values of this task's dependencies that succeeded, by name."""
        return self._run.upstream_values(self.index)

    def create(self, task: TaskSpec) -> str:
        """Add ``task`` to the run (its dependencies may name siblings); returns its full name."""
        name: str = self._run.ask("create", self.index, task)
        return name

    def wait(self, names: Sequence[str]) -> dict[str, Any]:
        """Block until the tasks named have settled; their values, by the names given."""
        found: dict[str, Any] = self._run.ask("wait", self.index, list(names))
        return found


class _Children(Sequence[Sequence[int]]):
    """``children[i]`` of a run that grows: what :class:`Dynamic` knows of each task."""

    def __init__(self, run: Dynamic) -> None:
        self._run = run

    def __len__(self) -> int:
        return len(self._run.scheduler.tasks)

    def __getitem__(self, i: Any) -> Any:
        return self._run.children(i)


class Dynamic(Waits):
    """The part of a run that grows: created tasks, their edges, fan-ins and waiting tasks."""

    def __init__(self, scheduler: Scheduler, topology_wiring: Any, first_created: int) -> None:
        super().__init__()
        self.scheduler = scheduler
        self.thread = threading.get_ident()
        self.first_created = first_created
        self._topology_wiring = topology_wiring
        self.index = {t.name: i for i, t in enumerate(scheduler.tasks)}
        #: edges added at run time: task -> dependants / dependencies beyond the compiled graph
        self.kids: dict[int, list[int]] = {}
        self.parents: dict[int, list[int]] = {}
        #: creator -> tasks it created; creator -> tasks that receive what it created
        self.created: dict[int, list[int]] = {}
        self.fan_ins: dict[int, list[int]] = {}
        self.creator_of: dict[int, int] = {}
        for i, task in enumerate(scheduler.tasks):
            self._note_fan_ins(i, task)
        self.children_view = _Children(self)

    # -- the scheduler's side -------------------------------------------------

    def dependants(self, i: int, flat: Sequence[int], start: Sequence[int]) -> Sequence[int]:
        """Task ``i`` settled: its dependants, compiled (``flat``) and added; waiters are told."""
        if self.waiters:
            self.settled(i)
        compiled = flat[start[i] : start[i + 1]] if i < self.first_created else ()
        extra = self.kids.get(i)
        return compiled if extra is None else [*compiled, *extra]

    def children(self, i: int) -> Sequence[int]:
        """Task ``i``'s dependants, compiled and added (for the downstream impact of a failure)."""
        s = self.scheduler
        compiled = s._kids[s._kid_start[i] : s._kid_start[i + 1]] if i < self.first_created else ()
        return [*compiled, *self.kids.get(i, ())]

    def wiring(self, i: int) -> tuple[Plan | None, Gather | None]:
        """How upstream values reach task ``i``: compiled tasks as before, created ones here."""
        if i < self.first_created:
            wired: tuple[Plan | None, Gather | None] = self._topology_wiring(i)
            return wired
        return plan_of(self.scheduler.tasks[i].dependencies, self.parents.get(i, ()))

    def succeeded(self, j: int) -> bool:
        """Whether task ``j`` has settled as a success."""
        entry = self.scheduler.entries[j]
        return entry is not None and entry.status is TaskStatus.SUCCESS

    def upstream_values(self, i: int) -> dict[str, Any]:
        """The values of task ``i``'s dependencies that succeeded, by name."""
        s = self.scheduler
        names = s.tasks[i].dependency_names
        found = (self.index.get(n) for n in names)
        return {s.tasks[j].name: s.values[j] for j in found if j is not None and self.succeeded(j)}

    def created_values(self, creators: Sequence[str]) -> dict[str, Any]:
        """The values of what ``creators`` created and succeeded (short names for one creator)."""
        s = self.scheduler
        made = [c for name in creators for c in self.created.get(self.index.get(name, -1), ())]
        single = len(creators) == 1
        out: dict[str, Any] = {}
        for c in made:
            if self.succeeded(c):
                name = s.tasks[c].name
                out[name.partition("/")[2] if single else name] = s.values[c]
        return out

    def check_context_executor(self, i: int) -> None:
        """A task that takes a context must run in this process, on a thread or inline."""
        s = self.scheduler
        task = s.tasks[i]
        kind = task.executor or s.executor.name.split("+")[0]
        if kind not in CONTEXT_KINDS:
            raise DynamicTaskError(
                f"task '{task.name}' takes a 'context' but would run on the '{kind}' "
                "executor, which cannot reach the run's scheduler; give it "
                "executor='thread' (create and wait need the task in the run's process)"
            )

    # -- creating -------------------------------------------------------------

    def create(self, creator: int, task: TaskSpec) -> str:
        """Add ``task``, created by task ``creator``, to the run (scheduler thread)."""
        s = self.scheduler
        parent = s.tasks[creator].name
        if s.stop_reason:
            raise RunStopping(f"task '{parent}' cannot create '{task.name}': {s.stop_reason}")
        if task.name in self.index:
            raise DynamicTaskError(
                f"task '{parent}' creates '{task.name}', but a task of that name exists; "
                "give each created task its own name"
            )
        kinds = s.executor.name.split("+")
        if task.executor is not None and task.executor not in kinds:
            raise DynamicTaskError(
                f"task '{parent}' creates '{task.name}' with executor='{task.executor}', but "
                f"this run has no {task.executor} executor (it has {', '.join(kinds)}); give "
                f"a task declared upfront executor='{task.executor}', or leave the option out"
            )
        parents = [self._resolve(parent, task.name, dep) for dep in task.dependencies]
        consumers = self.fan_ins.get(creator, [])
        self._refuse_cycle(parent, task.name, parents, consumers)
        later = self._before_targets(parent, task)
        i = s.add_task(task, creator)
        self.index[task.name] = i
        self.creator_of[i] = creator
        self.created.setdefault(creator, []).append(i)
        self.parents[i] = parents
        self._note_fan_ins(i, task)
        for j in parents:
            self._edge(j, i)
        for c in consumers:
            self._edge(i, c)
            self.parents.setdefault(c, []).append(i)
        for j in later:  # before=: an order-only edge (the target's own task is left as given)
            self._edge(i, j)
            self.parents.setdefault(j, []).append(i)
        s.listener.task_created(i, creator)
        s.created_ready(i)
        return task.name

    def _before_targets(self, parent: str, task: TaskSpec) -> list[int]:
        """The tasks a created task's ``before=`` names, none of which may have started.

        A target that runs, has settled or is ready to start (nothing left to wait
        for) can no longer wait for the created task: a clear error, as is a pattern
        that matches no task. Both ``before`` forms act alike here: the created
        task is scheduled by being created.
        """
        s = self.scheduler
        out: list[int] = []
        for entry in getattr(task, "before", ()):
            pattern = entry.pattern if isinstance(entry, WhenScheduled) else entry
            found = [
                j
                for name, j in self.index.items()
                if before_matches(pattern, name) and name != task.name
            ]
            if not found:
                raise DynamicTaskError(
                    f"task '{parent}' creates '{task.name}' with before={pattern!r}, which "
                    "matches no task of this run; check the name (patterns use * and ?)"
                )
            for j in found:
                if s.entries[j] is not None or s.pending[j] == 0:
                    state = "has finished" if s.entries[j] is not None else "has started"
                    raise DynamicTaskError(
                        f"task '{parent}' creates '{task.name}' to run before "
                        f"'{s.tasks[j].name}', which {state} (or is ready to): it cannot "
                        f"wait any more; make '{s.tasks[j].name}' depend on '{parent}' "
                        "so it starts after the tasks are created"
                    )
            out.extend(found)
        return out

    def _resolve(self, parent: str, name: str, dep: Any) -> int:
        """A created task's dependency: a sibling (``parent/x``) first, then any task."""
        for candidate in (f"{parent}/{dep.task_name}", dep.task_name):
            j = self.index.get(candidate)
            if j is not None:
                dep.task_name = candidate
                return j
        hint = closest(dep.task_name, self.index)
        raise DynamicTaskError(
            f"task '{parent}' creates '{name}', which depends on '{dep.task_name}': no task "
            "of that name exists (yet); create it first"
            + (f"; did you mean {', '.join(map(repr, hint))}?" if hint else "")
        )

    def _edge(self, j: int, c: int) -> None:
        """``c`` depends on ``j``: count it as pending unless ``j`` has settled already."""
        s = self.scheduler
        entry = s.entries[j]
        if entry is None:
            s.pending[c] += 1
            self.kids.setdefault(j, []).append(c)
        elif not self.succeeded(j) and not s.blocked[c]:
            s.blocked[c] = s.blocked[j] or s.tasks[j].name

    def _refuse_cycle(
        self, parent: str, name: str, parents: list[int], consumers: list[int]
    ) -> None:
        """A task that receives what ``parent`` creates cannot also come before one of them."""
        if not consumers or not parents:
            return
        seen: set[int] = set()
        stack = list(parents)
        while stack:
            j = stack.pop()
            if j in seen:
                continue
            seen.add(j)
            if j in consumers:
                other = self.scheduler.tasks[j].name
                raise DynamicTaskError(
                    f"task '{parent}' creates '{name}', which would close a cycle: "
                    f"{other} -> {name} -> {other} ('{name}' depends on '{other}', which "
                    f"receives every task '{parent}' creates)"
                )
            stack.extend(self._parents_of(j))

    def _parents_of(self, j: int) -> list[int]:
        """Task ``j``'s dependencies: compiled ones by name, plus those added at run time."""
        if j >= self.first_created:
            return self.parents.get(j, [])
        names = self.scheduler.tasks[j].dependency_names
        found = [self.index[n] for n in names if n in self.index]
        return [*found, *self.parents.get(j, ())]

    def _note_fan_ins(self, i: int, task: TaskSpec) -> None:
        """Task ``i`` receives what some task creates: it waits for every one of them."""
        for value in task.kwargs.values() if task.kwargs else ():
            if isinstance(value, CreatedSlot):
                for name in value.creators:
                    j = self.index.get(name)
                    if j is not None:
                        self.fan_ins.setdefault(j, []).append(i)
