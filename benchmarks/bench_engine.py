"""Benchmark the engine as a user meets it: construction + run, against a thread pool and processes.

Every task is built the way processes' users write it::

    Task(f"n{i}", f, args=(i,),
         dependencies=[TaskDependency(f"n{p}", use_result_as_additional_args=True) for p in ps])

and every result is checked (task ``i`` returns ``i``). Four implementations:

* ``ours``      -- ``pytest_processes`` as installed for the running Python (so the same
  script measures two checkouts when run with their two virtualenvs' interpreters);
* ``processes`` -- ``processes.Process`` 7.0.4, the library we replace;
* ``baseline``  -- ``baseline.run_plain``: a hand-written ``ThreadPoolExecutor`` ready-queue
  whose construction is building its plain dict graph;
* ``floor``     -- the least any library with this API can cost: the same user code
  building bare classes that keep only what they are given (``graphs.BareLibrary``),
  then the thread pool's graph and run. The thread pool never builds the user's
  objects; this row shows what they cost on their own.

For each scenario: construction (first ``Task(...)`` to the end of ``Process.__enter__``),
run, and their total -- the headline -- as medians of at least 5 repetitions; peak RSS of
the fresh process (``VmHWM`` minus the RSS before building, per task) after construction
and after the run, and, in scenario D, the ``tracemalloc`` peak beside it.

Usage::

    python benchmarks/bench_engine.py [--quick] [--full] [--only A,C] [--reps 5] [--json out.json]
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from baseline import PlainGraph, run_plain
from graphs import (
    LAYER_WIDTH,
    LAYERS,
    SLEEP_SECONDS,
    BareLibrary,
    Parents,
    critical_path_length,
    echo,
    make_graph,
    parents_of,
    sleep_echo,
    user_tasks,
)

RESULT_MARKER = "BENCH-RESULT "
IMPLS: tuple[str, ...] = ("ours", "processes", "baseline", "floor")
SCENARIOS: tuple[str, ...] = ("A", "B", "C", "D", "E", "F")

CONSTRUCTION_TARGET_US = 3.0
CONSTRUCTION_RSS_TARGET = 400
RUN_RSS_TARGET = 1000
SEQUENTIAL_TARGET_TASKS_S = 100_000
SCALING_TARGET_RATIO = 1.3
MAKESPAN_TARGET_RATIO = 1.05


# --------------------------------------------------------------------------- one job


@dataclass(frozen=True)
class Job:
    """One measurement: an implementation, a graph, how to run it and how often."""

    impl: str
    graph: str
    n: int
    parallel: bool = True
    workers: int = 4
    reps: int = 5
    traced: bool = False  # a tracemalloc pass (one repetition) instead of a timing pass
    seed: int = 1


@dataclass
class Measurement:
    """Per-repetition construction and run seconds, memory per task, or why there is none."""

    job: Job
    builds_s: list[float] = field(default_factory=list)
    runs_s: list[float] = field(default_factory=list)
    rss_built: int | None = None  # bytes above the pre-build RSS once constructed
    rss_peak: int | None = None  # bytes above the pre-build RSS at the peak of build + run
    traced_peak: int | None = None  # tracemalloc peak of build + run, bytes
    #: floor only: the user's objects alone, before the thread pool's graph
    objects_s: list[float] = field(default_factory=list)
    rss_objects: int | None = None
    unavailable: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True if the job produced figures."""
        return self.unavailable is None and self.error is None

    @property
    def reason(self) -> str:
        """Why there is no figure (empty if there is one)."""
        return self.unavailable or self.error or ""

    def _median(self, values: list[float]) -> float | None:
        return statistics.median(values) if self.ok and values else None

    @property
    def build_s(self) -> float | None:
        """Median construction seconds."""
        return self._median(self.builds_s)

    @property
    def run_s(self) -> float | None:
        """Median run seconds."""
        return self._median(self.runs_s)

    @property
    def object_s(self) -> float | None:
        """Median seconds to build the user's objects (floor only)."""
        return self._median(self.objects_s)

    @property
    def total_s(self) -> float | None:
        """Median of construction + run over the repetitions (the headline)."""
        return self._median([b + r for b, r in zip(self.builds_s, self.runs_s, strict=True)])

    def per_task(self, value: float | int | None, scale: float = 1.0) -> float | None:
        """``value`` per task, times ``scale`` (1e6 for µs)."""
        return None if value is None or not self.ok else value * scale / self.job.n

    @property
    def rate(self) -> float | None:
        """Tasks per second of the median total."""
        total = self.total_s
        return self.job.n / total if total else None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Measurement:
        """Rebuild a measurement from its ``asdict`` form (the worker's JSON line)."""
        data["job"] = Job(**data["job"])
        return cls(**data)


