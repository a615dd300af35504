"""Tasks that wait for others during the run (``context.wait``), without starving the workers.

A mixin of :class:`~.dynamic.Dynamic`. A waiting task lends its worker: the
run gets one more slot, and a thread pool one more thread, until it resumes,
so a one-worker pool still runs what it waits for. A task running on the
scheduler's own thread (inline) drives the scheduler itself while it waits.
A wait that could never end fails at once with a clear error: the task waits
for itself or for a task that depends on it, or every task in flight is
waiting while nothing else can start (a lock it holds, a ``no_failures`` task).
A stop (fail-fast, Ctrl-C) ends every wait with an error.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..exceptions import DynamicTaskError
from ..model.spec import TaskSpec
from .topology import closest

if TYPE_CHECKING:
    from .scheduler import Scheduler

__all__ = ["RunStopping", "Waits"]

#: how long a task waiting on the scheduler's thread polls other executors at a time
POLL = 0.05


class RunStopping(DynamicTaskError):
    """The run stopped while a task created or waited: it counts as cut off, not failed."""


class _Request:
    """A call from a task on a pool thread, answered on the scheduler's thread."""

    __slots__ = ("done", "error", "kind", "payload", "task", "value")

    def __init__(self, kind: str, task: int, payload: Any) -> None:
        self.kind = kind
        self.task = task
        self.payload = payload
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None

    def answer(self, value: Any = None, error: BaseException | None = None) -> None:
        self.value, self.error = value, error
        self.done.set()


class _Waiter:
    """One task's wait: the tasks it waits for, those still unsettled, who to answer."""

    __slots__ = ("error", "left", "names", "request", "task")

    def __init__(self, task: int, names: dict[str, int], request: _Request | None) -> None:
        self.task = task
        self.names = names
        self.left: set[int] = set()
        self.request = request
        #: why the wait failed before it ended (None if it did not)
        self.error: DynamicTaskError | None = None


