"""pytest-timeout's and pytest-rerunfailures' settings act on tasks, with a stated precedence.

The task's own ``timeout=``/``retries=`` > ``@pytest.mark.timeout``/``flaky`` >
``--processes-timeout``/``--processes-retries`` > the other plugin's global setting.
"""

from __future__ import annotations

import textwrap

import pytest
from plugin_helpers import RELEASE_CONFTEST, RunProcesses

pytest.importorskip("pytest_timeout")
pytest.importorskip("pytest_rerunfailures")


def _lines(decoration: str) -> str:
    """Decorator lines, indented like the task source they go into."""
    return decoration.replace("\n", "\n        ")


def hanging(decoration: str = "") -> str:
    decoration = _lines(decoration)
    return textwrap.dedent(
        f"""
        import pytest
        import pytest_processes
        from conftest import RELEASE

        {decoration}
        def task_hang():
            RELEASE.wait(60)
        """
    )


@pytest.mark.parametrize(
    ("decoration", "args", "ini", "source"),
    [
        ("", ["--timeout=0.2"], "", "--timeout=0.2 (pytest-timeout)"),
        ("", [], "timeout = 0.2", "timeout = 0.2 in the config file"),
        ("@pytest.mark.timeout(0.2)", [], "", "@pytest.mark.timeout(0.2)"),
        ("@pytest.mark.timeout(0.2)", ["--processes-timeout", "30"], "", "@pytest.mark.timeout"),
        ("", ["--processes-timeout", "0.2", "--timeout=30"], "", "--processes-timeout"),
        ("@pytest_processes.task(timeout=0.2)\n@pytest.mark.timeout(30)", [], "", "@task("),
        ("@pytest.mark.processes(timeout=0.2)", ["--timeout=30"], "", "@pytest.mark.processes"),
    ],
    ids=[
        "option",
        "ini",
        "marker",
        "marker-over-processes-timeout",
        "processes-timeout-over-option",
        "task-over-marker",
        "processes-marker-over-option",
    ],
)
def test_pytest_timeout_settings_limit_tasks(
    pytester: pytest.Pytester,
    run_processes: RunProcesses,
    decoration: str,
    args: list[str],
    ini: str,
    source: str,
) -> None:
    pytester.makeconftest(RELEASE_CONFTEST)
    if ini:
        pytester.makeini(f"[pytest]\n{ini}\n")
    pytester.makepyfile(tasks_t=hanging(decoration))
    result = run_processes("-rf", *args)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [f"*TimeoutError: Task 'hang' timed out after 0.2s (limit from {source}*"]
    )


def test_pytest_timeout_environment_variable(
    pytester: pytest.Pytester, run_processes: RunProcesses, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTEST_TIMEOUT", "0.2")
    pytester.makeconftest(RELEASE_CONFTEST)
    pytester.makepyfile(tasks_t=hanging())
    result = run_processes()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "processes: workers=4, retries=0, timeout=0.2s from PYTEST_TIMEOUT=0.2 *",
            "*timed out after 0.2s (limit from PYTEST_TIMEOUT=0.2 (pytest-timeout))*",
        ]
    )


def test_marker_timeout_stops_a_process_executor_task(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_t="""
        import time
        import pytest

        @pytest.mark.timeout(0.5)
        def task_stuck():
            time.sleep(120)
        """
    )
    result = run_processes("--processes-executor", "process")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*timed out after 0.5s (limit from @pytest.mark.timeout(0.5))*"])


def test_a_flaky_condition_that_raises_is_a_usage_error(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_r=fails_once("@pytest.mark.flaky(reruns=1, condition='1/0')"))
    result = run_processes()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*tasks_r.py::flaky: the condition of @pytest.mark.flaky ('1/0') raised ZeroDivision*"]
    )


def test_settings_that_do_not_apply_are_said_once(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_t="def task_ok():\n    pass\n")
    result = run_processes("--timeout=5", "--timeout-method=thread", "--reruns-delay", "2")
    result.stdout.fnmatch_lines(
        [
            "processes: workers=4, retries=0, timeout=5.0s from --timeout=5 *, retry delay=2s",
            "processes: timeout_method=thread (pytest-timeout) does not apply to tasks*",
        ]
    )
    result.stdout.no_fnmatch_line("*reruns_delay*")  # it applies now: the tasks' retry delay
    assert result.ret == 0


