"""Dataclass constructors as fast as plain slot stores, written from the class's fields.

A run builds an outcome, a call and a report entry per task. Calling a class
with keywords costs a dictionary per call on CPython 3.10/3.11, and a frozen
``__init__`` sets each field through ``object.__setattr__``, several times slower
than a plain store. The functions made here take the class's own parameters
(written from ``dataclasses.fields``, the way ``dataclass`` writes ``__init__``)
and store the slots directly; a frozen class's object is filled as a plain twin
of the same slots, then becomes a ``cls`` in place. The only place that does so.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

__all__ = ["fast_copy", "fast_init", "fast_positional"]

P = ParamSpec("P")
T = TypeVar("T")


def fast_init(cls: Callable[P, T]) -> Callable[P, T]:
    """A function that builds a ``cls`` from the same arguments as ``cls(...)``, faster.

    ``cls`` is a slotted dataclass without ``__post_init__`` or ``InitVar`` fields.
    """
    build: Callable[P, T] = _generate(cls, None)
    return build


def fast_positional(cls: Callable[..., T]) -> Callable[..., T]:
    """``build(f1, f2, ...)``: a ``cls`` from every field, positionally in declaration order.

    For the one call per task on a run's hot path: passing keywords costs more than
    the stores themselves. No parameter has a default, so a call missing one fails.
    """
    build: Callable[..., T] = _generate(cls, None, positional=True)
    return build


def fast_copy(cls: Callable[..., T], source: type) -> Callable[..., T]:
    """``build(src, ...)``: a ``cls`` whose fields that ``source`` also has are read from ``src``.

    The other fields are the parameters after ``src``, as in ``cls(...)``.
    """
    build: Callable[..., T] = _generate(cls, source)
    return build


def _generate(cls: Any, source: type | None, *, positional: bool = False) -> Any:
    if "__slots__" not in vars(cls) or hasattr(cls, "__post_init__"):
        raise TypeError(f"fast_init needs a slotted dataclass without __post_init__: {cls}")
    frozen = cls.__dataclass_params__.frozen
    # a frozen object is filled as a plain object of the same slots, then becomes a cls
    blank = type(f"_{cls.__name__}Slots", (), {"__slots__": cls.__slots__})
    space: dict[str, Any] = {"_new": blank if frozen else cls.__new__, "_cls": cls}
    copied = {f.name for f in dataclasses.fields(source)} if source is not None else set()
    params, stores, starred = ["_src"] if source is not None else [], [], False
    for f in dataclasses.fields(cls):
        value = f.name
        if positional:
            params.append(f.name)
            stores.append(f"e.{f.name} = {value}")
            continue
        if f.name in copied:
            value = f"_src.{f.name}"
        elif f.kw_only and not starred:
            params.append("*")
            starred = True
        if f.name in copied:
            pass
        elif f.default is not dataclasses.MISSING:
            space[f"_d_{f.name}"] = f.default
            params.append(f"{f.name}=_d_{f.name}")
        elif f.default_factory is not dataclasses.MISSING:
            space[f"_f_{f.name}"] = f.default_factory
            params.append(f"{f.name}=_cls")  # the class itself: never a field's value
            value = f"_f_{f.name}() if {f.name} is _cls else {f.name}"
        else:
            params.append(f.name)
        stores.append(f"e.{f.name} = {value}")
    if frozen:
        stores.append("e.__class__ = _cls")
    new = "_new()" if frozen else "_new(_cls)"
    body = "".join(f"\n    {line}" for line in [f"e = {new}", *stores, "return e"])
    name = f"new_{cls.__name__}" + (f"_from_{source.__name__}" if source is not None else "")
    name += "_positional" if positional else ""
    exec(f"def {name}({', '.join(params)}):{body}\n", space)
    build = space[name]
    same = "every field, in order" if positional else "the same parameters as the class"
    build.__doc__ = f"A ``{cls.__name__}``, built fast: {same}."
    build.__module__ = cls.__module__
    return build
