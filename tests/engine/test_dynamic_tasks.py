"""Tasks created during the run (``context.create``), fan-ins (``Created``) and ``context.wait``.

Every test that could hang if waiting were wrong carries a timeout guard: a
deadlock fails the test instead of stalling the suite.
"""

from __future__ import annotations

import threading
from typing import Any

import pluggy
import pytest

from pytest_processes import (
    Created,
    DynamicTaskError,
    Process,
    RunInterrupted,
    Task,
    TaskContext,
    TaskDependency,
    TaskStatus,
    task,
)

#: (executor, workers): the scheduler's own thread, a one-thread pool, a wider pool
EXECUTORS = [("inline", 1), ("thread", 1), ("thread", 4)]


def run(functions: list[Any], executor: str = "thread", workers: int = 4, **kw: Any) -> Any:
    return Process.from_functions(functions).run(executor=executor, max_workers=workers, **kw)


def upper(path: str) -> str:
    return path.upper()


@pytest.mark.timeout(30)
@pytest.mark.parametrize(("executor", "workers"), EXECUTORS)
def test_created_tasks_run_and_a_fan_in_receives_them_all(executor: str, workers: int) -> None:
    def scan(context: TaskContext) -> int:
        for name in ("a.csv", "b.csv", "c.csv"):
            context.create(f"load[{name}]", upper, kwargs={"path": name})
        return 3

    def report(scan: Created[str]) -> list[str]:
        return sorted(scan.items())  # type: ignore[arg-type]

    entries = run([scan, report], executor, workers).entries
    assert entries["scan/load[b.csv]"].result == "B.CSV"
    assert entries["report"].result == [
        ("load[a.csv]", "A.CSV"),
        ("load[b.csv]", "B.CSV"),
        ("load[c.csv]", "C.CSV"),
    ]
    # the fan-in started only once every created task had finished
    last_load = max(entries[f"scan/load[{n}]"].finished_at or 0 for n in ("a.csv", "b.csv"))
    assert (entries["report"].started_at or 0) >= last_load


@pytest.mark.timeout(30)
@pytest.mark.parametrize(("executor", "workers"), EXECUTORS)
def test_wait_returns_the_values_without_starving_a_one_worker_pool(
    executor: str, workers: int
) -> None:
    def scan(context: TaskContext) -> dict[str, Any]:
        context.create("a", lambda: 1)
        context.create(
            "sum", lambda x: x + 1, dependencies=[TaskDependency("a", True)]
        )  # a sibling, by the name given to create, its result passed on
        return context.wait("a", "sum")

    entries = run([scan], executor, workers).entries
    assert entries["scan"].result == {"a": 1, "sum": 2}
    assert entries["scan/sum"].dependencies == ("scan/a",)


@pytest.mark.timeout(30)
def test_a_task_interrupted_after_waiting_on_the_callers_thread_keeps_its_own_start() -> None:
    def scan(context: TaskContext) -> None:
        context.create("child", lambda: 1)
        context.wait("child")  # the child runs on this thread, inside this call
        raise KeyboardInterrupt

    with pytest.raises(RunInterrupted) as caught:
        run([scan], "inline", 1)
    entries = caught.value.report.entries
    scan_start, child_start = entries["scan"].started_at, entries["scan/child"].started_at
    assert scan_start is not None and child_start is not None
    assert scan_start < child_start


@pytest.mark.timeout(30)
def test_many_waiting_tasks_on_one_thread_all_finish() -> None:
    """Four tasks each wait for their own created task on a one-thread pool: no deadlock."""

    @task(params={"k": [1, 2, 3, 4]})
    def parent(context: TaskContext, k: int) -> int:
        context.create("child", lambda: k * 10)
        return int(context.wait("child")["child"]) + k

    entries = run([parent], "thread", 1).entries
    assert [entries[f"parent[{k}]"].result for k in (1, 2, 3, 4)] == [11, 22, 33, 44]


