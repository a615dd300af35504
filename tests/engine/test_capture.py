"""run(capture=True): each task's stdout, stderr and log records land in its own result."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from pytest_processes import Process, ProcessExecutionReport, Task, TaskDependency, TaskStatus
from pytest_processes.engine import fdshare
from pytest_processes.engine.capture import split_sections
from pytest_processes.engine.fionread import pipe_waiting


def chatty(name: str, barrier: threading.Barrier | None = None) -> Task:
    def body() -> str:
        print(f"{name} before")
        if barrier is not None:
            barrier.wait()  # both tasks are running at the same time here
        print(f"{name} to stderr", file=sys.stderr)
        logging.getLogger(f"app.{name}").warning("%s logged", name)
        print(f"{name} after")
        return name

    return Task(name, body)


@pytest.mark.parametrize("executor", ["inline", "thread"])
def test_each_task_gets_its_own_output(executor: str) -> None:
    report = Process([chatty("one"), chatty("two")]).run(executor=executor, capture=True)
    for name in ("one", "two"):
        sections = split_sections(report.entries[name].output)
        assert sections["stdout"] == f"{name} before\n{name} after\n"
        assert sections["stderr"] == f"{name} to stderr\n"
        assert sections["log"].startswith(f"WARNING  app.{name}:")
        assert sections["log"].rstrip().endswith(f"{name} logged")


def test_concurrent_tasks_do_not_mix_their_output() -> None:
    barrier = threading.Barrier(2, timeout=5)
    process = Process([chatty("one", barrier), chatty("two", barrier)])
    report = process.run(parallel=True, max_workers=2, capture=True)
    assert report.entries["one"].worker != report.entries["two"].worker
    one, two = report.entries["one"].output, report.entries["two"].output
    assert "one before" in one and "one after" in one and "two" not in one
    assert "two before" in two and "two after" in two and "one" not in two
    assert process.runner.results["one"].output == one


def test_output_of_a_failed_task_is_kept_across_retries() -> None:
    def noisy_failure() -> None:
        print("trying")
        raise ConnectionError("down")

    report = Process([Task("a", noisy_failure, retries=1)]).run(capture=True)
    entry = report.entries["a"]
    assert entry.status is TaskStatus.ERRORED
    assert split_sections(entry.output)["stdout"] == "trying\ntrying\n"


def test_silent_and_skipped_tasks_have_no_output() -> None:
    def boom() -> None:
        raise ValueError("x")

    tasks = [
        Task("quiet", lambda: 1),
        Task("bad", boom),
        Task("after", print, dependencies=[TaskDependency("bad")]),
    ]
    report = Process(tasks).run(capture=True)
    assert report.entries["quiet"].output == ""
    assert report.entries["after"].output == ""


def test_without_capture_output_goes_to_the_real_streams(
    capsys: pytest.CaptureFixture[str],
) -> None:
    report = Process([chatty("one")]).run()
    assert report.entries["one"].output == ""
    captured = capsys.readouterr()
    assert captured.out == "one before\none after\n"
    assert captured.err == "one to stderr\n"


def test_streams_are_restored_after_the_run(capsys: pytest.CaptureFixture[str]) -> None:
    before = (sys.stdout, sys.stderr)
    Process([chatty("one")]).run(parallel=True, capture=True)
    assert (sys.stdout, sys.stderr) == before
    print("after the run")
    assert capsys.readouterr().out == "after the run\n"


def test_output_outside_tasks_passes_through_during_a_run(
    capsys: pytest.CaptureFixture[str],
) -> None:
    started, release = threading.Event(), threading.Event()

    def waits() -> None:
        started.set()
        print("inside")
        release.wait(5)

    def outsider() -> None:
        started.wait(5)
        print("outside")
        release.set()

    helper = threading.Thread(target=outsider)
    helper.start()
    report = Process([Task("w", waits)]).run(parallel=True, capture=True)
    helper.join(5)
    assert split_sections(report.entries["w"].output)["stdout"] == "inside\n"
    assert capsys.readouterr().out == "outside\n"


@pytest.fixture(params=["fionread", "select"])
def pipe_check(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """How shared fds ask whether output waits: FIONREAD (Linux), or the fallback, select."""
    if request.param == "fionread" and pipe_waiting() is None:
        pytest.skip("FIONREAD through ctypes is used on Linux only")
    if request.param == "select":
        monkeypatch.setattr(fdshare, "pipe_waiting", lambda: None)
    return str(request.param)


def test_capture_fd_on_threads_keeps_shared_output_for_the_run(
    tmp_path: Path, junit_schema: Any, pipe_check: str
) -> None:
    both_running = threading.Barrier(2, timeout=10)
    both_wrote = threading.Barrier(2, timeout=10)

    def alone() -> None:
        subprocess.run(["echo", "alone child"], check=True)

    def together(name: str) -> Task:
        def body() -> None:
            both_running.wait()
            os.write(1, f"{name} shared\n".encode())
            both_wrote.wait()

        return Task(name, body, dependencies=[TaskDependency("alone")])

    tasks = [Task("alone", alone), together("left"), together("right")]
    report = Process(tasks).run(executor="thread", max_workers=4, capture="fd")
    assert split_sections(report.entries["alone"].output)["stdout"] == "alone child\n"
    shared = "".join(chunk.text for chunk in report.run_output)
    assert sorted(shared.splitlines()) == ["left shared", "right shared"]
    assert "shared" not in report.entries["left"].output + report.entries["right"].output
    assert "left shared" in report.to_html()
    report.to_junit_xml(tmp_path / "run.xml")
    junit_schema.validate(str(tmp_path / "run.xml"))  # a suite-level system-out is valid
    suite_out = ET.fromstring(report.to_junit_xml().encode()).find("testsuite/system-out")
    assert suite_out is not None and "right shared" in (suite_out.text or "")
    assert ProcessExecutionReport.from_json(report.to_json()).run_output == report.run_output


def test_capture_fd_inline_is_exact_and_the_default_leaves_descriptors_alone(
    capfd: pytest.CaptureFixture[str],
) -> None:
    def body() -> None:
        print("print first")
        os.write(1, b"then the descriptor\n")
        subprocess.run(["sh", "-c", "echo child error >&2"], check=True)

    entry = Process([Task("a", body)]).run(capture="fd").entries["a"]
    sections = split_sections(entry.output)
    assert sections["stdout"] == "print first\nthen the descriptor\n"
    assert sections["stderr"] == "child error\n"
    assert capfd.readouterr() == ("", "")
    entry = Process([Task("a", body)]).run(capture=True).entries["a"]
    assert split_sections(entry.output)["stdout"] == "print first\n"
    assert "then the descriptor" in capfd.readouterr().out


def test_an_inline_task_among_threads_does_not_take_their_descriptor_output() -> None:
    both_running = threading.Barrier(2, timeout=10)
    side_wrote = threading.Event()

    def side() -> None:
        both_running.wait()
        os.write(1, b"from the thread\n")
        side_wrote.set()

    def on_main() -> None:
        both_running.wait()
        assert side_wrote.wait(10)

    tasks = [Task("side", side), Task("main", on_main, executor="inline")]
    report = Process(tasks).run(executor="thread", max_workers=2, capture="fd")
    assert report.entries["main"].status is TaskStatus.SUCCESS, report.entries["main"].output
    assert "from the thread" not in report.entries["main"].output
    assert "from the thread" in "".join(chunk.text for chunk in report.run_output)


@pytest.mark.skipif(pipe_waiting() is None, reason="FIONREAD through ctypes: Linux only")
def test_pipe_waiting_counts_unread_bytes() -> None:
    waiting = pipe_waiting()
    assert waiting is not None
    read_end, write_end = os.pipe()
    try:
        assert waiting(read_end) == 0
        os.write(write_end, b"12345")
        assert waiting(read_end) == 5
        os.read(read_end, 2)
        assert waiting(read_end) == 3
    finally:
        os.close(read_end)
        os.close(write_end)
    assert waiting(-1) is None  # no such descriptor: the caller falls back to select
