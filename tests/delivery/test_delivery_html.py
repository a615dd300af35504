"""``--processes-html``: one self-contained HTML page per run."""

from __future__ import annotations

import json

import pytest
from delivery_helpers import PROCESS_NAME, Hook, RunProcesses


@pytest.mark.usefixtures("red")
def test_html_report_has_every_task_and_status(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    result = run_processes("--processes-html", "reports/run.html")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    path = pytester.path / "reports" / "run.html"
    result.stdout.fnmatch_lines([f"*- generated processes html file: {path} -*"])
    page = path.read_text("utf-8")
    assert PROCESS_NAME in page
    for text in ("extract", "transform", "load", "passed", "failed", "skipped", "bad row 21"):
        assert text in page
    assert page.count("<script") == 1 and "<script>" in page  # its own, inline: no src
    for external in ('src="http', "src='http", 'href="http', "@import", "url(http"):
        assert external not in page
    assert not list(path.parent.glob("*.tmp"))


@pytest.mark.usefixtures("green")
def test_collect_only_writes_no_html(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    result = run_processes("--collect-only", "--processes-html", "run.html")
    assert result.ret == pytest.ExitCode.OK
    assert not (pytester.path / "run.html").exists()
    result.stdout.no_fnmatch_line("*generated processes html file*")


def test_broken_task_file_still_gives_a_report_and_a_failure_notice(
    pytester: pytest.Pytester, hook_server: Hook, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_broken="def task_x(:\n    pass\n")
    result = run_processes("--processes-html", "run.html", "--processes-webhook", hook_server.url)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    page = (pytester.path / "run.html").read_text("utf-8")
    assert "1 error during collection" in page
    (body,) = hook_server.bodies
    assert json.loads(body) == {
        "process_name": PROCESS_NAME,
        "entries": {},
        "interrupted": "1 error during collection",
    }
