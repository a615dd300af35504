"""The Dask client of a run: which one it uses, and closing what it started.

Dask is an optional extra (``pip install "pytest-processes[dask]"``): this module
imports ``distributed`` only when a client is asked for, so ``import
pytest_processes`` never does, and its error says which extra to install.

Threads: everything here runs on the thread that builds or shuts down the
executor (the scheduler's); nothing runs on the client's event loop. The lease
also releases the run's futures at its end, before closing what it started.
"""

from __future__ import annotations

import importlib
import logging
from types import ModuleType
from typing import Any

__all__ = ["ClientLease", "missing_dask_message", "require_distributed"]


def missing_dask_message(where: str = "executor='dask'") -> str:
    """What to do when the Dask extra is not installed."""
    return (
        f"{where} needs Dask's distributed scheduler, which is not installed: "
        'pip install "pytest-processes[dask]"'
    )


def require_distributed() -> ModuleType:
    """``distributed``, or an ImportError that says which extra to install."""
    try:
        return importlib.import_module("distributed")
    except ImportError as exc:
        raise ImportError(missing_dask_message()) from exc


class ClientLease:
    """The ``distributed.Client`` a run uses, and the client and cluster started for it.

    ``client``: use it (never closed here). ``address``: connect to that
    scheduler for the run. Neither: the default client when there is one and
    ``use_default_client``, else a ``LocalCluster`` of ``workers`` single-threaded
    worker processes. :meth:`close` closes only what was started here.
    """

    def __init__(
        self,
        client: Any = None,
        *,
        address: str | None = None,
        workers: int = 4,
        use_default_client: bool = True,
    ) -> None:
        self.distributed = require_distributed()
        self._owned: list[Any] = []
        if client is None and address is None and use_default_client:
            client = self._default()
        if client is None:
            client = self._connect(address) if address is not None else self._local(workers)
            self._owned.insert(0, client)
        self.client = client

    def _default(self) -> Any:
        """The default client (``distributed.default_client``), or None when there is none."""
        try:
            return self.distributed.default_client()
        except ValueError:
            return None

    def _connect(self, address: str) -> Any:
        try:
            return self.distributed.Client(address, timeout="10s")
        except OSError as exc:
            raise OSError(f"cannot connect to the Dask scheduler at {address}: {exc}") from exc

    def _local(self, workers: int) -> Any:
        """A client on a ``LocalCluster`` started for the run (closed with it)."""
        cluster = self.distributed.LocalCluster(
            n_workers=max(1, workers),
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # a free port: never collide with another cluster
            silence_logs=logging.ERROR,
        )
        self._owned.append(cluster)
        return self.distributed.Client(cluster)

    def release(self, running: list[Any], spare: list[Any], *, cancel: bool) -> None:
        """Cancel the ``spare`` futures; wait for the ``running`` ones, or cancel them too."""
        if running and cancel:
            self.client.cancel(running + spare)
            return
        if spare:
            self.client.cancel(spare)
        if running:
            self.distributed.wait(running)

    def close(self) -> None:
        """Close the client and cluster started for the run (client first); a given one stays."""
        for owned in self._owned:
            owned.close()
        self._owned.clear()
