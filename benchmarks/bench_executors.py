"""Benchmark the executors: processes against threads on CPU work, and Dask against Dask.

Four measurements, printed as Markdown tables with ratios, then one verdict per target:

* **A. CPU-bound work**: 8 independent tasks of ~0.3 s of pure-Python CPU each,
  2 workers: sequential (``inline``), ``thread``, ``process`` and ``dask`` (a
  ``LocalCluster`` of 2 single-threaded worker processes, started once and not
  timed). Target: ``process`` at least 1.8x faster than sequential.
* **B. Scheduling overhead**: the seeded random DAG of ``graphs.py`` (mean
  in-degree 3, no-op tasks) on every executor; Dask runs ``--n-remote`` tasks
  (10,000 by default, the size the Dask target is stated for).
* **C. Process timeout**: a task that sleeps past its 0.5 s deadline on a
  1-worker pool, with a second task queued behind it: how long after the
  deadline the second one starts on the replacement worker. Target: within 0.5 s.
* **D. Dask overhead**: the same DAG through ``DaskExecutor`` and through
  Dask's own futures API (``client.submit`` with the upstream futures as
  arguments and Dask's default keys, then one ``gather`` of every result), the
  two alternating run by run so that the machine's load hits both alike.
  Target: at most 1.5x.

Timings are best-of-``--reps`` wall clock, in this one interpreter; the local
executors run before the cluster starts (its idle processes take CPU too), and
the process pool's forkserver is warmed up first. ``--dask-only`` runs D alone.
Usage::

    python benchmarks/bench_executors.py [--quick] [--dask-only] [--n 10000]
        [--n-remote 10000] [--reps 3]
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # graphs/cpu_bodies, and the working tree

import cpu_bodies  # noqa: E402
from graphs import Spec, noop, random_dag, to_library_tasks  # noqa: E402

import pytest_processes as pp  # noqa: E402
from pytest_processes.engine.dask_executor import DaskExecutor  # noqa: E402

CPU_TASKS = 8
CPU_SECONDS = 0.3
WORKERS = 2
TIMEOUT = 0.5
TARGET_SPEEDUP = 1.8
TARGET_SLOT_FREE = 0.5
TARGET_DASK_RATIO = 1.5


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def best(reps: int, run: Callable[[], None]) -> float:
    """Best wall time of ``reps`` calls of ``run``."""
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    return min(times)


def calibrate() -> int:
    """Loop iterations of ``cpu_bodies.burn`` that take about ``CPU_SECONDS`` here."""
    n = 200_000
    t0 = time.perf_counter()
    cpu_bodies.burn(n)
    elapsed = time.perf_counter() - t0
    return int(n * CPU_SECONDS / elapsed)


def run_process(tasks: list[Any], executor: Any, workers: int = WORKERS) -> Any:
    report = pp.Process(tasks).run(executor=executor, max_workers=workers)
    bad = [e.name for e in report.entries.values() if e.status is not pp.TaskStatus.SUCCESS]
    if bad:
        raise RuntimeError(f"{len(bad)} task(s) did not succeed, e.g. {bad[:3]}")
    return report


LOCAL = {"sequential": "inline", "thread": "thread", "process": "process"}


# -- A: CPU-bound ------------------------------------------------------------------------------


def cpu_tasks() -> list[Any]:
    n = calibrate()
    log(f"A: {CPU_TASKS} tasks x burn({n:,}) (~{CPU_SECONDS}s each)")
    return [pp.Task(f"cpu{i}", cpu_bodies.burn, args=(n,)) for i in range(CPU_TASKS)]


def bench_cpu(tasks: list[Any], reps: int) -> dict[str, float]:
    """The local executors, interleaved per repetition so that noise hits them alike."""
    times: dict[str, list[float]] = {name: [] for name in LOCAL}
    for _ in range(reps):
        for name, kind in LOCAL.items():
            times[name].append(best(1, lambda kind=kind: run_process(tasks, kind)))
    out = {name: min(samples) for name, samples in times.items()}
    for name, took in out.items():
        log(f"  {name}: {took:.2f}s")
    return out


# -- B: scheduling overhead ----------------------------------------------------------------------


def bench_graph(spec: Spec, reps: int) -> dict[str, tuple[int, float]]:
    out = {}
    tasks = to_library_tasks(pp, spec, noop)
    for name, kind in LOCAL.items():
        took = best(reps, lambda kind=kind: run_process(tasks, kind))
        out[name] = (len(spec), took)
        log(f"B: {name} {len(spec):,} tasks: {took:.2f}s")
    return out


# -- C: process timeout ----------------------------------------------------------------------------


def bench_timeout(reps: int) -> list[float]:
    delays = []
    for _ in range(max(reps, 5)):
        tasks = [
            pp.Task("stuck", cpu_bodies.hang, args=(30.0,), timeout=TIMEOUT),
            pp.Task("next", cpu_bodies.stamp),
        ]
        report = pp.Process(tasks).run(executor="process", max_workers=1)
        stuck, nxt = report.entries["stuck"], report.entries["next"]
        assert stuck.error_type == "TimeoutError" and stuck.started_at is not None
        delays.append(nxt.result - (stuck.started_at + TIMEOUT))
    log(f"C: slot free after {statistics.median(delays) * 1000:.0f} ms (median)")
    return delays


# -- D: Dask against Dask ----------------------------------------------------------------------


def dask_direct(client: Any, spec: Spec) -> None:
    """The graph through Dask's own futures API: upstream futures as arguments, one gather.

    Keys are Dask's default for ``pure=False`` (``after-<uuid>``): one key group,
    as Dask recommends (its scheduler does work per group on every submission).
    """
    futures: dict[str, Any] = {}
    for name, deps in spec:
        futures[name] = client.submit(cpu_bodies.after, *[futures[d] for d in deps], pure=False)
    client.gather(list(futures.values()))


def timed(run: Callable[[], None]) -> float:
    """Wall time of one call of ``run``, after collecting the previous run's garbage."""
    gc.collect()  # futures of the previous run still held by cycles would stay on the cluster
    t0 = time.perf_counter()
    run()
    return time.perf_counter() - t0


