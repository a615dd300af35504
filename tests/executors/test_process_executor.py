"""The process executor's promises: timeouts kill, crashes fail one task, pickling is explained."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path

import executor_bodies as bodies
import pytest
from executor_bodies import pool_children

from pytest_processes import Process, Task, TaskStatus, WorkerDiedError
from pytest_processes.engine.attempt import OK, Call
from pytest_processes.engine.process_pool import ProcessExecutor


def run(tasks: list[Task], workers: int = 2, **options: object) -> Process:
    process = Process(tasks)
    process.run(executor="process", max_workers=workers, **options)  # type: ignore[arg-type]
    return process


def test_a_timeout_kills_the_work_and_frees_the_slot(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    started = time.monotonic()
    process = run(
        [
            Task("stuck", bodies.hang, args=(30.0, str(marker)), timeout=0.3),
            Task("next", bodies.word, args=("ran",)),
        ],
        workers=1,
    )
    elapsed = time.monotonic() - started
    results = process.runner.results
    assert isinstance(results["stuck"].exception, TimeoutError)
    assert "was killed at the deadline" in results["stuck"].error_data.traceback_str  # type: ignore[union-attr]
    assert results["next"].result == "ran"  # on the replacement worker
    # an unkilled worker would hold the only slot for 30 s (a bound, not a benchmark)
    assert elapsed < 15, f"the run took {elapsed:.2f}s"
    assert pool_children() == [], "the timed-out task's worker outlived the run"
    assert not marker.exists()


@pytest.mark.parametrize(
    ("body", "args", "how"),
    [
        pytest.param(bodies.crash, (3,), "it exited with code 3", id="os._exit"),
        pytest.param(bodies.kill_self, (), "it was killed by signal SIGKILL", id="SIGKILL"),
    ],
)
def test_a_dying_worker_fails_only_its_task(body: object, args: tuple[int, ...], how: str) -> None:
    tasks = [Task("dies", body, args=args)]  # type: ignore[arg-type]
    tasks += [Task(f"ok{i}", bodies.burn, args=(10_000,)) for i in range(4)]
    tasks.append(Task("after_ok", bodies.word, args=("x",), dependencies=[]))
    process = run(tasks)
    results = process.runner.results
    dies = results["dies"]
    assert dies.status is TaskStatus.ERRORED
    assert isinstance(dies.exception, WorkerDiedError)
    message = str(dies.exception)
    assert "Task 'dies': worker process process-" in message and how in message
    assert all(results[f"ok{i}"].status is TaskStatus.SUCCESS for i in range(4))
    assert results["after_ok"].result == "x"


def _a_lambda() -> Callable[[], int]:
    return lambda: 1


def _a_local_function() -> Callable[[], int]:
    def local() -> int:
        return 1

    return local


@pytest.mark.parametrize("make", [_a_lambda, _a_local_function], ids=["lambda", "local"])
def test_an_unpicklable_function_is_a_clear_error(make: Callable[[], Callable[[], int]]) -> None:
    process = run([Task("shipped", make()), Task("fine", bodies.word, args=("ok",))])
    shipped = process.runner.results["shipped"]
    assert shipped.status is TaskStatus.ERRORED
    message = str(shipped.exception)
    assert message.startswith("Task 'shipped' cannot run in a worker process: its function")
    assert "cannot be pickled" in message and "module level" in message
    assert process.runner.results["fine"].result == "ok"


def test_an_unpicklable_argument_names_the_argument() -> None:
    process = run([Task("guarded", bodies.word, kwargs={"text": threading.Lock()})])
    message = str(process.runner.results["guarded"].exception)
    assert "Task 'guarded' cannot run in a worker process: argument 'text'" in message
    assert "lock" in message


def test_an_unpicklable_result_is_a_clear_error() -> None:
    process = run([Task("locker", bodies.make_lock), Task("fine", bodies.word, args=("ok",))])
    locker = process.runner.results["locker"]
    assert locker.status is TaskStatus.ERRORED
    assert str(locker.exception).startswith(
        "Task 'locker' returned a lock that cannot be pickled to send it back"
    )
    assert process.runner.results["fine"].result == "ok"


def test_workers_are_separate_processes_and_reused() -> None:
    process = run([Task(f"p{i}", bodies.pid) for i in range(6)])
    pids = {r.result for r in process.runner.results.values()}
    assert 1 <= len(pids) <= 2
    assert os.getpid() not in pids


def test_queued_calls_are_not_started_after_a_stop() -> None:
    pool = ProcessExecutor(1)
    try:
        pool.submit(1, Call(name="first", func=bodies.hang, args=(0.2,), kwargs={}))
        pool.submit(2, Call(name="second", func=bodies.word, args=("x",), kwargs={}))
        pool.stop_queued()
        outcomes = dict(pool.poll(0))
        while 1 not in outcomes:
            outcomes.update(pool.poll(1.0))
        assert outcomes[1].kind == OK and outcomes[2].kind == 3  # NOT_STARTED
    finally:
        pool.shutdown(cancel=True)
    assert pool_children() == []


def test_the_interpreter_exits_promptly_after_a_timeout(tmp_path: Path) -> None:
    """No worker is left running a task: the script ends as soon as its run returns."""
    script = tmp_path / "script.py"
    script.write_text(
        textwrap.dedent(
            """
            import time
            from pytest_processes import Process, Task

            def forever():
                time.sleep(60)

            if __name__ == "__main__":
                report = Process([Task("forever", forever, timeout=0.3)]).run(executor="process")
                print(report.entries["forever"].error_type, time.time())
            """
        )
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=60, check=False
    )
    exited = time.time()
    assert done.returncode == 0, done.stderr
    error_type, returned = done.stdout.split()
    assert error_type == "TimeoutError"
    assert exited - float(returned) < 2.0, "the interpreter lingered after the run returned"


def test_ctrl_c_stops_the_run_and_its_workers(tmp_path: Path) -> None:
    """Workers ignore SIGINT; the run gives them its grace period, then kills them."""
    script = tmp_path / "script.py"
    started = tmp_path / "started"
    script.write_text(
        textwrap.dedent(
            f"""
            import multiprocessing, pathlib, time
            from pytest_processes import Process, RunInterrupted, Task

            def forever():
                pathlib.Path({str(started)!r}).write_text("x")
                time.sleep(60)

            if __name__ == "__main__":
                try:
                    Process([Task("forever", forever)]).run(executor="process", grace=0.3)
                except RunInterrupted as exc:
                    print("interrupted:", exc.report.entries["forever"].reason)
                print("children:", len(multiprocessing.active_children()))
            """
        )
    )
    child = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 20
    while not started.exists():
        assert time.monotonic() < deadline, "the task never started"
        time.sleep(0.02)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=20)
    assert "interrupted: interrupted while running" in out, err
    assert "children: 0" in out
