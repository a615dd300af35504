"""Choosing executors: by name, from a ``concurrent.futures`` pool, and per task.

:func:`make_executor` turns what the user asked for (``"thread"``,
``"process"``, ``"dask"``, an engine executor or any
``concurrent.futures.Executor``) into one engine executor. When tasks ask for
their own kind (``@task(executor="process")``), a :class:`RoutingExecutor`
owns one executor per kind and sends each call where its task wants it, so
I/O-bound tasks stay on threads while CPU-bound ones get processes; the optional
features of the executors it owns (``SendsAhead``, ``HandsBackOnStop``,
``ReportsStarted``) stay available through it.
"""

from __future__ import annotations

import concurrent.futures as cf
import time
from collections.abc import Callable, Iterable, Sequence

from ..model.names import EXECUTORS as KINDS
from .attempt import Call, Running
from .executors import (
    Completion,
    Executor,
    HandsBackOnStop,
    InlineExecutor,
    ReportsStarted,
    SendsAhead,
    ThreadExecutor,
)

__all__ = ["KINDS", "RoutingExecutor", "make_executor"]

#: longest wait on one executor while another may have finished (mixed runs only)
SLICE = 0.005


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
    Each optional feature is passed on to the executors that have it: stop-time
    questions go to all, and when one of them sends ahead the router is a
    :class:`_SendingAhead` (``SendsAhead``); otherwise it does not offer it, so
    the scheduler does no send-ahead work that every executor would decline.
    """

    def __new__(cls, default: Executor, routes: dict[str, Executor]) -> RoutingExecutor:
        members = [default, *routes.values()]
        if cls is RoutingExecutor and any(isinstance(e, SendsAhead) for e in members):
            cls = _SendingAhead
        return super().__new__(cls)

    def __init__(self, default: Executor, routes: dict[str, Executor]) -> None:
        self.default = default
        self.routes = routes
        self._members = members = [default, *routes.values()]
        self.name = "+".join(e.name for e in members)
        self.workers = sum(e.workers for e in members)
        self.window = sum(e.window for e in members)
        self._where: dict[int, Executor] = {}

    def _route(self, call: Call) -> Executor:
        return self.routes.get(call.executor or "", self.default)

    def submit(self, key: int, call: Call) -> None:
        executor = self._route(call)
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
        for executor in self._members:
            executor.stop_queued()

    def wake(self) -> None:
        """Make a waiting :meth:`poll` return now, whichever executor it waits on."""
        for executor in self._members:
            wake = getattr(executor, "wake", None)
            if wake is not None:
                wake()

    def lend(self, n: int) -> None:
        """A waiting task lends its worker: to the thread pool, where context tasks run."""
        for executor in self._members:
            lend = getattr(executor, "lend", None)
            if lend is not None:
                lend(n)
                return

    def taken_on_stop(self) -> list[tuple[int, Call]]:
        """Calls sent ahead that had started when the run stopped, from every executor."""
        taken: list[tuple[int, Call]] = []
        for executor in self._members:
            if isinstance(executor, HandsBackOnStop):
                for key, call in executor.taken_on_stop():
                    self._where[key] = executor  # its outcome comes from that executor's poll
                    taken.append((key, call))
        return taken

    def running(self) -> dict[int, Running]:
        """Calls begun, by key, asked of every executor (see ``ReportsStarted``).

        The calls of an executor that cannot tell count as begun at a time not
        known, which is what the scheduler assumes of such an executor on its own.
        """
        live: dict[int, Running] = {}
        for executor in self._members:
            if isinstance(executor, ReportsStarted):
                live.update(executor.running())
        for key, executor in self._where.items():
            if key not in live and not isinstance(executor, ReportsStarted):
                live[key] = Running()
        return live

    def shutdown(self, *, cancel: bool) -> None:
        errors: list[BaseException] = []
        for executor in self._members:
            try:
                executor.shutdown(cancel=cancel)
            except Exception as exc:  # shut the others down all the same
                errors.append(exc)
        if errors:
            raise errors[0]


class _SendingAhead(RoutingExecutor):
    """A router with an executor that sends ahead: each call is sent ahead on its own."""

    def __init__(self, default: Executor, routes: dict[str, Executor]) -> None:
        super().__init__(default, routes)
        #: ``submit_ahead`` of the executors that have one, by ``id``: asked per call
        self._senders: dict[int, Callable[[int, Call, Sequence[int]], bool]] = {
            id(e): e.submit_ahead for e in self._members if isinstance(e, SendsAhead)
        }

    def submit_ahead(self, key: int, call: Call, after: Sequence[int]) -> bool:
        """Send ``call`` ahead on its own executor if that one can (see ``SendsAhead``).

        That executor declines (False) when an upstream attempt is not its own.
        """
        send = self._senders.get(id(self._route(call)))
        return send is not None and send(key, call, after)
