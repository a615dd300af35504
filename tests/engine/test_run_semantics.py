"""Process.run: where tasks run, how results flow, and what a failure does to the rest."""

from __future__ import annotations

import functools
import sys
import threading
from collections import Counter
from typing import Any

import pytest

from pytest_processes import Process, Task, TaskDependency, TaskStatus

MODES = [pytest.param(False, id="sequential"), pytest.param(True, id="parallel")]


def noop() -> None:
    return None


def thread_recorder(seen: dict[str, threading.Thread], name: str) -> Task:
    def record() -> None:
        seen[name] = threading.current_thread()

    return Task(name, record)


def statuses(report: Any) -> dict[str, str]:
    return {name: entry.status.value for name, entry in report.entries.items()}


# -- where tasks run -----------------------------------------------------------


@pytest.mark.parametrize(("count", "on_caller"), [(1, True), (9, True), (10, False), (12, False)])
def test_parallel_none_uses_threads_from_ten_tasks(count: int, on_caller: bool) -> None:
    seen: dict[str, threading.Thread] = {}
    Process([thread_recorder(seen, f"t{i}") for i in range(count)]).run()
    assert len(seen) == count
    caller = threading.current_thread()
    assert all((thread is caller) == on_caller for thread in seen.values())


@pytest.mark.parametrize("max_workers", [1, 0, -3])
def test_one_worker_or_fewer_runs_on_the_calling_thread(max_workers: int) -> None:
    seen: dict[str, threading.Thread] = {}
    tasks = [thread_recorder(seen, f"t{i}") for i in range(3)]
    report = Process(tasks).run(parallel=True, max_workers=max_workers)
    assert len(report.successes) == 3
    assert set(seen.values()) == {threading.current_thread()}


def test_parallel_true_runs_on_worker_threads() -> None:
    seen: dict[str, threading.Thread] = {}
    Process([thread_recorder(seen, f"t{i}") for i in range(3)]).run(parallel=True, max_workers=2)
    assert threading.current_thread() not in seen.values()


def test_parallel_false_runs_on_the_calling_thread_even_with_many_tasks() -> None:
    seen: dict[str, threading.Thread] = {}
    Process([thread_recorder(seen, f"t{i}") for i in range(12)]).run(parallel=False)
    assert set(seen.values()) == {threading.current_thread()}


def test_parallel_tasks_really_overlap() -> None:
    barrier = threading.Barrier(2, timeout=5)
    tasks = [Task("a", barrier.wait), Task("b", barrier.wait)]
    report = Process(tasks).run(parallel=True, max_workers=2)
    assert len(report.successes) == 2


# -- result passing ------------------------------------------------------------


