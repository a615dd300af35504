"""Reference scheduler: a plain ``ThreadPoolExecutor`` ready-queue, O(V + E).

This is the yardstick for "how fast can a thread-pool DAG runner be in pure
Python": no logging, no reports, no result passing, just dependency counting.
It is meant to be a competent baseline, not a strawman:

* the graph is indexed once (``BaselineGraph``, the "build" phase): names become
  integer ids, children lists and in-degree counters are plain lists, and the
  graph is validated (unknown dependency, cycle) like the libraries do;
* at run time a task is submitted the moment its last dependency finishes;
  ``add_done_callback`` pushes ``(id, ok)`` on a ``SimpleQueue`` that the main
  thread drains, releasing children by decrementing their counters;
* a failed task marks its descendants as skipped without running them.
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial

SUCCESS = "success"
ERRORED = "errored"
SKIPPED = "skipped"


class BaselineGraph:
    """A DAG indexed for scheduling: integer ids, children lists and in-degrees."""

    __slots__ = ("children", "funcs", "indegree", "names")

    def __init__(self, spec: Sequence[tuple[str, Sequence[str]]], func: Callable[[], object]):
        """Index ``spec`` (``(name, deps)`` pairs) and check it is a DAG; O(V + E)."""
        self.names: list[str] = [name for name, _ in spec]
        index = {name: i for i, name in enumerate(self.names)}
        if len(index) != len(self.names):
            raise ValueError("duplicate task name")
        self.funcs: list[Callable[[], object]] = [func] * len(self.names)
        self.children: list[list[int]] = [[] for _ in self.names]
        self.indegree: list[int] = [len(deps) for _, deps in spec]
        for i, (name, deps) in enumerate(spec):
            for dep in deps:
                try:
                    self.children[index[dep]].append(i)
                except KeyError:
                    raise ValueError(f"{name} depends on unknown task {dep}") from None
        self._check_acyclic()

    def _check_acyclic(self) -> None:
        """Kahn's algorithm over the counters; raises ``ValueError`` on a cycle."""
        remaining = self.indegree.copy()
        stack = [i for i, d in enumerate(remaining) if d == 0]
        seen = 0
        while stack:
            i = stack.pop()
            seen += 1
            for c in self.children[i]:
                remaining[c] -= 1
                if remaining[c] == 0:
                    stack.append(c)
        if seen != len(self.names):
            raise ValueError("dependency cycle")


def _on_done(put: Callable[[tuple[int, bool]], None], i: int, fut: Future[object]) -> None:
    """Done-callback (runs in the worker thread): report task ``i`` and whether it succeeded."""
    put((i, fut.exception() is None))


def run_baseline(graph: BaselineGraph, max_workers: int = 4) -> list[str]:
    """Run every task of ``graph`` on a thread pool; return one status string per task."""
    n = len(graph.names)
    status: list[str] = [""] * n
    if n == 0:
        return status
    children = graph.children
    funcs = graph.funcs
    remaining = graph.indegree.copy()
    blocked = [False] * n
    done: queue.SimpleQueue[tuple[int, bool]] = queue.SimpleQueue()
    put = done.put
    resolved = 0

    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        submit = pool.submit

        def launch(i: int) -> None:
            submit(funcs[i]).add_done_callback(partial(_on_done, put, i))

        for i in range(n):
            if remaining[i] == 0:
                launch(i)

        while resolved < n:
            i, ok = done.get()
            # Resolve ``i``; a failure cascades to descendants without running them.
            stack: list[tuple[int, str]] = [(i, SUCCESS if ok else ERRORED)]
            while stack:
                j, outcome = stack.pop()
                status[j] = outcome
                resolved += 1
                failed = outcome != SUCCESS
                for c in children[j]:
                    if failed:
                        blocked[c] = True
                    remaining[c] -= 1
                    if remaining[c] == 0:
                        if blocked[c]:
                            stack.append((c, SKIPPED))
                        else:
                            launch(c)
    return status


class PlainGraph:
    """The hand-written reference's graph: parent lists in a dict, children lists, in-degrees."""

    __slots__ = ("children", "indegree", "parents")

    def __init__(self, parents: Sequence[Sequence[int]]) -> None:
        """Build and validate the plain dict graph ``{task: [parent, ...]}``; O(V + E)."""
        self.parents: dict[int, list[int]] = {i: list(ps) for i, ps in enumerate(parents)}
        n = len(self.parents)
        self.children: list[list[int]] = [[] for _ in range(n)]
        self.indegree = [len(ps) for ps in self.parents.values()]
        for i, ps in self.parents.items():
            for p in ps:
                if not 0 <= p < n:
                    raise ValueError(f"task {i} depends on unknown task {p}")
                self.children[p].append(i)
        remaining = self.indegree.copy()
        stack, seen = [i for i in range(n) if not remaining[i]], 0
        while stack:
            seen += 1
            for c in self.children[stack.pop()]:
                remaining[c] -= 1
                if remaining[c] == 0:
                    stack.append(c)
        if seen != n:
            raise ValueError("dependency cycle")


def run_plain(graph: PlainGraph, func: Callable[..., object], max_workers: int) -> list[object]:
    """Run ``func(i, *parent results)`` for every task on a thread pool; return the results."""
    n = len(graph.indegree)
    results: list[object] = [None] * n
    parents, children = graph.parents, graph.children
    remaining = graph.indegree.copy()
    done: queue.SimpleQueue[tuple[int, Future[object]]] = queue.SimpleQueue()
    with ThreadPoolExecutor(max_workers=max_workers) as pool:

        def launch(i: int) -> None:
            args = [results[p] for p in parents[i]]
            fut = pool.submit(func, i, *args)
            fut.add_done_callback(partial(_settled, done.put, i))

        for i in range(n):
            if remaining[i] == 0:
                launch(i)
        for _ in range(n):
            i, fut = done.get()
            results[i] = fut.result()  # a failure raises: the benchmark bodies never fail
            for c in children[i]:
                remaining[c] -= 1
                if remaining[c] == 0:
                    launch(c)
    return results


def _settled(
    put: Callable[[tuple[int, Future[object]]], None], i: int, fut: Future[object]
) -> None:
    """Done-callback (runs in the worker thread): hand task ``i``'s future to the main thread."""
    put((i, fut))
