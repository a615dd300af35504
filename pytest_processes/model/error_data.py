"""The structured record of a task failure, shared by logfiles, reports and channels."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["ErrorData"]


@dataclass(frozen=True, slots=True)
class ErrorData:
    """What failed, where, and what it took down with it.

    ``args``/``kwargs`` are the task's constructor arguments, ``traced_vars`` the
    (redacted, truncated) locals of the failing frame as reprs.
    """

    task_name: str = "?"
    function: str = "?"
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    downstream_impact: list[str] = field(default_factory=list)
    exception: str = ""
    traceback_str: str = ""
    traced_vars: dict[str, str] = field(default_factory=dict)
    traced_vars_location: str = ""
