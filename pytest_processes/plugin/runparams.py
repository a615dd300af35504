"""Run parameters given as NAME=VALUE strings, cast by the receiving parameter's annotation."""

from __future__ import annotations

import datetime
import pathlib
import types
import typing
from typing import Any

__all__ = ["cast_value", "parse_assignments"]

_TRUE = {"1", "true", "yes", "on", "y", "t"}
_FALSE = {"0", "false", "no", "off", "n", "f"}


def parse_assignments(values: list[str], where: str) -> dict[str, str]:
    """``["day=2024-01-31", ...]`` -> ``{"day": "2024-01-31"}``; bad entries name ``where``."""
    parsed: dict[str, str] = {}
    for raw in values:
        name, sep, value = raw.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise ValueError(f"Invalid run parameter {raw!r} from {where}: expected NAME=VALUE")
        parsed[name] = value
    return parsed


def _unwrap_optional(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def cast_value(value: str, annotation: Any) -> Any:
    """``value`` as ``annotation`` (int, float, bool, str, date, datetime, Path); else the string.

    Raises ``ValueError`` with a message that says what form was expected.
    """
    target = _unwrap_optional(annotation)
    if target is bool:
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ValueError(f"{value!r} is not a boolean (use true/false, yes/no, 1/0)")
    if target is int:
        try:
            return int(value)
        except ValueError:
            raise ValueError(f"{value!r} is not an integer") from None
    if target is float:
        try:
            return float(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a number") from None
    if target is datetime.datetime:
        try:
            return datetime.datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a datetime (YYYY-MM-DDTHH:MM:SS)") from None
    if target is datetime.date:
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from None
    if isinstance(target, type) and issubclass(target, pathlib.PurePath):
        return target(value)
    return value
