"""Fixture setup and teardown for tasks that run at the same time.

pytest's ``SetupState`` is a stack: one item set up at a time. Tasks overlap,
so during ``pytest --processes`` the session uses this variant: a collector
(session, package, module) stays set up until the last selected task under it
has finished, and a task's own (function-scoped) finalizers run when that task
settles. Everything happens on pytest's main thread.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable

import pytest

from .compat import (
    OutcomeException,
    SetupState,
    fixture_defs,
    fresh_fixturedef,
    replace_fixture_defs,
)

if sys.version_info < (3, 11):  # pragma: no cover - pytest installs the backport there
    from exceptiongroup import BaseExceptionGroup  # type: ignore[import-not-found,unused-ignore]

__all__ = ["ConcurrentSetupState"]

_OUTCOMES = (OutcomeException, Exception)


def _own_function_fixtures(item: pytest.Item) -> None:
    """Give ``item`` its own copies of its function-scoped fixture definitions.

    A definition caches one value at a time: pytest tears a test's down before
    the next test sets up, but tasks overlap, and a task set up while another
    runs would otherwise get that task's value (the same ``tmp_path``). Wider
    scopes stay shared, as they are between tests.
    """
    for name, chain in fixture_defs(item).items():
        if any(d.scope == "function" for d in chain):
            own = tuple(fresh_fixturedef(d) if d.scope == "function" else d for d in chain)
            replace_fixture_defs(item, name, own)


class ConcurrentSetupState(SetupState):
    """A reference-counted SetupState: nodes live while a task below them still has to run."""

    def __init__(self, items: Iterable[pytest.Item]) -> None:
        super().__init__()
        self.remaining: Counter[object] = Counter(
            col for item in items for col in item.listchain()[:-1]
        )

    def setup(self, item: pytest.Item) -> None:
        _own_function_fixtures(item)
        for col in item.listchain():
            if col in self.stack:
                exc = self.stack[col][1]
                if exc:
                    raise exc[0].with_traceback(exc[1])
                continue
            self.stack[col] = ([col.teardown], None)
            try:
                col.setup()
            except _OUTCOMES as exc:
                self.stack[col] = (self.stack[col][0], (exc, exc.__traceback__))
                raise

    def _finalize(self, node: object, errors: list[BaseException]) -> None:
        finalizers, _ = self.stack.pop(node)  # type: ignore[call-overload]
        while finalizers:
            fin = finalizers.pop()
            try:
                fin()
            except _OUTCOMES as exc:
                errors.append(exc)

    def finish(self, item: pytest.Item) -> None:
        """``item`` settled: run its finalizers, and its collectors' once nothing needs them."""
        errors: list[BaseException] = []
        if item in self.stack:
            self._finalize(item, errors)
        for col in reversed(item.listchain()[:-1]):
            self.remaining[col] -= 1
            if (
                self.remaining[col] <= 0
                and col in self.stack
                and not isinstance(col, pytest.Session)
            ):
                self._finalize(col, errors)
        if len(errors) == 1:
            raise errors[0]
        if errors:
            raise BaseExceptionGroup(f"errors while tearing down {item.nodeid}", errors)

    def teardown_exact(self, nextitem: pytest.Item | None) -> None:
        """At session end: tear down whatever is still set up, innermost first."""
        errors: list[BaseException] = []
        for node in reversed(list(self.stack)):
            self._finalize(node, errors)
        if len(errors) == 1:
            raise errors[0]
        if errors:
            raise BaseExceptionGroup("errors during session teardown", errors)
