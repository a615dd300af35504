"""Checkpoints: resume from the point of failure, source changes, unstorable and corrupt data."""

from __future__ import annotations

import gc
import importlib.util
import itertools
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy
import pytest

from pytest_processes import (
    Checkpoint,
    CheckpointWarning,
    Process,
    Task,
    TaskDependency,
    TaskStatus,
)
from pytest_processes.engine import journal
from pytest_processes.engine.checkpoint import COMPACT_AFTER, fingerprint

_serial = itertools.count()
hookimpl = pluggy.HookimplMarker("pytest")


def load(path: Path) -> ModuleType:
    """Import ``path`` under a fresh module name (a re-import sees the file as it is now)."""
    spec = importlib.util.spec_from_file_location(f"cp_flow_{next(_serial)}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Flaky:
    """Task bodies that count their calls; ``broken`` names the ones that raise."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.broken: set[str] = set()

    def __call__(self, name: str, value: Any) -> Any:
        def body(*upstream: Any) -> Any:
            self.calls.append(name)
            if name in self.broken:
                raise ValueError(f"{name} is broken")
            return (value, *upstream) if upstream else value

        body.__name__ = name
        return body


def arg(name: str) -> TaskDependency:
    return TaskDependency(name, use_result_as_additional_args=True)


def diamond(flaky: Flaky) -> list[Task]:
    """extract -> (clean, stats) -> load; side is independent."""
    return [
        Task("extract", flaky("extract", 1)),
        Task("clean", flaky("clean", 2), dependencies=[arg("extract")]),
        Task("stats", flaky("stats", 3), dependencies=[arg("extract")]),
        Task("load", flaky("load", 4), dependencies=[arg("clean"), arg("stats")]),
        Task("side", flaky("side", 5)),
    ]


def statuses(report: Any) -> dict[str, str]:
    return {name: e.status.value for name, e in report.entries.items()}


# -- resuming --------------------------------------------------------------------------


@pytest.mark.parametrize("parallel", [False, True], ids=["sequential", "parallel"])
def test_resume_runs_only_what_did_not_succeed_and_injects_stored_results(
    tmp_path: Path, parallel: bool
) -> None:
    flaky = Flaky()
    flaky.broken = {"stats"}
    first = Process(diamond(flaky)).run(parallel=parallel, checkpoint=tmp_path)
    assert statuses(first) == {
        "extract": "success",
        "clean": "success",
        "stats": "errored",
        "load": "skipped",
        "side": "success",
    }
    flaky.calls.clear()
    flaky.broken = set()
    second = Process(diamond(flaky)).run(parallel=parallel, checkpoint=tmp_path)
    assert sorted(flaky.calls) == ["load", "stats"]
    assert second.ok
    # load received clean's stored result (which itself holds extract's)
    assert second.entries["load"].result == (4, (2, 1), (3, 1))
    for name in ("extract", "clean", "side"):
        entry = second.entries[name]
        assert (entry.status, entry.attempts, entry.reason) == (
            TaskStatus.SUCCESS,
            0,
            "restored from checkpoint",
        )
        assert entry.restored
    assert second.entries["clean"].result == (2, 1)
    assert not second.entries["stats"].restored
    assert process_results_restored(second) == {"extract", "clean", "side"}


def process_results_restored(report: Any) -> set[str]:
    return {name for name, e in report.entries.items() if e.to_result().restored}


def test_a_complete_run_clears_the_results_so_the_next_one_is_full(tmp_path: Path) -> None:
    flaky = Flaky()
    Process(diamond(flaky)).run(checkpoint=tmp_path)
    flaky.calls.clear()
    Process(diamond(flaky)).run(checkpoint=tmp_path)
    assert len(flaky.calls) == 5
    assert set(Checkpoint(tmp_path).durations) == {"extract", "clean", "stats", "load", "side"}


def test_the_next_run_knows_the_last_one_completed(tmp_path: Path) -> None:
    """Nothing restored after a complete run is said as such, until a run fails again."""
    flaky = Flaky()
    checkpoint = Checkpoint(tmp_path)
    Process(diamond(flaky)).run(checkpoint=checkpoint)
    assert not checkpoint.last_run_complete  # the very first run
    flaky.broken = {"side"}
    Process(diamond(flaky)).run(checkpoint=checkpoint)
    assert checkpoint.last_run_complete and not checkpoint.restored
    Process(diamond(flaky)).run(checkpoint=checkpoint)
    assert not checkpoint.last_run_complete and len(checkpoint.restored) == 4


def test_clear_on_success_false_keeps_results(tmp_path: Path) -> None:
    flaky = Flaky()
    Process(diamond(flaky)).run(checkpoint=Checkpoint(tmp_path, clear_on_success=False))
    flaky.calls.clear()
    report = Process(diamond(flaky)).run(checkpoint=Checkpoint(tmp_path, clear_on_success=False))
    assert flaky.calls == []
    assert all(e.restored for e in report.entries.values())


def test_resume_after_fail_fast(tmp_path: Path) -> None:
    flaky = Flaky()
    flaky.broken = {"clean"}
    first = Process(diamond(flaky)).run(parallel=False, fail_fast=True, checkpoint=tmp_path)
    assert statuses(first)["stats"] == "skipped"
    assert first.entries["stats"].reason.startswith("not run: fail-fast")
    flaky.calls.clear()
    flaky.broken = set()
    second = Process(diamond(flaky)).run(parallel=False, fail_fast=True, checkpoint=tmp_path)
    assert sorted(flaky.calls) == ["clean", "load", "stats"]
    assert second.entries["extract"].restored and second.entries["side"].restored
    assert second.ok


def test_a_rerun_dependency_invalidates_results_computed_from_its_old_result(
    tmp_path: Path,
) -> None:
    flaky = Flaky()
    keep = Checkpoint(tmp_path, clear_on_success=False)
    flaky.broken = {"load"}
    Process(diamond(flaky)).run(checkpoint=keep)  # everything but load stored
    flaky.broken = {"stats"}
    tasks = diamond(flaky)
    tasks[0] = Task("extract", flaky("extract", 10))  # same code, new argument: changed
    tasks[0].args = ("changed",)
    flaky.calls.clear()
    Process(tasks).run(checkpoint=keep)  # extract, clean stored anew; stats fails
    assert sorted(flaky.calls) == ["clean", "extract", "stats"]
    flaky.calls.clear()
    flaky.broken = set()
    Process(tasks).run(checkpoint=keep)
    # stats' record from the first run was computed from the old extract: not reused
    assert sorted(flaky.calls) == ["load", "stats"]


def test_a_no_failures_task_is_restored_only_with_every_other_task(tmp_path: Path) -> None:
    flaky = Flaky()
    keep = Checkpoint(tmp_path, clear_on_success=False)

    def tasks(b_args: tuple[Any, ...]) -> list[Task]:
        return [
            Task("a", flaky("a", 1)),
            Task("b", flaky("b", 2), args=b_args),
            Task("summary", flaky("summary", 3), trigger="no_failures"),
        ]

    Process(tasks(())).run(checkpoint=keep)
    flaky.calls.clear()
    Process(tasks(())).run(checkpoint=keep)
    assert flaky.calls == []
    Process(tasks((0,))).run(checkpoint=keep)  # b changed: the summary must see it
    assert flaky.calls == ["b", "summary"]


def test_hooks_tell_restored_tasks_from_run_ones(tmp_path: Path) -> None:
    flaky = Flaky()
    flaky.broken = {"load"}
    Process(diamond(flaky)).run(checkpoint=tmp_path)
    flaky.broken = set()
    events: list[tuple[str, str, bool]] = []

    class Recorder:
        @hookimpl
        def pytest_processes_task_start(self, task: Task, attempt: int) -> None:
            events.append(("start", task.name, False))

        @hookimpl
        def pytest_processes_task_finish(self, task: Task, result: Any) -> None:
            events.append(("finish", task.name, result.restored))

    Process(diamond(flaky), plugins=[Recorder()]).run(checkpoint=tmp_path)
    assert ("finish", "extract", True) in events
    assert ("start", "extract", False) not in events
    assert events[-2:] == [("start", "load", False), ("finish", "load", False)]


# -- SIGKILL mid-run -------------------------------------------------------------------

FLOW = """
import os, sys, time
from pytest_processes import Process

CALLS = []

def first():
    CALLS.append("first")
    return 1

def second(first):
    CALLS.append("second")
    return first + 1

def blocker(second):
    CALLS.append("blocker")
    if os.environ.get("CP_READY"):
        open(os.environ["CP_READY"], "w").close()
        time.sleep(60)
    return second + 1

def after(blocker):
    CALLS.append("after")
    return blocker + 1

def run(checkpoint):
    return Process.from_functions([first, second, blocker, after]).run(
        parallel=False, checkpoint=checkpoint
    )

if __name__ == "__main__":
    run(sys.argv[1])
"""


def test_resume_after_sigkill(tmp_path: Path) -> None:
    flow = tmp_path / "flow.py"
    flow.write_text(FLOW)
    ready = tmp_path / "ready"
    checkpoint = tmp_path / "checkpoint"
    env = {**os.environ, "CP_READY": str(ready)}
    child = subprocess.Popen([sys.executable, str(flow), str(checkpoint)], env=env)
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert child.poll() is None, "the run ended before blocking"
            assert time.monotonic() < deadline, "the run never reached the blocking task"
            time.sleep(0.02)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
    assert child.returncode == -signal.SIGKILL
    module = load(flow)
    report = module.run(checkpoint)
    assert module.CALLS == ["blocker", "after"]
    assert report.entries["after"].result == 4
    assert [n for n, e in report.entries.items() if e.restored] == ["first", "second"]


# -- source changes --------------------------------------------------------------------

SOURCE = """
CALLS = []

def base():
    CALLS.append("base")
    return 1

def middle(base):
    CALLS.append("middle")
    return base + {step}

def top(middle):
    CALLS.append("top")
    return middle * 10

def apart():
    CALLS.append("apart")
    return "x"
"""


def test_a_changed_task_and_its_dependants_run_again(tmp_path: Path) -> None:
    path = tmp_path / "changing.py"
    keep = Checkpoint(tmp_path / "cp", clear_on_success=False)
    path.write_text(SOURCE.format(step=1))
    old = load(path)
    Process.from_functions([old.base, old.middle, old.top, old.apart]).run(checkpoint=keep)
    assert sorted(old.CALLS) == ["apart", "base", "middle", "top"]
    path.write_text(SOURCE.format(step=1000))  # another length too: linecache sees it
    new = load(path)
    report = Process.from_functions([new.base, new.middle, new.top, new.apart]).run(checkpoint=keep)
    assert new.CALLS == ["middle", "top"]
    assert report.entries["top"].result == 10010
    unchanged = load(path)  # same source, yet another module: nothing runs
    Process.from_functions([unchanged.base, unchanged.middle, unchanged.top, unchanged.apart]).run(
        checkpoint=keep
    )
    assert unchanged.CALLS == []


def test_fingerprint_covers_code_arguments_and_dependencies() -> None:
    def work(x: int = 0) -> int:
        return x

    def other(x: int = 0) -> int:
        return x + 1

    plain = Task("t", work)
    assert fingerprint(plain) == fingerprint(Task("t", work))
    assert fingerprint(plain) != fingerprint(Task("t", other))
    assert fingerprint(plain) != fingerprint(Task("t", work, args=(1,)))
    assert fingerprint(plain) != fingerprint(Task("t", work, kwargs={"x": 1}))
    assert fingerprint(plain) != fingerprint(Task("t", work, dependencies=[arg("u")]))
    sourceless = eval("lambda: 41 + 1")  # no source file: bytecode and constants count
    assert fingerprint(Task("t", sourceless)) != fingerprint(Task("t", eval("lambda: 41 + 2")))


# -- what cannot be stored or read -----------------------------------------------------


def test_an_unpicklable_result_is_a_warning_and_runs_again(tmp_path: Path) -> None:
    flaky = Flaky()
    keep = Checkpoint(tmp_path, clear_on_success=False)
    tasks = [Task("lock", lambda: threading.Lock()), Task("plain", flaky("plain", 1))]
    with pytest.warns(CheckpointWarning, match=r"task\(s\) 'lock' \(TypeError.*run again"):
        Process(tasks).run(checkpoint=keep)
    assert keep.problems and "'lock'" in keep.problems[0]
    with pytest.warns(CheckpointWarning, match="'lock'"):
        report = Process(tasks).run(checkpoint=keep)
    assert report.entries["plain"].restored
    assert report.entries["lock"].attempts == 1


def test_a_corrupt_checkpoint_is_a_warning_and_a_full_run(tmp_path: Path) -> None:
    flaky = Flaky()
    flaky.broken = {"load"}
    Process(diamond(flaky)).run(checkpoint=tmp_path)
    (tmp_path / "checkpoint.json").write_text("{not json")
    flaky.calls.clear()
    flaky.broken = set()
    with pytest.warns(CheckpointWarning, match="corrupt or incompatible.*full run"):
        report = Process(diamond(flaky)).run(checkpoint=tmp_path)
    assert len(flaky.calls) == 5
    assert report.ok


def failed_at_load(tmp_path: Path, **run: Any) -> tuple[Flaky, Path]:
    """The diamond run once with ``load`` failing: four results stored; the journal's path."""
    flaky = Flaky()
    flaky.broken = {"load"}
    Process(diamond(flaky)).run(checkpoint=tmp_path, **run)
    flaky.calls.clear()
    return flaky, Checkpoint(tmp_path).journal_path


def test_a_corrupt_record_is_a_warning_and_that_task_runs_again(tmp_path: Path) -> None:
    flaky, path = failed_at_load(tmp_path)
    records = journal.read(path).records
    records["clean"] = b"garbage"  # a whole record whose payload does not unpickle
    journal.rewrite(path, records)
    flaky.broken = set()
    with pytest.warns(CheckpointWarning, match=r"1 task\(s\) cannot be read.*'clean'"):
        Process(diamond(flaky)).run(checkpoint=tmp_path)
    assert sorted(flaky.calls) == ["clean", "load"]


def test_a_record_cut_short_by_a_kill_is_dropped_and_the_journal_mended(tmp_path: Path) -> None:
    flaky, path = failed_at_load(tmp_path, parallel=False)
    path.write_bytes(path.read_bytes()[:-5])  # as if killed writing the last result (stats)
    with pytest.warns(CheckpointWarning, match="cut short"):
        Process(diamond(flaky)).run(checkpoint=tmp_path, parallel=False)
    assert sorted(flaky.calls) == ["load", "stats"]
    flaky.calls.clear()
    flaky.broken = set()
    report = Process(diamond(flaky)).run(checkpoint=tmp_path, parallel=False)  # no warning
    assert flaky.calls == ["load"] and report.ok


def test_superseded_records_are_compacted_when_a_run_begins(tmp_path: Path) -> None:
    flaky, path = failed_at_load(tmp_path)
    stored = journal.read(path)
    with path.open("ab") as fh:  # earlier runs' results of the same tasks, superseded
        for _ in range(COMPACT_AFTER + 1):
            fh.write(journal.frame("side", stored.records["extract"]))
        fh.write(journal.frame("side", stored.records["side"]))
    assert journal.read(path).frames == 4 + COMPACT_AFTER + 2
    Process(diamond(flaky)).run(checkpoint=tmp_path)
    assert flaky.calls == ["load"]  # the last record of side is the one restored
    assert journal.read(path).frames == 4


def test_superseded_bytes_beyond_the_live_ones_are_compacted(tmp_path: Path) -> None:
    flaky, path = failed_at_load(tmp_path)
    stored = journal.read(path)
    big = b"x" * (4 * path.stat().st_size)  # one superseded record, larger than all the rest
    path.write_bytes(journal.frame("side", big) + path.read_bytes())
    Process(diamond(flaky)).run(checkpoint=tmp_path)
    assert flaky.calls == ["load"]
    assert journal.read(path).records.keys() == stored.records.keys()
    assert path.stat().st_size < len(big)


def test_records_are_appended_to_one_journal(tmp_path: Path) -> None:
    failed_at_load(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "checkpoint.json",
        "durations.json",
        "results.log",
    ]
    stored = journal.read(tmp_path / "results.log")
    assert sorted(stored.records) == ["clean", "extract", "side", "stats"]
    assert stored.frames == 4 and stored.end == stored.size


def test_a_checkpoint_of_the_earlier_format_is_a_warning_and_a_full_run(tmp_path: Path) -> None:
    (tmp_path / "checkpoint.json").write_text('{"format": 1}')
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "0123.pkl").write_bytes(b"a result of the file-per-task layout")
    flaky = Flaky()
    with pytest.warns(CheckpointWarning, match="format 1, expected 2"):
        Process(diamond(flaky)).run(checkpoint=tmp_path)
    assert len(flaky.calls) == 5
    assert not (tmp_path / "results").exists()


