"""The Dask executor: attempts run on a ``distributed`` cluster, results stay there.

Dask is an optional extra (``pip install "pytest-processes[dask]"``); this module
imports it only when an executor is built, so ``import pytest_processes`` never does.

How results move: every attempt is ``client.submit(run_on_dask, ...)`` with
``pure=False``, and its future is kept for the rest of the run. When a task's
upstream results come from earlier Dask attempts, the call is sent with those
*futures* in place of the values (``Call.inputs`` says where they go), so Dask
moves each result from the worker that made it to the worker that needs it,
never through this process. The scheduler still receives every outcome (kind,
value, error, output), gathered asynchronously on the client's event loop: the
report holds every result, as with threads.

Timeouts: the worker runs a timed attempt on a helper thread and returns
``TimeoutError`` at the deadline, counted from when the attempt really starts (a
call may wait in Dask's queue); the worker's thread is then free, the abandoned
call runs on until it returns (Dask cannot kill a thread). As a backstop for a
worker that cannot answer (a call holding the GIL), this side reports the
timeout shortly after the deadline and cancels the future; the start time comes
from a worker event (``log_event``), sent for timed calls only.
"""

from __future__ import annotations

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

__all__ = ["DaskExecutor", "require_distributed"]

#: how long after a deadline this side reports a timeout the worker did not
BACKSTOP = 0.5


def require_distributed() -> ModuleType:
    """``distributed``, or an ImportError that says which extra to install."""
    try:
        return importlib.import_module("distributed")
    except ImportError as exc:
        raise ImportError(missing_dask_message()) from exc


# -- on this side ------------------------------------------------------------------------------


class _Flight:
    """An attempt on the cluster: its call, its future and its start-event token."""

    __slots__ = ("call", "future", "token")

    def __init__(self, call: Call, future: Any, token: str) -> None:
        self.call = call
        self.future = future
        self.token = token


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
        self._done: queue.SimpleQueue[tuple[int, Any, Any]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._to_fetch: list[tuple[int, Any]] = []
        self._fetching = False
        self._ready: list[Completion] = []
        self._flights: dict[int, _Flight] = {}
        self._results: dict[int, Any] = {}  # key -> future of an OK outcome
        self._values: dict[int, Any] = {}  # key -> that outcome's value, as received
        self._paths: dict[int, dict[str, str]] = {}
        self._stopping = False
        self._serial = 0

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
        future = self.client.submit(
            run_on_dask,
            payload,
            paths,
            slots,
            topic,
            token,
            *futures,
            key=f"{call.name}-{uuid.uuid4().hex}",
            pure=False,
        )
        self._flights[key] = _Flight(call, future, token)
        future.add_done_callback(functools.partial(self._finished, key))

    def _finished(self, key: int, future: Any) -> None:
        """Done callback (Dask's callback thread): queue the future for the next gather.

        Outcomes are fetched in batches, on the client's event loop: while one
        ``gather`` is on its way, the attempts finishing meanwhile make up the next.
        """
        with self._lock:
            self._to_fetch.append((key, future))
            if self._fetching:
                return
            self._fetching = True
        self.client.loop.add_callback(self._fetch)

    async def _fetch(self) -> None:
        """On the client's loop: gather every queued outcome, then hand them to ``poll``."""
        while True:
            with self._lock:
                batch, self._to_fetch = self._to_fetch, []
                if not batch:
                    self._fetching = False
                    return
            finished = [(k, f) for k, f in batch if f.status == "finished"]
            results: dict[int, Any] = {}
            try:
                values = await self.client.gather([f for _, f in finished], asynchronous=True)
                results = {k: v for (k, _), v in zip(finished, values, strict=True)}
            except Exception:  # one lost with its worker, say: fetch them one by one
                pass
            for key, future in batch:
                if key not in results:
                    results[key] = await self._one(future)
                self._done.put((key, future, results[key]))

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
        elif self._stopping and flight.future.cancelled():
            return Outcome(NOT_STARTED)
        else:
            error = RuntimeError(
                f"Task '{name}' could not run on Dask: {type(result).__name__}: {result}"
            )
        return failed_outcome(error, "dask")

    def poll(self, timeout: float | None) -> list[Completion]:
        out, self._ready = self._ready, []
        end = time.monotonic() if out else None if timeout is None else time.monotonic() + timeout
        while True:
            wait = SIGNAL_CHECK if end is None else max(0.0, end - time.monotonic())
            try:
                item = self._done.get(timeout=min(wait, SIGNAL_CHECK, self._next_deadline()))
                while True:
                    key, future, result = item
                    flight = self._flights.get(key)
                    if flight is not None and flight.future is future:
                        del self._flights[key]
                        self._started.pop(flight.token, None)
                        out.append((key, self._outcome(key, flight, result)))
                    item = self._done.get_nowait()
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
            flight.future.cancel()
            out.append((key, timeout_outcome(flight.call, started, "dask")))

    # -- stopping ------------------------------------------------------------------------------

    def stop_queued(self) -> None:
        """Submit nothing more, and cancel attempts no worker has taken yet (NOT_STARTED).

        The workers are asked which tasks they are executing; those run to their end.
        """
        self._stopping = True
        if not self._flights:
            return
        try:
            by_worker = self.client.run(executing)
        except Exception:  # a worker that cannot answer: cancel nothing, all finish
            return
        running = {key for keys in by_worker.values() for key in keys}
        waiting = [f.future for f in self._flights.values() if f.future.key not in running]
        if waiting:
            self.client.cancel(waiting)

    def shutdown(self, *, cancel: bool) -> None:
        """Release this run's futures (cancelling running ones with ``cancel``).

        A client or cluster started for the run is closed; one given is left open.
        """
        self._stopping = True
        client = self.client
        try:
            futures = [f.future for f in self._flights.values()]
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