class Unavailable(Exception):
    """The implementation cannot be measured (not importable)."""


def _status_kib(key: str) -> int:
    """A ``/proc/self/status`` figure (``VmRSS``, ``VmHWM``) in bytes."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"{key} not in /proc/self/status")


def _rss_start() -> int:
    """Reset the peak RSS to the current RSS (Linux clear_refs) and return it."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
    except OSError:
        return _status_kib("VmHWM")  # cannot reset: the peak so far is the floor
    return _status_kib("VmRSS")


class Adapter:
    """Uniform build / run / results over the four implementations."""

    def __init__(self, impl: str) -> None:
        self.impl = impl
        self.lib: Any = None
        #: floor only: (perf_counter, VmHWM) once the user's objects are built
        self.objects_done: tuple[float, int] | None = None
        if impl not in ("baseline", "floor"):
            module = {"ours": "pytest_processes", "processes": "processes"}[impl]
            try:
                self.lib = importlib.import_module(module)
            except Exception as exc:
                raise Unavailable(f"import {module} failed: {type(exc).__name__}: {exc}") from exc

    def build(self, parents: Parents, func: Callable[..., int]) -> Any:
        """Everything from the first ``Task(...)`` to the end of ``Process.__enter__``."""
        if self.impl == "floor":  # the user's objects, then the pool's own graph
            objects = user_tasks(BareLibrary, parents, func)
            self.objects_done = (time.perf_counter(), _status_kib("VmHWM"))
            return objects, PlainGraph(parents)
        if self.lib is None:
            return PlainGraph(parents)
        return self.lib.Process(user_tasks(self.lib, parents, func)).__enter__()

    def build_created(self, parents: Parents, func: Callable[..., int]) -> Any:
        """One task ``n0`` that creates ``n1``... at run time (``context.create``), ours only."""
        if self.lib is None or self.impl != "ours":
            raise Unavailable("tasks created at run time: pytest_processes only")
        n, lib = len(parents), self.lib

        def spawn(context: Any) -> int:
            for i in range(1, n):
                context.create(f"n{i}", func, args=(i,))
            return 0

        task = lib.Task("n0", spawn, kwargs={"context": lib.TaskContext.slot()})
        return lib.Process([task]).__enter__()

    def run(self, built: Any, job: Job, func: Callable[..., int]) -> Any:
        """Run ``built``; what it returns is only read by :meth:`check`."""
        if self.impl == "floor":
            built = built[1]
        if self.lib is None:
            return run_plain(built, func, job.workers if job.parallel else 1)
        if job.parallel:
            return built.run(parallel=True, max_workers=job.workers)
        return built.run(parallel=False)

    def check(self, built: Any, ran: Any, n: int) -> None:
        """Fail loudly unless every task ``i`` returned ``i``."""
        if self.lib is None:
            results = ran
        else:
            by_name = built.runner.results
            created = len(built.tasks) == 1 and n > 1  # n0 created the others: n0/n1, ...
            names = [f"n0/n{i}" if created and i else f"n{i}" for i in range(n)]
            results = [by_name[name].result for name in names]
            built.__exit__(None, None, None)
        wrong = sum(1 for i, r in enumerate(results) if r != i)
        if len(results) != n or wrong:
            raise RuntimeError(f"expected {n} results, got {len(results)}, {wrong} wrong")


