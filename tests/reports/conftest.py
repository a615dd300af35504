"""Report factories for the report-writer tests: reports are built directly, no run needed."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest

from pytest_processes.error_data import ErrorData
from pytest_processes.execution_report import ProcessExecutionReport, TaskReportEntry
from pytest_processes.task_types import TaskStatus

T0 = 1_790_000_000.0  # a fixed epoch so rendered times are stable

EntryFactory = Callable[..., TaskReportEntry]
ReportFactory = Callable[..., ProcessExecutionReport]


def build_entry(
    name: str,
    status: str = "success",
    *,
    elapsed: float = 0.25,
    start: float | None = None,
    worker: str = "",
    deps: tuple[str, ...] = (),
    error: ErrorData | None = None,
    **fields: Any,
) -> TaskReportEntry:
    """A report line with sensible defaults; ``start`` is seconds after ``T0``."""
    st = TaskStatus(status)
    ran = st in (TaskStatus.SUCCESS, TaskStatus.ERRORED)
    if st is TaskStatus.ERRORED and error is None:
        error = ErrorData(task_name=name, function=f"do_{name}", exception="boom")
    values: dict[str, Any] = {
        "name": name,
        "function": f"do_{name}",
        "args": (),
        "kwargs": {},
        "status": st,
        "elapsed_seconds": elapsed if ran else 0.0,
        "attempts": 1 if ran else 0,
        "error": error,
        "started_at": T0 + start if start is not None else None,
        "finished_at": T0 + start + elapsed if start is not None else None,
        "worker": worker,
        "dependencies": deps,
    }
    values.update(fields)
    return TaskReportEntry(**values)


def build_report(
    *entries: TaskReportEntry, name: str = "nightly.etl", **kw: Any
) -> ProcessExecutionReport:
    """A report holding ``entries`` in the given order."""
    return ProcessExecutionReport(entries={e.name: e for e in entries}, process_name=name, **kw)


@pytest.fixture
def make_entry() -> EntryFactory:
    """``make_entry(name, status="success", *, elapsed, start, worker, deps, error, **fields)``."""
    return build_entry


@pytest.fixture
def make_report() -> ReportFactory:
    """``make_report(*entries, name="nightly.etl", **report_fields)``."""
    return build_report


@pytest.fixture
def t0() -> float:
    """The epoch second every factory timing is relative to."""
    return T0


TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "/srv/pipelines/tasks_etl.py", line 42, in transform\n'
    '    raise ValueError(f"bad row {row}")\n'
    "ValueError: bad row 3 <b>&amp;</b>\n"
)


@pytest.fixture
def sample_report() -> ProcessExecutionReport:
    """A realistic mixed run: two workers, one failure, its skipped dependants, output."""
    failure = ErrorData(
        task_name="transform",
        function="transform",
        args=("2026-06-01",),
        kwargs={"strict": True},
        downstream_impact=["load", "publish"],
        exception="bad row 3 <b>&amp;</b>",
        traceback_str=TRACEBACK,
        traced_vars={"row": "3", "record": "{'id': 3, 'amount': None}"},
        traced_vars_location="/srv/pipelines/tasks_etl.py:42",
    )
    return build_report(
        build_entry(
            "extract",
            elapsed=1.2,
            start=0.0,
            worker="thread-1",
            result=[1, 2, 3],
            output="fetched 3 rows\n",
        ),
        build_entry("fetch_rates", elapsed=0.8, start=0.05, worker="thread-2", result={"eur": 1.1}),
        build_entry(
            "transform",
            "errored",
            elapsed=0.4,
            start=1.25,
            worker="thread-1",
            deps=("extract", "fetch_rates"),
            error=failure,
            error_type="ValueError",
            output="\x1b[31mwarning: row 3\x1b[0m\n",
            attempts=2,
        ),
        build_entry("audit", elapsed=2.1, start=0.9, worker="thread-2", deps=("fetch_rates",)),
        build_entry("load", "skipped", deps=("transform",), reason="upstream failed: 'transform'"),
        build_entry(
            "publish", "skipped", deps=("load", "audit"), reason="upstream failed: 'transform'"
        ),
        name="nightly.etl",
        started_at=T0,
        finished_at=T0 + 3.1,
    )


def build_big_report(size: int, *, families: bool = True, seed: int = 7) -> ProcessExecutionReport:
    """A run of ``size`` tasks on 4 workers with one failure (``parse[17]``) and its dependants.

    With ``families``, three quarters of the tasks are instances of ``fetch``, ``parse`` and
    ``check`` (``fetch[i] -> parse[i] -> check[i]``); the rest are distinct tasks that each
    depend on one to three earlier tasks, as a real project's graph does.
    """
    rnd = random.Random(seed)
    deps: dict[str, tuple[str, ...]] = {}
    per_family = size // 4 if families else 0
    for i in range(per_family):
        deps[f"fetch[{i}]"] = ()
        deps[f"parse[{i}]"] = (f"fetch[{i}]",)
        deps[f"check[{i}]"] = (f"parse[{i}]",)
    names = list(deps)
    for k in range(size - len(deps)):
        pool = names[-60:] if names else []
        picked = tuple(sorted(set(rnd.sample(pool, min(len(pool), rnd.randint(1, 3))))))
        deps[f"step_{k:04d}_{rnd.choice(['load', 'merge', 'score', 'export'])}"] = picked
        names.append(list(deps)[-1])
    failed = "parse[17]" if families else names[len(names) // 3]
    return _simulate(deps, failed, rnd)


def _simulate(
    deps: dict[str, tuple[str, ...]], failed: str, rnd: random.Random
) -> ProcessExecutionReport:
    """Entries for ``deps`` run in order on 4 workers: ``failed`` raises, its dependants skip."""
    free = [0.0] * 4
    done: dict[str, float] = {}
    broken: set[str] = set()
    entries = []
    for name, ups in deps.items():
        if any(d in broken for d in ups):
            broken.add(name)
            entries.append(
                build_entry(name, "skipped", deps=ups, reason=f"upstream failed: '{failed}'")
            )
            continue
        w = min(range(4), key=free.__getitem__)
        start = max([free[w], *(done[d] for d in ups)])
        elapsed = round(rnd.uniform(0.01, 0.4), 3)
        free[w] = done[name] = start + elapsed
        if name == failed:
            broken.add(name)
            error = ErrorData(
                task_name=name,
                function="parse",
                exception="row 17: expected 5 columns, got 4",
                traceback_str=TRACEBACK.replace("bad row 3 <b>&amp;</b>", "row 17"),
            )
            entries.append(
                build_entry(
                    name,
                    "errored",
                    elapsed=elapsed,
                    start=start,
                    worker=f"worker-{w + 1}",
                    deps=ups,
                    error=error,
                    error_type="ValueError",
                    output="reading part 17\n",
                )
            )
        else:
            entries.append(
                build_entry(name, elapsed=elapsed, start=start, worker=f"worker-{w + 1}", deps=ups)
            )
    return build_report(*entries, name="big", started_at=T0, finished_at=T0 + max(free))


@pytest.fixture
def big_report() -> Callable[..., ProcessExecutionReport]:
    """``big_report(size, families=True)``: see :func:`build_big_report`."""
    return build_big_report
