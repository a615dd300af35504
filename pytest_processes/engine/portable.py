"""Attempts that cross a process boundary: shipping calls out and outcomes back intact.

Shared by the process pool, the ``concurrent.futures`` adapter and the Dask
executor. Everything that can go wrong when a call or an outcome is pickled is
turned into a FAILED outcome whose message names the task and the part at
fault, never into a hang or a dead pool: an unpicklable function or argument is
found before sending, an unpicklable result or exception after the run, in the
worker. Task modules that a worker cannot import by name (pytest's
``--import-mode=importlib``, a ``tasks_*.py`` outside ``sys.path``) are imported
from the file path the parent sends along with the call.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import io
import os
import pickle
import signal
import sys
import traceback
from collections.abc import Mapping
from typing import Any

from ..exceptions import WorkerDiedError
from .attempt import FAILED, NOT_STARTED, OK, Call, Outcome
from .capture import CaptureSession
from .executors import run_guarded
from .tracing import callable_name, is_library_path, qualified_type, safe_repr

__all__ = [
    "ModuleFile",
    "died_outcome",
    "exit_description",
    "failed_outcome",
    "load_call",
    "module_paths",
    "pickling_problem",
    "portable_exception",
    "portable_outcome",
    "run_portable",
    "run_remote",
    "unsendable",
]

PROTOCOL = pickle.HIGHEST_PROTOCOL


def failed_outcome(exc: BaseException, worker: str = "", **kw: Any) -> Outcome:
    """A FAILED outcome for an error raised by the machinery, not by the task (no frames)."""
    text = "".join(traceback.format_exception_only(type(exc), exc))
    return Outcome(
        kind=FAILED,
        exception=exc,
        worker=worker,
        error_type=qualified_type(exc),
        traceback=text,
        **kw,
    )


# -- the parent side -----------------------------------------------------------------------


def _target(func: Any) -> Any:
    """What a task function really is (a partial's function, a bound method's function)."""
    while isinstance(func, functools.partial):
        func = func.func
    return getattr(func, "__func__", func)


class ModuleFile(str):
    """A task module's file, noting whether pytest rewrote its assertions here."""

    rewrite_asserts: bool = False


def module_paths(func: Any) -> dict[str, str]:
    """``{module name: file}`` for the task function's module when it is user code.

    A worker that cannot ``import`` the module by name loads it from this file.
    A module pytest imported with its assertion rewriting (a ``tasks_*.py``
    under ``pytest --processes``) is rewritten in the worker too, so a failing
    ``assert`` explains itself there as it would on a thread.
    """
    target = _target(func)
    name = getattr(target, "__module__", None) or type(target).__module__
    module = sys.modules.get(name)
    path = getattr(module, "__file__", None)
    if name == "__main__" or not path or is_library_path(path):
        return {}
    file = ModuleFile(path)
    file.rewrite_asserts = type(getattr(module, "__loader__", None)).__name__ == (
        "AssertionRewritingHook"
    )
    return {name: file}


def pickling_problem(call: Call, error: BaseException, dumps: Any = pickle.dumps) -> str:
    """Why ``call`` cannot be sent to a worker process, naming the task and the part at fault."""
    parts: list[tuple[str, Any]] = [(f"its function {callable_name(call.func)!r}", call.func)]
    parts += [(f"positional argument {i}", a) for i, a in enumerate(call.args)]
    parts += [(f"argument {k!r}", v) for k, v in call.kwargs.items()]
    what, culprit = "the call", None
    for part, value in parts:
        try:
            dumps(value)
        except Exception as exc:
            what, culprit, error = part, value, exc
            break
    hint = (
        "define task functions at module level: lambdas and nested functions cannot be sent "
        "to another process"
        if what.startswith("its function")
        else f"pass plain data (a {type(culprit).__name__} cannot cross a process boundary)"
    )
    return (
        f"Task '{call.name}' cannot run in a worker process: {what} cannot be pickled "
        f"({type(error).__name__}: {error}); {hint}"
    )


def exit_description(code: int | None) -> str:
    """How a process ended: ``exited with code 3`` or ``was killed by signal SIGKILL``."""
    if code is None:
        return "ended for an unknown reason"
    if code >= 0:
        return f"exited with code {code}"
    try:
        name = signal.Signals(-code).name
    except ValueError:
        name = f"signal {-code}"
    hint = " (out of memory, or killed from outside)" if name == "SIGKILL" else ""
    return f"was killed by signal {name}{hint}"


def died_outcome(call: Call, worker: str, pid: int | None, code: int | None, **kw: Any) -> Outcome:
    """The FAILED outcome of a task whose worker process died under it."""
    exc = WorkerDiedError(
        f"Task '{call.name}': worker process {worker} (pid {pid}) died while running it: "
        f"it {exit_description(code)}"
    )
    return failed_outcome(exc, worker, **kw)


