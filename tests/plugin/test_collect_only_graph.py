"""--collect-only and --processes-graph: show the graph, run nothing."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

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


#: ETL's tasks in dependency order, independent ones in declaration order
RUN_ORDER = ["extract", "transform", "audit", "load", "report"]


def test_collect_only_quiet_lists_node_ids_in_run_order_only(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    """``--co -q`` is for scripts: node ids in the order the run starts them, nothing else."""
    pytester.makepyfile(tasks_etl=ETL)
    result = run_processes("--collect-only", "-q")
    listed = [line for line in result.stdout.lines if line.strip()][:-1]
    assert listed == [f"tasks_etl.py::{name}" for name in RUN_ORDER]


def test_one_task_order_everywhere(pytester: pytest.Pytester, run_processes: RunProcesses) -> None:
    """``--co -q``, ``--co``, ``-v``, JUnit and the JSON report list tasks in one order."""
    pytester.makepyfile(tasks_etl=ETL, tasks_more="def task_zeta():\n    pass\n")
    order = [f"tasks_etl.py::{name}" for name in RUN_ORDER]
    order.insert(1, "tasks_more.py::zeta")  # a root: starts with extract, before its dependants
    quiet = run_processes("--collect-only", "-q").stdout.lines[: len(order)]
    assert quiet == order
    tree = run_processes("--collect-only").stdout.str()
    positions = [tree.index(f"<TaskItem {nodeid.split('::')[1]}>") for nodeid in order]
    assert positions == sorted(positions)
    run = run_processes(
        "-v", "--processes-workers=1", "--junitxml=junit.xml", "--processes-json=run.json"
    )
    passed = [line.split()[0] for line in run.stdout.lines if line.endswith("%]")]
    assert passed == order
    cases = ET.parse(pytester.path / "junit.xml").getroot().iter("testcase")
    assert [c.get("name") for c in cases] == [nodeid.split("::")[1] for nodeid in order]
    entries = json.loads((pytester.path / "run.json").read_text(encoding="utf-8"))["entries"]
    assert list(entries) == [nodeid.split("::")[1] for nodeid in order]


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