def bench_dask_ratio(client: Any, spec: Spec, reps: int) -> tuple[float, float]:
    """D: DaskExecutor against Dask's futures API on ``spec``, alternating, best of ``reps``."""
    tasks = to_library_tasks(pp, spec, noop)
    ours: list[float] = []
    direct: list[float] = []
    for rep in range(reps):
        ours.append(timed(lambda: run_process(tasks, DaskExecutor(client))))
        direct.append(timed(lambda: dask_direct(client, spec)))
        log(f"D: {len(spec):,} tasks, run {rep + 1}: ours {ours[-1]:.2f}s, Dask {direct[-1]:.2f}s")
    return min(ours), min(direct)


def bench_dask(
    client: Any, cpu: list[Any], spec: Spec, reps: int
) -> tuple[float, tuple[int, float], tuple[float, float]]:
    """A and B on Dask, then D: the DAG through DaskExecutor and through Dask's own API."""
    on_cpu = best(reps, lambda: run_process(cpu, DaskExecutor(client)))
    log(f"A: dask: {on_cpu:.2f}s")
    ours, direct = bench_dask_ratio(client, spec, reps)
    return on_cpu, (len(spec), ours), (ours, direct)


def start_cluster() -> tuple[Any, Any]:
    import distributed

    t0 = time.perf_counter()
    cluster = distributed.LocalCluster(
        n_workers=WORKERS,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    )
    client = distributed.Client(cluster)
    log(f"LocalCluster up in {time.perf_counter() - t0:.1f}s (not timed)")
    run_process([pp.Task("warm", noop)], DaskExecutor(client))
    return cluster, client


# -- report ----------------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "**met**" if ok else "**NOT met**"


