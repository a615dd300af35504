"""Upstream injection: where ``inject`` puts each value is what ``injected_slots`` says."""

from __future__ import annotations

from pytest_processes.engine.upstream import inject, injected_slots


def test_injected_slots_find_each_value_inject_placed() -> None:
    plan = [(0, True, ""), (1, False, "b"), (2, True, "c")]
    values = ["A", "B", "C"]
    args, kwargs = inject((1, 2), {"x": 0}, plan, values)
    assert args == (1, 2, "A", "C") and kwargs == {"x": 0, "b": "B", "c": "C"}
    for j, pos, kw in injected_slots(len(args), plan):
        if pos >= 0:
            assert args[pos] == values[j]
        if kw:
            assert kwargs[kw] == values[j]
    assert injected_slots(len(args), plan) == [(0, 2, ""), (1, -1, "b"), (2, 3, "c")]
