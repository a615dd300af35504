"""Output a task writes below ``sys.stdout`` (a child process, ``os.write``, the byte buffer).

With pytest's default ``--capture=fd`` it belongs to the task, as a test's does,
where descriptors can be told apart: the process executor and one worker. The
byte buffers go to the writing task on every executor. Run in a subprocess:
descriptors 1 and 2 are the point.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from test_output_capture import section

#: a task per way of writing below ``print``, each failing so its output is shown
BELOW_PRINT = """
    import os
    import subprocess
    import sys

    def task_child():
        subprocess.run(["echo", "CHILD-OUT"], check=True)
        subprocess.run(["sh", "-c", "echo CHILD-ERR >&2"], check=True)
        raise ValueError("child")

    def task_oswrite():
        print("PRINT-BEFORE")
        os.write(1, b"OSWRITE-OUT\\n")
        os.write(2, b"OSWRITE-ERR\\n")
        print("PRINT-AFTER")
        raise ValueError("oswrite")

    def task_buffer():
        sys.stdout.buffer.write(b"BUFFER-OUT\\n")
        sys.stdout.buffer.flush()
        sys.stderr.buffer.write(b"BUFFER-ERR\\n")
        raise ValueError("buffer")
"""

EXACT = {
    "child": (["CHILD-OUT"], ["CHILD-ERR"]),
    "oswrite": (["PRINT-BEFORE", "OSWRITE-OUT", "PRINT-AFTER"], ["OSWRITE-ERR"]),
    "buffer": (["BUFFER-OUT"], ["BUFFER-ERR"]),
}
MARKERS = ("CHILD-OUT", "CHILD-ERR", "OSWRITE-OUT", "OSWRITE-ERR", "BUFFER-OUT", "BUFFER-ERR")


def shown(lines: list[str], marker: str) -> int:
    """How many lines show ``marker`` other than the task's source in a traceback."""
    return sum(marker in line and '"' not in line for line in lines)


def run(pytester: pytest.Pytester, *args: str) -> tuple[list[str], dict[str, str]]:
    """Run the three tasks; the output lines (stdout then stderr) and each task's JSON output."""
    pytester.makepyfile(tasks_below=BELOW_PRINT)
    result = pytester.runpytest_subprocess("--processes", "--processes-json=out.json", *args)
    result.assert_outcomes(failed=3)
    entries = json.loads((pytester.path / "out.json").read_text())["entries"]
    return result.stdout.lines + result.stderr.lines, {
        name: entry["output"] for name, entry in entries.items()
    }


@pytest.mark.parametrize(
    "args",
    [("--processes-workers", "1"), ("--processes-executor", "process")],
    ids=["one-worker", "process"],
)
def test_descriptor_output_belongs_to_its_task(
    pytester: pytest.Pytester, args: tuple[str, ...]
) -> None:
    lines, outputs = run(pytester, *args)
    for task, (out, err) in EXACT.items():
        assert section(lines, "Captured stdout call", task) == out
        assert section(lines, "Captured stderr call", task) == err
        assert all(marker in outputs[task] for marker in out + err)
    for marker in MARKERS:  # once, in its task's section: never on the terminal
        assert shown(lines, marker) == 1, marker


def test_byte_buffers_go_to_the_writing_thread(pytester: pytest.Pytester) -> None:
    lines, outputs = run(pytester, "--processes-workers", "4")
    assert section(lines, "Captured stdout call", "buffer") == ["BUFFER-OUT"]
    assert section(lines, "Captured stderr call", "buffer") == ["BUFFER-ERR"]
    assert "BUFFER-OUT" in outputs["buffer"] and "BUFFER-ERR" in outputs["buffer"]
    assert shown(lines, "BUFFER-OUT") == 1


@pytest.mark.parametrize(
    "args",
    [
        ("--processes-workers", "1"),
        ("--processes-workers", "4"),
        ("--processes-executor", "process"),
    ],
    ids=["one-worker", "threads", "process"],
)
def test_capture_no_shows_everything_live(pytester: pytest.Pytester, args: tuple[str, ...]) -> None:
    lines, _ = run(pytester, "-s", *args)
    for marker in MARKERS:
        assert shown(lines, marker) == 1, marker
    assert not any("Captured stdout call" in line for line in lines)