def fails_once(decoration: str = "", error: str = "ConnectionError") -> str:
    decoration = _lines(decoration)
    return textwrap.dedent(
        f"""
        import pytest
        import pytest_processes

        CALLS = []

        {decoration}
        def task_flaky():
            CALLS.append(1)
            if len(CALLS) == 1:
                raise {error}("first call fails")
        """
    )


@pytest.mark.parametrize(
    ("decoration", "args", "error"),
    [
        ("", ["--reruns", "2"], "ConnectionError"),
        ("", ["--reruns", "1"], "ValueError"),  # that plugin reruns any failure
        ("@pytest.mark.flaky(reruns=2)", [], "ConnectionError"),
        ("@pytest.mark.flaky(reruns=1)", ["--processes-retries", "0"], "KeyError"),
        ("", ["--reruns", "1", "--only-rerun", "ValueError"], "ValueError"),
        ("@pytest.mark.flaky(reruns=1, only_rerun=[ValueError])", [], "ValueError"),
        ("@pytest.mark.flaky(reruns=1, condition=lambda err: 'first' in str(err))", [], "OSError"),
    ],
    ids=[
        "option",
        "option-any-error",
        "marker",
        "marker-over-processes-retries",
        "only-rerun-matches",
        "only-rerun-class",
        "condition-on-error",
    ],
)
def test_reruns_rerun_tasks_shown_as_reruns(
    pytester: pytest.Pytester,
    run_processes: RunProcesses,
    decoration: str,
    args: list[str],
    error: str,
) -> None:
    pytester.makepyfile(tasks_r=fails_once(decoration, error))
    result = run_processes(*args)
    result.stdout.fnmatch_lines(["tasks_r.py R.*", "*= 1 passed, 1 rerun in *"])
    assert result.ret == 0


@pytest.mark.parametrize(
    ("decoration", "args"),
    [
        ("", ["--reruns", "2", "--only-rerun", "ValueError"]),
        ("", ["--reruns", "2", "--rerun-except", "Connection"]),
        ("@pytest.mark.flaky(reruns=2, only_rerun=['ValueError'])", []),
        ("@pytest.mark.flaky(reruns=2, condition=False)", []),
        ("@pytest.mark.flaky(reruns=2, condition='sys.platform == \"nowhere\"')", []),
        ("@pytest.mark.flaky(reruns=2, condition=lambda err: 'never' in str(err))", []),
        ("@pytest.mark.processes(retries=0)\n@pytest.mark.flaky(reruns=2)", []),
    ],
    ids=[
        "only-rerun",
        "rerun-except",
        "marker-only-rerun",
        "condition",
        "condition-str",
        "condition-on-error",
        "own",
    ],
)
def test_reruns_that_do_not_apply(
    pytester: pytest.Pytester, run_processes: RunProcesses, decoration: str, args: list[str]
) -> None:
    pytester.makepyfile(tasks_r=fails_once(decoration))
    result = run_processes(*args)
    result.assert_outcomes(failed=1)
    assert "rerun in" not in result.stdout.str()
    result.stdout.fnmatch_lines(["tasks_r.py F *"])


def test_plugins_that_wrap_the_test_protocol_are_named_in_the_header(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        wrapper_plugin="""
        import pytest

        @pytest.hookimpl(wrapper=True)
        def pytest_runtest_call(item):
            return (yield)

        def pytest_pyfunc_call(pyfuncitem):
            return None
        """,
        tasks_t="def task_ok():\n    pass\n",
    )
    pytester.syspathinsert()
    result = run_processes("-p", "wrapper_plugin")
    result.stdout.fnmatch_lines(
        [
            "processes: plugin wrapper_plugin does not act on tasks: it wraps each test's run "
            "(pytest_runtest_call, pytest_pyfunc_call), which tasks do not go through"
        ]
    )
    for mapped in ("pytest-timeout", "pytest-rerunfailures", "pytest-xdist"):
        result.stdout.no_fnmatch_line(f"processes: plugin {mapped} *")
    assert result.ret == 0