def test_a_created_task_that_fails_skips_the_fan_in_and_fails_the_wait() -> None:
    def boom() -> None:
        raise ValueError("cannot load bad.csv")

    def scan(context: TaskContext) -> None:
        context.create("ok", lambda: 1)
        context.create("bad", boom)

    def report(scan: Created[int]) -> int:
        return len(scan)

    def waiter(context: TaskContext) -> Any:
        context.create("bad", boom)
        return context.wait("bad")

    entries = run([scan, report, waiter]).entries
    assert entries["scan/bad"].status is TaskStatus.ERRORED
    assert entries["report"].status is TaskStatus.SKIPPED
    assert entries["report"].reason == "upstream failed: 'scan/bad'"
    assert entries["waiter"].status is TaskStatus.ERRORED
    error = entries["waiter"].error
    assert error is not None
    assert "waited for 'bad', which did not succeed (errored)" in error.exception


@pytest.mark.timeout(30)
@pytest.mark.parametrize(("executor", "workers"), EXECUTORS)
def test_bad_creates_and_waits_fail_the_calling_task_with_a_clear_error(
    executor: str, workers: int
) -> None:
    errors: list[str] = []

    def scan(context: TaskContext) -> None:
        attempts = [
            lambda: context.create("x", upper, dependencies=["nope"]),
            lambda: context.create("twice", upper),
            lambda: context.create("twice", upper),
            lambda: context.wait("nothing"),
            lambda: context.wait("scan"),
            lambda: context.create("after", upper, dependencies=["scan"]),
            lambda: context.wait("after"),
        ]
        for attempt in attempts:
            try:
                attempt()
            except DynamicTaskError as exc:
                errors.append(str(exc))

    run([scan], executor, workers)
    assert errors == [
        "task 'scan' creates 'scan/x', which depends on 'nope': no task of that name exists "
        "(yet); create it first",
        "task 'scan' creates 'scan/twice', but a task of that name exists; give each created "
        "task its own name",
        "task 'scan' waits for 'nothing': no task of that name exists",
        "task 'scan' waits for 'scan', which is itself: the wait could never end",
        "task 'scan' waits for 'scan/after', which depends on 'scan': the wait could never end",
    ]


def test_a_cycle_through_a_fan_in_is_refused() -> None:
    def scan(context: TaskContext) -> None:
        context.create("load", upper, kwargs={"path": "a"}, dependencies=["report"])

    def report(scan: Created[str]) -> int:
        return len(scan)

    entries = run([scan, report]).entries
    assert entries["scan"].status is TaskStatus.ERRORED
    error = entries["scan"].error
    assert error is not None
    assert error.exception == (
        "task 'scan' creates 'scan/load', which would close a cycle: report -> scan/load -> "
        "report ('scan/load' depends on 'report', which receives every task 'scan' creates)"
    )
    assert "scan/load" not in entries


@pytest.mark.timeout(30)
def test_a_wait_that_could_never_end_fails_instead_of_hanging() -> None:
    """The created task needs a lock its waiting creator holds: nothing can ever start."""

    @task(locks=["db"])
    def holder(context: TaskContext) -> Any:
        context.create("needs_db", lambda: 1, locks=["db"])
        return context.wait("needs_db")

    for executor, workers in EXECUTORS:
        entries = run([holder], executor, workers).entries
        error = entries["holder"].error
        assert error is not None
        assert error.exception == (
            "task 'holder' waits for 'holder/needs_db', which cannot start while every running "
            "task waits (a lock a waiting task holds, or a no_failures task); the wait could "
            "never end"
        )
        assert entries["holder/needs_db"].status is TaskStatus.SUCCESS  # after holder let go


