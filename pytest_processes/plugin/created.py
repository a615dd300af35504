"""Tasks created during the run, as pytest items: one per task, its node id from its creator.

``scan`` in ``tasks_x.py`` creating ``load[a.csv]`` gives the item
``tasks_x.py::scan/load[a.csv]``: it is reported as it settles, counted in the
summary, JUnit and ``--processes-json``, and ``-x`` treats it like any task.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from .collect import TaskItem
from .compat import empty_fixture_info
from .setupstate import ConcurrentSetupState

__all__ = ["created_item"]


def created_item(
    creator: TaskItem, task: Any, session: pytest.Session, state: ConcurrentSetupState
) -> TaskItem:
    """The item of ``task``, created by ``creator``'s task, in the creator's module.

    Its location is its own function's when it is a plain function, else the
    creator's. The module stays set up until it settles, like any task of it.
    """
    func = task.func if inspect.isfunction(task.func) else creator.obj
    assert creator.parent is not None
    item: TaskItem = TaskItem.from_parent(
        creator.parent,
        name=task.name,
        callobj=func,
        task=task.name,
        options=None,
        fixtureinfo=empty_fixture_info(),
    )
    item.base = task.name
    item.variant = None
    item.declared = None
    item.links = ()
    item.parameters = []
    item.use_fixtures(())
    for col in item.listchain()[:-1]:
        state.remaining[col] += 1
    session.testscollected += 1
    return item