def collect(*args: Any, **kwargs: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    return args, kwargs


@pytest.mark.parametrize("parallel", MODES)
def test_positional_results_are_appended_after_static_args_in_dependency_order(
    parallel: bool,
) -> None:
    process = Process(
        [
            Task("u", lambda: "U"),
            Task("v", lambda: "V"),
            Task(
                "w",
                collect,
                args=(1, 2),
                dependencies=[TaskDependency("v", True), TaskDependency("u", True)],
            ),
        ]
    )
    assert process.run(parallel=parallel).entries["w"].result == ((1, 2, "V", "U"), {})


@pytest.mark.parametrize("parallel", MODES)
def test_flags_an_upstream_task_changes_while_running_are_the_ones_its_dependant_gets(
    parallel: bool,
) -> None:
    # the usual all-positional list goes straight into args: only while it still is one
    to_kwarg = TaskDependency("u", True)
    to_ordering = TaskDependency("u", True)

    def upstream() -> str:
        to_kwarg.use_result_as_additional_args = False
        to_kwarg.use_result_as_additional_kwargs, to_kwarg.additional_kwarg_name = True, "x"
        to_ordering.use_result_as_additional_args = False
        return "U"

    process = Process(
        [
            Task("u", upstream),
            Task("k", collect, args=(1,), dependencies=[to_kwarg]),
            Task("o", collect, args=(1,), dependencies=[to_ordering]),
            Task("p", collect, args=(1,), dependencies=[TaskDependency("u", True)]),
        ]
    )
    entries = process.run(parallel=parallel).entries
    assert entries["k"].result == ((1,), {"x": "U"})
    assert entries["o"].result == ((1,), {})
    assert entries["p"].result == ((1, "U"), {})


@pytest.mark.parametrize("parallel", MODES)
def test_keyword_result_overrides_a_static_kwarg(parallel: bool) -> None:
    dep = TaskDependency("u", use_result_as_additional_kwargs=True, additional_kwarg_name="x")
    process = Process(
        [Task("u", lambda: "U"), Task("w", collect, kwargs={"x": 0, "y": 9}, dependencies=[dep])]
    )
    assert process.run(parallel=parallel).entries["w"].result == ((), {"x": "U", "y": 9})


def test_both_flags_pass_the_result_both_ways() -> None:
    dep = TaskDependency("u", True, True, "x")
    process = Process(
        [Task("u", lambda: "U"), Task("w", collect, args=(1,), kwargs={"y": 9}, dependencies=[dep])]
    )
    assert process.run().entries["w"].result == ((1, "U"), {"x": "U", "y": 9})


def test_ordering_only_dependency_passes_nothing() -> None:
    order: list[str] = []
    process = Process(
        [
            Task("second", lambda: order.append("second"), dependencies=[TaskDependency("first")]),
            Task("first", lambda: order.append("first")),
        ]
    )
    report = process.run()
    assert order == ["first", "second"]
    assert report.entries["second"].status is TaskStatus.SUCCESS


def test_static_args_and_kwargs_are_not_mutated_by_injection() -> None:
    kwargs = {"y": 9}
    dep = TaskDependency("u", True, True, "x")
    process = Process(
        [Task("u", lambda: "U"), Task("w", collect, args=(1,), kwargs=kwargs, dependencies=[dep])]
    )
    process.run()
    assert process.get_task("w").args == (1,)
    assert kwargs == {"y": 9}


def test_injected_value_is_the_raw_return_value() -> None:
    payload = {"rows": [1, 2]}
    process = Process(
        [
            Task("u", lambda: payload),
            Task("w", lambda v: v, dependencies=[TaskDependency("u", True)]),
        ]
    )
    assert process.run().entries["w"].result is payload


# -- failure propagation -------------------------------------------------------


@pytest.mark.parametrize("parallel", MODES)
def test_failure_skips_transitive_dependants_and_spares_other_branches(parallel: bool) -> None:
    called: list[str] = []

    def work(name: str) -> Any:
        def body() -> None:
            called.append(name)

        return body

    def boom() -> None:
        called.append("a")
        raise ValueError("broken")

    process = Process(
        [
            Task("a", boom),
            Task("b", work("b"), dependencies=[TaskDependency("a")]),
            Task("c", work("c"), dependencies=[TaskDependency("b")]),
            Task("x", work("x")),
            Task("y", work("y"), dependencies=[TaskDependency("x")]),
            Task("mixed", work("mixed"), dependencies=[TaskDependency("x"), TaskDependency("c")]),
        ]
    )
    report = process.run(parallel=parallel)
    assert statuses(report) == {
        "a": "errored",
        "x": "success",
        "b": "skipped",
        "y": "success",
        "c": "skipped",
        "mixed": "skipped",
    }
    assert sorted(called) == ["a", "x", "y"]
    assert report.entries["a"].error is not None
    assert report.entries["a"].error.downstream_impact == ["b", "c", "mixed"]


@pytest.mark.parametrize("parallel", MODES)
def test_run_never_raises_for_a_failed_task(parallel: bool) -> None:
    def boom() -> None:
        raise RuntimeError("x")

    report = Process([Task(f"t{i}", boom) for i in range(3)]).run(parallel=parallel)
    assert len(report.errored) == 3


def test_failed_result_keeps_the_live_exception() -> None:
    error = ValueError("the one")

    def boom() -> None:
        raise error

    process = Process([Task("a", boom)])
    process.run()
    result = process.runner.results["a"]
    assert result.exception is error
    assert result.result is None
    assert not result.worked


def test_system_exit_in_a_task_is_a_task_failure() -> None:
    process = Process(
        [Task("a", sys.exit, args=(3,)), Task("b", noop, dependencies=[TaskDependency("a")])]
    )
    report = process.run()
    assert statuses(report) == {"a": "errored", "b": "skipped"}
    assert isinstance(process.runner.results["a"].exception, SystemExit)


# -- running twice ---------------------------------------------------------------


@pytest.mark.parametrize("parallel", MODES)
def test_running_twice_runs_everything_again(parallel: bool) -> None:
    calls: Counter[str] = Counter()

    def count(name: str) -> Any:
        def body(*upstream: int) -> int:
            calls[name] += 1
            return calls[name] + sum(upstream)

        return body

    process = Process(
        [Task("a", count("a")), Task("b", count("b"), dependencies=[TaskDependency("a", True)])]
    )
    first = process.run(parallel=parallel)
    second = process.run(parallel=parallel)
    assert calls == {"a": 2, "b": 2}
    assert (first.entries["b"].result, second.entries["b"].result) == (2, 4)
    assert process.runner.results["b"].result == 4
    assert process.runner.submitted_tasks == {"a", "b"}


def test_second_run_after_a_failure_starts_clean() -> None:
    state = {"fail": True}

    def flaky() -> str:
        if state["fail"]:
            raise ValueError("first time")
        return "ok"

    process = Process([Task("a", flaky), Task("b", noop, dependencies=[TaskDependency("a")])])
    assert statuses(process.run(parallel=True)) == {"a": "errored", "b": "skipped"}
    state["fail"] = False
    assert statuses(process.run(parallel=True)) == {"a": "success", "b": "success"}


# -- callables without __name__ --------------------------------------------------


class Doubler:
    def __call__(self, value: int) -> int:
        return value * 2


class Failing:
    def __call__(self) -> None:
        raise ValueError("object failed")


@pytest.mark.parametrize("parallel", MODES)
def test_callables_without_a_name_run_and_report_a_function_name(parallel: bool) -> None:
    process = Process(
        [
            Task("partial", functools.partial(int, "7")),
            Task("obj", Doubler(), args=(21,)),
            Task("failing", Failing()),
            Task("failing_partial", functools.partial(Failing())),
        ]
    )
    report = process.run(parallel=parallel)
    assert report.entries["partial"].result == 7
    assert report.entries["obj"].result == 42
    assert [
        report.entries[n].function for n in ("partial", "obj", "failing", "failing_partial")
    ] == [
        "int",
        "Doubler",
        "Failing",
        "Failing",
    ]
    error = report.entries["failing"].error
    assert error is not None
    assert (error.function, error.exception) == ("Failing", "object failed")


# -- Task.run standalone -------------------------------------------------------


def test_task_run_alone_ignores_dependencies() -> None:
    task = Task("w", collect, args=(1,), dependencies=[TaskDependency("u", True)])
    result = task.run()
    assert result.status is TaskStatus.SUCCESS
    assert result.result == ((1,), {})
    assert result.attempts == 1


def test_task_run_with_a_process_uses_its_last_results() -> None:
    upstream = Task("u", lambda: "U")
    task = Task("w", collect, dependencies=[TaskDependency("u", True, True, "k")])
    process = Process([upstream, task])
    process.run()
    assert task.run(process).result == (("U",), {"k": "U"})


def test_task_run_failure_reports_downstream_impact_from_the_process() -> None:
    def boom() -> None:
        raise ValueError("x")

    failing = Task("a", boom)
    process = Process([failing, Task("b", noop, dependencies=[TaskDependency("a")])])
    result = failing.run(process)
    assert result.status is TaskStatus.ERRORED
    assert result.error_data is not None
    assert result.error_data.downstream_impact == ["b"]
    assert failing.run().error_data is not None
