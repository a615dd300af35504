"""Plugins that give tasks fixtures or environment: pytest-mock, pytest-asyncio, pytest-benchmark,
pytest-env, pytest-dotenv."""

from __future__ import annotations

import json

import pytest
from compat_helpers import requires, run_tasks


def _results(pytester: pytest.Pytester) -> dict[str, object]:
    """Each task's return value, from the project's JSON report."""
    report = json.loads((pytester.path / "run.json").read_text())
    return {name: entry["result"] for name, entry in report["entries"].items()}


@requires("pytest_mock", "pytest-mock")
def test_mocker_and_monkeypatch_are_undone_before_dependants_run(
    pytester: pytest.Pytester,
) -> None:
    """A task's patches hold inside it and are gone when the task that depends on it starts."""
    pytester.makepyfile(
        tasks_mock="""
        import os
        import platform

        def task_patched(mocker, monkeypatch):
            mocker.patch("platform.system", return_value="Plan9")
            monkeypatch.setenv("COMPAT_PATCHED", "yes")
            return [platform.system(), os.environ["COMPAT_PATCHED"]]

        def task_after(patched):
            return [platform.system(), os.environ.get("COMPAT_PATCHED")]
        """
    )
    run_tasks(pytester, "--processes-json=run.json").assert_outcomes(passed=2)
    results = _results(pytester)
    assert results["patched"] == ["Plan9", "yes"]
    real_system = __import__("platform").system()
    assert results["after"] == [real_system, None]


@requires("pytest_asyncio", "pytest-asyncio")
@pytest.mark.parametrize("mode", ["strict", "auto"])
def test_async_tasks_run_under_either_asyncio_mode(pytester: pytest.Pytester, mode: str) -> None:
    """``async def`` tasks run on the engine's own loop whatever pytest-asyncio's mode."""
    pytester.makeini(
        f"[pytest]\nasyncio_mode = {mode}\nasyncio_default_fixture_loop_scope = function\n"
    )
    pytester.makepyfile(
        tasks_async="""
        import asyncio

        async def task_fetch():
            await asyncio.sleep(0)
            return 41

        async def task_add(fetch):
            return fetch + 1
        """
    )
    run_tasks(pytester, "--processes-json=run.json").assert_outcomes(passed=2)
    assert _results(pytester)["add"] == 42


@requires("pytest_benchmark", "pytest-benchmark")
def test_benchmark_fixture_measures_inside_a_task(pytester: pytest.Pytester) -> None:
    """The ``benchmark`` fixture works in a task and its table names the task."""
    pytester.makepyfile(
        tasks_bench="""
        def task_timed(benchmark):
            return benchmark.pedantic(sum, args=(range(10),), rounds=3, iterations=1)
        """
    )
    result = run_tasks(pytester, "--processes-json=run.json")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*benchmark: 1 tests*", "timed *"])
    assert _results(pytester)["timed"] == 45


ENV_TASKS = """
    import os

    def task_read():
        return os.environ.get("COMPAT_FROM_CONFIG")
"""


@requires("pytest_env", "pytest-env")
@pytest.mark.parametrize("executor", ["thread", "process"])
def test_pytest_env_variables_reach_tasks(pytester: pytest.Pytester, executor: str) -> None:
    """Variables set by pytest-env's ``env`` ini key are seen by tasks, in worker processes too."""
    pytester.makeini("[pytest]\nenv =\n    COMPAT_FROM_CONFIG=from-pytest-env\n")
    pytester.makepyfile(tasks_env=ENV_TASKS)
    run_tasks(pytester, "--processes-executor", executor, "--processes-json=run.json")
    assert _results(pytester)["read"] == "from-pytest-env"


@requires("pytest_dotenv", "pytest-dotenv", "it replaces pytest-env: see docs/plugins.md")
@pytest.mark.parametrize("executor", ["thread", "process"])
def test_pytest_dotenv_variables_reach_tasks(pytester: pytest.Pytester, executor: str) -> None:
    """Variables pytest-dotenv loads from ``.env`` are seen by tasks, in worker processes too."""
    (pytester.path / ".env").write_text("COMPAT_FROM_CONFIG=from-dotenv\n")
    pytester.makepyfile(tasks_env=ENV_TASKS)
    run_tasks(pytester, "--processes-executor", executor, "--processes-json=run.json")
    assert _results(pytester)["read"] == "from-dotenv"
