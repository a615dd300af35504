"""A ``Task``'s options beyond processes' own, kept in one object that most tasks never make.

``trigger``, ``locks``, ``executor``, ``before``, ``wave`` and ``retry_delay`` are
attributes of every task, but a task built the usual way sets none of them. Instead
of six slots per task (48 bytes, times every task of a 50,000-task graph) a task
holds one reference, ``None`` until an option differs from its default, and each
option reads through an :class:`Extra` descriptor.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar, overload

__all__ = ["DEFAULTS", "Extra", "Extras"]

T = TypeVar("T")

#: each option and its default, in the order ``Extras`` takes them
DEFAULTS: dict[str, Any] = {
    "trigger": "all_success",
    "locks": (),
    "executor": None,
    "before": (),
    "wave": 0,
    "retry_delay": 0.0,
}


class Extras:
    """The options of one task that sets any of them."""

    __slots__ = tuple(DEFAULTS)

    def __init__(self, **values: Any) -> None:
        for name, default in DEFAULTS.items():
            setattr(self, name, values.get(name, default))


class Extra(Generic[T]):
    """A task attribute read from its ``_extras`` (its default while that is ``None``)."""

    __slots__ = ("default", "name")

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.default: T = DEFAULTS[name]

    @overload
    def __get__(self, obj: None, owner: type) -> Extra[T]: ...

    @overload
    def __get__(self, obj: object, owner: type) -> T: ...

    def __get__(self, obj: object, owner: type) -> Extra[T] | T:
        if obj is None:
            return self
        extras = obj._extras  # type: ignore[attr-defined]
        return self.default if extras is None else getattr(extras, self.name)

    def __set__(self, obj: Any, value: T) -> None:
        if obj._extras is None:
            obj._extras = Extras()
        setattr(obj._extras, self.name, value)
