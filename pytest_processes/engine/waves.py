"""Waves (``wave=N``): coarse ordering of task groups, held back in the ready queue.

Every task of a lower wave settles before any task of a higher wave starts;
within a wave, tasks run in parallel under their dependencies and locks. The
scheduler's ready queue is wrapped by a :class:`WaveQueue` only when some task
has a wave other than 0, so a graph without waves runs exactly as before. No
edge is added: a task of a later wave that becomes ready is held, and released
once every task of the earlier waves has settled (each task is checked once
per wave, O(V) for the whole run). Waves order, they do not depend: a failure
in wave 1 skips its own dependants only, and wave 2 still runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from ..model.spec import TaskSpec

__all__ = ["WaveQueue", "check_wave", "task_wave", "wave_problems", "wave_queue"]


class _Queue(Protocol):
    """The deque operations the scheduler uses on its ready queue."""

    def append(self, i: int, /) -> None: ...

    def appendleft(self, i: int, /) -> None: ...

    def popleft(self) -> int: ...

    def __len__(self) -> int: ...


def task_wave(task: object) -> int:
    """The wave of ``task`` (0 for a task that has none, like any processes task)."""
    wave: int = getattr(task, "wave", 0)
    return wave


def check_wave(name: str, wave: object) -> None:
    """``TypeError`` unless ``wave`` is an int (a bool is not)."""
    if not isinstance(wave, int) or isinstance(wave, bool):
        raise TypeError(f"Task '{name}': wave must be an int, got {wave!r}")


def wave_problems(tasks: Sequence[TaskSpec]) -> list[tuple[str, str]]:
    """Each dependency of a task on a task of a later wave, as ``(task name, message)``.

    Such a task would wait forever: its wave cannot end before the later one starts.
    """
    if not any(map(task_wave, tasks)):
        return []
    waves = {t.name: task_wave(t) for t in tasks}
    problems = []
    for task in tasks:
        mine = waves[task.name]
        for dep in task.dependency_names:
            theirs = waves.get(dep, mine)
            if theirs > mine:
                problems.append(
                    (
                        task.name,
                        f"task '{task.name}' (wave {mine}) depends on '{dep}' (wave {theirs}): "
                        "a task cannot wait for a later wave; move "
                        f"'{task.name}' to wave {theirs} or later, or '{dep}' to wave {mine} "
                        "or earlier",
                    )
                )
    return problems


def wave_queue(tasks: Sequence[TaskSpec], ready: Any, entries: list[Any]) -> WaveQueue | None:
    """``ready`` wrapped to hold later waves back; None when no task has a wave (the plain case).

    ``entries[i]`` is task ``i``'s report entry, None until it settles. A
    dependency on a later wave is a ``ValueError`` (it would never run).
    """
    if not any(map(task_wave, tasks)):  # one pass, no list: the plain case stays as it was
        return None
    waves = list(map(task_wave, tasks))
    problems = wave_problems(tasks)
    if problems:
        raise ValueError("; ".join(message for _, message in problems))
    return WaveQueue(ready, waves, entries)


class WaveQueue:
    """A ready queue that holds tasks of later waves until the earlier waves have settled.

    It offers the deque operations the scheduler uses; the check for the end
    of a wave happens when the scheduler asks whether anything is ready.
    """

    __slots__ = ("_entries", "_held", "_inner", "_level", "_levels", "_members", "_pos", "_waves")

    def __init__(self, inner: _Queue, waves: list[int], entries: list[Any]) -> None:
        self._inner = inner
        self._waves = waves
        self._entries = entries
        self._levels = sorted(set(waves))
        self._members: dict[int, list[int]] = {w: [] for w in self._levels}
        for i, w in enumerate(waves):
            self._members[w].append(i)
        self._level = 0  # index of the current wave in ``_levels``
        self._pos = 0  # members of the current wave before this one have settled
        self._held: dict[int, list[int]] = {}

    @property
    def current(self) -> int:
        """The wave whose tasks may start now."""
        return self._levels[self._level]

    def append(self, i: int) -> None:
        wave = self._waves[i]
        if wave > self._levels[self._level]:
            self._held.setdefault(wave, []).append(i)
        else:
            self._inner.append(i)

    def appendleft(self, i: int) -> None:
        wave = self._waves[i]
        if wave > self._levels[self._level]:
            self._held.setdefault(wave, []).append(i)
        else:
            self._inner.appendleft(i)

    def adopt(self, i: int, creator: int) -> None:
        """Task ``i``, created during the run, is of its creator's wave: the wave ends after it."""
        wave = self._waves[creator]
        self._waves.append(wave)
        self._members[wave].append(i)

    def popleft(self) -> int:
        return self._inner.popleft()

    def __len__(self) -> int:
        self._advance()
        return len(self._inner)

    def __bool__(self) -> bool:
        self._advance()
        return len(self._inner) > 0

    def _advance(self) -> None:
        """Move to the next wave (releasing its held tasks) while the current one has settled."""
        entries, levels = self._entries, self._levels
        while self._level < len(levels) - 1:
            members = self._members[levels[self._level]]
            pos = self._pos
            while pos < len(members) and entries[members[pos]] is not None:
                pos += 1
            self._pos = pos
            if pos < len(members):
                return
            self._level += 1
            self._pos = 0
            for i in self._held.pop(levels[self._level], ()):
                self._inner.append(i)