class Waits:
    """Requests from running tasks, and the tasks waiting for others."""

    if TYPE_CHECKING:
        scheduler: Scheduler
        thread: int
        index: dict[str, int]

        def create(self, creator: int, task: TaskSpec) -> str: ...

        def succeeded(self, j: int) -> bool: ...

        def _parents_of(self, j: int) -> list[int]: ...

    def __init__(self) -> None:
        self.inbox: deque[_Request] = deque()
        self._lock = threading.Lock()
        #: awaited task -> its waiters; waiting task -> its wait
        self.waiters: dict[int, list[_Waiter]] = {}
        self.waiting: dict[int, _Waiter] = {}
        #: why requests are refused now ("" while the run goes on)
        self.closed = ""

    # -- the task's side ------------------------------------------------------

    def ask(self, kind: str, task: int, payload: Any) -> Any:
        """Run ``create``/``wait`` for ``task``: here on the scheduler's thread, else via it."""
        if threading.get_ident() == self.thread:
            if kind == "create":
                return self.create(task, payload)
            return self._wait_here(task, payload)
        request = _Request(kind, task, payload)
        with self._lock:
            if self.closed:
                raise RunStopping(self._refusal(task, self.closed))
            self.inbox.append(request)
        wake = getattr(self.scheduler.executor, "wake", None)
        if wake is not None:
            wake()
        request.done.wait()
        if request.error is not None:
            raise request.error
        return request.value

    # -- the scheduler's side -------------------------------------------------

    def drain(self) -> None:
        """Answer what tasks asked since the last look (after each poll)."""
        while self.inbox:
            request = self.inbox.popleft()
            try:
                if request.kind == "create":
                    request.answer(self.create(request.task, request.payload))
                else:
                    self._begin_wait(request)
            except DynamicTaskError as exc:
                request.answer(error=exc)
            except Exception as exc:  # a bug must fail the asking task, never hang it
                request.answer(error=exc)

    def settled(self, j: int) -> None:
        """Task ``j`` settled: waits that needed only it now end."""
        for waiter in self.waiters.pop(j, ()):
            waiter.left.discard(j)
            if not waiter.left and waiter.request is not None:
                self._end(waiter)

    def stalled(self) -> bool:
        """Every task in flight waits and nothing else can start: no wait can ever end."""
        s = self.scheduler
        return bool(self.waiting) and len(self.waiting) >= len(s._flights) and not s._ready

    def break_stall(self) -> None:
        """Fail every wait of a stalled run, naming what each waited for."""
        for waiter in list(self.waiting.values()):
            self._fail(waiter, DynamicTaskError(self._stall_message(waiter)))

    def stop(self, reason: str) -> None:
        """The run is stopping: refuse new requests, end every wait with an error."""
        with self._lock:
            self.closed = reason
            pending = list(self.inbox)
            self.inbox.clear()
        for request in pending:
            request.answer(error=RunStopping(self._refusal(request.task, reason)))
        for waiter in list(self.waiting.values()):
            if waiter.request is not None:
                self._fail(waiter, RunStopping(self._refusal(waiter.task, reason)))

    # -- waits ----------------------------------------------------------------

    def _waiter(self, task: int, names: Sequence[str], request: _Request | None) -> _Waiter:
        """Resolve the names awaited; a wait on itself or on a dependant is an error."""
        s = self.scheduler
        me = s.tasks[task].name
        found: dict[str, int] = {}
        for name in names:
            low = str(name).lower()
            j = self.index.get(f"{me}/{low}", self.index.get(low))
            if j is None:
                hint = closest(low, self.index)
                raise DynamicTaskError(
                    f"task '{me}' waits for '{name}': no task of that name exists"
                    + (f"; did you mean {', '.join(map(repr, hint))}?" if hint else "")
                )
            if j == task or self._needs(j, task):
                raise DynamicTaskError(
                    f"task '{me}' waits for '{s.tasks[j].name}', which "
                    + ("is itself" if j == task else f"depends on '{me}'")
                    + ": the wait could never end"
                )
            found[str(name)] = j
        waiter = _Waiter(task, found, request)
        waiter.left = {j for j in found.values() if s.entries[j] is None}
        return waiter

    def _needs(self, j: int, task: int) -> bool:
        """Whether task ``j`` depends on ``task``, directly or not."""
        seen: set[int] = set()
        stack = [j]
        while stack:
            k = stack.pop()
            for p in self._parents_of(k):
                if p == task:
                    return True
                if p not in seen:
                    seen.add(p)
                    stack.append(p)
        return False

    def _begin_wait(self, request: _Request) -> None:
        waiter = self._waiter(request.task, request.payload, request)
        if not waiter.left:
            request.answer(self._values(waiter))
            return
        self._register(waiter)
        self._lend(1)

    def _register(self, waiter: _Waiter) -> None:
        self.waiting[waiter.task] = waiter
        for j in waiter.left:
            self.waiters.setdefault(j, []).append(waiter)

    def _unregister(self, waiter: _Waiter) -> None:
        self.waiting.pop(waiter.task, None)
        for j in waiter.left:
            listed = self.waiters.get(j, [])
            if waiter in listed:
                listed.remove(waiter)

    def _end(self, waiter: _Waiter) -> None:
        """A pool thread's wait is over: answer it, and take back the lent slot."""
        self._unregister(waiter)
        self._lend(-1)
        assert waiter.request is not None
        try:
            waiter.request.answer(self._values(waiter))
        except DynamicTaskError as exc:
            waiter.request.answer(error=exc)

    def _fail(self, waiter: _Waiter, error: DynamicTaskError) -> None:
        self._unregister(waiter)
        if waiter.request is not None:
            self._lend(-1)
            waiter.request.answer(error=error)
        else:
            waiter.left.clear()  # the inline loop ends and raises it
            waiter.error = error

    def _values(self, waiter: _Waiter) -> dict[str, Any]:
        """The values awaited, by the names given; an error if one did not succeed."""
        s = self.scheduler
        if waiter.error is not None:
            raise waiter.error
        for name, j in waiter.names.items():
            if not self.succeeded(j):
                entry = s.entries[j]
                status = entry.status.value if entry is not None else "pending"
                reason = f": {entry.reason}" if entry is not None and entry.reason else ""
                raise DynamicTaskError(
                    f"task '{s.tasks[waiter.task].name}' waited for '{name}', which did not "
                    f"succeed ({status}{reason})"
                )
        return {name: s.values[j] for name, j in waiter.names.items()}

    def _lend(self, n: int) -> None:
        """A waiting task lends its worker (``n`` = 1) or takes it back (-1)."""
        s = self.scheduler
        s._window += n
        lend = getattr(s.executor, "lend", None)
        if lend is not None:
            lend(n)

    def _wait_here(self, task: int, names: Sequence[str]) -> dict[str, Any]:
        """Wait on the scheduler's thread: run the scheduler here until the wait is over."""
        waiter = self._waiter(task, names, None)
        if not waiter.left:
            return self._values(waiter)
        s = self.scheduler
        self._register(waiter)
        s._window += 1
        try:
            while waiter.left:
                if s.stop_reason or s._interrupt is not None:
                    raise RunStopping(self._refusal(task, s.stop_reason or "interrupted"))
                s._fill()
                if self.stalled():
                    self._fail(waiter, DynamicTaskError(self._stall_message(waiter)))
                    break
                for key, outcome in s.executor.poll(POLL):
                    s._on_outcome(key, outcome)
                self.drain()
        finally:
            s._window -= 1
            self._unregister(waiter)
        return self._values(waiter)

    def _stall_message(self, waiter: _Waiter) -> str:
        s = self.scheduler
        left = ", ".join(sorted(repr(s.tasks[j].name) for j in waiter.left)) or "?"
        return (
            f"task '{s.tasks[waiter.task].name}' waits for {left}, which cannot start while "
            "every running task waits (a lock a waiting task holds, or a no_failures task); "
            "the wait could never end"
        )

    def _refusal(self, task: int, reason: str) -> str:
        name = self.scheduler.tasks[task].name
        return f"task '{name}' cannot create or wait for tasks: the run is stopping ({reason})"