def report(
    cpu: dict[str, float],
    graph: dict[str, tuple[int, float]],
    delays: list[float],
    dask: tuple[float, float],
    n_remote: int,
) -> None:
    seq = cpu["sequential"]
    print(
        f"\n### A. {CPU_TASKS} CPU-bound tasks of ~{CPU_SECONDS}s, {WORKERS} workers, "
        f"{os.cpu_count()} cores\n"
    )
    print("| executor | wall (s) | speed-up vs sequential |\n|---|---:|---:|")
    for name, took in cpu.items():
        print(f"| {name} | {took:.2f} | {seq / took:.2f}x |")
    print("\n### B. random DAG (mean in-degree 3), no-op tasks\n")
    print("| executor | tasks | wall (s) | us/task | vs thread |\n|---|---:|---:|---:|---:|")
    thread_us = graph["thread"][1] / graph["thread"][0]
    for name, (n, took) in graph.items():
        print(
            f"| {name} | {n:,} | {took:.2f} | {took / n * 1e6:,.0f} | {took / n / thread_us:.2f}x |"
        )
    print(f"\n### C. process timeout ({TIMEOUT}s deadline, 1 worker, {len(delays)} runs)\n")
    print("| slot free after deadline | median | max |\n|---|---:|---:|")
    print(
        f"| next task started | {statistics.median(delays) * 1000:.0f} ms | "
        f"{max(delays) * 1000:.0f} ms |"
    )
    report_dask(dask, n_remote)
    print("\n### Targets\n")
    speedup = seq / cpu["process"]
    print(
        f"- process >= {TARGET_SPEEDUP}x sequential on CPU work: {speedup:.2f}x "
        f"{verdict(speedup >= TARGET_SPEEDUP)}"
    )
    worst = max(delays)
    print(
        f"- timeout frees the slot within {TARGET_SLOT_FREE}s: worst {worst:.3f}s "
        f"{verdict(worst <= TARGET_SLOT_FREE)}"
    )
    dask_verdict(dask)


def report_dask(dask: tuple[float, float], n_remote: int) -> None:
    ours, direct = dask
    print(f"\n### D. Dask: DaskExecutor vs Dask's own futures API ({n_remote:,}-task random DAG)\n")
    print("| driver | wall (s) | us/task | ratio |\n|---|---:|---:|---:|")
    print(
        f"| Dask futures (client.submit + deps) | {direct:.2f} | "
        f"{direct / n_remote * 1e6:,.0f} | 1.00x |"
    )
    print(
        f"| pytest_processes DaskExecutor | {ours:.2f} | {ours / n_remote * 1e6:,.0f} | "
        f"{ours / direct:.2f}x |"
    )


def dask_verdict(dask: tuple[float, float]) -> None:
    ours, direct = dask
    ratio = ours / direct
    print(
        f"- Dask overhead <= {TARGET_DASK_RATIO}x Dask's futures API: {ratio:.2f}x "
        f"{verdict(ratio <= TARGET_DASK_RATIO)}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small graphs, one repetition")
    parser.add_argument("--dask-only", action="store_true", help="only D, the Dask comparison")
    parser.add_argument("--n", type=int, default=10_000, help="tasks of the random DAG")
    parser.add_argument("--n-remote", type=int, default=10_000, help="tasks of the Dask DAG")
    parser.add_argument("--reps", type=int, default=3, help="best of this many runs")
    args = parser.parse_args(argv)
    if args.quick:
        args.n, args.n_remote, args.reps = 2_000, 300, 1
    if args.dask_only:
        cluster, client = start_cluster()
        try:
            dask = bench_dask_ratio(client, random_dag(args.n_remote), args.reps)
        finally:
            client.close()
            cluster.close()
        report_dask(dask, args.n_remote)
        print()
        dask_verdict(dask)
        return 0
    run_process([pp.Task("warm", noop)], "process")  # start the forkserver
    cpu = cpu_tasks()
    cpu_times = bench_cpu(cpu, args.reps)  # before the cluster exists: it takes CPU too
    graph = bench_graph(random_dag(args.n), max(1, args.reps - 1))
    delays = bench_timeout(args.reps)
    cluster, client = start_cluster()
    try:
        cpu_times["dask"], graph["dask"], dask = bench_dask(
            client, cpu, random_dag(args.n_remote), args.reps
        )
    finally:
        client.close()
        cluster.close()
    report(cpu_times, graph, delays, dask, args.n_remote)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
