"""One behavioural suite, run on every executor: inline, thread, process and Dask.

Whatever runs the attempts, a run must order tasks, pass results, skip the
dependants of a failure, retry, time out and report exactly the same way.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import executor_bodies as bodies
import pytest
from executor_bodies import KINDS, ExecutorSpec

from pytest_processes import Process, Task, TaskDependency, TaskStatus

WORKER_PREFIX = {"inline": "main", "thread": "worker-", "process": "process-", "dask": "dask:"}


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def on(kind: str, executor_for: Callable[[str], ExecutorSpec]) -> Callable[..., Process]:
    """``on(tasks, **run_options)``: run a process of ``tasks`` on the executor under test."""

    def run(tasks: list[Task], **options: object) -> Process:
        process = Process(tasks)
        process.run(executor=executor_for(kind), max_workers=2, **options)  # type: ignore[arg-type]
        return process

    return run


def arg(name: str) -> TaskDependency:
    return TaskDependency(name, use_result_as_additional_args=True)


def kwarg(name: str, param: str) -> TaskDependency:
    return TaskDependency(name, use_result_as_additional_kwargs=True, additional_kwarg_name=param)


def test_tasks_run_in_dependency_order(on: Callable[..., Process]) -> None:
    process = on(
        [
            Task("a", bodies.stamp, args=("a",)),
            Task("b", bodies.after, kwargs={"name": "b"}, dependencies=[arg("a")]),
            Task("c", bodies.after, kwargs={"name": "c"}, dependencies=[arg("b")]),
        ]
    )
    results = process.runner.results
    assert [results[n].status for n in "abc"] == [TaskStatus.SUCCESS] * 3
    assert results["a"].result[2] <= results["b"].result[1] <= results["b"].result[2]
    assert results["b"].result[2] <= results["c"].result[1]


def test_results_flow_by_position_and_keyword(on: Callable[..., Process]) -> None:
    process = on(
        [
            Task("left", bodies.word, args=("x",)),
            Task("right", bodies.word, args=("y",)),
            Task("sep", bodies.word, args=("-",)),
            Task(
                "joined",
                bodies.join,
                dependencies=[arg("left"), arg("right"), kwarg("sep", "sep")],
            ),
            Task("again", bodies.join, args=("<",), dependencies=[arg("joined")]),
        ]
    )
    assert process.runner.results["joined"].result == "x-y"
    assert process.runner.results["again"].result == "<x-y"


def test_a_failure_skips_its_dependants_only(on: Callable[..., Process]) -> None:
    process = on(
        [
            Task("bad", bodies.fail),
            Task("child", bodies.join, dependencies=[arg("bad")]),
            Task("other", bodies.word, args=("fine",)),
        ]
    )
    results = process.runner.results
    assert results["bad"].status is TaskStatus.ERRORED
    assert isinstance(results["bad"].exception, ValueError)
    error = results["bad"].error_data
    assert error is not None
    assert error.exception == "broken input"
    assert "in fail" in error.traceback_str and "ValueError: broken input" in error.traceback_str
    assert error.traced_vars.get("rows") == "[1, 2, 3]"
    assert error.downstream_impact == ["child"]
    assert results["child"].status is TaskStatus.SKIPPED
    assert results["other"].result == "fine"


@pytest.mark.parametrize("capture", [False, True])
def test_a_traceback_starts_at_the_task_function(on: Callable[..., Process], capture: bool) -> None:
    """The engine's frames are left out, the task's own frame is not (with or without capture)."""
    process = on([Task("deep", bodies.fail_inside)], capture=capture)
    error = process.runner.results["deep"].error_data
    assert error is not None
    lines = error.traceback_str.splitlines()
    frames = [line.split(", in ")[-1] for line in lines if ", in " in line]
    assert frames == ["fail_inside", "fail"]


def test_dependants_run_once_and_only_after_a_success(
    on: Callable[..., Process], tmp_path: Path
) -> None:
    """Whatever the upstream did (retried, skipped itself, failed), a dependant runs once or not."""
    log = str(tmp_path / "log")
    process = on(
        [
            Task("flaky_up", bodies.flaky, args=(str(tmp_path / "n"), 2), retries=1),
            Task(
                "after_flaky",
                bodies.logged,
                args=(log, "after_flaky"),
                dependencies=[arg("flaky_up")],
            ),
            Task("skipper", bodies.skip_self),
            Task(
                "after_skip", bodies.logged, args=(log, "after_skip"), dependencies=[arg("skipper")]
            ),
            Task("bad", bodies.fail),
            Task("after_bad", bodies.logged, args=(log, "after_bad"), dependencies=[arg("bad")]),
            Task("deep", bodies.logged, args=(log, "deep"), dependencies=[arg("after_bad")]),
            Task("slow", bodies.logged, args=(log, "slow"), kwargs={"pause": 0.3}),
            Task(
                "ordered",
                bodies.logged,
                args=(log, "ordered"),
                dependencies=[TaskDependency("slow")],
            ),
        ]
    )
    results = process.runner.results
    assert results["after_flaky"].result == "after_flaky(ok on 2)"
    assert results["skipper"].status is TaskStatus.SKIPPED
    assert results["after_skip"].result == "after_skip(None)"
    for name in ("after_bad", "deep"):
        assert results[name].status is TaskStatus.SKIPPED
        assert results[name].reason == "upstream failed: 'bad'"
    ran = Path(log).read_text().split()
    assert sorted(ran) == ["after_flaky", "after_skip", "ordered", "slow"]
    assert ran.index("slow") < ran.index("ordered")


def test_retries_follow_retry_on(on: Callable[..., Process], tmp_path: Path) -> None:
    process = on(
        [
            Task(
                "recovers",
                bodies.flaky,
                args=(str(tmp_path / "recovers"), 3),
                retries=2,
                retry_on=(ConnectionError,),
            ),
            Task("gives_up", bodies.flaky, args=(str(tmp_path / "gives_up"), 5), retries=1),
            Task(
                "not_retried",
                bodies.flaky,
                args=(str(tmp_path / "nr"), 2),
                retries=3,
                retry_on=(KeyError,),
            ),
        ]
    )
    results = process.runner.results
    assert (results["recovers"].status, results["recovers"].attempts) == (TaskStatus.SUCCESS, 3)
    assert results["recovers"].result == "ok on 3"
    assert (results["gives_up"].status, results["gives_up"].attempts) == (TaskStatus.ERRORED, 2)
    assert (results["not_retried"].attempts, results["not_retried"].error_type) == (
        1,
        "ConnectionError",
    )


def test_a_timeout_is_a_retried_timeout_error(on: Callable[..., Process]) -> None:
    started = time.monotonic()
    process = on(
        [
            Task("stuck", bodies.hang, args=(3.0,), timeout=0.4, retries=1),
            Task("after_stuck", bodies.join, dependencies=[arg("stuck")]),
            Task("quick", bodies.word, args=("done",)),
        ]
    )
    elapsed = time.monotonic() - started
    results = process.runner.results
    stuck = results["stuck"]
    assert (stuck.status, stuck.attempts) == (TaskStatus.ERRORED, 2)
    assert isinstance(stuck.exception, TimeoutError)
    assert "Task 'stuck' timed out after 0.4s" in str(stuck.exception)
    assert results["after_stuck"].status is TaskStatus.SKIPPED
    assert results["quick"].result == "done"
    assert elapsed < 2.5, f"the run took {elapsed:.2f}s: the deadline was not enforced"


def test_reports_say_where_and_what(on: Callable[..., Process], kind: str) -> None:
    process = on(
        [Task("talk", bodies.chatty, args=("talk",)), Task("bad", bodies.fail)], capture=True
    )
    report = process.runner._report
    assert report is not None
    talk = report.entries["talk"]
    assert talk.worker.startswith(WORKER_PREFIX[kind]), talk.worker
    assert "out from talk" in talk.output and "err from talk" in talk.output
    assert "WARNING  chatty" in talk.output and "log from talk" in talk.output
    assert talk.started_at is not None and talk.finished_at is not None
    assert talk.started_at <= talk.finished_at
    bad = report.entries["bad"]
    assert (bad.status, bad.error_type) == (TaskStatus.ERRORED, "ValueError")
    document = json.loads(report.to_json())
    assert set(document["entries"]) == {"talk", "bad"}


def test_exceptions_come_back_intact(on: Callable[..., Process], kind: str) -> None:
    process = on([Task("tagged", bodies.raise_tagged), Task("stubborn", bodies.raise_stubborn)])
    results = process.runner.results
    tagged = results["tagged"].exception
    assert isinstance(tagged, bodies.TaggedError) and tagged.code == 7
    stubborn = results["stubborn"]
    assert stubborn.error_type.endswith("StubbornError")
    assert "left/right" in str(stubborn.exception)
    if kind in ("process", "dask"):  # cannot be rebuilt on this side: a RuntimeError like it
        assert type(stubborn.exception) is RuntimeError
        assert "StubbornError" in str(stubborn.exception)
        assert "in raise_stubborn" in (
            stubborn.error_data.traceback_str if stubborn.error_data else ""
        )
    else:
        assert isinstance(stubborn.exception, bodies.StubbornError)
