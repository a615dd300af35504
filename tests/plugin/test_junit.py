"""--junitxml: one valid testcase per task, as GitLab and Jenkins read them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import pytest
from plugin_helpers import RunProcesses

ParseJunit = Callable[..., ET.Element]


@pytest.fixture
def run_junit(
    pytester: pytest.Pytester, run_processes: RunProcesses, junit_schema: Any
) -> ParseJunit:
    """Run with --junitxml, validate the file against junit-10.xsd and return its root.

    Also checks what pytest's own tests check: ``testsuite@tests`` equals the
    number of ``<testcase>`` elements (from pytest 9.1: before, pytest itself
    counted a teardown error as one more test).
    """

    def run(*args: str) -> ET.Element:
        path = pytester.path / "junit.xml"
        run_processes(f"--junitxml={path}", *args)
        junit_schema.validate(str(path))
        root = ET.parse(path).getroot()
        suite = root.find("testsuite")
        assert suite is not None
        if pytest.version_tuple >= (9, 1):
            assert int(suite.get("tests", "-1")) == len(suite.findall("testcase"))
        return root

    return run


def cases(root: ET.Element) -> dict[str, ET.Element]:
    return {c.get("name", ""): c for c in root.iter("testcase")}


def test_one_testcase_per_task_with_outcomes(
    pytester: pytest.Pytester, run_junit: ParseJunit
) -> None:
    pytester.makepyfile(
        tasks_etl="""
        import time

        def task_extract():
            time.sleep(0.1)
            return [1, 2]

        def task_load(extract):
            assert extract == [3]

        def task_report(load):
            pass
        """
    )
    root = run_junit()
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("3", "1", "1")
    found = cases(root)
    assert list(found) == ["extract", "load", "report"]
    assert {c.get("classname") for c in found.values()} == {"tasks_etl"}
    assert float(found["extract"].get("time", "0")) >= 0.1

    failure = found["load"].find("failure")
    assert failure is not None and failure.text is not None
    assert failure.get("message", "").startswith("assert [1, 2] == [3]")
    assert ">       assert extract == [3]" in failure.text
    assert "tasks_etl.py:8: AssertionError" in failure.text

    skipped = found["report"].find("skipped")
    assert skipped is not None
    assert skipped.get("type") == "pytest.skip"
    assert skipped.get("message") == "upstream failed: 'load'"


def test_classname_is_the_dotted_module_path(
    pytester: pytest.Pytester, run_junit: ParseJunit
) -> None:
    pkg = pytester.mkpydir("pipelines")
    (pkg / "tasks_sales.py").write_text("def task_sales():\n    return 1\n")
    sub = pytester.mkdir("jobs")
    (sub / "tasks_report.py").write_text("def task_report(sales):\n    pass\n")
    found = cases(run_junit())
    assert found["sales"].get("classname") == "pipelines.tasks_sales"
    assert found["report"].get("classname") == "jobs.tasks_report"


def test_fixture_error_and_teardown_error(pytester: pytest.Pytester, run_junit: ParseJunit) -> None:
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture
        def down():
            raise ConnectionError("database is down")

        @pytest.fixture
        def leaky():
            yield
            raise RuntimeError("could not close")
        """
    )
    pytester.makepyfile(
        tasks_f="""
        def task_needs_db(down):
            pass

        def task_leaks(leaky):
            pass
        """
    )
    found = cases(run_junit())
    error = found["needs_db"].find("error")
    assert error is not None
    assert 'failed on setup with "ConnectionError: database is down"' in error.get("message", "")
    teardown = found["leaks"].find("error")
    assert teardown is not None
    assert "failed on teardown" in teardown.get("message", "")


def test_timeout_and_retry_in_junit(pytester: pytest.Pytester, run_junit: ParseJunit) -> None:
    pytester.makeconftest(
        """
        import threading
        import pytest

        RELEASE = threading.Event()

        @pytest.fixture(scope="session", autouse=True)
        def _release():
            yield
            RELEASE.set()
        """
    )
    pytester.makepyfile(
        tasks_t="""
        import pytest_processes
        from conftest import RELEASE

        @pytest_processes.task(timeout=0.2)
        def task_hang():
            RELEASE.wait(30)

        @pytest_processes.task(retries=1)
        def task_flaky():
            raise ConnectionError("down")
        """
    )
    found = cases(run_junit("--processes-workers", "2"))
    hang = found["hang"].find("failure")
    assert hang is not None and hang.text is not None
    assert hang.get("message") == (
        "TimeoutError: Task 'hang' timed out after 0.2s (limit from @task(timeout=0.2))"
    )
    assert "RELEASE.wait(30)" in hang.text
    flaky = found["flaky"].find("failure")
    assert flaky is not None and flaky.get("message") == "ConnectionError: down"


def test_illegal_xml_characters_are_escaped_visibly(
    pytester: pytest.Pytester, run_junit: ParseJunit
) -> None:
    pytester.makepyfile(
        tasks_c="""
        def task_colour():
            print("\\x1b[31mred\\x1b[0m")
            raise ValueError("bad \\x00 byte")
        """
    )
    found = cases(run_junit("-o", "junit_logging=system-out"))
    out = found["colour"].find("system-out")
    assert out is not None and out.text is not None
    assert "#x1B[31mred" in out.text


def test_junit_with_quiet_and_verbose(pytester: pytest.Pytester, run_junit: ParseJunit) -> None:
    pytester.makepyfile(tasks_q="def task_a():\n    pass\n\ndef task_b(a):\n    pass\n")
    for flag in ("-q", "-v"):
        assert list(cases(run_junit(flag))) == ["a", "b"]


def test_xunit1_file_and_line_are_valid_for_gitlab(
    pytester: pytest.Pytester, run_processes: RunProcesses, own_junit_schema: Any
) -> None:
    """``junit_family=xunit1`` keeps ``testcase/@file`` (GitLab reads it): the repo's schema
    accepts it, where the Jenkins ``junit-10.xsd`` would not."""
    pytester.makepyfile(tasks_etl="def task_a():\n    pass\n")
    path = pytester.path / "junit.xml"
    run_processes(f"--junitxml={path}", "-o", "junit_family=xunit1")
    own_junit_schema.validate(str(path))
    (case,) = ET.parse(path).getroot().iter("testcase")
    assert (case.get("file"), case.get("name")) == ("tasks_etl.py", "a")
