"""The caplog fixture in tasks: each task sees its own log records, as a test does."""

from __future__ import annotations

import pytest
from plugin_helpers import RunProcesses

#: three tasks log at the same moment (they meet at a barrier); two of them use caplog
CONCURRENT = """
    import logging
    import threading

    met = threading.Barrier(3, timeout=20)
    log = logging.getLogger("etl")

    def task_a(caplog):
        met.wait()
        log.warning("from a")
        met.wait()
        assert caplog.messages == ["from a"]
        assert "WARNING" in caplog.text and "from a" in caplog.text
        assert caplog.record_tuples == [("etl", logging.WARNING, "from a")]

    def task_b(caplog):
        met.wait()
        log.warning("from b")
        met.wait()
        assert caplog.messages == ["from b"]

    def task_quiet():
        met.wait()
        log.warning("from a task without caplog")
        met.wait()
"""


@pytest.mark.parametrize("capture", [[], ["-s"]], ids=["captured", "no-capture"])
def test_each_task_sees_only_its_own_records(
    pytester: pytest.Pytester, run_processes: RunProcesses, capture: list[str]
) -> None:
    pytester.makepyfile(tasks_log=CONCURRENT)
    run_processes("--processes-workers", "3", *capture).assert_outcomes(passed=3)


def test_setup_and_teardown_records_are_the_fixtures(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makeconftest(
        """
        import logging
        from pathlib import Path

        import pytest

        @pytest.fixture
        def db(caplog):
            logging.getLogger("db").warning("connecting")
            yield "db"
            logging.getLogger("db").warning("closing")
            seen = [r.getMessage() for r in caplog.get_records("teardown")]
            Path("teardown.txt").write_text(",".join(seen))
        """
    )
    pytester.makepyfile(
        tasks_db="""
        import logging

        def task_load(db, caplog):
            logging.getLogger("load").warning("loading")
            assert [r.getMessage() for r in caplog.get_records("setup")] == ["connecting"]
            assert caplog.messages == ["loading"]
        """
    )
    run_processes().assert_outcomes(passed=1)
    assert (pytester.path / "teardown.txt").read_text() == "closing"


def test_set_level_captures_debug_and_is_undone_after_the_task(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_level="""
        import logging

        def task_verbose(caplog):
            caplog.set_level(logging.DEBUG, logger="etl")
            logging.getLogger("etl").debug("detail")
            assert caplog.messages == ["detail"]

        def task_after(verbose):
            assert logging.getLogger("etl").level == logging.NOTSET
        """
    )
    run_processes().assert_outcomes(passed=2)


def test_log_level_ini_applies_as_for_tests(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makeini("[pytest]\nlog_level = WARNING\n")
    pytester.makepyfile(
        tasks_level="""
        import logging

        def task_a(caplog):
            logging.getLogger("etl").info("hidden")
            logging.getLogger("etl").error("shown")
            assert caplog.messages == ["shown"]
        """
    )
    run_processes().assert_outcomes(passed=1)


def test_a_retried_task_sees_the_records_of_its_current_attempt(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_retry="""
        import logging
        import pytest_processes

        attempts = []

        @pytest_processes.task(retries=1, retry_on=(ConnectionError,))
        def flaky(caplog):
            attempts.append(1)
            logging.getLogger("etl").warning("attempt %d", len(attempts))
            assert caplog.messages == [f"attempt {len(attempts)}"]
            if len(attempts) == 1:
                raise ConnectionError("try again")
        """
    )
    result = run_processes("-v")
    result.stdout.fnmatch_lines(["*::flaky PASSED (2 attempts)*"])


@pytest.mark.parametrize("workers", ["1", "2"])
def test_async_task_and_main_thread_task(
    pytester: pytest.Pytester, run_processes: RunProcesses, workers: str
) -> None:
    pytester.makepyfile(
        tasks_async="""
        import asyncio
        import logging

        async def task_fetch(caplog):
            await asyncio.sleep(0)
            logging.getLogger("etl").warning("fetched")
            assert caplog.messages == ["fetched"]
        """
    )
    run_processes("--processes-workers", workers).assert_outcomes(passed=1)


def test_caplog_failure_shows_the_records_like_a_test(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_fail="""
        import logging

        def task_a(caplog):
            logging.getLogger("etl").warning("unexpected")
            assert not caplog.records
        """
    )
    result = run_processes()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*assert not [<LogRecord: etl, 30, *unexpected*>]*"])


def test_caplog_in_a_process_task_says_it_cannot_see_the_records(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_proc="""
        import pytest_processes

        @pytest_processes.task(executor="process")
        def crunch(caplog):
            pass
        """
    )
    result = run_processes()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*RuntimeError: task 'crunch' uses caplog, which sees the log records of tasks run "
            "by the thread executor only; this task runs on the 'process' executor"
        ]
    )
