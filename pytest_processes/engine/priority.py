"""Critical path first: when several tasks are ready, start the one with the most work below it.

A task's priority is its *remaining path*: its own expected duration plus the
longest chain of expected durations among its dependants, computed for every
task in one reverse topological pass, O(V+E). Expected durations come from
earlier runs (``Process.run(durations=...)``, a checkpoint, pytest's cache);
a task without one counts as the median of the known ones (1.0 if none, which
makes the remaining path a count of tasks). The scheduler uses
:class:`ReadyHeap` only when durations are given; otherwise its ready queue
stays the plain FIFO deque (processes' order, and the fast path).
"""

from __future__ import annotations

import heapq
import math
import statistics
from collections.abc import Mapping, Sequence

__all__ = ["ReadyHeap", "expected_durations", "remaining_paths"]


def expected_durations(names: Sequence[str], durations: Mapping[str, float]) -> list[float]:
    """Expected seconds of each named task; unknown ones count as the median known one."""
    known: dict[str, float] = {}
    for name, seconds in durations.items():
        if isinstance(seconds, (int, float)) and math.isfinite(seconds) and seconds >= 0:
            known[name.lower()] = float(seconds)
    present = [known[n] for n in names if n in known]
    default = statistics.median(present) if present else 1.0
    return [known.get(n, default) for n in names]


def remaining_paths(children: Sequence[Sequence[int]], weights: Sequence[float]) -> list[float]:
    """``weights[i]`` plus the heaviest chain of weights below task ``i``, for every task.

    ``children[i]`` are task ``i``'s dependants. One Kahn pass gives a
    topological order; walking it backwards settles each task after all of its
    dependants. Tasks on a cycle (never the case for a validated graph) get
    their own weight.
    """
    n = len(children)
    indegree = [0] * n
    for kids in children:
        for c in kids:
            indegree[c] += 1
    order = [i for i in range(n) if indegree[i] == 0]
    for i in order:  # the list grows while it is walked: a queue without the deque
        for c in children[i]:
            indegree[c] -= 1
            if indegree[c] == 0:
                order.append(c)
    remaining = list(weights)
    for i in reversed(order):
        kids = children[i]
        if kids:
            remaining[i] = weights[i] + max([remaining[c] for c in kids])
    return remaining


class ReadyHeap:
    """The ready queue when priorities are in play: highest priority first, FIFO among equals.

    It offers the three deque operations the scheduler uses; ``appendleft``
    (a task parked on a lock gets its turn back) keeps the task's priority.
    """

    __slots__ = ("_heap", "_priority", "_serial")

    def __init__(self, priority: Sequence[float]) -> None:
        self._priority = priority
        self._heap: list[tuple[float, int, int]] = []
        self._serial = 0

    def append(self, i: int) -> None:
        self._serial += 1
        heapq.heappush(self._heap, (-self._priority[i], self._serial, i))

    appendleft = append

    def popleft(self) -> int:
        return heapq.heappop(self._heap)[2]

    def __len__(self) -> int:
        return len(self._heap)

    def __bool__(self) -> bool:
        return bool(self._heap)
