"""The whole story of a failure: fixture errors from the user's code, every retried attempt.

Each output is read as its consumer reads it: the terminal, the ``--junitxml`` file
(validated against the schema), the JSON report read back by the loader, the HTML page.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from plugin_helpers import RunProcesses

from pytest_processes import ProcessExecutionReport

FIXTURE_ERROR = """
    import pytest

    def connect():
        raise RuntimeError("cannot reach the warehouse")

    @pytest.fixture
    def warehouse():
        return connect()
"""

#: file names of the frames no user wrote, which a fixture error's traceback must not begin with
PLUMBING = ("scheduler.py", "bridge.py", "setupstate.py", "fixtures.py", "_callers.py")

RETRIED = """
    import pytest_processes

    CALLS = {"flaky": 0, "down": 0}

    @pytest_processes.task(retries=2)
    def task_flaky():
        CALLS["flaky"] += 1
        if CALLS["flaky"] < 3:
            raise ConnectionError(f"attempt {CALLS['flaky']} failed")

    @pytest_processes.task(retries=1)
    def task_down():
        CALLS["down"] += 1
        raise ConnectionError(f"db down ({CALLS['down']})")
"""


def junit_cases(pytester: pytest.Pytester, junit_schema: Any) -> dict[str, ET.Element]:
    path = pytester.path / "junit.xml"
    junit_schema.validate(str(path))
    return {c.get("name", ""): c for c in ET.parse(path).getroot().iter("testcase")}


# -- fixture errors --------------------------------------------------------------------


def test_a_fixture_error_begins_at_the_users_fixture(
    pytester: pytest.Pytester, run_processes: RunProcesses, junit_schema: Any
) -> None:
    pytester.makeconftest(FIXTURE_ERROR)
    pytester.makepyfile(tasks_f="def task_load(warehouse):\n    pass\n")
    result = run_processes(
        "--junitxml=junit.xml", "--processes-json=r.json", "--processes-html=r.html"
    )
    result.assert_outcomes(errors=1)
    # the terminal: as pytest shows a test's fixture error
    result.stdout.fnmatch_lines(
        [
            "*ERROR at setup of task load*",
            "",
            "    @pytest.fixture",
            "    def warehouse():",
            ">       return connect()",
            "*",
            "conftest.py:8: ",
            "*",
            '>       raise RuntimeError("cannot reach the warehouse")',
            "E       RuntimeError: cannot reach the warehouse",
        ]
    )
    for name in PLUMBING:
        result.stdout.no_fnmatch_line(f"*{name}*")
    # JUnit
    error = junit_cases(pytester, junit_schema)["load"].find("error")
    assert error is not None and error.text is not None
    assert error.text.startswith("@pytest.fixture")
    assert not any(name in error.text for name in PLUMBING)
    # JSON (HTML and email render the same text)
    data = json.loads((pytester.path / "r.json").read_text())
    traceback = data["entries"]["load"]["error"]["traceback_str"]
    frames = re.findall(r'File "([^"]+)", line \d+, in (\w+)', traceback)
    assert [(f.rsplit("/", 1)[-1], fn) for f, fn in frames] == [
        ("conftest.py", "warehouse"),
        ("conftest.py", "connect"),
    ]
    html = (pytester.path / "r.html").read_text()
    assert "in warehouse" in html and not any(name in html for name in PLUMBING)


def test_full_trace_keeps_every_frame(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makeconftest(FIXTURE_ERROR)
    pytester.makepyfile(tasks_f="def task_load(warehouse):\n    pass\n")
    result = run_processes("--full-trace", "--processes-json=r.json")
    result.stdout.fnmatch_lines(["*bridge.py*", "*setupstate.py*"])
    traceback = json.loads((pytester.path / "r.json").read_text())["entries"]["load"]["error"]
    assert "bridge.py" in traceback["traceback_str"]


def test_a_fixture_teardown_error_begins_at_the_users_fixture(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture
        def conn():
            yield "conn"
            raise OSError("close failed")
        """
    )
    pytester.makepyfile(tasks_f="def task_use(conn):\n    pass\n")
    result = run_processes()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of task use*", "", "    @pytest.fixture"])
    for name in PLUMBING:
        result.stdout.no_fnmatch_line(f"*{name}*")


# -- retried attempts ------------------------------------------------------------------


