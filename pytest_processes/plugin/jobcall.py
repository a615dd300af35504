"""What a job file task calls: a function found by dotted path, with its ``args`` bound.

The module is imported from ``sys.path`` first, then from the job file's own
directory, then from the rootdir; a directory that was needed is appended to
``sys.path``, so the module's own imports of its neighbours work too.
"""

from __future__ import annotations

import builtins
import functools
import importlib
import importlib.machinery
import inspect
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from ..engine.topology import closest

__all__ = ["CallError", "JobCall", "import_target", "resolve_exception"]


class CallError(Exception):
    """A ``call:`` (or ``retry_on:``) that names nothing usable; the message says why."""


def _hint(name: str, candidates: Iterable[str]) -> str:
    found = closest(name, candidates)
    return f"; did you mean {', '.join(map(repr, found))}?" if found else ""


def _import(module: str, search: tuple[Path, ...]) -> ModuleType:
    """``import module``; if its top package is not on ``sys.path``, look in ``search`` too."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        top = module.partition(".")[0]
        if exc.name != top:
            raise
        for folder in search:
            if importlib.machinery.PathFinder.find_spec(top, [str(folder)]) is not None:
                if str(folder) not in sys.path:
                    sys.path.append(str(folder))
                return importlib.import_module(module)
        raise


def import_target(path: str, search: tuple[Path, ...]) -> Any:
    """The object ``path`` (``package.module.attribute[.attribute...]``) names.

    Raises :class:`CallError` naming the part that was not found, with the
    closest names where there are some.
    """
    parts = path.split(".")
    if not all(p.isidentifier() for p in parts) or len(parts) < 2:
        raise CallError(
            f"{path!r} is not a dotted path like package.module.function "
            "(the module, then the function in it)"
        )
    for cut in range(len(parts) - 1, 0, -1):  # the longest importable module prefix
        name = ".".join(parts[:cut])
        try:
            obj: Any = _import(name, search)
        except ModuleNotFoundError as exc:
            if exc.name is not None and (name == exc.name or name.startswith(exc.name + ".")):
                continue  # no such module: try a shorter prefix
            raise CallError(f"importing module '{name}' failed: {_error(exc)}") from None
        except Exception as exc:
            raise CallError(f"importing module '{name}' failed: {_error(exc)}") from None
        owner = name
        for attr in parts[cut:]:
            try:
                obj = getattr(obj, attr)
            except AttributeError:
                public = [n for n in dir(obj) if not n.startswith("_")]
                hint = _hint(attr, public)
                raise CallError(f"'{owner}' has no attribute '{attr}'{hint}") from None
            owner = f"{owner}.{attr}"
        return obj
    places = ", ".join(["sys.path", *(str(f) for f in search)])
    raise CallError(f"no module named '{parts[0]}' (looked in {places})")


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def resolve_exception(name: str, search: tuple[Path, ...]) -> type[Exception]:
    """The exception class ``name`` names: a builtin (``ConnectionError``) or a dotted path."""
    if "." not in name:
        found = getattr(builtins, name, None)
        if not (isinstance(found, type) and issubclass(found, Exception)):
            known = [
                n
                for n, v in vars(builtins).items()
                if isinstance(v, type) and issubclass(v, Exception)
            ]
            raise CallError(
                f"'{name}' is not a built-in exception{_hint(name, known)} "
                "(give others by dotted path: package.module.Error)"
            )
        return found
    found = import_target(name, search)
    if not (isinstance(found, type) and issubclass(found, Exception)):
        raise CallError(f"'{name}' is a {type(found).__name__}, not an exception class")
    return found


class JobCall(functools.partial[Any]):
    """The target with its ``args`` bound, showing only the parameters still to inject.

    ``inspect.signature`` gives those parameters (build_graph injects task
    results, fixtures and run parameters into them); ``get_type_hints`` their
    annotations (run parameters are cast by them). It crosses to a worker
    process as a plain ``functools.partial``, the target pickled by reference.
    """

    _signature: inspect.Signature
    _path: str

    def __new__(
        cls, target: Any, /, signature: inspect.Signature, path: str, args: Mapping[str, Any]
    ) -> JobCall:
        self = super().__new__(cls, target, **args)
        self._signature = signature
        self._path = path
        return self

    @property
    def __signature__(self) -> inspect.Signature:
        return self._signature

    @property
    def __name__(self) -> str:
        return self._path

    @property
    def __globals__(self) -> dict[str, Any]:
        """The target's module namespace (string ``skipif`` conditions and annotations)."""
        found = getattr(self.func, "__globals__", None)
        if isinstance(found, dict):
            return found
        module = sys.modules.get(getattr(self.func, "__module__", "") or "")
        return vars(module) if module is not None else {}

    @property
    def __annotations__(self) -> dict[str, Any]:  # type: ignore[override]
        return {
            p.name: p.annotation
            for p in self._signature.parameters.values()
            if p.annotation is not p.empty
        }

    def __reduce__(self) -> tuple[Any, ...]:
        return (functools.partial, (self.func,), (self.func, self.args, dict(self.keywords), None))

    def __repr__(self) -> str:
        return f"<job call {self._path}>"
