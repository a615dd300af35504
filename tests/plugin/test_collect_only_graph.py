"""--collect-only and --processes-graph: show the graph, run nothing."""

from __future__ import annotations

import pytest
from plugin_helpers import RunProcesses

#: defined in an order that is not the dependency order
ETL = """
    from pathlib import Path

    def task_report(load, audit):
        Path("ran").write_text("report")

    def task_load(transform):
        Path("ran").write_text("load")

    def task_transform(extract):
        Path("ran").write_text("transform")

    def task_audit(extract):
        Path("ran").write_text("audit")

    def task_extract():
        Path("ran").write_text("extract")
"""


def test_collect_only_lists_tasks_in_dependency_order(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_etl=ETL)
    result = run_processes("--collect-only")
    result.stdout.fnmatch_lines(
        [
            "*<TasksModule tasks_etl.py>",
            "*<TaskItem report>",
            "*tasks in dependency order*",
            "extract",
            "transform  <- extract",
            "audit  <- extract",
            "load  <- transform",
            "report  <- load, audit",
            "*5 tests collected*",
        ]
    )
    assert result.ret == pytest.ExitCode.OK
    assert not (pytester.path / "ran").exists()


def test_collect_only_quiet_lists_node_ids(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_etl=ETL)
    result = run_processes("--collect-only", "-q")
    result.stdout.fnmatch_lines(
        [
            "tasks_etl.py::report",
            "tasks_etl.py::load",
            "tasks_etl.py::transform",
            "tasks_etl.py::audit",
            "tasks_etl.py::extract",
        ]
    )


def test_collect_only_shows_collection_errors(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_bad="def task_a(b):\n    pass\n\ndef task_b(a):\n    pass\n")
    result = run_processes("--collect-only")
    result.stdout.fnmatch_lines(["*cycle: a -> b -> a*", "*1 error*"])
    result.stdout.no_fnmatch_line("*tasks in dependency order*")
    assert result.ret == pytest.ExitCode.INTERRUPTED


def test_graph_prints_mermaid_and_runs_nothing(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_etl=ETL)
    result = run_processes("--processes-graph")
    result.stdout.fnmatch_lines(
        [
            "graph TD",
            '    extract["extract"]',
            '    transform["transform"]',
            '    audit["audit"]',
            '    load["load"]',
            '    report["report"]',
            "    extract --> transform",
            "    extract --> audit",
            "    transform --> load",
            "    load --> report",
            "    audit --> report",
        ]
    )
    assert result.ret == pytest.ExitCode.OK
    assert not (pytester.path / "ran").exists()
