"""Choosing executors: by name, from a ``concurrent.futures`` pool, and per task.

:func:`make_executor` turns what the user asked for (``"thread"``,
``"process"``, ``"dask"``, an engine executor or any
``concurrent.futures.Executor``) into one engine executor. When tasks ask for
their own kind (``@task(executor="process")``), a :class:`RoutingExecutor`
owns one executor per kind and sends each call where its task wants it, so
I/O-bound tasks stay on threads while CPU-bound ones get processes.
"""

from __future__ import annotations

import concurrent.futures as cf
import time
from collections.abc import Iterable

from ..model.names import EXECUTORS as KINDS
from .attempt import Call
from .executors import Completion, Executor, InlineExecutor, ThreadExecutor

__all__ = ["KINDS", "RoutingExecutor", "make_executor", "missing_dask_message"]

#: longest wait on one executor while another may have finished (mixed runs only)
SLICE = 0.005


def missing_dask_message(where: str = "executor='dask'") -> str:
    """What to do when the Dask extra is not installed."""
    return (
        f"{where} needs Dask's distributed scheduler, which is not installed: "
        'pip install "pytest-processes[dask]"'
    )


def _named(
    kind: str,
    workers: int,
    dask_address: str | None,
    dask_default_client: bool,
    prefetch: int | None = None,
) -> Executor:
    if kind == "inline":
        return InlineExecutor()
    if kind == "thread":
        return ThreadExecutor(workers, prefetch=prefetch)
    if kind == "process":
        from .process_pool import ProcessExecutor

        return ProcessExecutor(workers)
    if kind == "dask":
        from .dask_executor import DaskExecutor  # imports distributed: only when asked

        return DaskExecutor(
            address=dask_address, workers=workers, use_default_client=dask_default_client
        )
    raise ValueError(
        f"executor must be one of {', '.join(map(repr, KINDS))}, an engine Executor or a "
        f"concurrent.futures.Executor, got {kind!r}"
    )


def make_executor(
    spec: str | Executor | cf.Executor,
    workers: int,
    kinds: Iterable[str | None] = (),
    *,
    dask_address: str | None = None,
    dask_default_client: bool = True,
    thread_prefetch: int | None = None,
) -> Executor:
    """The executor for a run: ``spec`` for every task, plus one per other kind in ``kinds``.

    ``kinds`` are the ``executor`` options of the run's tasks (None: no preference).
    ``dask_address`` connects to an existing scheduler; without it, ``"dask"``
    uses the default ``distributed.Client`` if one exists (``dask_default_client``)
    or else starts a ``LocalCluster`` for the run. ``thread_prefetch``: calls a
    thread worker may have queued (default ``ThreadExecutor.PREFETCH``).
    """
    if isinstance(spec, str):
        default = _named(spec, workers, dask_address, dask_default_client, thread_prefetch)
    elif isinstance(spec, cf.Executor):
        from .pool_executor import FuturesExecutor

        default = FuturesExecutor(spec, workers)
    else:
        default = spec
    wanted = sorted({k for k in kinds if k and k != default.name})
    if not wanted:
        return default
    routes: dict[str, Executor] = {}
    try:
        for kind in wanted:
            routes[kind] = _named(kind, workers, dask_address, dask_default_client, thread_prefetch)
    except BaseException:
        for made in [default, *routes.values()]:
            made.shutdown(cancel=True)
        raise
    return RoutingExecutor(default, routes)


class RoutingExecutor:
    """Sends each call to the executor of its task's kind (``Call.executor``), else the default.

    While calls are in flight on several executors, ``poll`` looks at each in
    turn for at most ``SLICE`` seconds; with one busy executor it simply waits on it.
    """

    def __init__(self, default: Executor, routes: dict[str, Executor]) -> None:
        self.default = default
        self.routes = routes
        members = [default, *routes.values()]
        self.name = "+".join(e.name for e in members)
        self.workers = sum(e.workers for e in members)
        self.window = sum(e.window for e in members)
        self._where: dict[int, Executor] = {}

    def submit(self, key: int, call: Call) -> None:
        executor = self.routes.get(call.executor or "", self.default)
        self._where[key] = executor
        executor.submit(key, call)

    def _active(self) -> list[Executor]:
        seen: dict[int, Executor] = {}
        for executor in self._where.values():
            seen.setdefault(id(executor), executor)
        return list(seen.values())

    def poll(self, timeout: float | None) -> list[Completion]:
        active = self._active() or [self.default]
        if len(active) == 1:
            return self._settled(active[0].poll(timeout))
        end = None if timeout is None else time.monotonic() + timeout
        while True:
            out: list[Completion] = []
            for executor in active:
                out += executor.poll(0)
            if out:
                return self._settled(out)
            for executor in active:
                left = SLICE if end is None else min(SLICE, end - time.monotonic())
                out += executor.poll(max(0.0, left))
                if out:
                    return self._settled(out)
            if end is not None and time.monotonic() >= end:
                return out

    def _settled(self, out: list[Completion]) -> list[Completion]:
        for key, _ in out:
            self._where.pop(key, None)
        return out

    def stop_queued(self) -> None:
        for executor in [self.default, *self.routes.values()]:
            executor.stop_queued()

    def shutdown(self, *, cancel: bool) -> None:
        errors: list[BaseException] = []
        for executor in [self.default, *self.routes.values()]:
            try:
                executor.shutdown(cancel=cancel)
            except Exception as exc:  # shut the others down all the same
                errors.append(exc)
        if errors:
            raise errors[0]
