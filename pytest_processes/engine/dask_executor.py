"""The Dask executor: attempts run on a ``distributed`` cluster, results stay there.

Dask is an optional extra; :mod:`.dask_client` picks the client (and imports
``distributed`` only then), :mod:`.dask_gather` watches the futures and gathers
outcomes, :mod:`.dask_worker` is what runs on the workers.

How results move: every attempt is ``client.submit(run_on_dask, ...)``, and its
future is kept for the rest of the run. When a task's upstream results come from
Dask attempts, the call is sent with those *futures* in place of the values
(``Call.inputs`` says where they go, :func:`link_inputs` puts them there), so
Dask moves each result from the worker that made it to the worker that needs
it, never through this process. The scheduler still receives every outcome
(kind, value, error, output): the report holds every result, as with threads.

Ahead of time (``SendsAhead``): the scheduler hands over a dependant as soon as
its upstream attempts are on the cluster, as Dask's own futures API would, so
workers go from one task to the next without waiting for this process. On the
worker, an attempt whose upstream outcome is not a success returns NOT_STARTED
without calling the task. The scheduler still submits each task when it becomes
ready; the attempt held ahead stands for it if every upstream attempt it waited
for is the one that succeeded (else it never ran, and a fresh attempt is sent).

Timeouts: the worker runs a timed attempt on a helper thread and returns
``TimeoutError`` at the deadline, counted from when the attempt really starts (a
call may wait in Dask's queue); the worker's thread is then free, the abandoned
call runs on until it returns (Dask cannot kill a thread). As a backstop for a
worker that cannot answer (a call holding the GIL), this side reports the
timeout shortly after the deadline and cancels the future; the start time comes
from a worker event (``log_event``), sent for timed calls only.

Threads: everything here runs on the scheduler's thread; the client's event
loop's share of the work (watching, gathering, start events) is in :mod:`.dask_gather`.
"""

from __future__ import annotations

import dataclasses
import importlib
import pickle
import queue
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import CancelledError
from typing import Any

from ..exceptions import WorkerDiedError
from .attempt import NOT_STARTED, OK, Call, Outcome
from .dask_client import ClientLease, require_distributed
from .dask_gather import PENDING, Flight, Gatherer
from .dask_worker import Slot, executing, run_on_dask
from .executors import SIGNAL_CHECK, Completion, timeout_outcome
from .portable import failed_outcome, module_paths, pickling_problem
from .tracing import callable_name
from .upstream import injected_slots

__all__ = ["DaskExecutor", "link_inputs", "require_distributed"]

#: how long after a deadline this side reports a timeout the worker did not
BACKSTOP = 0.5


def link_inputs(
    call: Call,
    inputs: Sequence[tuple[int, bool, str]] | None,
    futures: dict[int, Any],
    values: dict[int, Any],
) -> tuple[Call, list[Slot], list[Any], list[int]]:
    """``call`` with the inputs found in ``futures`` cut out: where they go, futures, keys.

    An input stands in the call as ``values[key]`` (the value received, or None
    for an attempt not finished yet); another object there replaced it on the way
    (a fixture of the same name), and stays. This is the Dask side of upstream
    injection: it undoes what the scheduler injected, so Dask can inject futures.
    """
    if not inputs or not futures:
        return call, [], [], []
    args, kwargs = list(call.args), dict(call.kwargs)
    slots: list[Slot] = []
    linked: list[Any] = []
    keys: list[int] = []
    for j, pos, kw in injected_slots(len(args), inputs):
        future = futures.get(j)
        if future is None:
            continue
        value = values[j]
        by_pos = 0 <= pos < len(args) and args[pos] is value
        by_kw = bool(kw) and kw in kwargs and kwargs[kw] is value
        if not (by_pos or by_kw):
            continue
        if by_pos:
            args[pos] = None
        if by_kw:
            kwargs[kw] = None
        slots.append((pos if by_pos else -1, kw if by_kw else ""))
        linked.append(future)
        keys.append(j)
    if not slots:
        return call, [], [], []
    return dataclasses.replace(call, args=tuple(args), kwargs=kwargs), slots, linked, keys


