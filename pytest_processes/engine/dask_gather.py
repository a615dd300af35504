"""What the Dask client's event loop does for the executor: watch, gather, note starts.

Per-task cost: futures are watched, and finished outcomes gathered in batches,
on the client's event loop, so no attempt costs a thread hop of its own; a
gather costs a round trip to the scheduler and the workers whatever its size.
The loop also receives the start events of timed attempts (the timeout backstop
counts from them).

Threads: :meth:`Gatherer.watch`, :meth:`Gatherer.get`, :meth:`Gatherer.get_nowait`
and :meth:`Gatherer.close` run on the scheduler's thread; every other method runs
on the client's event loop. They meet at three points: the list of flights to
watch (under a lock), the queue of gathered batches and ``started`` (one dict
operation at a time); the loop's other state is written by the loop only (the
scheduler's thread reads it to decide whether to nudge a gather).
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import queue
import threading
import time
import uuid
from concurrent.futures import CancelledError
from types import ModuleType
from typing import Any

from .attempt import Call

__all__ = ["PENDING", "Batch", "Flight", "Gatherer"]

#: how long a finished outcome waits for others to be gathered with it (seconds) ...
GATHER_DELAY = 0.005
#: ... or while the scheduler is busy, not waiting for them ...
GATHER_IDLE = 0.05
#: ... unless this many are waiting
GATHER_BATCH = 256

PENDING: Any = object()  # no outcome received yet


class Flight:
    """An attempt on the cluster: its call, future and start-event token.

    One sent ahead also records the upstream attempts it waits for, and the
    outcome received before the scheduler asked for it.
    """

    __slots__ = ("call", "deps", "future", "key", "result", "token", "upstream", "watcher")

    def __init__(self, key: int, call: Call, future: Any, token: str) -> None:
        self.key = key
        self.call = call
        self.future = future
        self.token = token
        self.deps: list[int] = []  # ahead: upstream keys, in the order of ``upstream``
        self.upstream: list[Any] = []
        self.result: Any = PENDING
        self.watcher: asyncio.Future[None] | None = None  # the loop's task awaiting it


#: attempts whose futures are done, each with its outcome (or the exception for it)
Batch = list[tuple[Flight, Any]]


class Gatherer:
    """Watches the futures of ``client`` handed to :meth:`watch`; :meth:`get` returns outcomes.

    ``window``: attempts the executor keeps in flight; more than that running
    means the workers stay busy anyway, so outcomes may wait longer to be gathered.
    ``started``: token -> when a timed attempt began on a worker (``log_event`` on
    :attr:`topic`).
    """

    def __init__(self, client: Any, distributed: ModuleType, window: int) -> None:
        self.client = client
        self.window = window
        self.topic = f"pytest-processes-{uuid.uuid4().hex}"
        self.started: dict[str, float] = {}
        client.subscribe_topic(self.topic, self._on_start)
        self._await_done = importlib.import_module(f"{distributed.__name__}.client").done_callback
        self._done: queue.SimpleQueue[Batch] = queue.SimpleQueue()
        self._lock = threading.Lock()  # guards _to_watch against the loop
        self._to_watch: list[Flight] = []
        # the loop's own:
        self._to_fetch: Batch = []
        self._fetching = False
        self._fetcher: asyncio.Future[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._running = 0  # futures watched and not done yet
        self._waiting = False  # the scheduler is blocked in ``get`` (set by its thread)

    # -- on the scheduler's thread ---------------------------------------------------------------

    def watch(self, flight: Flight) -> None:
        """Have the loop watch ``flight``'s future (with any others handed over meanwhile)."""
        with self._lock:
            self._to_watch.append(flight)
            first = len(self._to_watch) == 1
        if first:  # the loop watches this one and whatever is submitted until it runs
            self.client.loop.add_callback(self._watch)

    def get(self, timeout: float, *, idle: bool) -> Batch:
        """The next batch gathered, waiting up to ``timeout`` (else ``queue.Empty``).

        ``idle``: the scheduler has nothing else to do, so outcomes waiting to be
        gathered with others are gathered now (see ``_plan_fetch``).
        """
        if idle and self._done.empty():
            self._waiting = True
            if self._to_fetch and not self._fetching and self._running <= self.window:
                self.client.loop.add_callback(self._start_fetch)
        try:
            return self._done.get(timeout=timeout)
        finally:
            self._waiting = False

    def get_nowait(self) -> Batch:
        """A batch already gathered, else ``queue.Empty``."""
        return self._done.get_nowait()

    def close(self) -> None:
        """Hear no more start events."""
        self.client.unsubscribe_topic(self.topic)

    # -- on the client's event loop --------------------------------------------------------------

    def _on_start(self, event: tuple[float, str]) -> None:
        """A timed attempt started on a worker."""
        self.started[event[1]] = time.time()

    def _watch(self) -> None:
        """Await every future submitted since the last call."""
        with self._lock:
            batch, self._to_watch = self._to_watch, []
        self._running += len(batch)
        for flight in batch:
            done = functools.partial(self._finished, flight)
            flight.watcher = asyncio.ensure_future(self._await_done(flight.future, done))

    def _finished(self, flight: Flight, future: Any) -> None:
        """An attempt's future is done: its outcome goes with the next gather."""
        self._to_fetch.append((flight, future))
        self._running -= 1
        if not self._fetching:
            self._plan_fetch()

    def _plan_fetch(self) -> None:
        """Gather now, or let more outcomes join first.

        A gather costs a round trip to the scheduler and the workers whatever its
        size, so outcomes wait for others: up to ``GATHER_DELAY`` while the
        scheduler waits for them (none when nothing else runs), up to
        ``GATHER_IDLE`` while it is busy or more than a window of attempts keep
        the workers busy anyway (sent ahead), and never once ``GATHER_BATCH`` wait.
        """
        if not self._to_fetch:
            return
        waiting, running = self._waiting, self._running
        if len(self._to_fetch) >= GATHER_BATCH or (waiting and running <= 0):
            self._start_fetch()
        elif self._timer is None:
            delay = GATHER_DELAY if waiting and running <= self.window else GATHER_IDLE
            self._timer = asyncio.get_running_loop().call_later(delay, self._start_fetch)

    def _start_fetch(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._fetching and self._to_fetch:
            self._fetching = True
            self._fetcher = asyncio.ensure_future(self._fetch())

    async def _fetch(self) -> None:
        """Gather the outcomes waiting, and hand them to :meth:`get` in one message."""
        try:
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
        self._plan_fetch()  # those that finished meanwhile

    async def _one(self, future: Any) -> Any:
        """One attempt's outcome, or the exception that stands for it."""
        if future.cancelled():
            return CancelledError()
        try:
            return await self.client.gather(future, asynchronous=True)
        except BaseException as exc:
            return exc
