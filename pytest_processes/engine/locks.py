"""The lock table: how many running tasks hold each named lock, and who waits for one.

A task names the locks it needs (``Task(locks=...)``); it starts only when
each has a free slot (``limits``, default 1 per lock), else it is parked on
the first full lock and goes back to the front of the ready queue when a
holder releases it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping

__all__ = ["LockTable", "check_limits"]


def check_limits(limits: Mapping[str, int] | None) -> dict[str, int]:
    """A copy of ``limits``, each a positive int (a limit below 1 would never let a task run)."""
    checked = dict(limits or {})
    for lock, limit in checked.items():
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise ValueError(f"limits[{lock!r}] must be a positive int, got {limit!r}")
    return checked


class LockTable:
    """Counts holders per lock and parks the tasks that wait for a full one."""

    __slots__ = ("_held", "_parked", "holding", "limits")

    def __init__(self, limits: Mapping[str, int] | None = None) -> None:
        self.limits = check_limits(limits)
        self._held: dict[str, int] = {}
        self.holding: set[int] = set()
        self._parked: dict[str, deque[int]] = {}

    def acquire(self, i: int, locks: tuple[str, ...]) -> bool:
        """Take every lock of task ``i``, or park it on the first full one and return False."""
        held, limits = self._held, self.limits
        for name in locks:
            if held.get(name, 0) >= limits.get(name, 1):
                self._parked.setdefault(name, deque()).append(i)
                return False
        for name in locks:
            held[name] = held.get(name, 0) + 1
        self.holding.add(i)
        return True

    def release(self, i: int, locks: tuple[str, ...]) -> list[int]:
        """Task ``i`` settled: free its locks (if it held them); the parked tasks that may retry."""
        if i not in self.holding:
            return []
        self.holding.discard(i)
        woken: list[int] = []
        for name in locks:
            self._held[name] -= 1
            parked = self._parked.get(name)
            if parked:
                woken.append(parked.popleft())
        return woken
