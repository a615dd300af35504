"""One attempt of one task, as a plain value in and a plain value out.

Everything here runs on a worker (the caller's thread, a pool thread, a child
process or a Dask worker). It never touches scheduler state: it gets a
:class:`Call` and returns an :class:`Outcome`, so every executor can ship both.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from ..exceptions import TaskSkipped
from ..model.fastinit import fast_init, fast_positional
from ..model.names import FAILED, NOT_STARTED, OK, SKIPPED, OutcomeKind
from .capture import CaptureMode, TaskCapture
from .tracing import format_exception, qualified_type, traced_frame_vars

__all__ = [
    "EPOCH_OFFSET",
    "FAILED",
    "NEVER_AWAITED",
    "NOT_STARTED",
    "OK",
    "SKIPPED",
    "Call",
    "Outcome",
    "Running",
    "await_value",
    "call_of",
    "failed_outcome",
    "new_call",
    "run_call",
]

# epoch = perf_counter() + offset: one clock read per attempt edge, not two
EPOCH_OFFSET = time.time() - time.perf_counter()

# Exceptions that mean "this task skipped itself", recognised by module and
# name so that the engine needs no import of pytest (``pytest.skip()``; pytest
# presents its Skipped class as living in ``builtins``).
_SKIP_TYPES = {("_pytest.outcomes", "Skipped"), ("builtins", "Skipped")}


class _Compact:
    """Pickles as a tuple of slot values: an executor ships one call and one outcome per attempt."""

    __slots__ = ()

    def __getstate__(self) -> tuple[Any, ...]:
        slots: tuple[str, ...] = self.__slots__  # the subclass's fields
        return tuple([getattr(self, s) for s in slots])

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        slots: tuple[str, ...] = self.__slots__
        for slot, value in zip(slots, state, strict=True):
            setattr(self, slot, value)


@dataclass(slots=True, kw_only=True, eq=False)
class Call(_Compact):
    """What a worker needs to run one attempt: the function, its arguments and options."""

    name: str
    func: Any
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    timeout: float | None = None
    trace_filter: str | None = None
    capture: CaptureMode = False
    #: the kind of executor the task asked for (``Task(executor=...)``); None: the run's
    executor: str | None = None
    #: where upstream results sit in ``args``/``kwargs``: ``(upstream key, appended
    #: positionally, keyword or "")`` in order, so an executor that keeps results
    #: remote (Dask) can pass its own handle instead of the value
    inputs: Sequence[tuple[int, bool, str]] | None = None


@dataclass(slots=True, kw_only=True, eq=False)
class Outcome(_Compact):
    """The result of one attempt: ``kind`` is OK, FAILED or SKIPPED, with value or error."""

    kind: OutcomeKind
    value: Any = None
    exception: BaseException | None = None
    #: epoch seconds
    started_at: float = 0.0
    duration: float = 0.0
    worker: str = ""
    #: what the attempt printed and logged (with capture)
    output: str = ""
    #: for an error: its qualified type, traceback text, the traced frame's variables and place
    error_type: str = ""
    traceback: str = ""
    traced_vars: dict[str, str] = field(default_factory=dict)
    location: str = ""

    @classmethod
    def failure(
        cls,
        exc: BaseException,
        *,
        trace_filter: str | None = None,
        skip_frames: int = 0,
        tb: TracebackType | None = None,
        **kw: Any,
    ) -> Outcome:
        """A FAILED outcome carrying the traceback text and traced variables of ``exc``.

        ``tb``: the part of ``exc``'s traceback the text shows (default: all of it).
        """
        traced, location = traced_frame_vars(exc, trace_filter)
        return cls(
            kind=FAILED,
            exception=exc,
            error_type=qualified_type(exc),
            traceback=format_exception(exc, skip_frames, tb),
            traced_vars=traced,
            location=location,
            **kw,
        )


class Running:
    """An attempt a worker has begun: when, where and its capture, readable before it ends.

    An interrupt reports a task cut off while running with its real start,
    worker and the output it produced so far (see ``ReportsStarted``).
    """

    __slots__ = ("capture", "started_at", "worker")

    def __init__(self, worker: str = "") -> None:
        self.worker = worker
        self.started_at: float | None = None
        self.capture: TaskCapture | None = None

    def output(self) -> str:
        """What the attempt has printed and logged so far ("" without capture)."""
        try:
            return self.capture.text() if self.capture is not None else ""
        except AttributeError:  # interrupted before its capture began
            return ""

    def interrupted(self, exc: KeyboardInterrupt) -> Outcome:
        """The FAILED outcome of this attempt, cut off by Ctrl-C or SIGTERM."""
        started = self.started_at
        return Outcome(
            kind=FAILED,
            exception=exc,
            started_at=started or 0.0,
            duration=time.time() - started if started is not None else 0.0,
            worker=self.worker,
            output=self.output(),
            error_type=qualified_type(exc),
        )


#: ``Outcome(...)`` from every field in order: the one a passed attempt makes
_ok_outcome = fast_positional(Outcome)
#: ``Call(...)``, built fast
new_call = fast_init(Call)
#: ``Call(name, func, args, kwargs, timeout, trace_filter, capture, executor, inputs)``:
#: every field in order, for the call the scheduler makes per task
call_of = fast_positional(Call)


class _Deadline(Exception):
    """An awaited task overran its timeout and was cancelled (told apart from its own errors)."""


async def _within(awaitable: Any, timeout: float) -> Any:
    """Await ``awaitable`` for at most ``timeout`` seconds, cancelling it at the deadline."""
    future = asyncio.ensure_future(awaitable)
    done, _ = await asyncio.wait({future}, timeout=timeout)
    if future in done:
        return future.result()
    future.cancel()
    await asyncio.wait({future})  # let it run its cleanup
    raise _Deadline


def await_value(awaitable: Any, timeout: float | None) -> Any:
    """Run a coroutine to completion on a fresh event loop (cancelled on timeout).

    The loop is closed afterwards: a loop kept per worker thread would be left
    unclosed (a ``ResourceWarning``) when the thread ends.
    """
    loop = asyncio.new_event_loop()
    try:
        if timeout is not None:
            awaitable = _within(awaitable, timeout)
        return loop.run_until_complete(awaitable)
    finally:
        try:
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()


#: results that are certainly not awaitable (builtins take no new attribute): asking
#: ``hasattr`` of a type that lacks one raises and catches an AttributeError inside
NEVER_AWAITED = frozenset({type(None), bool, int, float, str, bytes, tuple, list, dict, set})


def _invoke(call: Call) -> Any:
    result = call.func(*call.args, **call.kwargs)
    if type(result) not in NEVER_AWAITED and hasattr(type(result), "__await__"):
        result = await_value(result, call.timeout)
    return result


def _is_skip(exc: BaseException) -> bool:
    cls = type(exc)
    return isinstance(exc, TaskSkipped) or (cls.__module__, cls.__name__) in _SKIP_TYPES


def failed_outcome(
    call: Call,
    exc: BaseException,
    started_at: float,
    duration: float,
    worker: str,
    output: str = "",
    skip_frames: int = 1,
) -> Outcome:
    """The outcome of an attempt of ``call`` that raised ``exc`` (SKIPPED if it skipped itself).

    ``skip_frames``: the engine's frames at the top of the traceback, left out of its text.
    """
    if _is_skip(exc):
        return Outcome(
            kind=SKIPPED,
            exception=exc,
            started_at=started_at,
            duration=duration,
            worker=worker,
            output=output,
            error_type=qualified_type(exc),
            traceback=str(exc) or "skipped",
        )
    if isinstance(exc, _Deadline):  # not a TimeoutError the task raised itself
        exc = TimeoutError(f"Task '{call.name}' timed out after {call.timeout}s")
    return Outcome.failure(
        exc,
        trace_filter=call.trace_filter,
        skip_frames=skip_frames,
        started_at=started_at,
        duration=duration,
        worker=worker,
        output=output,
    )


def run_call(
    call: Call, worker: str = "", running: Running | None = None, *, alone: bool = False
) -> Outcome:
    """Run one attempt and describe what happened. Only KeyboardInterrupt escapes.

    ``running``, when given, learns the start and the capture as the attempt begins;
    ``alone``: nothing else in this process writes meanwhile, so ``capture="fd"``
    may point descriptors 1 and 2 at the task.
    """
    capture = TaskCapture(fd=alone and call.capture == "fd") if call.capture else None
    t0 = time.perf_counter()
    started_at = t0 + EPOCH_OFFSET
    if running is not None:
        running.started_at, running.capture = started_at, capture
    try:
        if capture is None:  # _invoke's lines, without a frame per task
            value = call.func(*call.args, **call.kwargs)
            if type(value) not in NEVER_AWAITED and hasattr(type(value), "__await__"):
                value = await_value(value, call.timeout)
        else:
            with capture:
                value = _invoke(call)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:
        duration = time.perf_counter() - t0
        output = capture.text() if capture is not None else ""
        engine_frames = 1 if capture is None else 2  # this one, and _invoke's with capture
        return failed_outcome(call, exc, started_at, duration, worker, output, engine_frames)
    # kind, value, exception, started_at, duration, worker, output, error_type,
    # traceback, traced_vars, location
    duration = time.perf_counter() - t0
    output = capture.text() if capture is not None else ""
    return _ok_outcome(OK, value, None, started_at, duration, worker, output, "", "", {}, "")
