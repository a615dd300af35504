"""Task logfiles: the lines written, the failure context block, sharing and closing."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pytest_processes import ErrorData, Process, Task, TaskDependency

ReadLog = Callable[[Path], list[tuple[str, str]]]


def noop() -> None:
    return None


def fail_with(value: int, factor: int = 2) -> None:
    doubled = value * factor
    raise ValueError(f"bad value {doubled}")


@pytest.mark.parametrize("parallel", [False, True])
def test_successful_task_writes_exactly_two_lines(
    log_path: Path, parallel: bool, read_log: ReadLog, log_line: re.Pattern[str]
) -> None:
    with Process([Task("Load", noop, log_path)]) as process:
        process.run(parallel=parallel)
    lines = log_path.read_text().splitlines()
    assert len(lines) == 2
    assert all(log_line.match(line) for line in lines)
    assert read_log(log_path) == [("INFO", "Starting load."), ("INFO", "Finished load.")]


def test_line_format_names_the_task_logger(log_path: Path, log_line: re.Pattern[str]) -> None:
    task = Task("load", noop, log_path)
    with Process([task]) as process:
        process.run()
    first = log_line.match(log_path.read_text().splitlines()[0])
    assert first is not None
    assert first["logger"] == task.logger.name
    assert "load" in first["logger"]


def test_retry_writes_a_warning_per_failed_attempt(log_path: Path, read_log: ReadLog) -> None:
    attempts = {"n": 0}

    def flaky() -> str:
        attempts["n"] += 1
        if attempts["n"] < 3:
            raise ConnectionError(f"down {attempts['n']}")
        return "up"

    with Process([Task("fetch", flaky, log_path, retries=3)]) as process:
        process.run()
    assert read_log(log_path) == [
        ("INFO", "Starting fetch."),
        ("WARNING", "Attempt 1/4 failed: down 1. Retrying..."),
        ("WARNING", "Attempt 2/4 failed: down 2. Retrying..."),
        ("INFO", "Finished fetch."),
    ]


def test_failure_writes_the_context_block(log_path: Path, log_line: re.Pattern[str]) -> None:
    tasks = [
        Task("calc", fail_with, log_path, args=(21,), kwargs={"factor": 2}),
        Task("b", noop, dependencies=[TaskDependency("calc")]),
        Task("c", noop, dependencies=[TaskDependency("b")]),
    ]
    with Process(tasks) as process:
        report = process.run()
    error = report.entries["calc"].error
    assert error is not None
    lines = log_path.read_text().splitlines()
    assert log_line.match(lines[1]) is not None
    assert lines[1].endswith(" - ERROR - bad value 42")
    assert lines[2:10] == [
        "",
        "Function: fail_with",
        "Args: (21,)",
        "Kwargs: {'factor': 2}",
        "Downstream impact: b, c",
        f"Traced vars location: {error.traced_vars_location}",
        "Traced vars:",
        "  value = 21",
    ]
    assert lines[10:12] == ["  factor = 2", "  doubled = 42"]
    assert lines[12:14] == ["", "Traceback (most recent call last):"]
    assert lines[-1] == "ValueError: bad value 42"
    assert error.traced_vars_location.startswith(__file__ + ":")


def test_failure_without_dependants_or_traced_vars_uses_dashes(log_path: Path) -> None:
    def boom() -> None:
        raise RuntimeError("plain")

    with Process([Task("a", boom, log_path)]) as process:
        process.run()
    text = log_path.read_text()
    assert "Downstream impact: -\n" in text
    assert "Traced vars:" not in text  # boom has no locals


def test_tasks_can_share_a_logfile(log_path: Path, read_log: ReadLog) -> None:
    tasks = [
        Task("a", noop, log_path),
        Task("b", noop, log_path, dependencies=[TaskDependency("a")]),
    ]
    with Process(tasks) as process:
        process.run()
    assert [msg for _, msg in read_log(log_path)] == [
        "Starting a.",
        "Finished a.",
        "Starting b.",
        "Finished b.",
    ]


def test_skipped_task_writes_nothing(tmp_path: Path) -> None:
    def boom() -> None:
        raise ValueError("x")

    skipped_log = tmp_path / "skipped.log"
    tasks = [Task("a", boom), Task("b", noop, skipped_log, dependencies=[TaskDependency("a")])]
    with Process(tasks) as process:
        process.run()
    assert skipped_log.exists()  # opened at construction
    assert skipped_log.read_text() == ""


def test_user_logging_inside_a_task_does_not_reach_the_task_logfile(log_path: Path) -> None:
    def chatty() -> None:
        logging.getLogger("user.code").warning("from the user")

    with Process([Task("a", chatty, log_path)]) as process:
        process.run()
    assert "from the user" not in log_path.read_text()


def test_task_records_propagate_to_the_root_logger(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    Process([Task("a", noop)]).run()
    assert [r.getMessage() for r in caplog.records] == ["Starting a.", "Finished a."]


class Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_error_record_carries_the_task_context() -> None:
    def boom(x: int) -> None:
        raise ValueError("<b>&</b>")

    task = Task("a", boom, args=(1,))
    collector = Collector()
    task.logger.addHandler(collector)
    tasks = [task, Task("b", noop, dependencies=[TaskDependency("a")])]
    with Process(tasks) as process:
        process.run()
    errors = [r for r in collector.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    context: dict[str, Any] = errors[0].task_context  # type: ignore[attr-defined]
    assert set(context) == set(ErrorData.__dataclass_fields__)
    assert len(context) == 9
    assert context["exception"] == "<b>&</b>"  # nothing HTML-escaped
    assert context["function"] == "boom"
    assert context["args"] == (1,)
    assert context["downstream_impact"] == ["b"]
    assert context["traced_vars"] == {"x": "1"}
    assert errors[0].getMessage() == "<b>&</b>"


def test_context_manager_closes_every_handler(log_path: Path) -> None:
    task = Task("a", noop, log_path)
    extra = Collector()
    task.logger.addHandler(extra)
    with Process([task]) as process:
        assert isinstance(process, Process)
        assert len(task.logger.handlers) == 2
    assert task.logger.handlers == []


def test_context_manager_does_not_swallow_exceptions(log_path: Path) -> None:
    task = Task("a", noop, log_path)
    with pytest.raises(KeyError), Process([task]):
        raise KeyError("boom")
    assert task.logger.handlers == []


def test_close_loggers_closes_the_file(log_path: Path) -> None:
    task = Task("a", noop, log_path)
    process = Process([task])
    (handler,) = task.logger.handlers
    assert isinstance(handler, logging.FileHandler)
    process.close_loggers()
    assert handler.stream is None
    assert task.logger.handlers == []
