"""The names a run is configured with, each list written once: triggers, executors, outcome kinds.

Every layer (the task checks, the job-file schema, the pytest options, the
executor routing, the scheduler) reads its choices from here, so a name added
here is accepted everywhere at once.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

__all__ = [
    "EXECUTORS",
    "FAILED",
    "NOT_STARTED",
    "OK",
    "RUN_EXECUTORS",
    "SKIPPED",
    "TRIGGERS",
    "ExecutorName",
    "OutcomeKind",
    "RunExecutorName",
    "TriggerName",
]

#: when a task runs relative to its dependencies' outcomes
TriggerName = Literal["all_success", "all_done", "no_failures"]
#: the kinds of worker a task or a run may ask for
ExecutorName = Literal["inline", "thread", "process", "dask"]
#: the kinds ``pytest --processes`` and job files offer (inline is the one-worker thread run)
RunExecutorName = Literal["thread", "process", "dask"]

TRIGGERS: Final[tuple[TriggerName, ...]] = get_args(TriggerName)
EXECUTORS: Final[tuple[ExecutorName, ...]] = get_args(ExecutorName)
RUN_EXECUTORS: Final[tuple[RunExecutorName, ...]] = get_args(RunExecutorName)

#: what one attempt came to; plain ints, since an outcome crosses processes and a hot loop
OutcomeKind = Literal[0, 1, 2, 3]
OK: Final = 0
FAILED: Final = 1
SKIPPED: Final = 2
NOT_STARTED: Final = 3