def test_an_incompatible_format_is_a_full_run(tmp_path: Path) -> None:
    (tmp_path / "checkpoint.json").write_text('{"format": 99}')
    flaky = Flaky()
    with pytest.warns(CheckpointWarning, match="format 99"):
        Process(diamond(flaky)).run(checkpoint=tmp_path)
    assert len(flaky.calls) == 5


def test_a_checkpoint_path_that_is_a_file_is_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "file"
    path.write_text("")
    flaky = Flaky()
    with pytest.warns(CheckpointWarning, match="not a directory"):
        assert Process(diamond(flaky)).run(checkpoint=path).ok


def test_a_new_checkpoint_directory_is_a_silent_first_run(tmp_path: Path) -> None:
    flaky = Flaky()
    report = Process(diamond(flaky)).run(checkpoint=tmp_path / "new" / "dir")
    assert report.ok and len(flaky.calls) == 5
    assert (tmp_path / "new" / "dir" / "checkpoint.json").exists()


def test_source_text_is_read_from_the_file_that_changed(tmp_path: Path) -> None:
    path = tmp_path / "mod.py"
    path.write_text(textwrap.dedent("def f():\n    return 1\n"))
    one = fingerprint(Task("f", load(path).f))
    path.write_text(textwrap.dedent("def f():\n    return 22\n"))
    assert fingerprint(Task("f", load(path).f)) != one


def test_a_run_ended_by_an_error_leaves_no_file_open(tmp_path: Path) -> None:
    class FailingHook:
        @hookimpl
        def pytest_processes_task_finish(self, task: Task) -> None:
            raise RuntimeError("the hook failed")

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with pytest.raises(RuntimeError, match="the hook failed"):
            Process(diamond(Flaky()), plugins=[FailingHook()]).run(checkpoint=tmp_path)
        gc.collect()
    assert [str(w.message) for w in seen if issubclass(w.category, ResourceWarning)] == []


def test_a_checkpoint_begun_twice_keeps_one_file_open(tmp_path: Path) -> None:
    checkpoint = Checkpoint(tmp_path)
    tasks = diamond(Flaky())
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        checkpoint.begin(tasks)
        checkpoint.begin(tasks)  # a second run set up before the first finished
        checkpoint.close()
        gc.collect()
    assert [str(w.message) for w in seen if issubclass(w.category, ResourceWarning)] == []