def run_job(job: Job) -> Measurement:
    """Execute ``job`` in this interpreter (the ``--job`` child process)."""
    result = Measurement(job)
    created = job.graph == "created"
    parents = parents_of("independent" if created else job.graph, job.n, job.seed)
    func = sleep_echo if job.graph == "layered" else echo
    gc.collect()
    gc.freeze()  # the input graph belongs to the harness: the collector skips it
    try:
        adapter = Adapter(job.impl)
        for rep in range(1 if job.traced else max(1, job.reps)):
            gc.collect()
            floor = _rss_start() if rep == 0 else 0
            if job.traced:
                tracemalloc.start()
            t0 = time.perf_counter()
            built = (adapter.build_created if created else adapter.build)(parents, func)
            t1 = time.perf_counter()
            rss_built = _status_kib("VmHWM")
            ran = adapter.run(built, job, func)
            t2 = time.perf_counter()
            if job.traced:
                result.traced_peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
            elif rep == 0:  # a fresh process: later repetitions reuse freed memory
                result.rss_built = rss_built - floor
                result.rss_peak = _status_kib("VmHWM") - floor
            if adapter.objects_done is not None and not job.traced:
                result.objects_s.append(adapter.objects_done[0] - t0)
                if rep == 0:
                    result.rss_objects = adapter.objects_done[1] - floor
            adapter.check(built, ran, job.n)
            del built, ran
            result.builds_s.append(t1 - t0)
            result.runs_s.append(t2 - t1)
    except Unavailable as exc:
        result.unavailable = str(exc)
    except Exception as exc:
        result.error = f"{type(exc).__name__}: {exc}"
    return result


def measure(job: Job, timeout_s: float) -> Measurement:
    """Run ``job`` in a fresh interpreter and return its measurement."""
    label = f"{job.impl:<9} {job.graph:<11} n={job.n:<6} {'par' if job.parallel else 'seq'}"
    print(f"  {label}{' traced' if job.traced else ''} ...", end="", file=sys.stderr, flush=True)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--job", json.dumps(asdict(job))]
    started = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        result = Measurement(job, error=f"timed out after {timeout_s:.0f} s")
    else:
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(RESULT_MARKER)]
        if lines:
            result = Measurement.from_dict(json.loads(lines[-1][len(RESULT_MARKER) :]))
        else:
            tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            result = Measurement(job, error=f"worker exited {proc.returncode}: {tail}")
    took = time.perf_counter() - started
    figure = f"total {result.total_s:.3f} s" if result.total_s is not None else result.reason
    if result.ok and job.traced:
        figure = f"traced peak {result.traced_peak:,} B"
    print(f" {figure} ({took:.1f} s)", file=sys.stderr, flush=True)
    return result


# --------------------------------------------------------------------------- plan and tables


@dataclass(frozen=True)
class Plan:
    """Sizes and repetitions for one invocation."""

    n: int  # main graph size (A, B)
    n_processes: int  # size processes 7.0.4 runs at (its parallel loop is O(V^2))
    scaling: tuple[int, ...]  # sizes for C; D runs at the largest
    reps: int
    timeout_s: float

    @classmethod
    def make(cls, args: argparse.Namespace) -> Plan:
        """Default: 10k tasks (processes at 2k), 1k/10k/50k; ``--quick``: a smoke run."""
        if args.quick:
            return cls(2_000, 500, (500, 2_000, 5_000), args.reps, 300.0)
        return cls(
            10_000, 10_000 if args.full else 2_000, (1_000, 10_000, 50_000), args.reps, 1800.0
        )


