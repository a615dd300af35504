"""Fixtures of the executor suite: one real Dask cluster for the session, executors by kind.

The Dask cluster is a real ``distributed.LocalCluster`` (two single-threaded
worker processes) started once; each run gets a fresh ``DaskExecutor`` on its
client, which is cheap. Process pools are made per run by ``Process.run``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from executor_bodies import ExecutorSpec


@pytest.fixture(scope="session")
def dask_client() -> Iterator[Any]:
    """A client on a real LocalCluster: 2 worker processes, 1 thread each."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    )
    client = distributed.Client(cluster, set_as_default=False)
    yield client
    client.close()
    cluster.close()


@pytest.fixture
def executor_for(request: pytest.FixtureRequest) -> Callable[[str], ExecutorSpec]:
    """``executor_for(kind)``: the ``executor=`` argument that runs a process on ``kind``."""

    def make(kind: str) -> ExecutorSpec:
        if kind != "dask":
            return kind
        from pytest_processes.engine.dask_executor import DaskExecutor

        return DaskExecutor(request.getfixturevalue("dask_client"))

    return make
