"""Every ``--processes-*`` option is also an ini key, and each report option works from the ini."""

from __future__ import annotations

import json
import re

import pytest
from plugin_helpers import RunProcesses

TASKS = """
    def task_extract():
        return [1, 2]

    def task_load(extract):
        return len(extract)
"""


def _help_names(pytester: pytest.Pytester) -> tuple[set[str], set[str]]:
    """(``--processes-*`` options, ``processes_*`` ini keys) as ``pytest --help`` lists them."""
    text = pytester.runpytest("--help").stdout.str()
    options = set(re.findall(r"^\s+(--processes-[a-z-]+)", text, re.MULTILINE))
    keys = set(re.findall(r"^\s+(processes_[a-z_]+) \(", text, re.MULTILINE))
    return options, keys


def test_every_option_has_an_ini_key(pytester: pytest.Pytester) -> None:
    options, keys = _help_names(pytester)
    assert "--processes-html" in options and "processes_workers" in keys  # the parse found them
    missing = []
    for option in sorted(options):
        key = option.removeprefix("--").replace("-", "_")
        if key not in keys and f"{key}s" not in keys:  # --processes-param: processes_params
            missing.append(option)
    assert not missing, f"options without an ini key: {missing}"


def test_report_paths_from_the_ini_file(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    """``processes_html``/``processes_json`` paths are taken from the ini file's directory."""
    pytester.makeini(
        """
        [pytest]
        processes_html = out/run.html
        processes_json = out/run.json
        """
    )
    pytester.makepyfile(tasks_etl=TASKS)
    started_in = pytester.mkdir("elsewhere")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(started_in)
        result = pytester.runpytest("--processes", "--rootdir", str(pytester.path), "..")
    result.assert_outcomes(passed=2)
    data = json.loads((pytester.path / "out" / "run.json").read_text(encoding="utf-8"))
    assert data["entries"]["load"]["result"] == 2
    assert "<html" in (pytester.path / "out" / "run.html").read_text(encoding="utf-8")


def test_command_line_path_wins_over_the_ini(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makeini("[pytest]\nprocesses_json = from-ini.json\n")
    pytester.makepyfile(tasks_etl=TASKS)
    run_processes("--processes-json", "from-cli.json").assert_outcomes(passed=2)
    assert (pytester.path / "from-cli.json").is_file()
    assert not (pytester.path / "from-ini.json").exists()


def test_bad_ini_report_path_names_the_ini_key(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makeini("[pytest]\nprocesses_html = out\n")
    pytester.makepyfile(tasks_etl=TASKS)
    pytester.mkdir("out")
    result = run_processes()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*Invalid processes_html path */out: it is a directory*"])


def test_graph_from_the_ini_file(pytester: pytest.Pytester, run_processes: RunProcesses) -> None:
    pytester.makeini("[pytest]\nprocesses_graph = true\n")
    pytester.makepyfile(tasks_etl=TASKS)
    result = run_processes()
    result.stdout.fnmatch_lines(["graph TD", "*extract --> load*"])
    assert "passed" not in result.stdout.str()


def test_resume_from_the_ini_file(pytester: pytest.Pytester, run_processes: RunProcesses) -> None:
    pytester.makepyfile(
        tasks_etl="""
        import os

        def task_extract():
            return [1, 2]

        def task_load(extract):
            assert os.environ.get("LOAD_OK"), "the database is down"
        """
    )
    run_processes("-p", "cacheprovider").assert_outcomes(passed=1, failed=1)
    pytester.makeini("[pytest]\nprocesses_resume = true\n")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LOAD_OK", "1")
        result = run_processes("-v")
    result.stdout.fnmatch_lines(["*::extract RESTORED*", "*::load PASSED*"])