@pytest.mark.timeout(30)
def test_fail_fast_ends_a_wait_and_accounts_for_created_tasks() -> None:
    """The stop ends a wait in progress, or refuses one asked for after it."""
    gate = threading.Event()

    def boom() -> None:
        raise ValueError("first failure")

    def scan(context: TaskContext) -> Any:
        context.create("slow", gate.wait, kwargs={"timeout": 10})
        context.create("blocked", gate.wait, kwargs={"timeout": 10}, dependencies=["slow"])
        context.create("boom", boom)
        return context.wait("blocked")  # ended by the stop, whether it began before or after

    class ReleaseWhenScanEnds:  # 'slow' runs until the wait has ended: no fixed sleep
        @pluggy.HookimplMarker("pytest")
        def pytest_processes_task_finish(self, task: Any, result: Any) -> None:
            if task.name == "scan":
                gate.set()

    process = Process.from_functions([scan], plugins=[ReleaseWhenScanEnds()])
    try:
        entries = process.run(executor="thread", max_workers=4, fail_fast=True).entries
    finally:
        gate.set()
    assert entries["scan/boom"].status is TaskStatus.ERRORED
    # the stop ended scan's wait: cut off like a running task, not one more failure
    assert entries["scan"].status is TaskStatus.SKIPPED
    assert entries["scan"].reason.startswith("interrupted while running (after ")
    assert entries["scan/blocked"].reason.startswith("not run")


def test_context_on_the_process_executor_is_a_clear_error() -> None:
    @task(executor="process")
    def scan(context: TaskContext) -> None:
        context.create("x", upper, kwargs={"path": "a"})

    entries = run([scan]).entries
    error = entries["scan"].error
    assert error is not None
    assert error.exception == (
        "task 'scan' takes a 'context' but would run on the 'process' executor, which cannot "
        "reach the run's scheduler; give it executor='thread' (create and wait need the task "
        "in the run's process)"
    )


def test_created_tasks_run_on_the_executors_of_the_run() -> None:
    def scan(context: TaskContext) -> str:
        context.create("load", upper, kwargs={"path": "a"}, executor="process")
        try:
            context.create("later", upper, kwargs={"path": "b"}, executor="dask")
        except DynamicTaskError as exc:
            return str(exc)
        return ""

    @task(executor="process")
    def crunch() -> int:
        return 1

    entries = run([scan, crunch]).entries
    assert entries["scan/load"].result == "A"
    assert entries["scan/load"].worker.startswith("process")
    assert entries["scan"].result == (
        "task 'scan' creates 'scan/later' with executor='dask', but this run has no dask "
        "executor (it has thread, process); give a task declared upfront executor='dask', or "
        "leave the option out"
    )


def test_hooks_and_the_report_see_created_tasks() -> None:
    seen: list[tuple[str, str]] = []

    class Recorder:
        @pluggy.HookimplMarker("pytest")
        def pytest_processes_task_finish(self, task: Any, result: Any) -> None:
            seen.append((task.name, result.status.value))

    def scan(context: TaskContext) -> None:
        context.create("load", upper, kwargs={"path": "a"})

    process = Process.from_functions([scan], plugins=[Recorder()])
    report = process.run(executor="thread", max_workers=2)
    assert sorted(seen) == [("scan", "success"), ("scan/load", "success")]
    assert list(report.entries) == ["scan", "scan/load"]
    assert process.runner.results["scan/load"].result == "A"
    assert [t.name for t in process.tasks] == ["scan"]  # the process itself did not grow
    assert list(process.run(executor="thread").entries) == ["scan", "scan/load"]


def test_a_task_with_a_context_always_runs_again_on_resume(tmp_path: Any) -> None:
    calls: list[str] = []

    def scan(context: TaskContext) -> None:
        calls.append("scan")
        context.create("load", upper, kwargs={"path": "a"})

    def other() -> int:
        calls.append("other")
        raise ValueError("fails the first run")

    Process.from_functions([scan, other]).run(checkpoint=tmp_path)
    assert calls == ["scan", "other"]
    calls.clear()
    report = Process.from_functions([scan, other]).run(checkpoint=tmp_path)
    assert calls == ["scan", "other"]  # scan re-creates its tasks; nothing stale is restored
    assert report.entries["scan/load"].result == "A"


def test_a_hand_built_task_asks_for_its_context() -> None:
    def spawn(context: TaskContext, count: int) -> int:
        for i in range(count):
            context.create(f"n{i}", lambda i=i: i * i)
        return sum(context.wait([f"n{i}" for i in range(count)]).values())

    tasks = [Task("spawn", spawn, kwargs={"context": TaskContext.slot(), "count": 4})]
    report = Process(tasks).run(parallel=True, max_workers=2)
    assert report.entries["spawn"].result == 0 + 1 + 4 + 9


