"""Tasks run only because a selected task needs them are marked where the run is shown."""

from __future__ import annotations

import json
import re

import pytest
from plugin_helpers import RunProcesses

ETL = """
    def task_extract():
        return [1, 2, 3]

    def task_transform(extract):
        return [x * 2 for x in extract]

    def task_load(transform):
        assert transform

    def task_audit(extract):
        pass
"""


def test_mermaid_graph_gives_upstream_tasks_their_own_class(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_etl=ETL)
    lines = run_processes("--processes-graph", "-k", "load").stdout.lines
    assert "    classDef upstream stroke-dasharray: 5 5,fill:#ddf4ff,color:#0969da" in lines
    assert "    class extract,transform upstream" in lines
    assert '    audit["audit"]' not in lines  # neither selected nor needed
    whole = run_processes("--processes-graph").stdout.str()
    assert "classDef upstream" not in whole  # nothing pulled in without a selection


def test_collect_only_marks_upstream_tasks(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_etl=ETL)
    result = run_processes("--collect-only", "-k", "load")
    result.stdout.fnmatch_lines(
        [
            "*tasks in dependency order*",
            "extract  (upstream, not selected)",
            "transform  <- extract  (upstream, not selected)",
            "load  <- transform",
        ]
    )


def test_html_and_json_mark_and_count_upstream_tasks_apart(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_etl=ETL)
    result = run_processes("-k", "load", "--processes-html=run.html", "--processes-json=run.json")
    assert result.ret == pytest.ExitCode.OK
    entries = json.loads((pytester.path / "run.json").read_text())["entries"]
    assert {n: e["selected"] for n, e in entries.items()} == {
        "extract": False,
        "transform": False,
        "load": True,
    }
    page = (pytester.path / "run.html").read_text()
    cards = re.findall(r'<div class="n">([^<]*)</div><div class="l">([^<]*)</div>', page)
    assert cards[:3] == [("1", "tasks selected"), ("1", "passed"), ("0", "failed")]
    assert ("2", "upstream, not selected") in cards
    rows = re.findall(r'<tr class="success" data-status="success"( data-upstream="1")? ', page)
    assert sorted(rows) == ["", ' data-upstream="1"', ' data-upstream="1"']
    assert page.count('<span class="chip upstream">upstream, not selected</span>') == 2
    assert '<option value="upstream">upstream, not selected</option>' in page
