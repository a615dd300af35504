"""report.notify(): when channels are called, with what, and what a failing channel does."""

from __future__ import annotations

import warnings

import pytest

from pytest_processes import Process, ProcessExecutionReport, ReportChannel, Task, TaskDependency


class Recorder(ReportChannel):
    def __init__(self) -> None:
        self.sent: list[tuple[ProcessExecutionReport, bool]] = []

    def send_report(self, report: ProcessExecutionReport, *, errors_only: bool) -> None:
        self.sent.append((report, errors_only))


class Broken(ReportChannel):
    def send_report(self, report: ProcessExecutionReport, *, errors_only: bool) -> None:
        raise ConnectionRefusedError("smtp down")


def noop() -> None:
    return None


def boom() -> None:
    raise ValueError("x")


@pytest.fixture
def clean_report() -> ProcessExecutionReport:
    return Process([Task("a", noop), Task("b", noop)]).run()


@pytest.fixture
def failed_report() -> ProcessExecutionReport:
    return Process(
        [
            Task("Load", boom),
            Task("extract", noop),
            Task("c", noop, dependencies=[TaskDependency("load")]),
        ]
    ).run()


def test_every_channel_gets_the_report_in_order(failed_report: ProcessExecutionReport) -> None:
    calls: list[str] = []

    class Named(Recorder):
        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

        def send_report(self, report: ProcessExecutionReport, *, errors_only: bool) -> None:
            calls.append(self.name)
            super().send_report(report, errors_only=errors_only)

    first, second = Named("first"), Named("second")
    failed_report.notify(first, second)
    assert calls == ["first", "second"]
    assert first.sent == [(failed_report, False)]  # the report object itself


def test_only_errors_without_errors_sends_nothing(clean_report: ProcessExecutionReport) -> None:
    channel = Recorder()
    clean_report.notify(channel, only_errors=True)
    assert channel.sent == []


def test_only_errors_with_errors_lets_the_channel_filter(
    failed_report: ProcessExecutionReport,
) -> None:
    channel = Recorder()
    failed_report.notify(channel, only_errors=True)
    assert channel.sent == [(failed_report, True)]


def test_tasks_filter_sends_a_restricted_report(failed_report: ProcessExecutionReport) -> None:
    channel = Recorder()
    failed_report.notify(channel, tasks=["LOAD", "c", "unknown"])
    ((sent, errors_only),) = channel.sent
    assert list(sent.entries) == ["load", "c"]
    assert sent.process_name == failed_report.process_name
    assert not errors_only
    assert list(failed_report.entries) == ["load", "extract", "c"]  # unchanged


def test_empty_tasks_filter_sends_an_empty_report(failed_report: ProcessExecutionReport) -> None:
    channel = Recorder()
    failed_report.notify(channel, tasks=[])
    assert channel.sent[0][0].entries == {}


def test_only_errors_counts_the_whole_report_before_the_tasks_filter(
    failed_report: ProcessExecutionReport,
) -> None:
    channel = Recorder()
    failed_report.notify(channel, only_errors=True, tasks=["extract"])
    ((sent, errors_only),) = channel.sent
    assert list(sent.entries) == ["extract"]
    assert errors_only


def test_failing_channel_warns_and_the_next_still_runs(
    failed_report: ProcessExecutionReport,
) -> None:
    after = Recorder()
    with pytest.warns(UserWarning, match="^Broken failed to send report: smtp down$"):
        failed_report.notify(Broken(), after)
    assert len(after.sent) == 1


def test_failing_channel_is_silent_without_warnings(failed_report: ProcessExecutionReport) -> None:
    after = Recorder()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        failed_report.notify(Broken(), after, show_warnings=False)
    assert len(after.sent) == 1


def test_notify_without_channels_does_nothing(failed_report: ProcessExecutionReport) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        failed_report.notify()


def test_report_channel_is_abstract() -> None:
    with pytest.raises(TypeError):
        ReportChannel()  # type: ignore[abstract]
