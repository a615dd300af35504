"""What runs on a Dask worker: one attempt, its upstream results filled in by Dask.

Kept apart from :mod:`.dask_executor` so that workers import only this and
:mod:`.portable` (plus ``distributed``, which they have).
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from .attempt import NOT_STARTED, OK, Outcome
from .capture import CaptureSession
from .executors import InlineExecutor
from .portable import load_call, portable_exception, run_remote, unsendable

__all__ = ["Slot", "executing", "run_on_dask"]

Slot = tuple[int, str]
"""Where an upstream result goes in a call: (position in args or -1, keyword or "");
``(-1, "")``: nowhere, the call only waits for it."""


def _worker_label(distributed: ModuleType) -> str:
    try:
        return f"dask:{distributed.get_worker().address}"
    except ValueError:  # a client-side local run
        return "dask"


def run_on_dask(
    payload: bytes,
    paths: dict[str, str],
    slots: list[Slot],
    topic: str | None,
    token: str,
    inputs: list[Outcome],
) -> Outcome:
    """Run one attempt on a Dask worker; ``inputs`` are upstream outcomes Dask resolved.

    An upstream attempt that did not succeed (one this call was sent ahead of)
    means the call must not run: NOT_STARTED, and the scheduler decides.
    """
    for upstream in inputs:
        if upstream.kind != OK:
            return Outcome(kind=NOT_STARTED)
    distributed = importlib.import_module("distributed")
    cloudpickle = importlib.import_module("cloudpickle")
    call = load_call(payload, paths)
    if slots:
        args, kwargs = list(call.args), dict(call.kwargs)
        for (pos, kw), upstream in zip(slots, inputs, strict=True):
            if pos >= 0:
                args[pos] = upstream.value
            if kw:
                kwargs[kw] = upstream.value
        call.args, call.kwargs = tuple(args), kwargs
    worker = _worker_label(distributed)
    if call.timeout is None:
        outcome = run_remote(call, worker)
    else:
        if topic is not None:
            distributed.get_worker().log_event(topic, token)
        inline = InlineExecutor()  # a helper thread, given up at the deadline
        if call.capture:
            with CaptureSession():
                inline.submit(0, call)
        else:
            inline.submit(0, call)
        outcome = inline.poll(0)[0][1]
        outcome.worker = worker
    portable_exception(outcome)
    if outcome.kind == OK and not isinstance(outcome.value, _PLAIN):
        # Dask gathers several results in one message: one that cannot be sent would
        # fail them all, so find it here (out-of-band buffers are not copied)
        try:
            cloudpickle.dumps(outcome.value, protocol=5, buffer_callback=_discard)
        except Exception as exc:
            outcome = unsendable(outcome, call.name, exc)
    return outcome


_PLAIN = (type(None), bool, int, float, str, bytes)


def _discard(buffer: object) -> None:
    """``buffer_callback`` that leaves large buffers out of the trial pickling."""


def executing(dask_worker: Any) -> list[str]:
    """Keys of the tasks a worker is executing right now (``client.run`` helper)."""
    return [str(ts.key) for ts in dask_worker.state.executing]
