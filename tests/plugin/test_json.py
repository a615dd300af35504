"""--processes-json: the library's report document, versioned, with timings and node ids."""

from __future__ import annotations

import json
from typing import Any

import pytest
from plugin_helpers import RunProcesses

from pytest_processes import ProcessExecutionReport, TaskStatus

ETL = """
    def task_extract():
        print("extracting")
        return [1, 2]

    def task_transform(extract):
        raise ValueError("bad rows")

    def task_load(transform):
        pass

    def task_audit(extract):
        return len(extract)
"""


def load(pytester: pytest.Pytester, name: str = "reports/run.json") -> dict[str, Any]:
    data: dict[str, Any] = json.loads((pytester.path / name).read_text(encoding="utf-8"))
    return data


def test_json_document(pytester: pytest.Pytester, run_processes: RunProcesses) -> None:
    pytester.makepyfile(tasks_etl=ETL)
    result = run_processes("--processes-json", "reports/run.json")
    path = pytester.path / "reports" / "run.json"
    result.stdout.fnmatch_lines([f"*generated processes json file: {path} -*"])
    data = load(pytester)
    assert data["schema_version"] == 1
    assert set(data) >= {"entries", "process_name", "started_at", "finished_at", "nodeids"}
    assert data["process_name"] == pytester.path.name
    entries = data["entries"]
    assert {name: e["status"] for name, e in entries.items()} == {
        "extract": "success",
        "transform": "errored",
        "load": "skipped",
        "audit": "success",
    }
    assert entries["extract"]["result"] == [1, 2]
    assert "extracting" in entries["extract"]["output"]
    assert entries["transform"]["error"]["exception"] == "bad rows"
    assert entries["transform"]["error_type"] == "ValueError"
    assert entries["load"]["reason"] == "upstream failed: 'transform'"
    assert entries["audit"]["dependencies"] == ["extract"]
    for name in ("extract", "transform", "audit"):
        entry = entries[name]
        assert data["started_at"] <= entry["started_at"] <= entry["finished_at"]
        assert entry["finished_at"] <= data["finished_at"]
        assert entry["attempts"] == 1
    assert entries["load"]["started_at"] is None and entries["load"]["attempts"] == 0
    assert data["nodeids"] == {
        "extract": "tasks_etl.py::extract",
        "transform": "tasks_etl.py::transform",
        "load": "tasks_etl.py::load",
        "audit": "tasks_etl.py::audit",
    }


def test_json_reads_back_with_the_library(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_etl=ETL)
    run_processes("--processes-json", "reports/run.json")
    text = (pytester.path / "reports/run.json").read_text(encoding="utf-8")
    report = ProcessExecutionReport.from_json(text)
    assert report.entries["transform"].status is TaskStatus.ERRORED
    assert report.entries["audit"].result == 2


def test_json_includes_unselected_upstream_tasks(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_etl=ETL)
    run_processes("--processes-json", "reports/run.json", "-k", "audit")
    entries = load(pytester)["entries"]
    assert set(entries) == {"extract", "audit"}


def test_json_name_from_ini(pytester: pytest.Pytester, run_processes: RunProcesses) -> None:
    pytester.makeini("[pytest]\nprocesses_name = nightly etl\n")
    pytester.makepyfile(tasks_etl=ETL)
    run_processes("--processes-json", "reports/run.json")
    assert load(pytester)["process_name"] == "nightly etl"


def test_no_json_without_the_option(pytester: pytest.Pytester, run_processes: RunProcesses) -> None:
    pytester.makepyfile(tasks_etl=ETL)
    result = run_processes()
    result.stdout.no_fnmatch_line("*generated processes json*")
    written = [p for p in pytester.path.rglob("*.json") if ".pytest_cache" not in p.parts]
    assert not written


def test_no_json_after_a_collection_error(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_bad="def task_a(nothing):\n    pass\n")
    result = run_processes("--processes-json", "run.json")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    assert not (pytester.path / "run.json").exists()
