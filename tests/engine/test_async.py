"""``async def`` tasks: awaited to their value, cancelled at their timeout, no leaked loops."""

from __future__ import annotations

import asyncio
import gc
import threading

import pytest

from pytest_processes import Process, Task, TaskDependency, TaskStatus

MODES = [pytest.param(False, id="sequential"), pytest.param(True, id="parallel")]


async def double(value: int) -> int:
    await asyncio.sleep(0)
    return value * 2


@pytest.mark.parametrize("parallel", MODES)
def test_coroutine_functions_are_awaited(parallel: bool) -> None:
    process = Process(
        [
            Task("a", double, args=(5,)),
            Task(
                "b", double, dependencies=[TaskDependency("a", use_result_as_additional_args=True)]
            ),
        ]
    )
    report = process.run(parallel=parallel)
    assert report.entries["a"].result == 10
    assert report.entries["b"].result == 20


@pytest.mark.parametrize("parallel", MODES)
def test_coroutine_with_a_timeout_returns_its_value(parallel: bool) -> None:
    report = Process([Task("a", double, args=(4,), timeout=5)]).run(parallel=parallel)
    assert report.entries["a"].result == 8


@pytest.mark.parametrize("parallel", MODES)
def test_timeout_cancels_the_coroutine(parallel: bool) -> None:
    cancelled = threading.Event()

    async def forever() -> None:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    entry = Process([Task("slow", forever, timeout=0.1)]).run(parallel=parallel).entries["slow"]
    assert entry.status is TaskStatus.ERRORED
    assert entry.error is not None
    assert entry.error.exception == "Task 'slow' timed out after 0.1s"
    assert cancelled.wait(5)


def test_timeout_error_raised_by_a_coroutine_keeps_its_message() -> None:
    async def refuses() -> None:
        await asyncio.sleep(0)
        raise TimeoutError("upstream took too long")

    entry = Process([Task("a", refuses, timeout=5, retry_on=())]).run().entries["a"]
    assert entry.error is not None
    assert entry.error.exception == "upstream took too long"


def test_failing_coroutine_reports_its_own_frame() -> None:
    async def fails(limit: int) -> None:
        seen = limit + 1
        await asyncio.sleep(0)
        raise ValueError(f"over by {seen - limit}")

    entry = Process([Task("a", fails, args=(3,))]).run().entries["a"]
    assert entry.error is not None
    assert entry.error.exception == "over by 1"
    assert entry.error.traced_vars == {"limit": "3", "seen": "4"}
    assert entry.error.traced_vars_location.startswith(__file__ + ":")


def test_coroutines_are_retried() -> None:
    calls = {"n": 0}

    async def flaky() -> str:
        calls["n"] += 1
        if calls["n"] < 3:
            raise ConnectionError("down")
        return "up"

    entry = Process([Task("a", flaky, retries=3)]).run().entries["a"]
    assert (entry.result, entry.attempts) == ("up", 3)


def test_event_loops_are_closed_after_the_run() -> None:
    # an unclosed loop warns (ResourceWarning) when collected; warnings are errors here
    report = Process([Task(f"t{i}", double, args=(i,)) for i in range(4)]).run(parallel=True)
    assert [e.result for e in report.entries.values()] == [0, 2, 4, 6]
    gc.collect()


def test_coroutine_runs_inside_a_running_event_loop() -> None:
    async def which_loop() -> bool:
        return asyncio.get_running_loop().is_running()

    assert Process([Task("a", which_loop)]).run().entries["a"].result is True
