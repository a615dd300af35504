"""Send-ahead: dependants go to an executor that can hold them until their upstream finishes.

Only for executors that are :class:`~.executors.SendsAhead` (Dask). Each
dependant is submitted for real (hooks, report) when it becomes ready, and
the executor then reuses the attempt it holds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .attempt import Call
from .executors import SendsAhead
from .upstream import Plan, inject

if TYPE_CHECKING:
    from ..model.spec import TaskSpec
    from .scheduler import Scheduler

__all__ = ["SendAhead"]

MakeCall = Callable[["TaskSpec", tuple[Any, ...], dict[str, Any], Plan | None], Call]


class SendAhead:
    """Which tasks were sent ahead, and the walk that sends more once one is on the executor."""

    __slots__ = ("_executor", "_parents", "sent")

    def __init__(self, executor: SendsAhead, n: int) -> None:
        self._executor = executor
        self.sent = [False] * n
        self._parents: list[list[int]] = []

    def after_submit(self, run: Scheduler, i: int, make_call: MakeCall) -> None:
        """Task ``i`` is on the executor: so are its dependants whose dependencies all are.

        Only ``all_success`` tasks without locks, fan-in or fixtures qualify: the
        executor holds each until its upstream attempts finish and skips the call
        if one did not succeed.
        """
        sent, entries, pending, tasks = self.sent, run.entries, run.pending, run.tasks
        if not self._parents:
            self._parents = parents_of(run.children)
        sent[i] = True
        work = [i]
        while work and not run.stop_reason:
            for c in run.children[work.pop()]:
                task = tasks[c]
                if sent[c] or pending[c] == 0 or run.blocked[c]:
                    continue
                if task.trigger != "all_success" or task.locks:
                    continue
                plan, gather = run.wiring(c)
                if gather is not None:
                    continue
                parents = self._parents[c]
                if not all(sent[d] or entries[d] is not None for d in parents):
                    continue
                args, kwargs = task.args, task.kwargs
                if plan is not None:  # upstream values not known yet are None here
                    args, kwargs = inject(args, kwargs, plan, run.values)
                if self._executor.submit_ahead(c, make_call(task, args, kwargs, plan), parents):
                    sent[c] = True
                    work.append(c)


def parents_of(children: Sequence[Sequence[int]]) -> list[list[int]]:
    """Each task's dependencies, from the dependants of each."""
    parents: list[list[int]] = [[] for _ in children]
    for j, kids in enumerate(children):
        for c in kids:
            parents[c].append(j)
    return parents
