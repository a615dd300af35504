"""``fast_init``: a dataclass constructor as fast as plain slot stores, derived from its fields.

A run builds an outcome, a call and a report entry per task. Calling a class
with keywords costs a dictionary per call on CPython 3.10/3.11, and a frozen
``__init__`` sets each field through ``object.__setattr__``, several times slower
than a plain store. The constructor made here takes the same parameters as the
class (written from ``dataclasses.fields``, the way ``dataclass`` writes
``__init__``) and stores the slots directly; a frozen class's object is filled
as a plain twin of the same slots, then becomes a ``cls`` in place. The only
place that does so.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

__all__ = ["fast_init"]

P = ParamSpec("P")
T = TypeVar("T")


def fast_init(cls: Callable[P, T]) -> Callable[P, T]:
    """A function that builds a ``cls`` from the same arguments as ``cls(...)``, faster.

    ``cls`` is a slotted dataclass without ``__post_init__`` or ``InitVar`` fields.
    """
    klass: Any = cls
    if "__slots__" not in vars(klass) or hasattr(klass, "__post_init__"):
        raise TypeError(f"fast_init needs a slotted dataclass without __post_init__: {klass}")
    frozen = klass.__dataclass_params__.frozen
    # a frozen object is filled as a plain object of the same slots, then becomes a cls
    blank = type(f"_{klass.__name__}Slots", (), {"__slots__": klass.__slots__})
    space: dict[str, Any] = {"_new": blank if frozen else klass.__new__, "_cls": klass}
    params, stores, starred = [], [], False
    for f in dataclasses.fields(klass):
        if f.kw_only and not starred:
            params.append("*")
            starred = True
        if f.default is not dataclasses.MISSING:
            space[f"_d_{f.name}"] = f.default
            params.append(f"{f.name}=_d_{f.name}")
            stores.append(f"e.{f.name} = {f.name}")
        elif f.default_factory is not dataclasses.MISSING:
            space[f"_f_{f.name}"] = f.default_factory
            params.append(f"{f.name}=_cls")  # the class itself: never a field's value
            stores.append(f"e.{f.name} = _f_{f.name}() if {f.name} is _cls else {f.name}")
        else:
            params.append(f.name)
            stores.append(f"e.{f.name} = {f.name}")
    new = "_new()" if frozen else "_new(_cls)"
    if frozen:
        stores.append("e.__class__ = _cls")
    body = "".join(f"\n    {line}" for line in [f"e = {new}", *stores, "return e"])
    exec(f"def new_{klass.__name__}({', '.join(params)}):{body}\n", space)
    build: Any = space[f"new_{klass.__name__}"]
    build.__doc__ = f"A ``{klass.__name__}``, built fast: the same parameters as the class."
    build.__module__ = klass.__module__
    return build  # type: ignore[no-any-return]
