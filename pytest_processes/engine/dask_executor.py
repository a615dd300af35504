"""The Dask executor: attempts run on a ``distributed`` cluster, results stay there.

Dask is an optional extra (``pip install "pytest-processes[dask]"``); this module
imports it only when an executor is built, so ``import pytest_processes`` never does.

How results move: every attempt is a ``run_on_dask`` task, and its future is
kept for the rest of the run. When a task's upstream results come from earlier
Dask attempts, the call is sent with those *futures* in place of the values
(``Call.inputs`` says where they go), so Dask moves each result from the worker
that made it to the worker that needs it, never through this process. The
scheduler still receives every outcome (kind, value, error, output): the report
holds every result, as with threads.

Per-task cost: ``submit`` only pickles the call and queues it; the client's event
loop sends everything queued meanwhile in one ``client.map``, watches the futures
there and gathers finished outcomes in batches, so no attempt costs a thread
hop of its own. Keys are ``<function>-<serial>-<task>``: Dask groups tasks by the
key's first word, and its scheduler does work per group on every submission, so
one group per task name would make a large graph quadratic.

Timeouts: the worker runs a timed attempt on a helper thread and returns
``TimeoutError`` at the deadline, counted from when the attempt really starts (a
call may wait in Dask's queue); the worker's thread is then free, the abandoned
call runs on until it returns (Dask cannot kill a thread). As a backstop for a
worker that cannot answer (a call holding the GIL), this side reports the
timeout shortly after the deadline and cancels the future; the start time comes
from a worker event (``log_event``), sent for timed calls only.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import logging
import pickle
import queue
import threading
import time
import uuid
from concurrent.futures import CancelledError
from types import ModuleType
from typing import Any

from ..exceptions import WorkerDiedError
from .attempt import NOT_STARTED, OK, Call, Outcome
from .dask_worker import Slot, executing, run_on_dask
from .executors import SIGNAL_CHECK, Completion, timeout_outcome
from .remote import failed_outcome, module_paths, pickling_problem
from .routing import missing_dask_message
from .tracing import callable_name

__all__ = ["DaskExecutor", "require_distributed"]

#: how long after a deadline this side reports a timeout the worker did not
BACKSTOP = 0.5
#: how long a finished outcome waits for others to be gathered with it (seconds) ...
GATHER_DELAY = 0.005
#: ... unless this many are waiting
GATHER_BATCH = 64


def require_distributed() -> ModuleType:
    """``distributed``, or an ImportError that says which extra to install."""
    try:
        return importlib.import_module("distributed")
    except ImportError as exc:
        raise ImportError(missing_dask_message()) from exc


# -- on this side ------------------------------------------------------------------------------


class _Flight:
    """An attempt on the cluster: its call, what is sent, its future once sent, its token."""

    __slots__ = ("call", "future", "key", "name", "sent", "token", "watcher")

    def __init__(self, key: int, call: Call, name: str, token: str, sent: tuple[Any, ...]) -> None:
        self.key = key
        self.call = call
        self.name = name  # the Dask key
        self.token = token
        self.sent = sent  # run_on_dask's arguments until the loop sends them
        self.future: Any = None
        self.watcher: asyncio.Future[None] | None = None  # the loop's task awaiting it


class DaskExecutor:
    """Runs attempts on a Dask cluster through a ``distributed.Client``.

    ``client``: use it (never closed here). ``address``: connect to that
    scheduler for the run. Neither: the default client when there is one and
    ``use_default_client``, else a ``LocalCluster`` of ``workers`` single-threaded
    worker processes, started for the run and closed after it.

    Every successful attempt's future is held until ``shutdown``, so results
    stay in the cluster's memory for the length of the run (as they stay in
    this process's with threads).
    """

    name = "dask"

    #: attempts in flight per Dask thread (see ``Executor.window``)
    QUEUED = 8

    def __init__(
        self,
        client: Any = None,
        *,
        address: str | None = None,
        workers: int = 4,
        use_default_client: bool = True,
    ) -> None:
        self._distributed = distributed = require_distributed()
        self._cloudpickle = importlib.import_module("cloudpickle")
        self._owned: list[Any] = []
        if client is None and address is None and use_default_client:
            try:
                client = distributed.default_client()
            except ValueError:
                client = None
        if client is None:
            if address is not None:
                try:
                    client = distributed.Client(address, timeout="10s")
                except OSError as exc:
                    raise OSError(
                        f"cannot connect to the Dask scheduler at {address}: {exc}"
                    ) from exc
            else:
                cluster = distributed.LocalCluster(
                    n_workers=max(1, workers),
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0",  # a free port: never collide with another cluster
                    silence_logs=logging.ERROR,
                )
                self._owned.append(cluster)
                client = distributed.Client(cluster)
            self._owned.insert(0, client)
        self.client = client
        threads = sum(client.nthreads().values())
        self.workers = max(1, threads or workers)
        # attempts queued on the cluster hide the round trip to this process; a stop
        # cancels those not yet executing, and a deadline counts from the real start
        self.window = self.workers * self.QUEUED
        self._topic = f"pytest-processes-{uuid.uuid4().hex}"
        self._started: dict[str, float] = {}
        client.subscribe_topic(self._topic, self._on_start)
        self._done: queue.SimpleQueue[list[tuple[_Flight, Any]]] = queue.SimpleQueue()
        self._lock = threading.Lock()  # guards _outbox and _stopping against the loop
        self._sending = threading.Lock()  # held by the loop while it sends a batch
        self._outbox: list[_Flight] = []
        self._to_fetch: list[tuple[_Flight, Any]] = []  # the loop's own
        self._fetching = False
        self._fetcher: asyncio.Future[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._running = 0  # futures sent and not done yet
        self._watch = _done_callback(self._distributed)
        self._ready: list[Completion] = []
        self._flights: dict[int, _Flight] = {}
        self._results: dict[int, Any] = {}  # key -> future of an OK outcome
        self._values: dict[int, Any] = {}  # key -> that outcome's value, as received
        self._paths: dict[int, dict[str, str]] = {}
        self._stopping = False
        self._serial = 0
        self._run = uuid.uuid4().hex  # always holds a digit: Dask's key_split stops there
        self._groups: dict[int, str] = {}

    def _on_start(self, event: tuple[float, str]) -> None:
        """A timed attempt started on a worker (runs on the client's event loop)."""
        self._started[event[1]] = time.time()

    # -- submitting ----------------------------------------------------------------------------

    def _link(self, call: Call) -> tuple[Call, list[Slot], list[Any]]:
        """Replace upstream values that Dask holds by their futures (Dask moves the data)."""
        inputs = call.inputs
        if not inputs or not self._results:
            return call, [], []
        args, kwargs = list(call.args), dict(call.kwargs)
        base = len(args) - sum(1 for _, as_arg, _ in inputs if as_arg)
        slots: list[Slot] = []
        futures: list[Any] = []
        k = 0
        for j, as_arg, kw in inputs:
            pos = -1
            if as_arg:
                pos, k = base + k, k + 1
            future = self._results.get(j)
            if future is None:
                continue
            value = self._values[j]
            by_pos = 0 <= pos < len(args) and args[pos] is value
            by_kw = bool(kw) and kw in kwargs and kwargs[kw] is value
            if not (by_pos or by_kw):
                continue  # replaced on the way (a fixture of the same name)
            if by_pos:
                args[pos] = None
            if by_kw:
                kwargs[kw] = None
            slots.append((pos if by_pos else -1, kw if by_kw else ""))
            futures.append(future)
        if not slots:
            return call, [], []
        linked = Call(
            call.name,
            call.func,
            tuple(args),
            kwargs,
            call.timeout,
            call.trace_filter,
            call.capture,
            call.executor,
            call.inputs,
        )
        return linked, slots, futures

    def submit(self, key: int, call: Call) -> None:
        if self._stopping:
            self._ready.append((key, Outcome(NOT_STARTED)))
            return
        linked, slots, futures = self._link(call)
        dumps = self._cloudpickle.dumps
        try:
            payload = dumps(linked)
        except Exception as exc:
            error = pickle.PicklingError(pickling_problem(call, exc, dumps))
            self._ready.append((key, failed_outcome(error, "dask")))
            return
        paths = self._paths.get(id(call.func))
        if paths is None:
            paths = self._paths[id(call.func)] = module_paths(call.func)
        self._serial += 1
        token = f"{key}.{self._serial}"
        topic = self._topic if call.timeout is not None else None
        name = f"{self._group(call.func)}-{self._run}{self._serial:x}-{call.name}"
        flight = _Flight(key, call, name, token, (payload, paths, slots, topic, token, futures))
        self._flights[key] = flight
        with self._lock:
            self._outbox.append(flight)
            first = len(self._outbox) == 1
        if first:  # the loop sends this one and whatever is submitted until it runs
            self.client.loop.add_callback(self._send)

    def _group(self, func: Any) -> str:
        """The task's Dask group: its function's name, so that same-function tasks share one."""
        group = self._groups.get(id(func))
        if group is None:
            group = self._groups[id(func)] = callable_name(func).replace("-", "_")
        return group

    # -- on the client's event loop -------------------------------------------------------------

    def _send(self) -> None:
        """Send every queued attempt in one ``client.map``, and watch the futures."""
        with self._sending:
            with self._lock:
                batch, self._outbox = self._outbox, []
                stopping = self._stopping
            if not batch:
                return
            if stopping:  # stop_queued came first: these never reach Dask
                self._done.put([(flight, CancelledError()) for flight in batch])
                return
            try:
                futures = self.client.map(
                    run_on_dask,
                    *zip(*(flight.sent for flight in batch), strict=True),
                    key=[flight.name for flight in batch],
                    pure=False,
                )
            except Exception as exc:  # the client is closing, say
                self._done.put([(flight, exc) for flight in batch])
                return
            self._running += len(batch)
            for flight, future in zip(batch, futures, strict=True):
                flight.future, flight.sent = future, ()
                flight.watcher = asyncio.ensure_future(
                    self._watch(future, functools.partial(self._finished, flight))
                )

    def _finished(self, flight: _Flight, future: Any) -> None:
        """An attempt's future is done: fetch its outcome with the next batch.

        A gather costs a round trip to the scheduler and the workers whatever its
        size, so outcomes wait up to ``GATHER_DELAY`` for others to join them,
        unless nothing else is running; while one gather is on its way, the
        attempts finishing meanwhile make up the next.
        """
        self._to_fetch.append((flight, future))
        self._running -= 1
        if self._fetching:
            return
        if self._running <= 0 or len(self._to_fetch) >= GATHER_BATCH:
            self._start_fetch()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(GATHER_DELAY, self._start_fetch)

    def _start_fetch(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._fetching and self._to_fetch:
            self._fetching = True
            self._fetcher = asyncio.ensure_future(self._fetch())

    async def _fetch(self) -> None:
        """Gather every finished outcome, then hand them to ``poll`` in one message."""
        try:
            while self._to_fetch:
                batch, self._to_fetch = self._to_fetch, []
                finished = [(fl, f) for fl, f in batch if f.status == "finished"]
                results: dict[int, Any] = {}
                try:
                    values = await self.client.gather([f for _, f in finished], asynchronous=True)
                    results = {id(f): v for (_, f), v in zip(finished, values, strict=True)}
                except Exception:  # one lost with its worker, say: fetch them one by one
                    pass
                out = []
                for flight, future in batch:
                    result = results.get(id(future), results)
                    if result is results:
                        result = await self._one(future)
                    out.append((flight, result))
                self._done.put(out)
        finally:
            self._fetching = False

    async def _one(self, future: Any) -> Any:
        """One attempt's outcome, or the exception that stands for it."""
        if future.cancelled():
            return CancelledError()
        try:
            return await self.client.gather(future, asynchronous=True)
        except BaseException as exc:
            return exc

    # -- receiving -----------------------------------------------------------------------------

    def _outcome(self, key: int, flight: _Flight, result: Any) -> Outcome:
        if isinstance(result, Outcome):
            if result.kind == OK:
                self._results[key] = flight.future
                self._values[key] = result.value
            return result
        name = flight.call.name
        if type(result).__name__ == "KilledWorker":
            error: BaseException = WorkerDiedError(
                f"Task '{name}': the Dask workers running it died ({result})"
            )
        elif self._stopping and isinstance(result, CancelledError):
            return Outcome(NOT_STARTED)
        else:
            error = RuntimeError(
                f"Task '{name}' could not run on Dask: {type(result).__name__}: {result}"
            )
        return failed_outcome(error, "dask")

    def poll(self, timeout: float | None) -> list[Completion]:
        out, self._ready = self._ready, []
        end = time.monotonic() if out else None if timeout is None else time.monotonic() + timeout
        flights = self._flights
        while True:
            wait = SIGNAL_CHECK if end is None else max(0.0, end - time.monotonic())
            try:
                batch = self._done.get(timeout=min(wait, SIGNAL_CHECK, self._next_deadline()))
                while True:
                    for flight, result in batch:
                        key = flight.key
                        if flights.get(key) is flight:
                            del flights[key]
                            self._started.pop(flight.token, None)
                            out.append((key, self._outcome(key, flight, result)))
                    batch = self._done.get_nowait()
            except queue.Empty:
                pass
            self._expire(out)
            if out or (end is not None and time.monotonic() >= end):
                return out

    def _next_deadline(self) -> float:
        now, soonest = time.time(), SIGNAL_CHECK
        for flight in self._flights.values():
            if flight.call.timeout is not None:
                started = self._started.get(flight.token)
                if started is not None:
                    limit = started + flight.call.timeout + BACKSTOP
                    soonest = min(soonest, max(0.0, limit - now))
        return soonest

    def _expire(self, out: list[Completion]) -> None:
        """Backstop: report attempts whose worker did not answer by the deadline."""
        now = time.time()
        for key, flight in list(self._flights.items()):
            started = self._started.get(flight.token)
            timeout = flight.call.timeout
            if timeout is None or started is None or now < started + timeout + BACKSTOP:
                continue
            del self._flights[key]
            self._started.pop(flight.token, None)
            flight.future.cancel()  # sent: it has started
            out.append((key, timeout_outcome(flight.call, started, "dask")))

    # -- stopping ------------------------------------------------------------------------------

    def stop_queued(self) -> None:
        """Submit nothing more, and cancel attempts no worker has taken yet (NOT_STARTED).

        The workers are asked which tasks they are executing; those run to their end.
        """
        with self._lock:
            self._stopping = True
            unsent, self._outbox = self._outbox, []
        for flight in unsent:
            del self._flights[flight.key]
            self._ready.append((flight.key, Outcome(NOT_STARTED)))
        with self._sending:  # a batch on its way has its futures once this is free
            pass
        if not self._flights:
            return
        try:
            by_worker = self.client.run(executing)
        except Exception:  # a worker that cannot answer: cancel nothing, all finish
            return
        running = {key for keys in by_worker.values() for key in keys}
        waiting = [
            f.future
            for f in self._flights.values()
            if f.future is not None and f.name not in running
        ]
        if waiting:
            self.client.cancel(waiting)

    def shutdown(self, *, cancel: bool) -> None:
        """Release this run's futures (cancelling running ones with ``cancel``).

        A client or cluster started for the run is closed; one given is left open.
        """
        with self._lock:
            self._stopping = True
            self._outbox = []
        client = self.client
        try:
            with self._sending:
                pass
            futures = [f.future for f in self._flights.values() if f.future is not None]
            if futures and cancel:
                client.cancel(futures)
            elif futures:
                self._distributed.wait(futures)
            client.unsubscribe_topic(self._topic)
        finally:
            self._flights.clear()
            self._results.clear()
            self._values.clear()
            for owned in self._owned:
                owned.close()
            self._owned.clear()


def _done_callback(distributed: ModuleType) -> Any:
    """``distributed``'s coroutine that awaits a future, then calls a callback on the loop."""
    return importlib.import_module(f"{distributed.__name__}.client").done_callback
