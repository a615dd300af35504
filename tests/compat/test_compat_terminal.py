"""Plugins of the terminal and of test order: pytest-randomly, pytest-sugar."""

from __future__ import annotations

import pytest
from compat_helpers import requires, run_tasks

#: independent tasks and one dependant, run one at a time so the order is observable
TASKS = (
    "".join(f"def task_{name}():\n    pass\n\n" for name in "abcde") + "def task_f(a):\n    pass\n"
)


def _order(pytester: pytest.Pytester, *args: str) -> list[str]:
    """The tasks in the order they ran, on one worker."""
    result = run_tasks(pytester, "--processes-workers", "1", "-v", *args)
    result.assert_outcomes(passed=6)
    return [line.split()[0] for line in result.outlines if " PASSED" in line]


@requires("pytest_randomly", "pytest-randomly")
def test_pytest_randomly_changes_nothing(pytester: pytest.Pytester) -> None:
    """Whatever the seed, tasks run in the same order as without pytest-randomly."""
    pytester.makepyfile(tasks_order=TASKS)
    plain = _order(pytester, "-p", "no:randomly")
    assert len(plain) == 6
    for seed in ("1", "2", "3"):
        assert _order(pytester, "-p", "randomly", f"--randomly-seed={seed}") == plain


@requires("pytest_sugar", "pytest-sugar")
def test_pytest_sugar_shows_tasks(pytester: pytest.Pytester) -> None:
    """pytest-sugar draws a mark per task and its own summary, failures included."""
    pytester.makepyfile(
        tasks_sugar="""
        def task_ok():
            pass

        def task_broken(ok):
            raise ValueError("bad input")
        """
    )
    result = run_tasks(pytester, "--force-sugar", "-p", "no:randomly")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*Results (*", "*1 passed*", "*1 failed*"])
    result.stdout.fnmatch_lines(["*ValueError: bad input*"])
