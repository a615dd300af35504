"""Seeded random graphs run by processes 7.0.4 and by us: the same report, task for task.

Each graph mixes what both libraries support: results passed by position, by keyword
(overriding a static keyword of the same name), both ways, or not at all; tasks that
fail, tasks that fail once and are retried, dependants of failures; lists given in
dependency order or shuffled. Ours runs it five ways (sequential with nothing
watching, sequential with a plugin hook, on threads, and sequential and on threads with
output captured); every report must equal processes' sequential one in order, statuses,
results, attempts and error records, and the sequential runs must also call the
functions in processes' order.
"""

from __future__ import annotations

import json
import logging
import random
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy
import pytest

import pytest_processes
from pytest_processes.model.task_types import TaskResult

processes = pytest.importorskip("processes")

hookimpl = pluggy.HookimplMarker("pytest")
LINE = "%(asctime)s - %(name)s - %(levelname)s - %(message)s"

Dep = tuple[str, bool, bool, str]  # parent, positional, keyword, keyword name
#: name, kind, deps, kwargs, retries, index into RETRY_ON
Spec = list[tuple[str, str, list[Dep], dict[str, int], int, int]]
#: what a task retries on: processes' default, the error flaky raises, nothing, another error
RETRY_ON: list[tuple[type[Exception], ...] | None] = [
    None,
    (ConnectionError,),
    (),
    (KeyError, ValueError),
]


def random_spec(seed: int, n: int = 24) -> Spec:
    rng = random.Random(seed)
    spec: Spec = []
    for i in range(n):
        parents = rng.sample(range(i), min(i, rng.randint(0, 4)))
        deps: list[Dep] = []
        for p in parents:
            how = rng.choice(["arg", "arg", "kw", "both", "order"])
            deps.append((f"t{p}", how in ("arg", "both"), how in ("kw", "both"), f"k{p}"))
        kwargs = {"extra": i} if rng.random() < 0.3 else {}
        if deps and deps[0][2] and rng.random() < 0.5:
            kwargs[deps[0][3]] = -1  # a static keyword the upstream result overrides
        kind = rng.choices(["value", "fail", "flaky"], weights=[14, 3, 3])[0]
        retries = rng.choice([0, 1, 2]) if kind != "value" else 0
        spec.append((f"t{i}", kind, deps, kwargs, retries, rng.randrange(len(RETRY_ON))))
    if seed % 3 == 0:
        rng.shuffle(spec)  # not in dependency order: both order it the same way
    return spec


def refuse(name: str, received: int) -> None:
    """Where a failing task fails: the traced frame, with these two variables."""
    raise ValueError(f"{name} cannot go on with {received} inputs")


def disconnect(name: str) -> None:
    """Where a flaky task's first attempt fails."""
    raise ConnectionError(f"{name} lost its connection")


def build(lib: ModuleType, spec: Spec, calls: list[str]) -> list[Any]:
    """``lib``'s tasks for ``spec``; every call appends the task's name to ``calls``."""
    tried: set[str] = set()

    def value(name: str, *upstream: object, **kwargs: object) -> tuple[object, ...]:
        calls.append(name)
        return (name, upstream, sorted(kwargs.items()))

    def fail(name: str, *upstream: object, **kwargs: object) -> None:
        calls.append(name)
        refuse(name, len(upstream))

    def flaky(name: str, *upstream: object, **kwargs: object) -> tuple[object, ...]:
        calls.append(name)
        if name not in tried:
            tried.add(name)
            disconnect(name)
        return (name, len(upstream), sorted(kwargs))

    bodies = {"value": value, "fail": fail, "flaky": flaky}
    return [
        lib.Task(
            name,
            bodies[kind],
            args=(name,),
            kwargs=dict(kwargs),
            dependencies=[lib.TaskDependency(p, a, k, kw if k else "") for p, a, k, kw in deps],
            retries=retries,
            retry_on=RETRY_ON[retry_on],
        )
        for name, kind, deps, kwargs, retries, retry_on in spec
    ]