class DaskExecutor:
    """Runs attempts on a Dask cluster through a ``distributed.Client``.

    ``client``, ``address``, ``workers`` and ``use_default_client`` choose the
    client (see :class:`~.dask_client.ClientLease`). Every successful attempt's
    future is held until ``shutdown``, so results stay in the cluster's memory
    for the length of the run (as they stay in this process's with threads).
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
        self._lease = lease = ClientLease(
            client, address=address, workers=workers, use_default_client=use_default_client
        )
        self._cloudpickle = importlib.import_module("cloudpickle")
        self.client = client = lease.client
        threads = sum(client.nthreads().values())
        self.workers = max(1, threads or workers)
        # attempts queued on the cluster hide the round trip to this process; a stop
        # cancels those not yet executing, and a deadline counts from the real start
        self.window = self.workers * self.QUEUED
        self._gatherer = Gatherer(client, lease.distributed, self.window)
        self._started = self._gatherer.started  # token -> start of a timed attempt
        self._ready: list[Completion] = []
        self._flights: dict[int, Flight] = {}
        self._aheads: dict[int, Flight] = {}  # sent ahead, not submitted yet
        self._kept: list[tuple[int, Call]] = []  # sent ahead and started when the run stopped
        self._results: dict[int, Any] = {}  # key -> future of an OK outcome
        self._values: dict[int, Any] = {}  # key -> that outcome's value, as received
        self._paths: dict[int, dict[str, str]] = {}
        self._groups: dict[int, str] = {}
        self._stopping = False
        self._serial = 0
        self._run = uuid.uuid4().hex  # always holds a digit: Dask's key_split stops there

    # -- submitting ----------------------------------------------------------------------------

    def submit(self, key: int, call: Call) -> None:
        if self._stopping:
            self._ready.append((key, Outcome(kind=NOT_STARTED)))
            return
        ahead = self._aheads.pop(key, None)
        if ahead is not None and self._adopt(ahead):
            return
        linked, slots, futures, _ = link_inputs(call, call.inputs, self._results, self._values)
        sent = self._send(key, call, linked, slots, futures)
        if isinstance(sent, Outcome):
            self._ready.append((key, sent))
        else:
            self._flights[key] = sent

    def submit_ahead(self, key: int, call: Call, after: Sequence[int]) -> bool:
        """Send ``call`` now, to run once the attempts of tasks ``after`` succeed.

        ``after`` are all the task's dependencies, each in flight here or finished
        with success; upstream values not known yet stand as None in ``call``. False
        (nothing sent) when one of them is not on the cluster: ``submit`` follows.
        """
        if self._stopping:
            return False
        futures: dict[int, Any] = {}
        values: dict[int, Any] = {}
        for j in after:
            future = self._results.get(j)
            if future is None:
                there = self._flights.get(j) or self._aheads.get(j)
                if there is None:
                    return False
                future, values[j] = there.future, None
            else:
                values[j] = self._values[j]
            futures[j] = future
        linked, slots, upstream, deps = link_inputs(call, call.inputs, futures, values)
        for j in after:  # the others are waited for, not passed
            if j not in deps:
                slots.append((-1, ""))
                upstream.append(futures[j])
                deps.append(j)
        flight = self._send(key, call, linked, slots, upstream)
        if isinstance(flight, Outcome):
            return False  # the real submit reports what went wrong
        flight.deps, flight.upstream = deps, upstream
        self._aheads[key] = flight
        return True

    def _adopt(self, ahead: Flight) -> bool:
        """Let an attempt sent ahead stand for the submitted one, if its inputs held.

        Its upstream attempts must be those that succeeded: otherwise it returned
        NOT_STARTED without running (or will), and a fresh attempt is sent.
        """
        results = self._results
        if not all(results.get(j) is f for j, f in zip(ahead.deps, ahead.upstream, strict=True)):
            return False
        key = ahead.key
        if ahead.result is PENDING:
            self._flights[key] = ahead
        else:
            self._started.pop(ahead.token, None)
            self._ready.append((key, self._outcome(key, ahead, ahead.result)))
        return True

    def _send(
        self, key: int, call: Call, linked: Call, slots: list[Slot], futures: list[Any]
    ) -> Flight | Outcome:
        """Submit one attempt to Dask and have the loop watch it (or why it cannot be sent)."""
        dumps = self._cloudpickle.dumps
        try:
            payload = dumps(linked)
        except Exception as exc:
            error = pickle.PicklingError(pickling_problem(call, exc, dumps))
            return failed_outcome(error, "dask")
        paths = self._paths.get(id(call.func))
        if paths is None:
            paths = self._paths[id(call.func)] = module_paths(call.func)
        self._serial += 1
        token = f"{key}.{self._serial}"
        topic = self._gatherer.topic if call.timeout is not None else None
        future = self.client.submit(
            run_on_dask,
            payload,
            paths,
            slots,
            topic,
            token,
            futures,
            key=f"{self._group(call.func)}-{self._run}{self._serial:x}-{call.name}",
            pure=False,
        )
        flight = Flight(key, call, future, token)
        self._gatherer.watch(flight)
        return flight

    def _group(self, func: Any) -> str:
        """The task's Dask group: its function's name, so that same-function tasks share one.

        Keys are ``<group>-<serial>-<task>``: Dask groups tasks by the key's first
        word and does work per group on every submission, so one group per task
        name would make a large graph quadratic.
        """
        group = self._groups.get(id(func))
        if group is None:
            group = self._groups[id(func)] = callable_name(func).replace("-", "_")
        return group

    # -- receiving -----------------------------------------------------------------------------

    def _outcome(self, key: int, flight: Flight, result: Any) -> Outcome:
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
            return Outcome(kind=NOT_STARTED)
        else:
            error = RuntimeError(
                f"Task '{name}' could not run on Dask: {type(result).__name__}: {result}"
            )
        return failed_outcome(error, "dask")

    def poll(self, timeout: float | None) -> list[Completion]:
        out, self._ready = self._ready, []
        end = time.monotonic() if out else None if timeout is None else time.monotonic() + timeout
        flights, aheads, gatherer = self._flights, self._aheads, self._gatherer
        while True:
            wait = SIGNAL_CHECK if end is None else max(0.0, end - time.monotonic())
            try:
                wait = min(wait, SIGNAL_CHECK, self._next_deadline())
                batch = gatherer.get(wait, idle=not out)
                while True:
                    for flight, result in batch:
                        key = flight.key
                        if flights.get(key) is flight:
                            del flights[key]
                            self._started.pop(flight.token, None)
                            out.append((key, self._outcome(key, flight, result)))
                        elif aheads.get(key) is flight:
                            flight.result = result  # for when the scheduler submits it
                    batch = gatherer.get_nowait()
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

        The workers are asked which tasks they are executing; those run to their
        end. Attempts sent ahead are cancelled: the scheduler submits nothing now.
        """
        self._stopping = True
        aheads, self._aheads = self._aheads, {}
        if not self._flights and not aheads:
            return
        try:
            by_worker = self.client.run(executing)
        except Exception:  # a worker that cannot answer: cancel nothing, all finish
            by_worker = None
        running = {key for keys in (by_worker or {}).values() for key in keys}
        waiting = []
        for key, ahead in aheads.items():
            if ahead.result is not PENDING:
                outcome = self._outcome(key, ahead, ahead.result)
                if outcome.kind != NOT_STARTED:  # it ran to its end: say how it went
                    self._kept.append((key, ahead.call))
                    self._ready.append((key, outcome))
            elif by_worker is None or ahead.future.key in running:
                self._kept.append((key, ahead.call))  # it runs now: the grace period waits
                self._flights[key] = ahead
            else:
                waiting.append(ahead.future)
        if by_worker is not None:
            waiting += [f.future for f in self._flights.values() if f.future.key not in running]
        if waiting:
            self.client.cancel(waiting)

    def taken_on_stop(self) -> list[tuple[int, Call]]:
        """Attempts sent ahead that had started when the run stopped: in flight after all.

        Their outcomes come from :meth:`poll` like any other, so the report says
        how they ended rather than that they never ran.
        """
        kept, self._kept = self._kept, []
        return kept

    def shutdown(self, *, cancel: bool) -> None:
        """Release this run's futures (cancelling running ones with ``cancel``).

        A client or cluster started for the run is closed; one given is left open.
        """
        self._stopping = True
        try:
            futures = [f.future for f in self._flights.values()]
            aheads = [f.future for f in self._aheads.values()]
            self._lease.release(futures, aheads, cancel=cancel)
            self._gatherer.close()
        finally:
            self._flights.clear()
            self._aheads.clear()
            self._results.clear()
            self._values.clear()
            self._lease.close()
