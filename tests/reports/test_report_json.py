"""``to_json`` / ``from_json``: a report survives the trip with its types."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable

import pytest

from pytest_processes.error_data import ErrorData
from pytest_processes.execution_report import ProcessExecutionReport, TaskReportEntry
from pytest_processes.model.execution_report import OutputChunk
from pytest_processes.model.task_types import AttemptRecord
from pytest_processes.reports.json_io import ReportJSONError, report_from_json
from pytest_processes.task_types import TaskStatus

EntryFactory = Callable[..., TaskReportEntry]
ReportFactory = Callable[..., ProcessExecutionReport]


class Opaque:
    def __repr__(self) -> str:
        return "<Opaque thing>"


def test_round_trip_keeps_everything(sample_report: ProcessExecutionReport) -> None:
    back = ProcessExecutionReport.from_json(sample_report.to_json())
    assert back == sample_report
    assert list(back.entries) == list(sample_report.entries)  # topological order kept
    transform = back.entries["transform"]
    assert transform.status is TaskStatus.ERRORED
    assert isinstance(transform.error, ErrorData)
    assert transform.error.args == ("2026-06-01",) and isinstance(transform.error.args, tuple)
    assert transform.error.downstream_impact == ["load", "publish"]
    assert transform.dependencies == ("extract", "fetch_rates")
    assert transform.attempts == 2 and transform.error_type == "ValueError"
    assert back.entries["load"].reason == "upstream failed: 'transform'"
    assert back.started_at == sample_report.started_at
    assert back.finished_at == sample_report.finished_at


def test_args_come_back_as_tuples_and_reprs_stay_strings(
    make_entry: EntryFactory, make_report: ReportFactory
) -> None:
    entry = make_entry("a", args=(1, "x", (2, 3)), kwargs={"when": Opaque()}, result=Opaque())
    back = report_from_json(make_report(entry).to_json(indent=2)).entries["a"]
    assert back.args == (
        1,
        "x",
        [2, 3],
    )  # top level is a tuple again; nested JSON arrays stay lists
    assert back.kwargs == {"when": "<Opaque thing>"}
    assert back.result == "<Opaque thing>"


def test_statuses_timings_and_interrupted(
    make_entry: EntryFactory, make_report: ReportFactory
) -> None:
    report = make_report(
        make_entry("ok", elapsed=1.5, start=0.0, worker="w1", output="hello\n", result={"n": 1}),
        make_entry("wait", "pending"),
        interrupted="SIGTERM",
    )
    back = report_from_json(report.to_json())
    assert back.interrupted == "SIGTERM"
    assert back.entries["wait"].status is TaskStatus.PENDING
    ok = back.entries["ok"]
    assert (ok.elapsed_seconds, ok.worker, ok.output, ok.result) == (1.5, "w1", "hello\n", {"n": 1})
    assert ok.finished_at is not None and ok.started_at is not None
    assert ok.finished_at - ok.started_at == pytest.approx(1.5)


def test_empty_report_round_trips() -> None:
    assert (
        ProcessExecutionReport.from_json(ProcessExecutionReport().to_json())
        == ProcessExecutionReport()
    )


def test_reads_processes_own_json_shape() -> None:
    """processes 7.0.4 writes only the 9 entry fields and process_name."""
    text = json.dumps(
        {
            "entries": {
                "a": {
                    "name": "a",
                    "function": "f",
                    "args": [1],
                    "kwargs": {},
                    "status": "errored",
                    "elapsed_seconds": 0.5,
                    "attempts": 1,
                    "result": None,
                    "error": {
                        "task_name": "a",
                        "function": "f",
                        "args": [1],
                        "kwargs": {},
                        "downstream_impact": ["b"],
                        "exception": "x",
                        "traceback_str": "tb",
                        "traced_vars": {},
                        "traced_vars_location": "",
                    },
                }
            },
            "process_name": "p",
        }
    )
    report = report_from_json(text)
    entry = report.entries["a"]
    assert entry.status is TaskStatus.ERRORED and entry.args == (1,)
    assert entry.error == ErrorData(
        task_name="a",
        function="f",
        args=(1,),
        downstream_impact=["b"],
        exception="x",
        traceback_str="tb",
    )
    assert entry.dependencies == () and entry.started_at is None and report.interrupted == ""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "not valid JSON"),
        ("[]", "the document must be dict"),
        ("{}", "no 'entries' key"),
        (
            '{"entries": {"a": {"status": "exploded"}}}',
            "entries['a'].status 'exploded' is not one of",
        ),
        (
            '{"entries": {"a": {"status": "success", "attempts": "1"}}}',
            "entries['a'].attempts must be int",
        ),
        (
            '{"entries": {"a": {"status": "success", "error": []}}}',
            "entries['a'].error must be dict",
        ),
    ],
)
def test_bad_documents_name_the_problem(text: str, message: str) -> None:
    with pytest.raises(ReportJSONError, match=message.replace("[", r"\[").replace("]", r"\]")):
        report_from_json(text)


def test_upstream_not_selected_survives_the_trip(
    make_entry: EntryFactory, make_report: ReportFactory
) -> None:
    report = make_report(make_entry("extract"), make_entry("load", deps=("extract",)))
    marked = report.with_unselected(["extract"])
    data = json.loads(marked.to_json())
    assert [e["selected"] for e in data["entries"].values()] == [False, True]  # once per entry
    back = report_from_json(marked.to_json())
    assert back == marked and not back.entries["extract"].selected
    del data["entries"]["extract"]["selected"]  # a report from before the field: selected
    assert report_from_json(json.dumps(data)).entries["extract"].selected


def test_every_field_is_read_back_by_its_type(make_report: ReportFactory) -> None:
    """Reading is driven by the fields: a value differing from each default survives the trip."""
    record = AttemptRecord(3, "failed", 5.0, 0.5, "w", "E", "m", "tb")
    error = ErrorData("t", "f", (1,), {"k": "v"}, ["d"], "x", "tb", {"v": "1"}, "f.py:1")
    values = {
        f.name: f"v-{f.name}"
        for f in dataclasses.fields(TaskReportEntry)
        if str(f.type) in ("str", "Any | None")
    }
    entry = TaskReportEntry(
        **values,
        args=(1,),
        kwargs={"k": 1},
        status=TaskStatus.ERRORED,
        elapsed_seconds=1.5,
        attempts=3,
        error=error,
        started_at=1.0,
        finished_at=2.5,
        dependencies=("up",),
        selected=False,
        attempt_history=(record,),
    )
    chunk = OutputChunk(7.0, "stderr", "text")
    report = dataclasses.replace(make_report(entry), run_output=(chunk,))
    back = report_from_json(report.to_json())
    assert back == report
    assert all(
        getattr(back.entries[entry.name], f.name) != f.default
        for f in dataclasses.fields(TaskReportEntry)
        if f.default is not dataclasses.MISSING
    )