class Watching:
    """A plugin with a task hook: our run then takes the general path for every task."""

    @hookimpl
    def pytest_processes_task_finish(self, task: Any, result: TaskResult) -> None:
        pass


def summary(report: Any, *, traced: bool = True) -> list[tuple[object, ...]]:
    """What both libraries' reports must agree on, in report order.

    ``traced=False`` leaves the traced variables out: with no frame of the user's in a
    traceback (a timeout), processes traces its own internals, we trace nothing.
    """
    rows: list[tuple[object, ...]] = []
    for name, entry in report.entries.items():
        error = entry.error
        failure = None
        if error is not None:
            failure = (
                error.task_name,
                error.function,
                error.args,
                error.kwargs,
                error.exception,
                list(error.downstream_impact),
                error.traced_vars if traced else None,
                error.traced_vars_location if traced else None,
            )
        rows.append(
            (
                name,
                entry.function,
                entry.args,
                entry.kwargs,
                entry.status.value,
                entry.result,
                entry.attempts,
                failure,
            )
        )
    return rows


def run_processes(spec: Spec) -> tuple[list[tuple[object, ...]], list[str]]:
    calls: list[str] = []
    with processes.Process(build(processes, spec, calls)) as process:
        report = process.run(parallel=False)
    return summary(report), calls


def run_ours(spec: Spec, how: str) -> tuple[list[tuple[object, ...]], list[str]]:
    calls: list[str] = []
    plugins = [Watching()] if how == "watched" else []
    with pytest_processes.Process(build(pytest_processes, spec, calls), plugins=plugins) as p:
        report = p.run(parallel=how.startswith("threads"), max_workers=3, capture="+" in how)
    return summary(report), calls


@pytest.mark.parametrize("seed", range(12))
def test_our_reports_equal_processes_reports(seed: int) -> None:
    spec = random_spec(seed)
    expected, expected_calls = run_processes(spec)
    assert any(row[4] == "errored" for row in expected) or seed % 4  # failures happen
    for how in ("fast", "watched", "threads", "fast+capture", "threads+capture"):
        report, calls = run_ours(spec, how)
        assert report == expected, how
        if not how.startswith("threads"):
            assert calls == expected_calls, how
        else:
            assert sorted(calls) == sorted(expected_calls)


@pytest.mark.parametrize("seed", range(12))
def test_our_graph_queries_equal_processes(seed: int) -> None:
    """The sorted task list and every task's transitive dependants, in processes' order."""
    spec = random_spec(seed)
    theirs = processes.Process(build(processes, spec, []))
    ours = pytest_processes.Process(build(pytest_processes, spec, []))
    assert [t.name for t in ours.tasks] == [t.name for t in theirs.tasks]
    for name, *_ in spec:
        expected = [t.name for t in theirs.get_dependant_tasks(name)]
        assert [t.name for t in ours.get_dependant_tasks(name)] == expected, name


@pytest.mark.parametrize("seed", range(0, 12, 3))
def test_after_mutations_our_graph_and_run_equal_processes(seed: int) -> None:
    """Tasks added, a dependency added, a task removed: the same order, dependants and run."""
    spec = random_spec(seed)
    calls: dict[str, list[str]] = {"processes": [], "ours": []}
    built = {}
    for label, lib in (("processes", processes), ("ours", pytest_processes)):
        process = lib.Process(build(lib, spec, calls[label]))
        late = build(
            lib,
            [("late", "value", [("t3", True, False, ""), ("t1", False, True, "k1")], {}, 0, 0)],
            calls[label],
        )[0]
        process.add_task(late)
        # a new edge from an earlier task: never a cycle (parents come from earlier tasks)
        upstream = {d[0] for name, _, deps, *_ in spec if name == "t7" for d in deps}
        extra = next(f"t{i}" for i in range(7) if f"t{i}" not in upstream)
        process.add_task_dependency("t7", lib.TaskDependency(extra))
        leaf = next(name for name, *_ in spec[::-1] if not process.get_dependant_tasks(name))
        process.remove_task(leaf)
        built[label] = process
    theirs, ours = built["processes"], built["ours"]
    assert [t.name for t in ours.tasks] == [t.name for t in theirs.tasks]
    for task in theirs.tasks:
        expected = [t.name for t in theirs.get_dependant_tasks(task.name)]
        assert [t.name for t in ours.get_dependant_tasks(task.name)] == expected, task.name
    assert summary(ours.run(parallel=False)) == summary(theirs.run(parallel=False))
    assert calls["ours"] == calls["processes"]


