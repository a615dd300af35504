"""Trigger and executor names come from one list: every entry point accepts and names the same."""

from __future__ import annotations

import pytest

from pytest_processes import Task
from pytest_processes.engine.routing import make_executor
from pytest_processes.model.names import EXECUTORS, RUN_EXECUTORS, TRIGGERS


def noop() -> None:
    """A task body."""


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_task_accepts_every_trigger(trigger: str) -> None:
    assert Task("t", noop, trigger=trigger).trigger == trigger


@pytest.mark.parametrize("executor", EXECUTORS)
def test_task_accepts_every_executor(executor: str) -> None:
    assert Task("t", noop, executor=executor).executor == executor


def test_bad_names_list_the_choices_from_the_one_list() -> None:
    with pytest.raises(ValueError, match=", ".join(TRIGGERS)):
        Task("t", noop, trigger="sometimes")
    with pytest.raises(ValueError, match=", ".join(EXECUTORS)):
        Task("t", noop, executor="gpu")
    with pytest.raises(ValueError, match="'inline', 'thread', 'process', 'dask'"):
        make_executor("gpu", 1, set())


def test_run_executors_are_the_executors_a_run_may_name() -> None:
    assert set(RUN_EXECUTORS) == set(EXECUTORS) - {"inline"}
