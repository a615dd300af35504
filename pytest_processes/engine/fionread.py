"""How many bytes wait in a pipe, asked without letting go of the GIL.

Shared descriptors (:mod:`.fdshare`) ask this of both pipes whenever the task
that owns output changes, twice per task in a run of short tasks. ``select``
(like ``fcntl.ioctl``) releases the GIL around the call; while pytest's main
thread is busy reporting, the worker that asked then waits to get it back, and
those hand-offs were most of fd capture's cost per task. The ``FIONREAD`` ioctl
never blocks, so it is called here through ``ctypes.PyDLL``, which keeps the GIL.
Linux only, where a variadic argument is passed like a fixed one; elsewhere
:func:`pipe_waiting` is None and the caller uses ``select``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import cache

__all__ = ["pipe_waiting"]


@cache
def pipe_waiting() -> Callable[[int], int | None] | None:
    """``fd -> bytes waiting`` (None when the call fails), or None where it is not available."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes
        import termios

        ioctl = ctypes.PyDLL(None).ioctl
        request = ctypes.c_ulong(termios.FIONREAD)  # passed as is: no conversion per call
    except (ImportError, AttributeError, OSError):
        return None
    ioctl.restype = ctypes.c_int
    count_type, byref = ctypes.c_int, ctypes.byref

    def waiting(fd: int) -> int | None:
        count = count_type(0)
        if ioctl(fd, request, byref(count)) != 0:
            return None
        return count.value

    return waiting