def log_records(path: Path) -> list[tuple[str, str]]:
    """(level, message) of every record in a task logfile, in order (not the context lines)."""
    records = []
    for line in path.read_text().splitlines():
        parts = line.split(" - ", 3)
        if len(parts) == 4 and parts[2] in ("INFO", "WARNING", "ERROR"):
            records.append((parts[2], parts[3]))
    return records


@pytest.mark.parametrize("seed", range(0, 12, 2))
def test_our_task_logfiles_say_what_processes_logfiles_say(seed: int, tmp_path: Path) -> None:
    spec = random_spec(seed)
    for label, lib in (("processes", processes), ("ours", pytest_processes)):
        tasks = build(lib, spec, [])
        for task in tasks:  # every task logs to one file per library, as a user would set it
            task.logger.addHandler(logging.FileHandler(tmp_path / f"{label}.log"))
            task.logger.handlers[-1].setFormatter(logging.Formatter(LINE))
        with lib.Process(tasks) as process:
            process.run(parallel=False)
        for task in tasks:
            for handler in task.logger.handlers:
                handler.close()
    ours, theirs = log_records(tmp_path / "ours.log"), log_records(tmp_path / "processes.log")
    assert ours == theirs
    assert ("INFO", "Starting t0.") in ours


def slow(name: str, *upstream: object) -> str:
    time.sleep(0.3)  # past its deadline: the attempt is abandoned, the sleep ends on its own
    return name


@pytest.mark.parametrize("retries", [0, 1])
def test_a_timed_out_task_is_reported_as_processes_reports_it(retries: int) -> None:
    """TimeoutError is retried by default; its dependants are skipped, the rest goes on."""

    def tasks(lib: ModuleType) -> list[Any]:
        return [
            lib.Task("late", slow, args=("late",), timeout=0.05, retries=retries),
            lib.Task("after", slow, args=("after",), dependencies=[lib.TaskDependency("late")]),
            lib.Task("other", len, args=("xyz",)),
        ]

    with processes.Process(tasks(processes)) as theirs:
        expected = summary(theirs.run(parallel=False), traced=False)
    with pytest_processes.Process(tasks(pytest_processes)) as ours:
        assert summary(ours.run(parallel=False), traced=False) == expected
    assert expected[0][4:7] == ("errored", None, retries + 1)
    assert expected[0][7][4] == "Task 'late' timed out after 0.05s"


def json_subset(report: Any, fields: dict[str, Any]) -> dict[str, Any]:
    """``report.to_json()``'s entries, cut to ``fields`` (processes' keys), times left out."""
    entries = json.loads(report.to_json())["entries"]
    subset: dict[str, Any] = {}
    for name, entry in entries.items():
        kept = {k: entry[k] for k in fields[name] if k != "elapsed_seconds"}
        if kept.get("error"):  # processes' traceback text shows its own frames too
            kept["error"] = {k: v for k, v in kept["error"].items() if k != "traceback_str"}
        subset[name] = kept
    return subset


@pytest.mark.parametrize("seed", [1, 3, 5])
def test_our_json_report_holds_processes_json_report(seed: int) -> None:
    """Every key processes writes, with the same value (ours writes more keys beside them)."""
    spec = random_spec(seed)
    with processes.Process(build(processes, spec, [])) as theirs:
        their_report = theirs.run(parallel=False)
    with pytest_processes.Process(build(pytest_processes, spec, [])) as ours:
        our_report = ours.run(parallel=False)
    fields = {n: list(e) for n, e in json.loads(their_report.to_json())["entries"].items()}
    assert json_subset(our_report, fields) == json_subset(their_report, fields)
