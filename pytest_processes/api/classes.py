"""Classes as tasks, as flowmancer writes them: built with their ``args``, then ``run()``.

A class task is a class with a ``run(self, ...)`` method. :class:`ClassTask`
turns it into a task callable: its parameters are those of ``run`` (without
``self``), injected like a function task's (upstream results, inputs, fixtures,
run parameters); calling it constructs the class with the constructor
arguments given up front, then calls ``run``. The instance is made where the
task runs (a worker thread or process), so its output and exceptions belong to
the task.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["ClassTask", "ClassTaskError", "class_location", "constructor_signature", "snake_name"]

#: where ``@task`` keeps its options on a function or class
OPTIONS_ATTR = "__pytest_processes_task__"


class ClassTaskError(TypeError):
    """A class that cannot be a task; the message names the class, its file and the fix."""


def snake_name(name: str) -> str:
    """``LoadRows`` -> ``load_rows``, ``HTTPFetch`` -> ``http_fetch``: a class's task name."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def class_location(klass: type) -> str:
    """``file:line`` where ``klass`` is defined, else its qualified name."""
    try:
        _, line = inspect.getsourcelines(klass)
        return f"{inspect.getsourcefile(klass)}:{line}"
    except (OSError, TypeError):
        return f"{klass.__module__}.{klass.__qualname__}"


def _where(klass: type) -> str:
    return f"class {klass.__qualname__} ({class_location(klass)})"


def run_method(klass: type) -> Any:
    """``klass.run`` as a plain function taking ``self`` first, or a :class:`ClassTaskError`."""
    found = inspect.getattr_static(klass, "run", None)
    if found is None:
        raise ClassTaskError(
            f"{_where(klass)} has no run() method: a class task needs 'def run(self, ...)'"
        )
    if not inspect.isfunction(found):
        raise ClassTaskError(
            f"{_where(klass)}: run is {type(found).__name__} {found!r}, not a method; "
            "define it as 'def run(self, ...)'"
        )
    return found


def constructor_signature(klass: type) -> inspect.Signature:
    """The parameters ``klass(...)`` takes (without ``self``), or a :class:`ClassTaskError`."""
    try:
        return inspect.signature(klass)
    except (TypeError, ValueError) as exc:
        raise ClassTaskError(
            f"{_where(klass)}: its constructor cannot be inspected: {exc}"
        ) from None


def check_constructor_args(klass: type, args: Mapping[str, Any]) -> None:
    """Raise a :class:`ClassTaskError` naming the first argument that does not fit."""
    params = constructor_signature(klass).parameters
    takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
    named = [n for n, p in params.items() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    shown = f"{klass.__name__}({', '.join(named)})"
    for name in args:
        found = params.get(name)
        if (found is None and not takes_any) or (found and found.kind is found.POSITIONAL_ONLY):
            raise ClassTaskError(
                f"{_where(klass)}: '{name}' is not a constructor argument of {shown}"
            )
    for name, p in params.items():
        needed = p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        if needed and name not in args:
            raise ClassTaskError(
                f"{_where(klass)}: constructor argument '{name}' of {shown} has no value; "
                "give it in the job file's args (or a default in __init__)"
            )


def _construct_and_run(klass: type, ctor: dict[str, Any], /, *args: Any, **kwargs: Any) -> Any:
    """One attempt of a class task: a fresh instance, then its ``run``."""
    __tracebackhide__ = True  # tracebacks start in the class's own code
    return klass(**ctor).run(*args, **kwargs)


class ClassTask(functools.partial[Any]):
    """A class with ``run(self, ...)`` as a task callable; its signature is ``run``'s.

    ``ClassTask(LoadRows, {"path": "in.csv"})`` checks the class and the
    constructor arguments now (:class:`ClassTaskError` otherwise). It carries
    the class's own ``@task`` options and ``pytest`` marks, and crosses to a
    worker process as a plain ``functools.partial``, the class pickled by reference.
    """

    klass: type
    _signature: inspect.Signature
    # set per instance: what pytest and the wiring read of a function
    __name__: str
    __qualname__: str
    __wrapped__: Any

    def __new__(cls, klass: type, args: Mapping[str, Any] | None = None, /) -> ClassTask:
        run = run_method(klass)
        ctor = dict(args or {})
        check_constructor_args(klass, ctor)
        self = super().__new__(cls, _construct_and_run, klass, ctor)
        self.klass = klass
        signature = inspect.signature(run)
        params = list(signature.parameters.values())[1:]  # without self
        self._signature = signature.replace(parameters=params)
        self.__name__ = snake_name(klass.__name__)
        self.__qualname__ = klass.__qualname__
        self.__module__ = klass.__module__
        self.__doc__ = klass.__doc__
        self.__wrapped__ = run  # tracebacks are cut to run(), as to a task function
        self.__annotations__ = {
            k: v for k, v in getattr(run, "__annotations__", {}).items() if k != "self"
        }
        for attr in (OPTIONS_ATTR, "pytestmark"):
            if attr in vars(klass):  # its own, not a base class's
                setattr(self, attr, vars(klass)[attr])
        return self

    @property
    def __signature__(self) -> inspect.Signature:
        return self._signature

    def __reduce__(self) -> tuple[Any, ...]:
        return (functools.partial, (self.func,), (self.func, self.args, dict(self.keywords), None))

    def __repr__(self) -> str:
        return f"<class task {self.klass.__module__}.{self.klass.__qualname__}>"
