"""Each task's stdout, stderr and logging are its own, even when tasks print at once."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from plugin_helpers import RunProcesses

#: two tasks that print, write to stderr and log 30 lines each, at the same moment
TWO_AT_ONCE = """
    import logging
    import sys
    import threading

    BOTH_RUNNING = threading.Barrier(2, timeout=10)
    log = logging.getLogger("etl")

    def chatter(name):
        BOTH_RUNNING.wait()
        for i in range(30):
            print(f"{name}-out {i}")
            print(f"{name}-err {i}", file=sys.stderr)
            log.warning(f"{name}-log {i}")

    def task_left():
        chatter("left")
        raise ValueError("left failed")

    def task_right():
        chatter("right")
        raise ValueError("right failed")
"""


def _separator(line: str) -> bool:
    """A pytest separator line; one whose title is wider than the terminal is ``- title -``."""
    squeezed = line.startswith("- ") and line.endswith(" -")
    return line.startswith(("---", "___", "===")) or squeezed


def section(lines: list[str], title: str, task: str) -> list[str]:
    """The lines of the ``title`` section (e.g. "Captured stdout call") of ``task``'s report."""
    start = next(
        i for i, line in enumerate(lines) if f" task {task} " in line and line.startswith("_")
    )
    begin = next(i for i in range(start, len(lines)) if f" {title} " in lines[i]) + 1
    end = begin
    while end < len(lines) and not _separator(lines[end]):
        end += 1
    return lines[begin:end]


def test_parallel_tasks_capture_their_own_output(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_cap=TWO_AT_ONCE)
    result = run_processes("--processes-workers", "2")
    result.assert_outcomes(failed=2)
    lines = result.stdout.lines
    for task in ("left", "right"):
        assert section(lines, "Captured stdout call", task) == [
            f"{task}-out {i}" for i in range(30)
        ]
        assert section(lines, "Captured stderr call", task) == [
            f"{task}-err {i}" for i in range(30)
        ]
        log = section(lines, "Captured log call", task)
        assert [line.split()[-1] for line in log] == [str(i) for i in range(30)]
        assert all(f"{task}-log" in line and line.startswith("WARNING") for line in log)


def test_output_of_a_passing_task_is_not_shown(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_quiet="def task_a():\n    print('SHOULD NOT APPEAR')\n")
    result = run_processes()
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*SHOULD NOT APPEAR*")


def test_rP_shows_output_of_passing_tasks(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_quiet="def task_a():\n    print('hello from a')\n")
    result = run_processes("-rP")
    result.stdout.fnmatch_lines(["*PASSES*", "*Captured stdout call*", "hello from a"])


