"""The smallest end-to-end run of the library: a result flows from one task to the next."""

from __future__ import annotations

from pytest_processes import Process, Task, TaskDependency, TaskStatus


def test_result_flows_to_dependant() -> None:
    def one() -> int:
        return 1

    def plus_one(x: int) -> int:
        return x + 1

    process = Process(
        [
            Task("b", plus_one, dependencies=[TaskDependency("a", True)]),
            Task("a", one),
        ]
    )
    report = process.run()
    assert [e.status for e in report.entries.values()] == [TaskStatus.SUCCESS] * 2
    assert report.entries["b"].result == 2