@pytest.mark.parametrize("rerunfailures", [True, False], ids=["with", "without"])
def test_retries_show_as_reruns(
    pytester: pytest.Pytester, run_processes: RunProcesses, rerunfailures: bool
) -> None:
    """``R`` per retried attempt and ``N rerun``, with pytest-rerunfailures or without it."""
    pytester.makepyfile(tasks_r=RETRIED)
    args = [] if rerunfailures else ["-p", "no:rerunfailures"]
    result = run_processes(*args)
    result.stdout.fnmatch_lines(["*= 1 failed, 1 passed, 3 rerun in *"])
    (progress,) = [line for line in result.outlines if line.startswith("tasks_r.py ")]
    assert sorted(progress.split()[1]) == sorted("RRRF.")  # in the order attempts end
    verbose = run_processes("-v", *args)
    verbose.stdout.fnmatch_lines(["tasks_r.py::flaky RERUN*", "tasks_r.py::flaky RERUN*"])


def test_a_task_failing_every_attempt_shows_every_attempt(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_r=RETRIED)
    result = run_processes()
    result.stdout.fnmatch_lines(
        [
            "*_ task down _*",
            "*E       ConnectionError: db down (2)",
            "*- Earlier attempts -*",
            "attempt 1: failed after *, started *Z on worker-*: ConnectionError: db down (1)",
        ]
    )


def test_earlier_attempts_are_in_system_err(
    pytester: pytest.Pytester, run_processes: RunProcesses, junit_schema: Any
) -> None:
    pytester.makepyfile(tasks_r=RETRIED)
    run_processes("--junitxml=junit.xml")
    cases = junit_cases(pytester, junit_schema)
    flaky_err = cases["flaky"].find("system-err")
    assert flaky_err is not None and flaky_err.text is not None
    assert flaky_err.text.startswith("Earlier attempts of this task:\n")
    assert re.search(r"attempt 1: failed .*: ConnectionError: attempt 1 failed\n", flaky_err.text)
    assert re.search(r"attempt 2: failed .*: ConnectionError: attempt 2 failed\n", flaky_err.text)
    assert 'raise ConnectionError(f"attempt' in flaky_err.text  # each with its traceback
    down = cases["down"]
    failure, err = down.find("failure"), down.find("system-err")
    assert failure is not None and failure.get("message") == "ConnectionError: db down (2)"
    assert err is not None and err.text is not None and "db down (1)" in err.text
    assert "db down (2)" not in err.text  # the last attempt is the failure itself


def test_every_attempt_is_in_the_json_and_read_back(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_r=RETRIED)
    run_processes("--processes-json=r.json")
    text = (pytester.path / "r.json").read_text()
    history = json.loads(text)["entries"]["flaky"]["attempt_history"]
    assert [(a["number"], a["outcome"], a["error_type"], a["message"]) for a in history] == [
        (1, "failed", "ConnectionError", "attempt 1 failed"),
        (2, "failed", "ConnectionError", "attempt 2 failed"),
        (3, "passed", "", ""),
    ]
    assert all(a["started_at"] > 0 and a["duration"] >= 0 for a in history)
    report = ProcessExecutionReport.from_json(text)
    assert [a.message for a in report.entries["down"].attempt_history] == [
        "db down (1)",
        "db down (2)",
    ]
    assert json.loads(report.to_json())["entries"]["flaky"]["attempt_history"] == history


def test_earlier_attempts_are_under_the_task_in_the_html(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_r=RETRIED)
    run_processes("--processes-html=r.html")
    html = (pytester.path / "r.html").read_text()
    assert html.count("Earlier attempts (2)") == 1  # flaky, in its row of the task table
    assert html.count("Earlier attempts (1)") == 1  # down, in its failure
    assert "ConnectionError: attempt 2 failed" in html
    assert "ConnectionError: db down (1)" in html


# -- pytest-rerunfailures' delay -------------------------------------------------------

FAILS_ONCE = """
    import pytest

    CALLS = []

    {decoration}
    def task_fetch():
        CALLS.append(1)
        if len(CALLS) == 1:
            raise ConnectionError("blip")
"""


@pytest.mark.parametrize(
    ("decoration", "args"),
    [
        ("", ["--reruns", "1", "--reruns-delay", "0.3"]),
        ("@pytest.mark.flaky(reruns=1, reruns_delay=0.3)", []),
        ("@pytest.mark.processes(retries=1, retry_delay=0.3)", []),
    ],
    ids=["reruns-delay", "flaky-marker", "processes-marker"],
)
def test_a_rerun_waits_its_delay(
    pytester: pytest.Pytester, run_processes: RunProcesses, decoration: str, args: list[str]
) -> None:
    pytester.makepyfile(tasks_d=FAILS_ONCE.format(decoration=decoration))
    result = run_processes("--processes-json=r.json", *args)
    result.stdout.fnmatch_lines(["tasks_d.py R.*"])
    first, second = json.loads((pytester.path / "r.json").read_text())["entries"]["fetch"][
        "attempt_history"
    ]
    assert second["started_at"] - (first["started_at"] + first["duration"]) >= 0.3