def test_capture_sys_keeps_descriptors_uncaptured(pytester: pytest.Pytester) -> None:
    lines, outputs = run(pytester, "--capture=sys", "--processes-workers", "1")
    assert shown(lines, "CHILD-OUT") == 1  # as before: on the terminal only
    assert "CHILD-OUT" not in outputs["child"]
    assert section(lines, "Captured stdout call", "buffer") == ["BUFFER-OUT"]


#: one task alone, then two at once; each writes to fd 1 below print
SHARED = """
    import os
    import subprocess
    import threading

    BOTH_RUNNING = threading.Barrier(2, timeout=10)
    BOTH_WROTE = threading.Barrier(2, timeout=10)

    def task_alone():
        subprocess.run(["echo", "ALONE-CHILD"], check=True)
        os.write(1, b"ALONE-OSWRITE\\n")

    def together(alone, name):
        BOTH_RUNNING.wait()
        os.write(1, f"SHARED-{name.upper()}\\n".encode())
        BOTH_WROTE.wait()
        raise ValueError(name)

    def task_left(alone):
        together(alone, "left")

    def task_right(alone):
        together(alone, "right")
"""


def test_threads_share_descriptors_for_the_run(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(tasks_shared=SHARED)
    result = pytester.runpytest_subprocess(
        "--processes",
        "--processes-workers",
        "4",
        "--processes-json=out.json",
        "--processes-html=out.html",
    )
    result.assert_outcomes(passed=1, failed=2)
    lines = result.stdout.lines + result.stderr.lines
    data = json.loads((pytester.path / "out.json").read_text())
    alone = data["entries"]["alone"]["output"]
    assert "ALONE-CHILD" in alone and "ALONE-OSWRITE" in alone  # it ran alone: exact
    for marker in ("ALONE-CHILD", "ALONE-OSWRITE"):
        assert shown(lines, marker) == 0, marker  # a passing task's output is not shown
    run_level = "".join(chunk["text"] for chunk in data["run_output"])
    assert {c["stream"] for c in data["run_output"]} == {"stdout"}
    assert all(isinstance(c["at"], float) for c in data["run_output"])
    summary = lines.index(next(line for line in lines if "no single task owns" in line))
    for marker in ("SHARED-LEFT", "SHARED-RIGHT"):
        assert marker in run_level  # written while both ran: the run's, not a guess
        assert shown(lines, marker) == 1, marker  # only in the failed run's summary
        assert any(marker in line and " stdout: " in line for line in lines[summary:])
        assert marker in (pytester.path / "out.html").read_text()
    pytester.makepyfile(
        reader="""
        import pytest_processes
        report = pytest_processes.ProcessExecutionReport.from_json(open("out.json").read())
        print(sorted("".join(c.text for c in report.run_output).split()))
    """
    )
    read_back = pytester.runpython(pytester.path / "reader.py")
    read_back.stdout.fnmatch_lines(["['SHARED-LEFT', 'SHARED-RIGHT']"])


#: three tasks at once (the third starts and the first ends among others), then one alone
THREE_AT_ONCE = """
    import os
    import threading

    ALL_RUNNING = threading.Barrier(3, timeout=10)
    ALL_WROTE = threading.Barrier(3, timeout=10)

    def together(name):
        ALL_RUNNING.wait()
        os.write(1, f"SHARED-{name.upper()}\\n".encode())
        ALL_WROTE.wait()

    def task_x():
        together("x")

    def task_y():
        together("y")

    def task_z():
        together("z")

    def task_after(x, y, z):
        os.write(1, b"AFTER-ALONE\\n")
"""


def test_output_among_three_tasks_stays_the_runs(pytester: pytest.Pytester) -> None:
    """Changes among two or more running tasks skip reading the pipes: nothing moves owner."""
    pytester.makepyfile(tasks_three=THREE_AT_ONCE)
    result = pytester.runpytest_subprocess(
        "--processes", "--processes-workers", "4", "--processes-json=out.json"
    )
    result.assert_outcomes(passed=4)
    data = json.loads((pytester.path / "out.json").read_text())
    run_level = "".join(chunk["text"] for chunk in data["run_output"])
    assert sorted(run_level.split()) == ["SHARED-X", "SHARED-Y", "SHARED-Z"]
    outputs = {name: entry["output"] for name, entry in data["entries"].items()}
    assert not any("SHARED" in output for output in outputs.values())
    assert "AFTER-ALONE" in outputs["after"]  # alone again afterwards: exact


#: one task writes below print while another runs: the run's output, not a task's
WHILE_ANOTHER_RUNS = """
    import os
    import subprocess
    import threading

    BOTH_RUNNING = threading.Barrier(2, timeout=10)
    WROTE = threading.Barrier(2, timeout=10)

    def task_writer():
        BOTH_RUNNING.wait()
        subprocess.run(["echo", "ECHO-RUN-LEVEL", os.environ["DEPLOY_TOKEN"]], check=True)
        os.write(1, b"HOSTILE <\\x00> ]]> </system-out> \\xe9\\x1b[31mred\\n")
        for i in range({lines}):
            os.write(1, f"RUN-LINE {{i:04d}}\\n".encode())
        WROTE.wait()

    def task_other():
        BOTH_RUNNING.wait()
        WROTE.wait()
"""
#: a run-level line: its local time, its stream, the text
RUN_LEVEL_LINE = re.compile(r"\d\d:\d\d:\d\d\.\d{3} stdout: (.*)")


def suite_output(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, lines: int, *args: str
) -> tuple[str, str]:
    """Run WHILE_ANOTHER_RUNS on 4 threads with --junitxml: (suite system-out, whole file)."""
    monkeypatch.setenv("DEPLOY_TOKEN", "s3cr3t-value")  # a secret by its name
    pytester.makepyfile(tasks_shared=WHILE_ANOTHER_RUNS.format(lines=lines))
    result = pytester.runpytest_subprocess(
        "--processes", "--processes-workers", "4", "--junitxml=out.xml", *args
    )
    result.assert_outcomes(passed=2)
    path = pytester.path / "out.xml"
    out = ET.parse(path).getroot().findall("testsuite/system-out")
    assert len(out) == 1
    return out[0].text or "", path.read_text(encoding="utf-8")


def test_junitxml_suite_holds_the_run_level_output(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, junit_schema: Any
) -> None:
    text, whole = suite_output(pytester, monkeypatch, 3)
    junit_schema.validate(str(pytester.path / "out.xml"))
    found = [m.group(1) for m in map(RUN_LEVEL_LINE.fullmatch, text.splitlines()) if m]
    assert found[0] == "ECHO-RUN-LEVEL <redacted>"  # the child's line, its secret masked
    assert found[1] == "HOSTILE <#x00> ]]> </system-out> \ufffdred"  # still valid XML
    assert found[2:] == ["RUN-LINE 0000", "RUN-LINE 0001", "RUN-LINE 0002"]
    assert "s3cr3t-value" not in whole
    for case in ET.parse(pytester.path / "out.xml").getroot().iter("testcase"):
        assert "ECHO-RUN-LEVEL" not in ET.tostring(case, encoding="unicode")  # no task's


def test_junitxml_run_level_output_is_capped(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, junit_schema: Any
) -> None:
    pytester.makeini("[pytest]\nprocesses_junit_output_limit = 1 KB\n")
    text, _ = suite_output(pytester, monkeypatch, 200)  # about 6.8 KB of lines
    junit_schema.validate(str(pytester.path / "out.xml"))
    assert text.startswith("[pytest-processes: the first ")
    assert "to keep the last 1.0 KB (processes_junit_output_limit); the full output is in " in text
    assert len(text.encode()) < 1024 + 300
    assert text.rstrip().endswith("stdout: RUN-LINE 0199") and "RUN-LINE 0000" not in text


def test_junitxml_run_level_output_respects_junit_logging_no(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEPLOY_TOKEN", "s3cr3t-value")
    pytester.makepyfile(tasks_shared=WHILE_ANOTHER_RUNS.format(lines=1))
    result = pytester.runpytest_subprocess(
        "--processes", "--processes-workers", "4", "--junitxml=out.xml", "-o", "junit_logging=no"
    )
    result.assert_outcomes(passed=2)
    assert "system-out" not in (pytester.path / "out.xml").read_text(encoding="utf-8")
