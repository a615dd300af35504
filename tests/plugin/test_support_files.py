"""Upstream tasks in task files the command line did not name: collected and run as support."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from plugin_helpers import RunProcesses

#: each task appends its name to ran.txt in the rootdir, so a test sees what really ran
EXTRACT = """
    from pathlib import Path

    def task_extract():
        with Path(__file__).parent.joinpath("ran.txt").open("a") as f:
            f.write("extract\\n")
        return 1
"""

LOAD = """
    from pathlib import Path

    def task_load(extract):
        assert extract == 1
        with Path(__file__).parent.joinpath("ran.txt").open("a") as f:
            f.write("load\\n")
"""


def ran(root: Path) -> list[str]:
    """Names of the tasks that ran (and forget them for the next run)."""
    path = root / "ran.txt"
    names = sorted(path.read_text().split()) if path.exists() else []
    path.unlink(missing_ok=True)
    return names


def test_node_id_runs_like_a_deselecting_run_of_both_files(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_a=EXTRACT, tasks_b=LOAD)
    both = run_processes("-k", "load", "-v")
    assert ran(pytester.path) == ["extract", "load"]
    one = run_processes("tasks_b.py::load", "-v")
    assert ran(pytester.path) == ["extract", "load"]
    for result in (both, one):
        result.stdout.fnmatch_lines(
            [
                "processes: also running 1 upstream task(s) that were not selected: extract",
                "tasks_b.py::load PASSED*",
            ]
        )
        result.stdout.no_fnmatch_line("*tasks_a.py::extract*")
    assert one.ret == both.ret == pytest.ExitCode.OK
    one.assert_outcomes(passed=1)
    both.assert_outcomes(passed=1, deselected=1)


def test_failing_upstream_in_a_file_not_given_skips_the_selected_task(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_a="def task_extract():\n    raise ConnectionError('source down')\n", tasks_b=LOAD
    )
    result = run_processes("tasks_b.py", "-rs")
    result.stdout.fnmatch_lines_random(
        [
            "SKIPPED [1] tasks_b.py:3: upstream failed: 'extract'",
            "processes: upstream task 'extract' (not selected) failed: ConnectionError: source *",
        ]
    )
    result.assert_outcomes(skipped=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_directory_argument_finds_upstream_elsewhere_under_the_rootdir(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makeini("[pytest]\n")
    pytester.mkpydir("shared").joinpath("tasks_common.py").write_text(
        "import pytest\n\n@pytest.fixture\ndef unused(): pass\n\ndef task_extract(source):\n"
        "    return source\n"
    )
    pytester.path.joinpath("shared", "conftest.py").write_text(
        "import pytest\n\n@pytest.fixture\ndef source():\n    return 1\n"
    )
    jobs = pytester.mkdir("jobs")
    jobs.joinpath("tasks_nightly.py").write_text(
        "def task_load(extract):\n    assert extract == 1\n"
    )
    result = run_processes("jobs")
    result.stdout.fnmatch_lines(["*also running 1 upstream task(s)*: extract"])
    result.assert_outcomes(passed=1)


def test_collect_only_counts_the_selection_and_marks_upstream(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_a=EXTRACT, tasks_b=LOAD, tasks_c="def task_other():\n    pass\n")
    result = run_processes("tasks_b.py", "--collect-only")
    result.stdout.fnmatch_lines(
        [
            "*tasks in dependency order*",
            "extract  (upstream, not selected)",
            "load  <- extract",
            "*1 test collected*",
        ]
    )
    result.stdout.no_fnmatch_line("other*")
    result.stdout.no_fnmatch_line("*TasksModule tasks_a.py*")
    assert ran(pytester.path) == []


def test_graph_shows_what_the_selection_runs(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_a=EXTRACT, tasks_b=LOAD, tasks_c="def task_other():\n    pass\n")
    result = run_processes("tasks_b.py", "--processes-graph")
    lines = [line.strip() for line in result.stdout.lines]
    assert 'extract["extract"]' in lines
    assert "extract --> load" in lines
    assert not any("other" in line for line in lines)


def test_broken_file_that_no_selected_task_needs_is_left_out_and_named(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_a=EXTRACT,
        tasks_b=LOAD,
        tasks_broken="import not_a_module_here\n",
        tasks_unsound="def task_odd(nothing_by_that_name):\n    pass\n",
    )
    result = run_processes("tasks_b.py")
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines_random(
        [
            "processes: left out tasks_broken.py, which no selected task needs: "
            "ModuleNotFoundError: No module named 'not_a_module_here'",
            "processes: left out tasks_unsound.py, which no selected task needs: "
            "tasks_unsound.py:1: task 'odd' has parameter 'nothing_by_that_name'*",
        ]
    )
    assert ran(pytester.path) == ["extract", "load"]


def test_broken_upstream_in_a_file_not_given_is_a_collection_error(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_a="def task_extract(nothing_by_that_name):\n    return 1\n", tasks_b=LOAD
    )
    result = run_processes("tasks_b.py")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(
        [
            "*ERROR collecting tasks_a.py*",
            "tasks_a.py:1: task 'extract' has parameter 'nothing_by_that_name'*",
            "*Interrupted: 1 error during collection*",
        ]
    )
    assert ran(pytester.path) == []


def test_file_that_does_not_import_is_reported_when_a_selected_task_misses_a_name(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    broken = "import not_a_module_here\n" + textwrap.dedent(EXTRACT)
    pytester.makepyfile(tasks_a=broken, tasks_b=LOAD)
    result = run_processes("tasks_b.py")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines_random(
        [
            "*ERROR collecting tasks_a.py*",
            "E   ModuleNotFoundError: No module named 'not_a_module_here'",
            "*ERROR collecting tasks_b.py*",
            "tasks_b.py:3: task 'load' has parameter 'extract' that names no task*",
        ]
    )


def test_two_tasks_with_one_name_across_given_and_not_given_files(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_a=EXTRACT, tasks_b=LOAD, tasks_c=EXTRACT)
    result = run_processes("tasks_b.py", "tasks_a.py")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*two tasks are named 'extract': tasks_a.py:3 and tasks_c.py:3*"])
    result.stdout.no_fnmatch_line("processes: left out*")


@pytest.mark.parametrize(
    ("ini", "args"),
    [
        ("[pytest]\nnorecursedirs = other\n", []),
        ("[pytest]\n", ["--ignore=other"]),
        ("[pytest]\n", ["--ignore-glob=other/*"]),
        ("[pytest]\ntestpaths = jobs\n", []),
    ],
    ids=["norecursedirs", "ignore", "ignore-glob", "testpaths"],
)
def test_files_pytest_would_not_collect_are_not_searched(
    pytester: pytest.Pytester, run_processes: RunProcesses, ini: str, args: list[str]
) -> None:
    pytester.makeini(ini)
    pytester.mkdir("other").joinpath("tasks_a.py").write_text("def task_extract():\n    return 1\n")
    pytester.mkdir("jobs").joinpath("tasks_b.py").write_text("def task_load(extract):\n    pass\n")
    result = run_processes("jobs/tasks_b.py", *args)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*task 'load' has parameter 'extract' that names no task*"])


def test_processes_files_pattern_applies_to_files_not_given(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makeini("[pytest]\nprocesses_files = jobs_*.py\n")
    pytester.makepyfile(jobs_a=EXTRACT, jobs_b=LOAD, tasks_c="import not_a_module_here\n")
    result = run_processes("jobs_b.py")
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*not_a_module_here*")


def test_directories_without_task_files_are_not_entered(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makeini("[pytest]\n")
    pytester.makepyfile(tasks_a=EXTRACT, tasks_b=LOAD)
    unit = pytester.mkdir("unit")
    unit.joinpath("conftest.py").write_text("raise ImportError('a conftest of tests only')\n")
    unit.joinpath("test_x.py").write_text("def test_x():\n    pass\n")
    result = run_processes("tasks_b.py")
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*a conftest of tests only*")


def test_directory_whose_conftest_fails_is_left_out_when_not_needed(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makeini("[pytest]\n")
    pytester.makepyfile(tasks_a=EXTRACT, tasks_b=LOAD)
    other = pytester.mkdir("other")
    other.joinpath("conftest.py").write_text("raise ImportError('broken conftest')\n")
    other.joinpath("tasks_other.py").write_text("def task_other():\n    pass\n")
    result = run_processes("tasks_b.py")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        ["processes: left out other, which no selected task needs: *ImportError: broken conftest"]
    )
