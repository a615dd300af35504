"""pytest fixtures as task parameters: scopes, teardown order, and the thread they run on."""

from __future__ import annotations

import pytest
from plugin_helpers import RunProcesses

EVENTS_CONFTEST = """
    import threading
    from pathlib import Path

    import pytest

    EVENTS = Path(__file__).parent / "events.txt"

    def record(event):
        with EVENTS.open("a") as f:
            f.write(f"{event} [{threading.current_thread().name}]\\n")
"""


def events(pytester: pytest.Pytester) -> list[str]:
    """The recorded events, without the thread names."""
    path = pytester.path / "events.txt"
    return [line.rsplit(" [", 1)[0] for line in path.read_text().splitlines()]


def test_builtin_tmp_path(pytester: pytest.Pytester, run_processes: RunProcesses) -> None:
    pytester.makepyfile(
        tasks_tmp="""
        def task_write(tmp_path):
            (tmp_path / "out.txt").write_text("x")
            return str(tmp_path)

        def task_other(tmp_path, write):
            assert tmp_path.is_dir() and str(tmp_path) != write
        """
    )
    result = run_processes()
    result.assert_outcomes(passed=2)


def test_fixture_scopes_and_teardown_order(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makeconftest(
        EVENTS_CONFTEST
        + """
    @pytest.fixture(scope="session")
    def warehouse():
        record("warehouse setup")
        yield "db"
        record("warehouse teardown")

    @pytest.fixture(scope="module")
    def module_conn(warehouse):
        record("module_conn setup")
        yield warehouse + "-conn"
        record("module_conn teardown")

    @pytest.fixture
    def scratch():
        record("scratch setup")
        yield "scratch"
        record("scratch teardown")
    """
    )
    pytester.makepyfile(
        tasks_etl="""
        from conftest import record

        def task_one(warehouse, module_conn):
            assert (warehouse, module_conn) == ("db", "db-conn")
            record("one body")

        def task_two(one, warehouse, scratch):
            assert scratch == "scratch"
            record("two body")

        def task_three(two, warehouse, module_conn):
            record("three body")
        """
    )
    result = run_processes("--processes-workers", "1")
    result.assert_outcomes(passed=3)
    assert events(pytester) == [
        "warehouse setup",
        "module_conn setup",
        "one body",
        "scratch setup",
        "two body",
        "scratch teardown",
        "three body",
        "module_conn teardown",
        "warehouse teardown",
    ]


def test_session_fixture_set_up_once_for_many_parallel_tasks(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makeconftest(
        EVENTS_CONFTEST
        + """
    @pytest.fixture(scope="session")
    def warehouse():
        record("setup")
        yield "db"
        record("teardown")
    """
    )
    pytester.makepyfile(
        tasks_a="""
        def task_a1(warehouse): pass
        def task_a2(warehouse): pass
        """,
        tasks_b="""
        def task_b1(warehouse): pass
        def task_b2(warehouse, a1): pass
        """,
    )
    result = run_processes("--processes-workers", "3")
    result.assert_outcomes(passed=4)
    assert events(pytester) == ["setup", "teardown"]


def test_fixtures_on_main_thread_bodies_on_workers(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makeconftest(
        EVENTS_CONFTEST
        + """
    @pytest.fixture
    def resource():
        record("fixture setup")
        yield 1
        record("fixture teardown")
    """
    )
    pytester.makepyfile(
        tasks_t="""
        from conftest import record

        def task_a(resource):
            record("body")

        def task_b(resource):
            record("body")
        """
    )
    result = run_processes("--processes-workers", "2")
    result.assert_outcomes(passed=2)
    lines = (pytester.path / "events.txt").read_text().splitlines()
    threads: dict[str, set[str]] = {}
    for line in lines:
        event, thread = line.rsplit(" [", 1)
        threads.setdefault(event, set()).add(thread.rstrip("]"))
    assert threads["fixture setup"] == {"MainThread"}
    assert threads["fixture teardown"] == {"MainThread"}
    assert "MainThread" not in threads["body"]


def test_yield_fixture_teardown_runs_after_its_task(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makeconftest(
        EVENTS_CONFTEST
        + """
    @pytest.fixture
    def conn(request):
        name = request.node.name
        record(f"open {name}")
        yield name
        record(f"close {name}")
    """
    )
    pytester.makepyfile(
        tasks_y="""
        from conftest import record

        def task_first(conn):
            record(f"body {conn}")

        def task_second(first, conn):
            record(f"body {conn}")
        """
    )
    result = run_processes("--processes-workers", "2")
    result.assert_outcomes(passed=2)
    assert events(pytester) == [
        "open first",
        "body first",
        "close first",
        "open second",
        "body second",
        "close second",
    ]


def test_failing_fixture_fails_the_task_setup_and_skips_dependants(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture
        def broken():
            raise ConnectionError("database is down")
        """
    )
    pytester.makepyfile(
        tasks_f="""
        def task_extract(broken):
            raise AssertionError("never runs")

        def task_load(extract):
            raise AssertionError("never runs")
        """
    )
    result = run_processes("-rs")
    result.assert_outcomes(errors=1, skipped=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at setup of task extract*",
            "*ConnectionError: database is down",
            "SKIPPED [[]1[]] tasks_f.py:*: upstream failed: 'extract'",
        ]
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_failing_fixture_teardown_is_reported(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture
        def leaky():
            yield 1
            raise RuntimeError("could not close")
        """
    )
    pytester.makepyfile(tasks_f="def task_a(leaky): pass")
    result = run_processes()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of task a*", "*RuntimeError: could not close"])


def test_usefixtures_and_autouse(pytester: pytest.Pytester, run_processes: RunProcesses) -> None:
    pytester.makeconftest(
        EVENTS_CONFTEST
        + """
    @pytest.fixture(autouse=True)
    def everywhere():
        record("autouse")

    @pytest.fixture
    def marked():
        record("usefixtures")
    """
    )
    pytester.makepyfile(
        tasks_u="""
        import pytest

        @pytest.mark.usefixtures("marked")
        def task_a():
            pass
        """
    )
    result = run_processes()
    result.assert_outcomes(passed=1)
    assert sorted(events(pytester)) == ["autouse", "usefixtures"]


def test_caplog_in_a_task(pytester: pytest.Pytester, run_processes: RunProcesses) -> None:
    pytester.makepyfile(
        tasks_log="""
        import logging

        def task_a(caplog):
            logging.getLogger("etl").warning("hello")
            assert "hello" in caplog.text
        """
    )
    run_processes().assert_outcomes(passed=1)


def test_tasks_running_together_get_their_own_function_scoped_fixtures(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makeconftest(
        EVENTS_CONFTEST
        + """
    import itertools

    numbers = itertools.count(1)

    @pytest.fixture
    def conn():
        n = next(numbers)
        record(f"open {n}")
        yield n
        record(f"close {n}")
    """
    )
    pytester.makepyfile(
        tasks_pair="""
        import threading

        met = threading.Barrier(2, timeout=20)

        def task_a(tmp_path, conn):
            met.wait()  # b is set up while a runs
            return str(tmp_path), conn

        def task_b(tmp_path, conn):
            met.wait()
            return str(tmp_path), conn

        def task_check(a, b):
            assert a[0] != b[0] and a[1] != b[1]
        """
    )
    run_processes("--processes-workers", "2").assert_outcomes(passed=3)
    assert sorted(events(pytester)) == ["close 1", "close 2", "open 1", "open 2"]
