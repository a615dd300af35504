"""Building a Process: one pass gives the order and index of the separate checks, without GC."""

from __future__ import annotations

import gc
import pickle
import random
from collections.abc import Iterator
from typing import Any

import pluggy
import pytest

from pytest_processes import DependencyNotFoundError, Process, Task, TaskDependency
from pytest_processes.api.functions import Wire
from pytest_processes.engine.topology import Topology, compile_graph, compile_order

hookimpl = pluggy.HookimplMarker("pytest")


def echo(*args: Any, **kwargs: Any) -> tuple[Any, ...]:
    return args


def random_tasks(n: int, seed: int) -> list[Task]:
    """Tasks listed in a shuffled order, each kind of dependency mixed in."""
    rng = random.Random(seed)
    tasks = []
    for i in range(n):
        deps: list[TaskDependency] = []
        for p in rng.sample(range(i), min(i, rng.randint(0, 4))):
            kind = rng.randrange(4)
            if kind == 0:
                deps.append(TaskDependency(f"T{p}"))  # order only; upper case on purpose
            elif kind == 1:
                deps.append(TaskDependency(f"t{p}", use_result_as_additional_args=True))
            elif kind == 2:
                deps.append(TaskDependency(f"t{p}", True, True, f"k{p}"))
            else:
                deps.append(Wire(f"t{p}", "fan", fan_in_key=f"key{p}"))
        tasks.append(Task(f"t{i}", echo, args=(i,), dependencies=deps))
    rng.shuffle(tasks)
    return tasks


@pytest.mark.parametrize("seed", range(5))
def test_one_pass_gives_the_order_and_index_of_the_separate_steps(seed: int) -> None:
    tasks = random_tasks(60, seed)
    order, topology = compile_graph(tasks)
    assert order == compile_order(tasks)
    expected = Topology([tasks[i] for i in order])
    for slot in Topology.__slots__:
        if slot != "children":
            assert getattr(topology, slot) == getattr(expected, slot), slot
    assert [list(c) for c in topology.children] == [list(c) for c in expected.children]
    assert [topology.wiring(i) for i in order] == [expected.wiring(i) for i in order]


def test_results_reach_their_dependants_after_the_one_pass_build() -> None:
    tasks = random_tasks(40, 7)
    report = Process(tasks).run(parallel=False)
    for task in tasks:
        entry = report.entries[task.name]
        assert entry.status.value == "success"
        appended = [
            report.entries[d.task_name].result
            for d in task.dependencies
            if d.use_result_as_additional_args
        ]
        assert entry.result == (*task.args, *appended)


@pytest.fixture
def collections() -> Iterator[list[int]]:
    """Generations of the collections that run meanwhile, with a threshold that runs many."""
    seen: list[int] = []

    def record(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            seen.append(info["generation"])

    threshold = gc.get_threshold()
    gc.set_threshold(10, 1, 1)
    gc.callbacks.append(record)
    try:
        yield seen
    finally:
        gc.callbacks.remove(record)
        gc.set_threshold(*threshold)


def test_building_a_process_runs_no_garbage_collection(collections: list[int]) -> None:
    tasks = random_tasks(300, 3)
    gc.collect()  # counts start from zero
    collections.clear()
    Process(tasks)
    # at most the young objects once the collector is back (before: one pass per 10 objects)
    assert len(collections) <= 2, collections
    assert gc.isenabled()


def test_the_collector_is_enabled_again_when_the_graph_is_invalid(
    collections: list[int],
) -> None:
    tasks = [*random_tasks(30, 4), Task("orphan", echo, dependencies=[TaskDependency("nope")])]
    with pytest.raises(DependencyNotFoundError, match="nope"):
        Process(tasks)
    assert gc.isenabled()
    Task("after", echo)
    gc.collect()
    assert collections  # it runs again


def test_options_beyond_processes_read_as_defaults_and_can_be_set_later() -> None:
    """A plain task keeps no per-option storage, yet every option reads and writes."""
    plain = Task("a", int)
    assert (plain.trigger, plain.locks, plain.executor) == ("all_success", (), None)
    assert (plain.before, plain.wave, plain.retry_delay) == ((), 0, 0.0)
    plain.locks = ("db",)  # set after construction, as processes' attributes can be
    assert plain.locks == ("db",) and plain.trigger == "all_success"
    other = Task("b", int, locks=["db"], wave=1)
    assert (other.locks, other.wave, Task("c", int).locks) == (("db",), 1, ())
    again = pickle.loads(pickle.dumps(other))
    assert (again.locks, again.wave, again.retry_delay) == (("db",), 1, 0.0)
    report = Process([plain, other]).run(parallel=False)
    assert (report.entries["b"].started_at or 0) >= (report.entries["a"].finished_at or 0)


def listed_dependencies_first(calls: list[str]) -> list[Task]:
    """Dependencies before dependants, yet not in FIFO order: the roots c and e come late."""

    def step(name: str) -> Task:
        return Task(name, lambda *upstream: calls.append(name) or name)

    tasks = [step("a"), step("b"), step("c"), step("d"), step("e")]
    tasks[1].dependencies.append(TaskDependency("a", use_result_as_additional_args=True))
    tasks[3].dependencies.append(TaskDependency("b"))
    tasks[3].dependencies.append(TaskDependency("c", use_result_as_additional_args=True))
    return tasks


@pytest.mark.parametrize("shuffled", [False, True])
def test_a_run_follows_and_reports_the_fifo_order_however_the_tasks_are_listed(
    shuffled: bool,
) -> None:
    calls: list[str] = []
    tasks = listed_dependencies_first(calls)
    if shuffled:  # not dependencies first: the run uses the ordered copy instead
        tasks.reverse()
    process = Process(tasks)
    fifo = ["a", "c", "e", "b", "d"] if not shuffled else ["e", "c", "a", "b", "d"]
    assert [t.name for t in process.tasks] == fifo
    report = process.run(parallel=False)
    assert calls == fifo
    assert list(report.entries) == fifo
    assert report.entries["d"].result == "d"
    assert report.entries["b"].dependencies == ("a",)


def test_hooks_and_results_name_the_task_that_ran_when_the_given_order_is_kept() -> None:
    calls: list[str] = []
    tasks = listed_dependencies_first(calls)
    tasks[2].func = lambda: 1 / 0  # c fails: d is skipped, the others go on
    seen: list[tuple[str, str]] = []

    class Recorder:
        @hookimpl
        def pytest_processes_task_start(self, task: Task) -> None:
            seen.append(("start", task.name))

        @hookimpl
        def pytest_processes_task_finish(self, task: Task, result: Any) -> None:
            seen.append((result.status.value, task.name))

    process = Process(tasks, plugins=[Recorder()])
    process.run(parallel=False)
    starts = [name for what, name in seen if what == "start"]
    assert starts == ["a", "c", "e", "b"] and calls == ["a", "e", "b"]
    assert ("errored", "c") in seen and ("skipped", "d") in seen
    results = process.runner.results
    assert isinstance(results["c"].exception, ZeroDivisionError)
    assert results["d"].exception is None and results["a"].result == "a"
