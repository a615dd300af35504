"""Critical path first vs plain ready order: makespan of a layered graph with skewed durations.

A seeded 200-task graph (10 layers of 20; each task depends on 1 to 3 tasks of
the layer above) whose task bodies sleep: most take a few milliseconds, a few
take much longer (a Pareto tail), as in a real pipeline where some steps
dominate. It runs on 4 worker threads, three times per mode (best kept):

* ``plain``: no durations, the FIFO ready queue (processes' order);
* ``critical-path``: ``run(durations=...)`` with the true durations, as a
  previous run would have recorded them.

Each makespan is compared with the lower bound ``max(critical path, total
work / workers)``: no schedule can beat it. The script takes about 7 s.

Usage::

    python benchmarks/bench_priority.py [--seed N] [--scale S] [--reps N]
"""

from __future__ import annotations

import argparse
import random
import time

from pytest_processes import Process, Task, TaskDependency
from pytest_processes.engine.priority import remaining_paths

LAYERS = 10
WIDTH = 20
WORKERS = 4


def make_durations(rnd: random.Random, n: int, scale: float) -> list[float]:
    """Seconds per task: mostly short, a heavy tail (Pareto, capped)."""
    return [scale * min(0.004 * rnd.paretovariate(1.2), 0.25) for _ in range(n)]


def make_graph(seed: int, scale: float) -> tuple[list[Task], dict[str, float], list[list[int]]]:
    """The tasks, their durations by name, and each task's dependants (by index)."""
    rnd = random.Random(seed)
    n = LAYERS * WIDTH
    seconds = make_durations(rnd, n, scale)
    children: list[list[int]] = [[] for _ in range(n)]
    tasks: list[Task] = []
    for i in range(n):
        layer = i // WIDTH
        deps: list[int] = []
        if layer:
            above = range((layer - 1) * WIDTH, layer * WIDTH)
            deps = rnd.sample(above, rnd.randint(1, 3))
        for d in deps:
            children[d].append(i)
        tasks.append(
            Task(
                f"t{i}",
                time.sleep,
                args=(seconds[i],),
                dependencies=[TaskDependency(f"t{d}") for d in deps],
            )
        )
    return tasks, {f"t{i}": s for i, s in enumerate(seconds)}, children


def makespan(seed: int, scale: float, durations: dict[str, float] | None) -> float:
    tasks, _, _ = make_graph(seed, scale)
    started = time.perf_counter()
    report = Process(tasks).run(parallel=True, max_workers=WORKERS, durations=durations)
    elapsed = time.perf_counter() - started
    assert report.ok, report.errored
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every duration")
    parser.add_argument("--reps", type=int, default=3, help="runs per mode (best is kept)")
    args = parser.parse_args()
    _, durations, children = make_graph(args.seed, args.scale)
    weights = [durations[f"t{i}"] for i in range(len(children))]
    critical = max(remaining_paths(children, weights))
    work = sum(weights)
    bound = max(critical, work / WORKERS)
    print(
        f"{len(weights)} tasks, {WORKERS} workers: total work {work:.2f} s, "
        f"critical path {critical:.2f} s, lower bound {bound:.2f} s"
    )
    results: dict[str, float] = {"plain": float("inf"), "critical-path": float("inf")}
    for _ in range(args.reps):  # interleaved, so drifting machine load hits both modes
        results["plain"] = min(results["plain"], makespan(args.seed, args.scale, None))
        results["critical-path"] = min(
            results["critical-path"], makespan(args.seed, args.scale, durations)
        )
    print("| mode | makespan (s) | / lower bound |")
    print("|---|---|---|")
    for mode, seconds in results.items():
        print(f"| {mode} | {seconds:.3f} | {seconds / bound:.2f}x |")
    print(f"plain / critical-path: {results['plain'] / results['critical-path']:.2f}x")


if __name__ == "__main__":
    main()