def _num(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _ratio(a: float | None, b: float | None) -> str:
    return "n/a" if a is None or b is None or b == 0 else f"{a / b:.2f}x"


def _cell(m: Measurement, value: float | None, digits: int = 0, n_main: int = 0) -> str:
    if not m.ok:
        return "skipped" if m.unavailable else "error"
    text = _num(value, digits)
    return text + f" (at {m.job.n:,})" if n_main and m.job.n != n_main else text


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return out + ["| " + " | ".join(row) + " |" for row in rows]


def _timing_row(label: str, m: Measurement, n_main: int = 0) -> list[str]:
    """construction µs/task, run µs/task, total s, total tasks/s, RSS B/task built and peak."""
    return [
        label,
        _cell(m, m.per_task(m.build_s, 1e6), 2, n_main),
        _cell(m, m.per_task(m.run_s, 1e6), 2),
        _cell(m, m.total_s, 3),
        _cell(m, m.rate),
        _cell(m, m.per_task(m.rss_built)),
        _cell(m, m.per_task(m.rss_peak)),
    ]


TIMING_HEADER = [
    "impl",
    "construction µs/task",
    "run µs/task",
    "total s",
    "total tasks/s",
    "RSS B/task built",
    "RSS B/task peak",
]


@dataclass
class Report:
    """Collected tables, target verdicts and raw measurements."""

    sections: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    raw: dict[str, list[Measurement]] = field(default_factory=dict)

    def take(self, scenario: str, job: Job, plan: Plan) -> Measurement:
        """Measure ``job`` and file it under ``scenario``."""
        m = measure(job, plan.timeout_s)
        self.raw.setdefault(scenario, []).append(m)
        return m

    def target(self, name: str, m: Measurement, met: bool, figure: str) -> None:
        """A met / NOT MET line for ours (or why it is missing)."""
        if not m.ok:
            self.targets.append(f"- {name}: NOT MEASURED ({m.reason})")
        else:
            self.targets.append(f"- {name}: {'met' if met else 'NOT MET'} — {figure}")


# --------------------------------------------------------------------------- scenarios


def scenario_a(plan: Plan, rep: Report) -> None:
    """A: construction + run on 4 workers, random / chain / independent graphs."""
    for graph in ("random", "chain", "independent"):
        ms = {
            impl: rep.take(
                "A",
                Job(
                    impl, graph, plan.n_processes if impl == "processes" else plan.n, reps=plan.reps
                ),
                plan,
            )
            for impl in IMPLS
        }
        ours, base, proc, floor = ms["ours"], ms["baseline"], ms["processes"], ms["floor"]
        rows = [_timing_row(impl, m, plan.n) for impl, m in ms.items()]
        rep.sections += [
            f"### A. {graph} graph, {plan.n:,} tasks, 4 workers",
            "",
            *_table(TIMING_HEADER, rows),
            "",
            f"Speed (total) vs the thread pool: {_ratio(base.total_s, ours.total_s)}; "
            f"vs processes: {_ratio(ours.rate, proc.rate)} (tasks/s). The floor (the user's "
            f"objects, bare, then the thread pool): {_ratio(base.total_s, floor.total_s)} "
            "the thread pool.",
            "",
        ]
        if graph == "random":
            speed = (base.total_s or 0.0) / ours.total_s if ours.total_s else 0.0
            rep.target(
                "A total on the random graph ≥ 1.0x the ThreadPoolExecutor reference",
                ours if base.ok else base,
                speed >= 1.0,
                f"{speed:.2f}x ({ours.total_s or 0:.3f} s vs {base.total_s or 0:.3f} s)",
            )


def scenario_b(plan: Plan, rep: Report) -> None:
    """B: sequential (``parallel=False``) on the random graph."""
    ms = {
        impl: rep.take(
            "B",
            Job(
                impl,
                "random",
                plan.n_processes if impl == "processes" else plan.n,
                False,
                1,
                plan.reps,
            ),
            plan,
        )
        for impl in ("ours", "processes")
    }
    ours = ms["ours"]
    rep.sections += [
        f"### B. Sequential, random graph, {plan.n:,} tasks",
        "",
        *_table(TIMING_HEADER, [_timing_row(impl, m, plan.n) for impl, m in ms.items()]),
        "",
    ]
    rate = ours.rate or 0.0
    rep.target(
        f"B sequential total ≥ {SEQUENTIAL_TARGET_TASKS_S:,} tasks/s",
        ours,
        rate >= SEQUENTIAL_TARGET_TASKS_S,
        f"{rate:,.0f} tasks/s at {ours.job.n:,} tasks",
    )


def scenario_c(plan: Plan, rep: Report) -> None:
    """C: per-task cost as the random graph grows, ours vs the thread pool, 4 workers."""
    per: dict[str, list[Measurement]] = {"ours": [], "baseline": [], "floor": []}
    rows = []
    for n in plan.scaling:
        for impl in per:
            # small graphs run in milliseconds: more repetitions keep their median steady
            reps = min(50, max(plan.reps, plan.reps * 10_000 // n))
            m = rep.take("C", Job(impl, "random", n, reps=reps), plan)
            per[impl].append(m)
            rows.append(_timing_row(f"{impl} {n:,}", m))
    growth = {
        impl: _ratio(ms[-1].per_task(ms[-1].total_s), ms[0].per_task(ms[0].total_s))
        for impl, ms in per.items()
    }
    small, large = plan.scaling[0], plan.scaling[-1]
    rep.sections += [
        "### C. Per-task cost vs size, random graph, 4 workers",
        "",
        *_table(TIMING_HEADER, rows),
        "",
        f"Growth of the per-task total, {large:,} vs {small:,}: ours {growth['ours']}, "
        f"thread pool {growth['baseline']}, floor {growth['floor']}.",
        "",
        "The user's objects alone (the floor's bare classes, before the pool's graph): "
        + ", ".join(
            f"{_num(m.per_task(m.object_s, 1e6), 2)} µs/task at {m.job.n:,}" for m in per["floor"]
        )
        + ".",
        "",
    ]
    first, last = per["ours"][0], per["ours"][-1]
    a, b = first.per_task(first.total_s, 1e6), last.per_task(last.total_s, 1e6)
    rep.target(
        f"C per-task total {large:,} vs {small:,} ≤ {SCALING_TARGET_RATIO}x",
        last if first.ok else first,
        bool(a and b and b / a <= SCALING_TARGET_RATIO),
        f"{(b or 0) / (a or 1):.2f}x ({a or 0:.2f} → {b or 0:.2f} µs/task)",
    )
    built = last.per_task(last.build_s, 1e6) or 0.0
    bare = per["floor"][-1]
    rep.target(
        f"C construction ≤ {CONSTRUCTION_TARGET_US} µs/task at {large:,}",
        last,
        built <= CONSTRUCTION_TARGET_US,
        f"{built:.2f} µs/task (the user's objects alone: "
        f"{_num(bare.per_task(bare.object_s, 1e6), 2)})",
    )


def scenario_d(plan: Plan, rep: Report) -> None:
    """D: memory at the largest size: RSS after construction, RSS and tracemalloc peaks."""
    n = plan.scaling[-1]
    rows = []
    ours: Measurement | None = None
    bare: Measurement | None = None
    for impl in IMPLS:
        size = plan.n_processes if impl == "processes" else n
        timed = rep.take("D", Job(impl, "random", size, reps=1), plan)
        traced = rep.take("D", Job(impl, "random", size, reps=1, traced=True), plan)
        if impl == "ours":
            ours = timed
        if impl == "floor":
            bare = timed
        rows.append(
            [
                impl,
                f"{size:,}",
                _cell(timed, timed.per_task(timed.rss_built)),
                _cell(timed, timed.per_task(timed.rss_peak)),
                _cell(traced, traced.per_task(traced.traced_peak)),
            ]
        )
    rep.sections += [
        f"### D. Memory, random graph, {n:,} tasks, 4 workers (bytes per task)",
        "",
        *_table(
            ["impl", "tasks", "RSS after construction", "RSS peak (run)", "tracemalloc peak"], rows
        ),
        "",
        "RSS: `VmHWM` of a fresh process minus its RSS just before the first `Task(...)` "
        "(peak reset through `/proc/self/clear_refs`); tracemalloc: its own pass.",
        "",
    ]
    assert ours is not None and bare is not None
    objects = _cell(bare, bare.per_task(bare.rss_objects))
    rep.sections += [f"The user's objects alone (the floor's bare classes): {objects} B/task.", ""]
    built, peak = ours.per_task(ours.rss_built) or 0.0, ours.per_task(ours.rss_peak) or 0.0
    rep.target(
        f"D RSS after construction ≤ {CONSTRUCTION_RSS_TARGET} B/task at {n:,}",
        ours,
        built <= CONSTRUCTION_RSS_TARGET,
        f"{built:,.0f} B/task (the user's objects alone: {objects})",
    )
    rep.target(
        f"D peak RSS of the whole run ≤ {RUN_RSS_TARGET:,} B/task at {n:,}",
        ours,
        peak <= RUN_RSS_TARGET,
        f"{peak:,.0f} B/task",
    )


def scenario_e(plan: Plan, rep: Report) -> None:
    """E: makespan of the layered 20 ms sleep DAG on 8 workers vs its lower bound."""
    workers, n = 8, LAYERS * LAYER_WIDTH
    critical = critical_path_length(make_graph("layered", n)) * SLEEP_SECONDS
    bound = max(critical, n * SLEEP_SECONDS / workers)
    ms = {
        impl: rep.take("E", Job(impl, "layered", n, workers=workers, reps=plan.reps), plan)
        for impl in IMPLS
        if impl != "floor"  # the same run as the thread pool's
    }
    rows = [
        [impl, _cell(m, m.run_s, 3), _cell(m, m.total_s, 3), _ratio(m.run_s, bound)]
        for impl, m in ms.items()
    ]
    rep.sections += [
        f"### E. Makespan, {n} tasks x {SLEEP_SECONDS * 1000:.0f} ms sleep in {LAYERS} layers, "
        f"{workers} workers",
        "",
        *_table(["impl", "run s", "total s", "run / bound"], rows),
        "",
        f"Lower bound = max(critical path {critical:.2f} s, work / workers) = {bound:.2f} s.",
        "",
    ]
    ours = ms["ours"]
    ratio = (ours.run_s or 0.0) / bound
    rep.target(
        f"E makespan ≤ {MAKESPAN_TARGET_RATIO}x lower bound",
        ours,
        ratio <= MAKESPAN_TARGET_RATIO,
        f"{ratio:.3f}x ({ours.run_s or 0.0:.3f} s vs {bound:.2f} s)",
    )


def scenario_f(plan: Plan, rep: Report) -> None:
    """F: 1,000 tasks created at run time by one task, against the same tasks declared upfront."""
    n = 1_001
    ms = {
        "created at run time": rep.take("F", Job("ours", "created", n, reps=plan.reps), plan),
        "declared upfront": rep.take("F", Job("ours", "independent", n, reps=plan.reps), plan),
    }
    rows = [_timing_row(label, m) for label, m in ms.items()]
    rep.sections += [
        f"### F. {n - 1:,} tasks created at run time by one task, 4 workers",
        "",
        *_table(TIMING_HEADER, rows),
        "",
        "Created: one task calls `context.create` 1,000 times from a pool thread (each call "
        "waits for the scheduler's answer); declared: the same 1,001 tasks built upfront.",
        "",
    ]


RUNNERS: dict[str, Callable[[Plan, Report], None]] = {
    "A": scenario_a,
    "B": scenario_b,
    "C": scenario_c,
    "D": scenario_d,
    "E": scenario_e,
    "F": scenario_f,
}


# --------------------------------------------------------------------------- main


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _ours_location() -> str:
    """Where the measured ``pytest_processes`` comes from (the running interpreter's)."""
    try:
        module = importlib.import_module("pytest_processes")
    except Exception as exc:
        return f"not importable ({type(exc).__name__})"
    return str(Path(module.__file__ or "?").resolve().parent.parent)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--quick", action="store_true", help="small sizes (500 to 5,000 tasks)")
    p.add_argument("--full", action="store_true", help="run processes 7.0.4 at full size too")
    p.add_argument("--only", default="", help="comma-separated scenarios, e.g. A,C")
    p.add_argument("--reps", type=int, default=5, help="repetitions per job (median; ≥ 5)")
    p.add_argument("--json", metavar="PATH", help="write the raw figures to PATH")
    p.add_argument("--job", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the selected scenarios and print the tables."""
    args = parse_args(argv)
    if args.job:
        print(RESULT_MARKER + json.dumps(asdict(run_job(Job(**json.loads(args.job))))), flush=True)
        return 0
    only = [s.strip().upper() for s in args.only.split(",") if s.strip()] or list(SCENARIOS)
    unknown = sorted(set(only) - set(SCENARIOS))
    if unknown:
        print(f"unknown scenario(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    plan, rep = Plan.make(args), Report()
    started = time.perf_counter()
    for scenario in SCENARIOS:
        if scenario in only:
            print(f"[{scenario}]", file=sys.stderr, flush=True)
            RUNNERS[scenario](plan, rep)
    elapsed = time.perf_counter() - started
    print(
        f"## Engine benchmark ({'quick' if args.quick else 'default'}) — "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}, processes {_version('processes')}"
    )
    print(
        f"\npytest_processes from {_ours_location()}; medians of {plan.reps} runs; "
        f"{elapsed:.0f} s.\n"
    )
    print("\n".join(rep.sections).rstrip())
    print("\n### Targets\n")
    print("\n".join(rep.targets) if rep.targets else "- (no target in the selected scenarios)")
    if args.json:
        payload = {
            "argv": sys.argv[1:],
            "python": platform.python_version(),
            "ours": _ours_location(),
            "plan": asdict(plan),
            "elapsed_s": elapsed,
            "targets": rep.targets,
            "measurements": {k: [asdict(m) for m in ms] for k, ms in rep.raw.items()},
        }
        Path(args.json).write_text(json.dumps(payload, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