@pytest.mark.timeout(30)
def test_the_thread_a_wait_lent_is_given_back_and_the_pool_keeps_its_size() -> None:
    """After the wait, four tasks still meet at a barrier: the pool runs four at once again."""
    barrier = threading.Barrier(4, timeout=10)

    def scan(context: TaskContext) -> Any:
        context.create("a", lambda: 1)
        return context.wait("a")

    @task(params={"k": [1, 2, 3, 4]})
    def meet(scan: Any, k: int) -> int:
        return barrier.wait()

    entries = run([scan, meet], "thread", 4).entries
    for k in (1, 2, 3, 4):
        assert entries[f"meet[{k}]"].status is TaskStatus.SUCCESS, entries[f"meet[{k}]"].error


@pytest.mark.timeout(30)
@pytest.mark.parametrize(("executor", "workers"), EXECUTORS)
def test_created_tasks_create_and_wait_in_turn(executor: str, workers: int) -> None:
    def leaf(context: TaskContext) -> str:
        return context.name

    def mid(context: TaskContext) -> Any:
        context.create("leaf", leaf)
        return context.wait("leaf")["leaf"]

    def top(context: TaskContext) -> Any:
        context.create("mid", mid)
        return context.wait("mid")["mid"]

    entries = run([top], executor, workers).entries
    assert entries["top"].result == "top/mid/leaf"
    assert list(entries) == ["top", "top/mid", "top/mid/leaf"]


@pytest.mark.timeout(30)
@pytest.mark.parametrize(("executor", "workers"), EXECUTORS)
def test_a_created_task_belongs_to_its_creators_wave(executor: str, workers: int) -> None:
    """The next wave starts only after the tasks an earlier-wave task created have finished."""

    @task(wave=0)
    def scan(context: TaskContext) -> None:
        for name in ("a", "b"):
            context.create(f"load[{name}]", upper, kwargs={"path": name})

    @task(wave=1)
    def publish() -> str:
        return "published"

    entries = run([scan, publish], executor, workers).entries
    assert entries["publish"].result == "published"
    last_load = max(entries[f"scan/load[{n}]"].finished_at or 0 for n in ("a", "b"))
    assert (entries["publish"].started_at or 0) >= last_load


@pytest.mark.timeout(30)
def test_a_created_task_with_before_runs_before_a_waiting_target() -> None:
    """``before=`` on a created task holds a target that has not started yet.

    Four workers: without the edge ``publish`` starts while ``migrate`` still waits
    for it (and says so); with it, ``migrate``'s bounded wait for ``publish`` runs out.
    """
    publish_started = threading.Event()
    migrate_done = threading.Event()

    def migrate() -> str:
        saw = publish_started.wait(0.3)  # never set before migrate ends, if ordered
        migrate_done.set()
        return "publish ran first" if saw else "in order"

    def scan(context: TaskContext) -> None:
        context.create("migrate", migrate, before=["publish"])

    def publish(scan: None) -> bool:
        publish_started.set()
        return migrate_done.is_set()

    entries = run([scan, publish], "thread", 4).entries
    assert entries["scan/migrate"].result == "in order"
    assert entries["publish"].result is True


@pytest.mark.timeout(30)
def test_a_created_task_cannot_run_before_a_task_that_started_or_a_name_that_is_unknown() -> None:
    def scan(context: TaskContext) -> None:
        context.create("migrate", upper, kwargs={"path": "m"}, before=["audit"])

    def scan_typo(context: TaskContext) -> None:
        context.create("migrate", upper, kwargs={"path": "m"}, before=["pubish"])

    def audit() -> str:  # independent of scan: it has started or finished by then
        return "ok"

    report = run([audit, scan, scan_typo], "thread", 1)
    errors = {name: e.error.exception for name, e in report.entries.items() if e.error}
    assert "creates 'scan/migrate' to run before 'audit', which has " in errors["scan"]
    assert "make 'audit' depend on 'scan'" in errors["scan"]
    assert "before='pubish', which matches no task" in errors["scan_typo"]