# -- the worker side -----------------------------------------------------------------------


class _Unpickler(pickle.Unpickler):
    """Falls back to importing a module from its file when ``import name`` fails."""

    def __init__(self, data: bytes, paths: Mapping[str, str]) -> None:
        super().__init__(io.BytesIO(data))
        self._paths = paths

    def find_class(self, module: str, name: str) -> Any:
        if module not in sys.modules and module in self._paths:
            path = self._paths[module]
            if getattr(path, "rewrite_asserts", False):
                _import_path(module, path, rewrite_asserts=True)
            else:
                try:
                    importlib.import_module(module)
                except ImportError:
                    _import_path(module, path)
        return super().find_class(module, name)


def _import_path(name: str, path: str, *, rewrite_asserts: bool = False) -> None:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {name!r} from {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        if rewrite_asserts:
            exec(_rewritten(path), module.__dict__)
        else:
            spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise


def _rewritten(path: str) -> Any:
    """The code of ``path`` with pytest's assertion rewriting (the parent process ran pytest)."""
    import ast

    from _pytest.assertion.rewrite import rewrite_asserts

    with open(path, "rb") as f:
        source = f.read()
    tree = ast.parse(source, filename=path)
    rewrite_asserts(tree, source, path)
    return compile(tree, path, "exec", dont_inherit=True)


def load_call(payload: bytes, paths: Mapping[str, str]) -> Call:
    """Unpickle a call in a worker, importing task modules by path where needed."""
    call: Call = _Unpickler(payload, paths).load()
    return call


def run_remote(call: Call, worker: str, *, alone: bool = False) -> Outcome:
    """Run one attempt in a worker process, capturing its output when ``call.capture``.

    The capture proxies live per process: a worker installs its own around the call.
    ``alone``: the worker runs one attempt at a time (see :func:`run_call`).
    """
    if not call.capture:
        return run_guarded(call, worker)
    with CaptureSession():
        return run_guarded(call, worker, alone=alone)


def _round_trips(value: Any) -> bool:
    try:
        pickle.loads(pickle.dumps(value, PROTOCOL))
    except Exception:
        return False
    return True


def portable_exception(outcome: Outcome) -> None:
    """Replace an exception that does not survive pickling by a ``RuntimeError`` like it."""
    exc = outcome.exception
    if exc is not None and not _round_trips(exc):
        outcome.exception = RuntimeError(f"{qualified_type(exc)}: {safe_repr(str(exc))}")


def unsendable(outcome: Outcome, name: str, error: BaseException) -> Outcome:
    """The FAILED outcome replacing one that cannot be pickled (``error`` says why)."""
    if outcome.kind == OK:
        value = outcome.value
        exc: BaseException = pickle.PicklingError(
            f"Task '{name}' returned a {type(value).__name__} that cannot be pickled to send it "
            f"back from the worker process ({type(error).__name__}: {error}); return plain data"
        )
    else:  # odd traced variables or output: keep the error, drop what does not pickle
        exc = outcome.exception or RuntimeError(str(error))
        exc = exc if _round_trips(exc) else RuntimeError(f"{qualified_type(exc)}: {exc}")
    replacement = failed_outcome(
        exc,
        outcome.worker,
        started_at=outcome.started_at,
        duration=outcome.duration,
        output=outcome.output if isinstance(outcome.output, str) else "",
    )
    if outcome.kind != OK:
        replacement.traceback = str(outcome.traceback)
        replacement.error_type = str(outcome.error_type)
    return replacement


def portable_outcome(outcome: Outcome, name: str) -> bytes:
    """``outcome`` pickled; an unpicklable result or exception becomes a clear error.

    The exception is checked first: a class that pickles but cannot be rebuilt
    (its ``__init__`` takes other arguments) would fail only in the parent.
    """
    portable_exception(outcome)
    try:
        return pickle.dumps(outcome, PROTOCOL)
    except Exception as exc:
        return pickle.dumps(unsendable(outcome, name, exc), PROTOCOL)


def run_portable(call: Call, worker: str, origin_pid: int, attempt_id: str = "") -> Outcome:
    """What the ``concurrent.futures`` adapter submits: ``run_call`` made safe to send back.

    In the parent's own process (a thread pool) nothing crosses a boundary and
    the outcome is returned as is. ``attempt_id`` is unused here: unique per
    submission, it keeps pools that deduplicate by arguments from merging calls.
    """
    if os.getpid() == origin_pid:
        return run_guarded(call, worker)
    outcome = run_remote(call, f"{worker}:{os.getpid()}")
    portable_exception(outcome)
    return outcome


def not_started() -> Outcome:
    """The outcome of a call that was stopped before it began."""
    return Outcome(kind=NOT_STARTED)
