"""What a failure leaves behind: the formatted traceback and the failing frame's variables.

Traced variables are redacted (names that look like secrets) and truncated at
capture time, so no report, logfile or channel can leak or bloat them later.
"""

from __future__ import annotations

import functools
import os
import re
import sys
import traceback
from types import FunctionType, TracebackType
from typing import Any

__all__ = ["callable_name", "format_exception", "is_library_path", "traced_frame_vars"]

REDACTED = "<redacted>"
MAX_REPR = 500
_SECRET_NAME = re.compile(
    r"pass(wd|word)?|secret|token|api_?key|credential|private_?key|auth|cookie|session_?key",
    re.IGNORECASE,
)
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_BASE_PREFIX = os.path.abspath(sys.base_prefix)


def callable_name(func: Any) -> str:
    """A readable name for any callable: functions, partials, callable objects."""
    if type(func) is FunctionType:  # the common case, asked once per task and run
        return func.__name__
    while isinstance(func, functools.partial):
        func = func.func
    name = getattr(func, "__name__", None)
    return name if isinstance(name, str) else type(func).__name__


def is_library_path(filename: str) -> bool:
    """True for frames of installed libraries, the stdlib or this engine, not user code."""
    if "site-packages" in filename or ".venv" in filename:
        return True
    path = os.path.abspath(filename)
    return path.startswith(_PACKAGE_DIR + os.sep) or path.startswith(_BASE_PREFIX + os.sep)


def is_secret_name(name: str) -> bool:
    """True when a variable name looks like it holds a credential."""
    return bool(_SECRET_NAME.search(name))


def safe_repr(value: Any, limit: int = MAX_REPR) -> str:
    """``repr`` that never raises and never exceeds ``limit`` characters (plus a marker)."""
    try:
        text = repr(value)
    except Exception as exc:  # a broken __repr__ must not hide the real failure
        text = f"<unreprable: {type(exc).__name__}: {exc}>"
    if len(text) > limit:
        text = f"{text[:limit]}... <{len(text) - limit} more characters>"
    return text


def _target_frame(tb: TracebackType | None, frame_filter: str | None) -> TracebackType | None:
    """The innermost frame matching ``frame_filter`` (or else of user code), else the last."""
    nodes: list[TracebackType] = []
    while tb is not None:
        nodes.append(tb)
        tb = tb.tb_next
    if not nodes:
        return None
    for node in reversed(nodes):
        filename = node.tb_frame.f_code.co_filename
        if frame_filter is not None:
            if frame_filter in filename:
                return node
        elif not is_library_path(filename):
            return node
    return nodes[-1]


def traced_frame_vars(
    exc: BaseException, frame_filter: str | None = None
) -> tuple[dict[str, str], str]:
    """The failing frame's locals as redacted reprs, and its ``file:line``."""
    node = _target_frame(exc.__traceback__, frame_filter)
    if node is None:
        return {}, ""
    frame = node.tb_frame
    values = {
        name: REDACTED if is_secret_name(name) else safe_repr(value)
        for name, value in frame.f_locals.items()
    }
    return values, f"{frame.f_code.co_filename}:{node.tb_lineno}"


def _hidden(tb: TracebackType) -> bool:
    return bool(tb.tb_frame.f_locals.get("__tracebackhide__"))


def format_exception(
    exc: BaseException, skip_frames: int = 0, tb: TracebackType | None = None
) -> str:
    """The full traceback text, without the first ``skip_frames`` frames (the engine's own).

    Leading frames that set ``__tracebackhide__`` (pytest's convention, e.g. the
    call of a class task's ``run``) are left out too. ``tb``: the traceback to show
    instead of ``exc.__traceback__`` (a pruned one).
    """
    tb = exc.__traceback__ if tb is None else tb
    for _ in range(skip_frames):
        if tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
    while tb is not None and tb.tb_next is not None and _hidden(tb):
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb))


def qualified_type(exc: BaseException) -> str:
    """``module.Class`` of an exception, without the module for builtins."""
    cls = type(exc)
    if cls.__module__ == "builtins":
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"
