"""--pdb and pytest_exception_interact: a failing task is debugged like a failing test.

The debugger sessions are real: pytest runs in a subprocess whose stdin feeds
pdb its commands (pexpect is not a dependency).
"""

from __future__ import annotations

import sys

import pytest
from plugin_helpers import RunProcesses

LOAD = """
    def task_extract():
        return 41

    def task_load(extract):
        rows = extract + 1
        print("loading", rows)
        assert rows == 41, "wrong row count"

    def task_report(load):
        pass

    def task_other():
        pass
"""


def run_with_stdin(pytester: pytest.Pytester, commands: str, *args: str) -> pytest.RunResult:
    """``pytest --processes --pdb *args`` in a subprocess, pdb reading ``commands``."""
    return pytester.run(
        sys.executable,
        "-m",
        "pytest",
        "--processes",
        "--pdb",
        "-p",
        "no:cacheprovider",
        *args,
        stdin=commands.encode(),
        timeout=60,
    )


def test_pdb_stops_at_the_failing_line_of_the_task(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(tasks_etl=LOAD)
    result = run_with_stdin(pytester, "p rows\np extract\nc\n", "--processes-workers", "4")
    result.stdout.fnmatch_lines(
        [
            "processes: workers=1 (one task at a time for --pdb), *",
            "*>>> captured stdout >>>*",
            "loading 42",
            "*>>> traceback >>>*",
            "E       AssertionError: wrong row count",
            "*>>> entering PDB >>>*",
            "> *tasks_etl.py(7)task_load()",
            "-> assert rows == 41, *",
            "(Pdb) 42",
            "(Pdb) 41",
            "*PDB continue*",
        ]
    )
    result.stdout.fnmatch_lines(["*1 failed, 2 passed, 1 skipped*"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_quitting_the_debugger_stops_the_run(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        tasks_two="""
        def task_first():
            raise ValueError("first")

        def task_second(first):
            pass
        """
    )
    result = run_with_stdin(pytester, "q\n")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*entering PDB*", "*Quitting debugger*"])


def test_each_debugger_session_shows_its_own_tasks_output(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        tasks_two="""
        def task_a():
            print("output of a")
            raise ValueError("a")

        def task_b():
            print("output of b")
            raise ValueError("b")
        """
    )
    result = run_with_stdin(pytester, "c\nc\n")
    result.stdout.fnmatch_lines(
        [
            "*>>> captured stdout >>>*",
            "output of a",
            "*>>> traceback >>>*",
            "*PDB continue*",
            "*>>> captured stdout >>>*",
            "output of b",
            "*>>> traceback >>>*",
        ]
    )
    result.stdout.fnmatch_lines(["*2 failed*"])


def test_a_timeout_has_no_frames_to_debug_and_says_so(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import threading

        import pytest

        RELEASE = threading.Event()

        @pytest.fixture(scope="session", autouse=True)
        def _release_hanging_tasks():
            yield
            RELEASE.set()
        """
    )
    pytester.makepyfile(
        tasks_t="""
        import pytest_processes
        from conftest import RELEASE

        @pytest_processes.task(timeout=0.2)
        def hang():
            RELEASE.wait(30)
        """
    )
    result = run_with_stdin(pytester, "")
    result.stdout.fnmatch_lines(
        [
            "processes: --pdb: task 'hang' failed where no debugger can reach (a timeout, or "
            "another process): its traceback is in the report"
        ]
    )
    result.stdout.no_fnmatch_line("*entering PDB*")
    result.stdout.fnmatch_lines(["*1 failed*"])


INTERACT_CONFTEST = """
    import threading
    from pathlib import Path

    import pytest

    def pytest_exception_interact(node, call, report):
        with Path(__file__).with_name("interact.txt").open("a") as f:
            f.write(
                f"{node.nodeid} {report.when} {call.excinfo.typename} "
                f"{threading.current_thread().name}\\n"
            )

    @pytest.fixture
    def broken_setup():
        raise OSError("no connection")

    @pytest.fixture
    def broken_teardown():
        yield
        raise OSError("cannot close")
"""


def test_exception_interact_is_called_for_each_failed_phase(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makeconftest(INTERACT_CONFTEST)
    pytester.makepyfile(
        tasks_phases="""
        import pytest

        def task_setup_fails(broken_setup):
            pass

        def task_call_fails():
            raise KeyError("x")

        def task_teardown_fails(broken_teardown):
            pass

        def task_skips():
            pytest.skip("not today")

        @pytest.mark.xfail(reason="known")
        def task_expected():
            raise ValueError("known")

        def task_downstream(call_fails):
            pass

        def task_fine():
            pass
        """
    )
    result = run_processes("--processes-workers", "3")
    result.assert_outcomes(passed=2, failed=1, errors=2, skipped=2, xfailed=1)
    lines = sorted((pytester.path / "interact.txt").read_text().splitlines())
    assert lines == [
        "tasks_phases.py::call_fails call KeyError MainThread",
        "tasks_phases.py::setup_fails setup OSError MainThread",
        "tasks_phases.py::teardown_fails teardown OSError MainThread",
    ]


def test_breakpoint_in_a_task_with_pdb_and_no_capture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        tasks_bp="""
        def task_extract():
            return 41

        def task_load(extract):
            rows = extract + 1
            breakpoint()
            print("after", rows)
        """
    )
    result = run_with_stdin(pytester, "p rows\nc\n", "-s")
    result.stdout.fnmatch_lines(["(Pdb) 42", "*PDB continue*", "after 42"])
    result.stdout.fnmatch_lines(["*2 passed*"])


def test_trace_is_a_usage_error_that_points_to_pdb(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_etl=LOAD)
    result = run_processes("--trace")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*--trace does not reach tasks under --processes; use --pdb to debug a failing task*"]
    )
