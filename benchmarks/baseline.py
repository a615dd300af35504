"""Reference scheduler: a hand-written ``ThreadPoolExecutor`` ready-queue, O(V + E).

The yardstick for "how fast can a thread-pool DAG runner be in pure Python",
meant to be a competent baseline, not a strawman:

* construction builds the plain dict graph ``{task: [parent, ...]}`` from the
  same parent lists the libraries' tasks are made of, with children lists and
  in-degree counters, and checks it is a DAG (``PlainGraph``);
* at run time a task is submitted the moment its last dependency finishes, with
  its parents' results appended to its arguments as the libraries do;
  ``add_done_callback`` hands the future to a ``SimpleQueue`` that the main
  thread drains, releasing children by decrementing their counters.

It has no logging, reports, retries, timeouts or failure handling (the benchmark
bodies never fail), so the ratio against it is the price of those features.
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial


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
