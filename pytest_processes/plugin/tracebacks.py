"""Tracebacks of fixture errors that begin at the user's code, as pytest shows a test's.

A task's fixtures are set up by the scheduler through the bridge and this
plugin's setup state, then pytest and pluggy: frames no user wrote. pytest
leaves its own and pluggy's out of a test's traceback; these are left out of a
task's the same way, with this plugin's and the engine's. ``--full-trace`` keeps all.
"""

from __future__ import annotations

import os
from types import TracebackType

import _pytest
import pluggy

import pytest_processes

__all__ = ["shown_traceback", "user_traceback"]

_HIDDEN = tuple(
    os.path.dirname(os.path.abspath(module.__file__ or "")) + os.sep
    for module in (pytest_processes, _pytest, pluggy)
)


def _hidden(filename: str) -> bool:
    """True for a frame of pytest-processes, pytest or pluggy."""
    return os.path.abspath(filename).startswith(_HIDDEN)


def user_traceback(tb: TracebackType | None) -> TracebackType | None:
    """``tb`` without the frames of pytest-processes, pytest and pluggy (all if none is left)."""
    kept: list[TracebackType] = []
    node = tb
    while node is not None:
        if not _hidden(node.tb_frame.f_code.co_filename):
            kept.append(node)
        node = node.tb_next
    if not kept:
        return tb
    chain: TracebackType | None = None
    for node in reversed(kept):  # a new chain: the exception's own stays whole
        chain = TracebackType(chain, node.tb_frame, node.tb_lasti, node.tb_lineno)
    return chain


def shown_traceback(full: bool, exc: BaseException) -> TracebackType | None:
    """What reports show of ``exc``'s traceback: all with ``--full-trace``, else the user's."""
    return exc.__traceback__ if full else user_traceback(exc.__traceback__)
