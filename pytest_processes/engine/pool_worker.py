"""The worker side of the process executor: a loop that runs one call at a time.

Started by :class:`~pytest_processes.engine.process_pool.ProcessExecutor` (and
preloaded by its forkserver): ignores Ctrl-C, exits with its parent, measures
coverage when the parent does, and sends each outcome back pickled.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import os
import pickle
import signal
import sys
import threading
from typing import Any

from .portable import PROTOCOL, failed_outcome, load_call, portable_outcome, run_remote

__all__ = ["STOP", "parent_coverage", "worker_main"]

#: the parent's message that ends a worker's loop
STOP = b""


def _exit_with_parent() -> None:
    """Daemon thread of a worker: end the process as soon as the parent is gone."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    multiprocessing.connection.wait([parent.sentinel])
    os._exit(1)


def parent_coverage() -> str | None:
    """The parent's active coverage.py configuration, serialized for workers; else None.

    coverage is imported only if something already did (pytest-cov, ``coverage run``).
    """
    if "coverage" not in sys.modules:
        return None
    import coverage

    current = coverage.Coverage.current()
    return None if current is None else str(current.config.serialize())


def _start_coverage(config: str | None) -> Any:
    """Measure this worker with the parent's configuration, into a suffixed data file."""
    if config is None:
        return None
    import coverage

    cov = coverage.Coverage(config_file=":data:" + config, data_suffix=True)
    cov._warn_no_data = False  # a worker that ran no task measured nothing, rightly
    cov.start()
    return cov


def _save_coverage(cov: Any) -> None:
    """Stop measuring and write this worker's data file (workers end without atexit)."""
    if cov is not None:
        cov.stop()
        cov.save()


def worker_main(
    conn: multiprocessing.connection.Connection,
    name: str,
    log_level: int,
    coverage_config: str | None = None,
) -> None:
    """A worker's loop: receive ``(module paths, call)``, run it, send the pickled outcome."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C for the run
    logging.getLogger().setLevel(log_level)
    threading.Thread(target=_exit_with_parent, name="parent-watch", daemon=True).start()
    cov = _start_coverage(coverage_config)
    try:
        _serve(conn, name)
    finally:
        _save_coverage(cov)


def _serve(conn: multiprocessing.connection.Connection, name: str) -> None:
    """Run calls from the parent until it says stop or goes away."""
    while True:
        try:
            message = conn.recv_bytes()
        except (EOFError, OSError):
            return
        if message == STOP:
            return
        paths, payload = pickle.loads(message)
        try:
            call = load_call(payload, paths)
        except BaseException as exc:
            error = RuntimeError(
                f"a task could not be loaded in worker process {name}: {type(exc).__name__}: {exc}"
            )
            conn.send_bytes(pickle.dumps(failed_outcome(error, name), PROTOCOL))
            continue
        outcome = run_remote(call, name, alone=True)  # one attempt at a time: exact fd capture
        conn.send_bytes(portable_outcome(outcome, call.name))
