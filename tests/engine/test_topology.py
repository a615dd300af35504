"""The engine's index of a task graph: who depends on whom, and how results flow."""

from __future__ import annotations

import random

import pytest

from pytest_processes import Task, TaskDependency
from pytest_processes.engine.topology import Topology, compile_run


def noop() -> None:
    return None


def make(name: str, *deps: str, as_arg: bool = False) -> Task:
    return Task(name, noop, dependencies=[TaskDependency(d, as_arg) for d in deps])


@pytest.fixture
def topology() -> Topology:
    # listed in dependency order, as Process hands them to the engine
    return Topology(
        [
            make("a"),
            make("b"),
            make("c", "b", "a"),
            make("d", "a", as_arg=True),
            make("e", "c", "a", "b"),
        ]
    )


def test_children_are_the_dependants_in_task_order(topology: Topology) -> None:
    assert [list(topology.children[i]) for i in range(5)] == [[2, 3, 4], [2, 4], [4], [], []]
    assert len(topology.children) == 5
    assert [list(k) for k in topology.children] == [[2, 3, 4], [2, 4], [4], [], []]
    assert list(topology.children[-3]) == [4]
    with pytest.raises(IndexError, match="task index -10 out of range for 5 tasks"):
        topology.children[-10]
    assert [list(k) for k in topology.children[1:3]] == [[2, 4], [4]]


def test_indegree_parents_and_result_injection(topology: Topology) -> None:
    assert topology.indegree == [0, 0, 2, 1, 3]
    parents = [
        list(topology.parent_index[topology.parent_start[i] : topology.parent_start[i + 1]])
        for i in range(5)
    ]
    assert parents == [[], [], [1, 0], [0], [2, 0, 1]]
    plans = [topology.wiring(i) for i in range(5)]
    assert plans == [(None, None)] * 3 + [(((0, True, ""),), None), (None, None)]


def test_wiring_reads_the_flags_a_task_has_when_it_is_submitted(topology: Topology) -> None:
    dep = topology.tasks[2].dependencies[1]
    dep.use_result_as_additional_kwargs, dep.additional_kwarg_name = True, "a_value"
    assert topology.wiring(2) == (((0, False, "a_value"),), None)


def test_empty_graph() -> None:
    topology = Topology([])
    assert (len(topology.children), topology.indegree) == (0, [])


@pytest.mark.parametrize("seed", range(40))
def test_a_list_given_dependencies_first_is_run_in_that_order(seed: int) -> None:
    """compile_run keeps the given list exactly when each task comes after its dependencies."""
    rng = random.Random(seed)
    n = rng.randint(1, 12)
    parents = [rng.sample(range(i), min(i, rng.randint(0, 3))) for i in range(n)]
    tasks = [
        Task(f"t{i}", len, dependencies=[TaskDependency(f"t{p}") for p in ps])
        for i, ps in enumerate(parents)
    ]
    listed = tasks if seed % 2 else rng.sample(tasks, n)  # half of them shuffled
    place = {t.name: k for k, t in enumerate(listed)}
    expected = all(place[d.task_name] < place[t.name] for t in listed for d in t.dependencies)
    order, topology, kept = compile_run(listed)
    assert kept is expected
    assert [t.name for t in topology.tasks] == [
        t.name for t in (listed if kept else [listed[i] for i in order])
    ]