def test_dash_s_disables_capture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        tasks_loud="""
        def task_a():
            print("LOUD OUTPUT")
            raise ValueError("boom")
        """
    )
    result = pytester.runpytest_subprocess("--processes", "-s", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*LOUD OUTPUT*"])
    result.stdout.no_fnmatch_line("*Captured stdout call*")


@pytest.mark.parametrize(
    "options", [["-o", "junit_logging=system-out"], []], ids=["system-out", "default"]
)
def test_junit_system_out_per_task(
    pytester: pytest.Pytester,
    run_processes: RunProcesses,
    junit_schema: object,
    options: list[str],
) -> None:
    pytester.makepyfile(tasks_cap=TWO_AT_ONCE)
    result = run_processes("--processes-workers", "2", "--junitxml=out.xml", *options)
    result.assert_outcomes(failed=2)
    junit_schema.validate(str(pytester.path / "out.xml"))  # type: ignore[attr-defined]
    root = ET.parse(pytester.path / "out.xml").getroot()
    for case in root.iter("testcase"):
        name = case.get("name")
        out = case.find("system-out")
        assert out is not None and out.text is not None
        lines = [line for line in out.text.splitlines() if line and not line.startswith("---")]
        assert lines == [f"{name}-out {i}" for i in range(30)]


def test_junit_logging_no_is_respected(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_cap="def task_a():\n    print('x')\n    raise ValueError\n")
    run_processes("--junitxml=out.xml", "-o", "junit_logging=no")
    assert (pytester.path / "out.xml").read_text().count("system-out") == 0


def test_junit_logging_all_has_stderr_and_log(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_cap=TWO_AT_ONCE)
    run_processes("--processes-workers", "2", "--junitxml=out.xml", "-o", "junit_logging=all")
    root = ET.parse(pytester.path / "out.xml").getroot()
    case = next(c for c in root.iter("testcase") if c.get("name") == "left")
    out, err = case.find("system-out"), case.find("system-err")
    assert out is not None and out.text is not None and err is not None and err.text
    assert "left-log 29" in out.text and "right" not in out.text
    assert "left-err 29" in err.text and "right" not in err.text


#: prints ``lines`` numbered lines (17 bytes each), and to stderr a few, then fails
LOUD = """
    import sys

    def task_loud():
        for i in range({lines}):
            print(f"line {{i:011d}}")
        print("err tail", file=sys.stderr)
        raise ValueError("loud failure")

    def task_quiet():
        print("short and whole")
"""


def _system_out(pytester: pytest.Pytester, name: str) -> str:
    root = ET.parse(pytester.path / "out.xml").getroot()
    case = next(c for c in root.iter("testcase") if c.get("name") == name)
    return "".join(out.text or "" for out in case.iter("system-out"))


def test_junit_output_is_capped_per_task_and_says_where_the_rest_is(
    pytester: pytest.Pytester, run_processes: RunProcesses, junit_schema: object
) -> None:
    pytester.makepyfile(tasks_loud=LOUD.format(lines=1000))  # 17,000 bytes of stdout
    pytester.makeini("[pytest]\nprocesses_junit_output_limit = 2 KB\n")
    result = run_processes(
        "--junitxml=out.xml", "--processes-json=out.json", "-o", "junit_logging=all"
    )
    result.assert_outcomes(failed=1, passed=1)
    junit_schema.validate(str(pytester.path / "out.xml"))  # type: ignore[attr-defined]
    text = _system_out(pytester, "loud")
    assert "line 00000000999" in text and "line 00000000000" not in text  # the end is kept
    cut = 17000 - 2048
    assert (
        f"[pytest-processes: the first 14.6 KB ({cut} bytes) of this output were cut to keep "
        "the last 2.0 KB (processes_junit_output_limit); the full output is in the JSON "
        "report out.json]"
    ) in text
    assert len(text.encode()) < 2048 + 400  # the kept tail, the note and pytest's headers
    assert "short and whole" in _system_out(pytester, "quiet")
    data = json.loads((pytester.path / "out.json").read_text())  # the JSON keeps everything
    assert data["entries"]["loud"]["output"].count("line ") == 1000
    result.stdout.fnmatch_lines(["line 00000000000", "*line 00000000999"])  # so does the terminal


def test_junit_output_cap_defaults_to_one_megabyte(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_loud=LOUD.format(lines=70_000))  # 1.19 MB of stdout
    run_processes("--junitxml=out.xml")
    text = _system_out(pytester, "loud")
    assert "line 00000069999" in text and "line 00000000000" not in text
    assert f"({70_000 * 17 - 1024**2} bytes) of this output were cut" in text
    assert "(pass --processes-json PATH to write it)" in text
    assert len(text.encode()) < 1024**2 + 400


def test_junit_output_limit_zero_keeps_all(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_loud=LOUD.format(lines=70_000))
    pytester.makeini("[pytest]\nprocesses_junit_output_limit = 0\n")
    run_processes("--junitxml=out.xml")
    text = _system_out(pytester, "loud")
    assert text.count("line ") == 70_000 and "were cut" not in text


def test_a_bad_junit_output_limit_is_a_usage_error(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_loud=LOUD.format(lines=1))
    pytester.makeini("[pytest]\nprocesses_junit_output_limit = lots\n")
    result = run_processes("--junitxml=out.xml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*Invalid processes_junit_output_limit 'lots' in the config file: expected a size*"]
    )
