"""A sequential run's fast path reports exactly what the general path reports.

A sequential run that nothing watches task by task runs plain tasks back to back
(``engine/series.py``); a plugin with task hooks, or a thread pool, takes the
general path. Each graph here runs all three ways and the reports must agree on
everything but times and worker names.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
from typing import Any

import pluggy
import pytest

from pytest_processes import (
    Process,
    ProcessExecutionReport,
    RunInterrupted,
    Task,
    TaskDependency,
    TaskSkipped,
)
from pytest_processes.model.task_types import TaskResult

hookimpl = pluggy.HookimplMarker("pytest")


def helper(rows: list[int]) -> int:
    secret_rows = rows  # noqa: F841 - a traced variable of the failing frame
    raise ValueError(f"bad rows {rows}")


def echo(*values: object) -> tuple[object, ...]:
    return values


def total(*values: int, scale: int = 1) -> int:
    return sum(values) * scale


def failing(rows: list[int]) -> int:
    return helper(rows)


def self_skipping() -> None:
    raise TaskSkipped("nothing to do today")


async def later(value: int) -> int:
    await asyncio.sleep(0)
    return value + 1


def make_flaky() -> Any:
    calls: list[int] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("first try drops")
        return "second try works"

    return flaky


def arg(name: str) -> TaskDependency:
    return TaskDependency(name, use_result_as_additional_args=True)


def graph() -> list[Task]:
    """Fresh tasks: plain ones around every kind of task the fast path hands on."""
    return [
        Task("a", echo, args=(1,)),
        Task("b", total, args=(2,), dependencies=[arg("c0")]),
        Task("c0", total, args=(3, 4)),
        Task("kw", total, dependencies=[arg("c0")], kwargs={"scale": 10}),
        Task(
            "by_name",
            total,
            dependencies=[TaskDependency("c0", True, True, "scale"), arg("kw")],
        ),
        Task("timed", echo, args=("t",), timeout=30, dependencies=[arg("a")]),
        Task("flaky", make_flaky(), retries=2, retry_on=(ConnectionError,)),
        Task("after_flaky", echo, dependencies=[arg("flaky"), arg("b")]),
        Task("bad", failing, args=([1, 2, 3],)),
        Task("below_bad", echo, dependencies=[arg("bad")]),
        Task("skips", self_skipping),
        Task("below_skip", echo, dependencies=[arg("skips")]),
        Task("awaited", later, args=(41,)),
        Task("locked", echo, args=("l",), locks=["db"], dependencies=[arg("awaited")]),
        Task("last", echo, dependencies=[arg("locked"), arg("after_flaky"), arg("by_name")]),
    ]


class Watching:
    """A plugin with task hooks: the run takes the general path for every task."""

    @hookimpl
    def pytest_processes_task_finish(self, task: Task, result: TaskResult) -> None:
        pass


def comparable(report: ProcessExecutionReport) -> dict[str, dict[str, Any]]:
    """Every entry's fields but its times and worker names."""
    out: dict[str, dict[str, Any]] = {}
    for name, entry in report.entries.items():
        fields = dataclasses.asdict(entry)
        for key in ("elapsed_seconds", "started_at", "finished_at", "worker"):
            fields.pop(key)
        fields["attempt_history"] = [
            (r.number, r.outcome, r.error_type, r.message, r.traceback)
            for r in entry.attempt_history
        ]
        out[name] = fields
    return out


def run(how: str) -> ProcessExecutionReport:
    plugins = [Watching()] if how == "watched" else []
    with Process(graph(), plugins=plugins) as process:
        return process.run(parallel=how == "threads", max_workers=2)


@pytest.mark.parametrize("other", ["watched", "threads"])
def test_the_fast_path_reports_what_the_general_path_reports(other: str) -> None:
    fast, general = comparable(run("fast")), comparable(run(other))
    assert list(fast) == list(general)
    for name in fast:
        assert fast[name] == general[name], name
    assert fast["last"]["result"] == (("l", 42), ("second try works", 9), (7 + 70) * 7)
    error = fast["bad"]["error"]
    frames = [ln.split(", in ")[-1] for ln in error["traceback_str"].splitlines() if ", in " in ln]
    assert frames == ["failing", "helper"]  # the task's frame first, none of the engine's
    assert error["traced_vars"]["secret_rows"] == "<redacted>"


@pytest.mark.parametrize("how", ["fast", "watched", "threads"])
def test_a_retried_task_spans_its_attempts(how: str) -> None:
    entry = run(how).entries["flaky"]
    first, last = entry.attempt_history
    assert (first.outcome, last.outcome, entry.attempts) == ("failed", "passed", 2)
    assert entry.started_at == first.started_at
    assert entry.finished_at == pytest.approx(last.started_at + last.duration)
    assert entry.elapsed_seconds == pytest.approx(first.duration + last.duration)


def test_the_fast_path_times_each_task_from_start_to_end() -> None:
    report = run("fast")
    entries = list(report.entries.values())
    for entry in entries:
        if entry.attempts:
            assert entry.started_at is not None and entry.finished_at is not None
            assert entry.started_at <= entry.finished_at
            assert entry.worker == ("main-timeout" if entry.name == "timed" else "main")
    ran = sorted((e for e in entries if e.attempts == 1), key=lambda e: e.started_at or 0)
    for before, after in itertools.pairwise(ran):  # one after another on one thread
        assert (before.finished_at or 0) <= (after.started_at or 0)


def interrupted_run(how: str) -> ProcessExecutionReport:
    def interrupt(value: int) -> None:
        raise KeyboardInterrupt

    tasks = [
        Task("first", echo, args=(1,)),
        Task("ctrl_c", interrupt, dependencies=[arg("first")]),
        Task("after", echo, dependencies=[arg("ctrl_c")]),
        Task("other", echo, dependencies=[arg("first")]),
    ]
    plugins = [Watching()] if how == "watched" else []
    with Process(tasks, plugins=plugins) as process, pytest.raises(RunInterrupted) as caught:
        process.run(parallel=False)
    return caught.value.report


def test_ctrl_c_inside_a_plain_task_stops_the_run_as_on_the_general_path() -> None:
    report = interrupted_run("fast")
    assert comparable(report) == comparable(interrupted_run("watched"))
    assert report.interrupted == "run interrupted (KeyboardInterrupt)"
    assert report.entries["first"].result == (1,)
    cut_off = report.entries["ctrl_c"]  # keeps when and where it ran
    assert cut_off.reason.startswith("interrupted while running")
    assert cut_off.started_at is not None and cut_off.worker == "main" and cut_off.attempts == 1
    assert report.entries["other"].reason == "not run: run interrupted (KeyboardInterrupt)"


def run_with_a_late_dependency(how: str) -> ProcessExecutionReport:
    plugins = [Watching()] if how == "watched" else []
    tasks = [Task("a", echo, args=(1,)), Task("b", echo, args=(2,), dependencies=[arg("a")])]
    with Process(tasks, plugins=plugins) as process:
        tasks[1].dependencies.append(arg("a2"))  # after the graph was built: not in it
        return process.run(parallel=False)


def test_a_dependency_added_after_the_graph_was_built_is_treated_alike() -> None:
    fast = run_with_a_late_dependency("fast")
    assert comparable(fast) == comparable(run_with_a_late_dependency("watched"))
    assert fast.entries["b"].result == (2, (1,))
