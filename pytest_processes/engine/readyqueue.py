"""How a run's ready queue is set up, once, before the run starts.

The queue is a FIFO deque, a heap by remaining path when expected durations are
given (critical path first, see :mod:`.priority`), or either wrapped to hold later
waves back (see :mod:`.waves`). With it: the window (how many calls may wait on
the executor at once) and whether dependants are sent ahead (see :mod:`.sendahead`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from ..model.spec import TaskSpec
from .executors import Executor, SendsAhead
from .priority import ReadyHeap, expected_durations, remaining_paths
from .sendahead import SendAhead
from .waves import WaveQueue, wave_queue

__all__ = ["QueueSetup", "queue_setup"]

_TIMED = attrgetter("timeout")


@dataclass(slots=True, kw_only=True)
class QueueSetup:
    """The ready queue of a run, its window, its priorities and its send-ahead."""

    ready: deque[int] | ReadyHeap | WaveQueue
    #: calls that may wait on the executor at once
    window: int
    #: each task's remaining path when durations are given (critical path first), else None
    priorities: list[float] | None
    #: sends dependants to an executor that can hold them (Dask), else None
    ahead: SendAhead | None


def queue_setup(
    tasks: Sequence[TaskSpec],
    executor: Executor,
    children: Sequence[Sequence[int]],
    entries: list[Any],
    *,
    prefetch: bool,
    fail_fast: bool,
    durations: Mapping[str, float] | None,
    prepares: bool,
    plain: bool = False,
) -> QueueSetup:
    """The ready queue for ``tasks`` on ``executor``; ``entries``: the run's, None until settled.

    Queueing beyond the worker count would let a queued task start before a failure
    is seen: when a failure may stop the run, or a heap picks the next task as each
    worker frees up, the window is one call per worker. Send-ahead needs nothing to
    happen on the scheduler's side before a call (no priorities, no ``prepare``
    listener, no waves). ``plain``: no task has options beyond processes' (so no wave, no
    lock); with no timeout either, the executor's ``burst`` window (if it has one) is used.
    """
    window = executor.window if prefetch and not fail_fast else executor.workers
    if plain and prefetch and not fail_fast and durations is None and not any(map(_TIMED, tasks)):
        window = getattr(executor, "burst", window)  # a deeper queue, if the executor has one
    ready: deque[int] | ReadyHeap | WaveQueue = deque()
    priorities = None
    if durations is not None:
        weights = expected_durations([t.name for t in tasks], durations)
        priorities = remaining_paths(children, weights)
        ready, window = ReadyHeap(priorities), executor.workers
    eager = prefetch and not fail_fast and durations is None and not prepares
    ahead = SendAhead(executor, len(tasks)) if eager and isinstance(executor, SendsAhead) else None
    held = None if plain else wave_queue(tasks, ready, entries)  # None unless a task has a wave
    if held is not None:  # later waves wait in the queue: nothing may be sent ahead
        ready, ahead = held, None
    return QueueSetup(ready=ready, window=window, priorities=priorities, ahead=ahead)
