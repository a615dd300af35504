"""Job files (``tasks_*.yaml``): tasks as configuration, mixed freely with Python tasks."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from plugin_helpers import RunProcesses

EXAMPLE = Path(__file__).parents[2] / "examples" / "jobfile"

#: the functions job files call in these tests (a plain module, no pytest)
ETL = """
    from pathlib import Path

    def extract(n, scale=1):
        return [i * scale for i in range(n)]

    def load(rows, target="db"):
        print(f"loading {rows} into {target}")
        return {"target": target, "count": len(rows)}

    def touch(name):
        Path(name).write_text("ran")

    def fail(message):
        raise ValueError(message)

    def exists(name):
        return Path(name).exists()

    class Failing:
        def __init__(self, message):
            raise ValueError(message)

        def run(self):
            pass

    NOT_CALLABLE = 42
"""

#: a valid task next to the broken ones: it must never run when collection fails
SENTINEL = """
    from pathlib import Path

    def task_sentinel():
        Path("sentinel-ran").write_text("ran")
"""


def yaml_file(pytester: pytest.Pytester, name: str, text: str) -> Path:
    return pytester.makefile(".yaml", **{name: text})


def assert_collection_error(pytester: pytest.Pytester, result: pytest.RunResult) -> None:
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*Interrupted: * error* during collection*"])
    assert not (pytester.path / "sentinel-ran").exists()


# -- running -------------------------------------------------------------------------------


def test_yaml_and_python_tasks_take_each_others_results(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        etl=ETL,
        tasks_py="""
        def task_factor():
            return 10

        def task_double(extract):          # a YAML task's result, by parameter name
            return extract * 2

        def task_report(load):
            assert load == {"target": "warehouse", "count": 6}
        """,
    )
    yaml_file(
        pytester,
        "tasks_jobs",
        """
        tasks:
          extract:
            call: etl.extract
            args: {n: 3}
            inputs: {scale: factor}        # a Python task's result, as parameter scale
          load:
            call: etl.load
            inputs: {rows: double}
            args: {target: warehouse}
        """,
    )
    result = run_processes("-v", "-rP")
    result.stdout.fnmatch_lines(
        [
            "tasks_py.py::factor PASSED*",
            "tasks_jobs.yaml::extract PASSED*",
            "tasks_py.py::double PASSED*",
            "tasks_jobs.yaml::load PASSED*",
            "tasks_py.py::report PASSED*",
            "*_ task load _*",
            "loading [[]0, 10, 20, 0, 10, 20[]] into warehouse",
        ]
    )
    assert result.ret == pytest.ExitCode.OK


def test_other_parameters_are_injected_like_a_python_tasks(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        stats="""
        def summary(tmp_path, limit: int, label="none", *, extract):
            (tmp_path / "out.txt").write_text("x")
            assert limit == 2, repr(limit)     # cast by its annotation
            return f"{label}:{extract[:limit]}"
        """,
        tasks_py="""
        def task_extract():
            return [1, 2, 3]

        def task_check(summary):
            assert summary == "none:[1, 2]", summary
        """,
    )
    yaml_file(pytester, "tasks_s", "tasks:\n  summary:\n    call: stats.summary\n")
    result = run_processes("--processes-param", "limit=2")
    result.assert_outcomes(passed=3)


def test_needs_orders_without_passing_the_result(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        etl=ETL,
        tasks_py="""
        def task_first():
            return "not for make or mark"

        def task_check(mark):
            assert mark is True
        """,
    )
    yaml_file(
        pytester,
        "tasks_order",
        """
        tasks:
          make:
            call: etl.touch               # touch(name): a passed result would not fit
            args: {name: made.txt}
            needs: [first]
          mark:
            call: etl.exists
            args: {name: made.txt}
            needs: [make, first, make]
        """,
    )
    result = run_processes("--collect-only")
    result.stdout.fnmatch_lines(["make  <- first", "mark  <- make, first", "check  <- mark"])
    run_processes().assert_outcomes(passed=4)


CONFTEST_OPTIONS = """
    import threading
    import pytest

    RELEASE = threading.Event()

    @pytest.fixture(scope="session", autouse=True)
    def _release():
        yield
        RELEASE.set()

    def pytest_processes_run_start(tasks, workers, executor):
        for t in tasks:
            print(f"HOOK: {t.name} retries={t.retries} timeout={t.timeout} "
                  f"retry_on={[e.__name__ for e in t.retry_on or ()]} locks={list(t.locks)} "
                  f"trigger={t.trigger}")
"""


def test_options_retries_timeout_trigger_locks_and_anchors(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makeconftest(CONFTEST_OPTIONS)
    pytester.makepyfile(
        flaky="""
        from pathlib import Path

        def flaky(name):
            path = Path(name)
            tries = int(path.read_text()) if path.exists() else 0
            path.write_text(str(tries + 1))
            if tries < 1:
                raise ConnectionError(f"attempt {tries + 1} failed")

        def hang():
            from conftest import RELEASE
            RELEASE.wait(30)

        def cleanup(flaky, hung):
            assert flaky is None and hung is None
        """
    )
    yaml_file(
        pytester,
        "tasks_opts",
        """
        x-common: &common
          retries: 1
          retry_on: [ConnectionError, OSError]
          locks: [db]

        tasks:
          flaky:
            <<: *common
            call: flaky.flaky
            args: {name: count.txt}
          hung:
            call: flaky.hang
            timeout: 0.2
          cleanup:
            call: flaky.cleanup
            inputs: {flaky: flaky, hung: hung}
            trigger: all_done
        """,
    )
    result = run_processes("-v", "-s", "-rf")
    result.stdout.fnmatch_lines(
        [
            "HOOK: flaky retries=1 timeout=None retry_on=['ConnectionError', 'OSError'] "
            "locks=['db'] trigger=all_success",
            "HOOK: hung retries=0 timeout=0.2 retry_on=[] locks=[] trigger=all_success",
            "HOOK: cleanup retries=0 timeout=None retry_on=[] locks=[] trigger=all_done",
        ],
        consecutive=False,
    )
    result.stdout.fnmatch_lines(
        [
            "tasks_opts.yaml::flaky PASSED (2 attempts)*",
            "*tasks_opts.yaml::hung - TimeoutError: Task 'hung' timed out after 0.2s*",
        ]
    )
    result.assert_outcomes(passed=2, failed=1)


def test_yaml_options_override_the_ini_defaults(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makeini("[pytest]\nprocesses_retries = 3\nprocesses_timeout = 9\n")
    pytester.makeconftest(CONFTEST_OPTIONS)
    pytester.makepyfile(etl=ETL)
    yaml_file(
        pytester,
        "tasks_o",
        "tasks:\n  once:\n    call: etl.fail\n    args: {message: x}\n    retries: 0\n"
        "    timeout: 1.5\n",
    )
    result = run_processes("-s")
    result.stdout.fnmatch_lines(["HOOK: once retries=0 timeout=1.5 *"])
    result.assert_outcomes(failed=1)


def test_a_yaml_task_runs_on_a_worker_process(pytester: pytest.Pytester) -> None:
    """The module is found next to the job file (not on sys.path) also in the worker."""
    jobs = pytester.mkdir("jobs")
    (jobs / "etl.py").write_text(
        "import multiprocessing\n\ndef where(prefix):\n"
        "    return prefix + multiprocessing.current_process().name\n"
    )
    (jobs / "tasks_w.yaml").write_text(
        "tasks:\n  where:\n    call: etl.where\n    args: {prefix: 'on '}\n"
    )
    pytester.makepyfile(
        tasks_check="""
        def task_check(where):
            assert where.startswith("on pytest_processes-process-"), where
        """
    )
    result = pytester.runpytest_subprocess("--processes", "--processes-executor", "process", "-v")
    result.stdout.fnmatch_lines(["jobs/tasks_w.yaml::where PASSED*", "*check PASSED*"])
    assert result.ret == pytest.ExitCode.OK


@pytest.mark.parametrize("call", ["etl.fail", "etl.Failing"], ids=["function", "class"])
def test_failure_shows_the_called_code_not_the_engine(
    pytester: pytest.Pytester, run_processes: RunProcesses, call: str
) -> None:
    pytester.makepyfile(etl=ETL)
    yaml_file(
        pytester, "tasks_f", f"tasks:\n  bad:\n    call: {call}\n    args: {{message: nope}}\n"
    )
    result = run_processes()
    result.stdout.fnmatch_lines(
        [
            "*_ task bad _*",
            "",
            "*message = 'nope'",
            "",
            "*raise ValueError(message)*",
            "E * ValueError: nope",
            "etl.py:*: ValueError",
        ]
    )
    result.assert_outcomes(failed=1)
    assert "attempt.py" not in result.stdout.str()


# -- selection, reports --------------------------------------------------------------------

JOBS = """
    tasks:
      extract:
        call: etl.extract
        args: {n: 2}
      load:
        call: etl.load
        inputs: {rows: extract}
        markers: [nightly, {xfail: {reason: known, strict: false}}]
"""


@pytest.mark.parametrize(
    "selection",
    [["-k", "load"], ["-m", "nightly"], ["tasks_jobs.yaml::load"]],
    ids=["keyword", "marker", "node-id"],
)
def test_selection_keeps_the_upstream_yaml_task(
    pytester: pytest.Pytester, run_processes: RunProcesses, selection: list[str]
) -> None:
    pytester.makeini("[pytest]\nmarkers =\n    nightly: nightly jobs\n")
    pytester.makepyfile(etl=ETL)
    yaml_file(pytester, "tasks_jobs", JOBS)
    result = run_processes("-v", "--strict-markers", *selection)
    result.stdout.fnmatch_lines(
        [
            "processes: also running 1 upstream task(s) that were not selected: extract",
            "tasks_jobs.yaml::load XPASS*",
        ]
    )
    assert "tasks_jobs.yaml::extract " not in result.stdout.str()


def test_collect_only_lists_yaml_tasks_in_dependency_order(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(etl=ETL, tasks_py="def task_report(load):\n    pass\n")
    yaml_file(pytester, "tasks_jobs", JOBS.replace("nightly, ", ""))
    result = run_processes("--collect-only")
    result.stdout.fnmatch_lines(
        [
            "*<JobFile tasks_jobs.yaml>",
            "*<JobItem extract>",
            "*<JobItem load>",
            "*tasks in dependency order*",
            "extract",
            "load  <- extract",
            "report  <- load",
        ]
    )
    assert result.ret == pytest.ExitCode.OK


def test_junit_has_a_testcase_per_yaml_task(
    pytester: pytest.Pytester, run_processes: RunProcesses, junit_schema: Any
) -> None:
    pytester.makepyfile(etl=ETL)
    yaml_file(
        pytester,
        "tasks_j",
        "tasks:\n  ok:\n    call: etl.extract\n    args: {n: 1}\n"
        "  bad:\n    call: etl.fail\n    args: {message: broken}\n",
    )
    run_processes("--junitxml=junit.xml")
    junit_schema.validate(str(pytester.path / "junit.xml"))
    found = {c.get("name"): c for c in ET.parse(pytester.path / "junit.xml").iter("testcase")}
    assert set(found) == {"ok", "bad"}
    assert found["ok"].get("classname") == "tasks_j.yaml"
    failure = found["bad"].find("failure")
    assert failure is not None and failure.get("message") == "ValueError: broken"


def test_last_failed_reruns_with_the_yaml_upstream(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        etl=ETL,
        tasks_py="""
        from pathlib import Path

        def task_check(extract):
            assert Path("fixed").exists(), extract
        """,
    )
    yaml_file(pytester, "tasks_up", "tasks:\n  extract:\n    call: etl.extract\n    args: {n: 2}\n")
    run_processes().assert_outcomes(passed=1, failed=1)
    (pytester.path / "fixed").write_text("")
    result = run_processes("--lf", "-v")
    result.stdout.fnmatch_lines(["*also running 1 upstream task(s)*: extract", "*check PASSED*"])
    result.assert_outcomes(passed=1)


def test_resume_restores_a_yaml_task_until_its_args_change(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        calls="""
        from pathlib import Path

        def record(n):
            with Path("calls.txt").open("a") as f:
                f.write(f"record {n}\\n")
            return n
        """,
        tasks_py="""
        from pathlib import Path

        def task_check(record):
            assert Path("fixed").exists(), record
        """,
    )

    def job(n: int) -> None:
        yaml_file(
            pytester,
            "tasks_r",
            f"tasks:\n  record:\n    call: calls.record\n    args: {{n: {n}}}\n",
        )

    def calls() -> list[str]:
        path = pytester.path / "calls.txt"
        found = path.read_text().splitlines()
        path.unlink()
        return found

    job(1)
    run_processes().assert_outcomes(passed=1, failed=1)
    assert calls() == ["record 1"]
    (pytester.path / "fixed").write_text("")
    result = run_processes("--processes-resume", "-v")
    result.stdout.fnmatch_lines(["*tasks_r.yaml::record RESTORED*"])
    assert not (pytester.path / "calls.txt").exists()
    (pytester.path / "fixed").unlink()
    run_processes()  # fails check again, with record run afresh
    assert calls() == ["record 1"]
    (pytester.path / "fixed").write_text("")
    job(2)  # a changed argument: the stored result no longer applies
    run_processes("--processes-resume").assert_outcomes(passed=2)
    assert calls() == ["record 2"]


def test_plain_pytest_never_collects_job_files(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(etl=ETL)
    yaml_file(pytester, "tasks_jobs", "tasks:\n  t:\n    call: etl.touch\n    args: {name: ran}\n")
    yaml_file(pytester, "tasks_broken", "tasks: [not: valid")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    assert not (pytester.path / "ran").exists()


def test_the_bundled_example_runs(pytester: pytest.Pytester, run_processes: RunProcesses) -> None:
    shutil.copytree(EXAMPLE, pytester.path / "jobfile")
    result = run_processes("jobfile", "-v", "-rP")
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(["*jobfile/tasks_words.yaml::top_words PASSED*", "  2  could"])


# -- problems: each names the file and the line ------------------------------------------


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        pytest.param(
            "call: etl.extract\n    retires: 2",
            "tasks_bad.yaml:4: task 'job': unknown key 'retires'; did you mean 'retries'?",
            id="unknown-key",
        ),
        pytest.param(
            "call: etl.extract\n    dependencies: [sentinel]",
            "tasks_bad.yaml:4: task 'job': unknown key 'dependencies'; did you mean 'needs' "
            "(run after, without the result) or 'inputs' (take its result)?",
            id="key-from-flowmancer",
        ),
        pytest.param(
            "args: {n: 1}",
            "tasks_bad.yaml:2: task 'job': no 'call': say which function it runs*",
            id="no-call",
        ),
        pytest.param(
            "call: etls.extract",
            "tasks_bad.yaml:3: task 'job': call: no module named 'etls' (looked in sys.path, *)",
            id="no-module",
        ),
        pytest.param(
            "call: etl.extrct",
            "tasks_bad.yaml:3: task 'job': call: 'etl' has no attribute 'extrct'; "
            "did you mean 'extract'*",
            id="no-function",
        ),
        pytest.param(
            "call: etl.NOT_CALLABLE",
            "tasks_bad.yaml:3: task 'job': call: 'etl.NOT_CALLABLE' is not callable: it is int 42",
            id="not-callable",
        ),
        pytest.param(
            "call: broken.f",
            "tasks_bad.yaml:3: task 'job': call: importing module 'broken' failed: "
            "ModuleNotFoundError: No module named 'missing_dependency'",
            id="module-import-fails",
        ),
        pytest.param(
            "call: extract",
            "tasks_bad.yaml:3: task 'job': call: 'extract' is not a dotted path like "
            "package.module.function*",
            id="not-dotted",
        ),
        pytest.param(
            "call: etl.extract\n    args: {n: 1, scle: 2}",
            "tasks_bad.yaml:4: task 'job': args: 'scle' is not a parameter of "
            "etl.extract(n, scale); did you mean 'scale'?",
            id="unknown-arg",
        ),
        pytest.param(
            "call: etl.extract\n    args: [1]",
            "tasks_bad.yaml:4: task 'job': 'args' must be a mapping, got a list",
            id="args-type",
        ),
        pytest.param(
            "call: etl.extract\n    args: {n: 1}\n    inputs: {n: sentinel}",
            "tasks_bad.yaml:5: task 'job': inputs: 'n' is also given in args (line 4); keep one",
            id="arg-and-input",
        ),
        pytest.param(
            "call: etl.extract\n    retries: two",
            "tasks_bad.yaml:4: task 'job': 'retries' must be a whole number of extra attempts "
            "(0 or more), got str 'two'",
            id="retries-type",
        ),
        pytest.param(
            "call: etl.extract\n    timeout: -1",
            "tasks_bad.yaml:4: task 'job': 'timeout' must be a number of seconds above 0, "
            "got int -1",
            id="timeout-value",
        ),
        pytest.param(
            "call: etl.extract\n    locks: db",
            "tasks_bad.yaml:4: task 'job': 'locks' must be a list of names, got str 'db'",
            id="locks-type",
        ),
        pytest.param(
            "call: etl.extract\n    trigger: all_succes",
            "tasks_bad.yaml:4: task 'job': 'trigger' must be one of all_success, all_done, "
            "no_failures (did you mean 'all_success'?), got str 'all_succes'",
            id="trigger-value",
        ),
        pytest.param(
            "call: etl.extract\n    executor: gpu",
            "tasks_bad.yaml:4: task 'job': 'executor' must be one of thread, process, dask, "
            "got str 'gpu'",
            id="executor-value",
        ),
        pytest.param(
            "call: etl.extract\n    retry_on: [ConectionError]",
            "tasks_bad.yaml:4: task 'job': retry_on: 'ConectionError' is not a built-in "
            "exception; did you mean 'ConnectionError'*",
            id="retry-on",
        ),
        pytest.param(
            "call: etl.extract\n    markers: [nighty]",
            "tasks_bad.yaml:4: task 'job': markers: 'nighty' not found in `markers` "
            "configuration option",
            id="strict-markers",
            marks=pytest.mark.skipif(
                pytest.version_tuple[:2] == (9, 0),
                reason="pytest 9.0 ignores --strict-markers given in the ini's addopts",
            ),
        ),
    ],
)
def test_bad_task_is_a_collection_error_at_its_line(
    pytester: pytest.Pytester, run_processes: RunProcesses, task: str, expected: str
) -> None:
    pytester.makeini("[pytest]\naddopts = --strict-markers\nmarkers =\n    nightly: jobs\n")
    pytester.makepyfile(
        etl=ETL, broken="import missing_dependency\n\ndef f():\n    pass\n", tasks_ok=SENTINEL
    )
    yaml_file(pytester, "tasks_bad", f"tasks:\n  job:\n    {task}\n")
    result = run_processes()
    assert_collection_error(pytester, result)
    result.stdout.fnmatch_lines(["*ERROR collecting tasks_bad.yaml*", expected])


def test_all_problems_of_a_file_are_listed_at_once(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(etl=ETL, tasks_ok=SENTINEL)
    yaml_file(
        pytester,
        "tasks_bad",
        """
        version: 0.1
        tasks:
          succeed-task-a:
            call: etl.extract
          ok:
            call: etl.extract
            args: {n: 1}
            args: {n: 2}
        """,
    )
    result = run_processes()
    assert_collection_error(pytester, result)
    result.stdout.fnmatch_lines(
        [
            "tasks_bad.yaml:1: unknown key 'version': a job file has 'tasks', and 'x-' keys*",
            "tasks_bad.yaml:3: task name 'succeed-task-a' is not a Python identifier *; "
            "call it 'succeed_task_a'",
            "tasks_bad.yaml:8: key 'args' is given twice (first at line 7); keep one",
        ]
    )


def test_problems_of_every_job_file_come_in_one_pass(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    """A file's own problems and its references to no task are reported together, not in turn.

    ``load`` also names ``report``, whose call is broken: it exists, so that is no problem.
    """
    pytester.makepyfile(etl=ETL, tasks_ok=SENTINEL)
    yaml_file(
        pytester,
        "tasks_a",
        """
        tasks:
          extract:
            call: etl.extract
            retires: 2
          load:
            call: etl.load
            inputs: {rows: extrct}
            needs: [report]
        """,
    )
    yaml_file(
        pytester,
        "tasks_b",
        """
        tasks:
          report:
            call: etl.lod
            inputs: {rows: load}
        """,
    )
    result = run_processes("--processes-param", "n=1")
    assert_collection_error(pytester, result)
    result.stdout.fnmatch_lines(
        [
            "*ERROR collecting tasks_a.yaml*",
            "tasks_a.yaml:4: task 'extract': unknown key 'retires'; did you mean 'retries'?",
            "tasks_a.yaml:7: task 'load': inputs: 'rows' takes the result of 'extrct', which "
            "names no task; did you mean 'extract'?",
            "*ERROR collecting tasks_b.yaml*",
            "tasks_b.yaml:3: task 'report': call: 'etl' has no attribute 'lod'; did you mean "
            "'load'?",
            "*Interrupted: 2 errors during collection*",
        ]
    )
    assert "report', which names no task" not in result.stdout.str()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "tasks:\n  a:\n    call: [etl.extract\n",
            "tasks_bad.yaml:4: not valid YAML: while parsing a flow sequence (from line 3); *",
        ),
        (
            "tasks:\n  a: {call: etl.extract\n  b: 1\n",
            "tasks_bad.yaml:3: not valid YAML: while parsing a flow mapping (from line 2); *",
        ),
        (
            "tasks:\n  a:\n\tcall: x\n",
            "tasks_bad.yaml:3: not valid YAML: *'\\t' that cannot start any token",
        ),
        ("- just\n- a list\n", "tasks_bad.yaml:1: a job file must be a mapping, got a list"),
        ("tasks: 3\n", "tasks_bad.yaml:1: 'tasks' must be a mapping, got int 3"),
        ("tasks:\n  a: etl.extract\n", "tasks_bad.yaml:2: task 'a': a task must be a mapping*"),
        ("tasks:\n  a:\n    call: !!python/name:os.system\n", "tasks_bad.yaml:3: task 'a': *"),
    ],
    ids=[
        "unclosed-list",
        "unclosed-mapping",
        "tab",
        "not-a-mapping",
        "tasks-type",
        "task-type",
        "unsafe-tag",
    ],
)
def test_malformed_file_is_a_collection_error_at_its_line(
    pytester: pytest.Pytester, run_processes: RunProcesses, text: str, expected: str
) -> None:
    pytester.makepyfile(etl=ETL, tasks_ok=SENTINEL)
    (pytester.path / "tasks_bad.yaml").write_text(text)
    result = run_processes()
    assert_collection_error(pytester, result)
    result.stdout.fnmatch_lines(["*ERROR collecting tasks_bad.yaml*", expected])


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        pytest.param(
            "needs: [sentinl]",
            "tasks_bad.yaml:4: task 'job': needs: 'sentinl', which names no task; "
            "did you mean 'sentinel'?",
            id="needs",
        ),
        pytest.param(
            "inputs: {scale: sentinal}",
            "tasks_bad.yaml:4: task 'job': inputs: 'scale' takes the result of 'sentinal', "
            "which names no task; did you mean 'sentinel'?",
            id="inputs",
        ),
        pytest.param(
            "needs: [job]",
            "tasks_bad.yaml:4: task 'job': needs: 'job', itself",
            id="itself",
        ),
    ],
)
def test_reference_to_no_task_is_a_collection_error_at_its_line(
    pytester: pytest.Pytester, run_processes: RunProcesses, task: str, expected: str
) -> None:
    pytester.makepyfile(etl=ETL, tasks_ok=SENTINEL)
    yaml_file(pytester, "tasks_bad", f"tasks:\n  job:\n    call: etl.extract\n    {task}\n")
    result = run_processes("--processes-param", "n=1")
    assert_collection_error(pytester, result)
    result.stdout.fnmatch_lines(["*ERROR collecting tasks_bad.yaml*", expected])


def test_yaml_and_python_task_of_one_name_show_both_lines(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(etl=ETL, tasks_py="def task_extract():\n    pass\n")
    yaml_file(pytester, "tasks_jobs", "tasks:\n  Extract:\n    call: etl.extract\n")
    result = run_processes("--processes-param", "n=1")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(
        ["*two tasks are named 'extract': tasks_*:* and tasks_*:*; rename one*"]
    )


def test_unknown_marker_warns_at_the_job_files_line(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(etl=ETL)
    yaml_file(
        pytester,
        "tasks_m",
        "tasks:\n  t:\n    call: etl.extract\n    args: {n: 1}\n"
        "    markers:\n      - unregistered\n",
    )
    result = run_processes("-W", "default::pytest.PytestUnknownMarkWarning")
    result.stdout.fnmatch_lines(
        ["tasks_m.yaml:6", "*PytestUnknownMarkWarning: Unknown pytest.mark.unregistered*"]
    )
    result.assert_outcomes(passed=1, warnings=1)
    result = run_processes("-W", "error::pytest.PytestUnknownMarkWarning")
    result.stdout.fnmatch_lines(
        [
            "tasks_m.yaml:6: task 't': markers: PytestUnknownMarkWarning: "
            "Unknown pytest.mark.unregistered*"
        ]
    )
    assert result.ret == pytest.ExitCode.INTERRUPTED


def test_input_from_a_parametrized_family_names_its_instances(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        etl=ETL,
        tasks_fam="""
        import pytest

        @pytest.mark.parametrize("size", [2, 3])
        def task_rows(size):
            return list(range(size))
        """,
    )
    yaml_file(
        pytester, "tasks_bad", "tasks:\n  job:\n    call: etl.load\n    inputs: {rows: rows}\n"
    )
    result = run_processes()
    result.stdout.fnmatch_lines(
        [
            "*ERROR collecting tasks_bad.yaml*",
            "tasks_bad.yaml:4: task 'job': inputs: 'rows' takes the result of 'rows', "
            "a parametrized family (rows[[]2[]], rows[[]3[]]); name one instance*",
        ]
    )
    yaml_file(
        pytester, "tasks_bad", "tasks:\n  job:\n    call: etl.load\n    inputs: {rows: 'rows[3]'}\n"
    )
    result = run_processes("-v", "-s")
    result.stdout.fnmatch_lines(["*loading [[]0, 1, 2[]] into db*"])
    result.assert_outcomes(passed=3)


def test_retry_delay_in_a_job_file_reaches_the_task_and_is_checked(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makeconftest(
        """
        def pytest_processes_run_start(tasks, workers, executor):
            for t in tasks:
                print(f"HOOK: {t.name} retry_delay={t.retry_delay}")
        """
    )
    pytester.makepyfile(etl=ETL)
    yaml_file(
        pytester,
        "tasks_d",
        "tasks:\n  once:\n    call: etl.fail\n    args: {message: x}\n    retry_delay: 0.25\n",
    )
    result = run_processes("-s")
    result.stdout.fnmatch_lines(["HOOK: once retry_delay=0.25"])
    yaml_file(
        pytester,
        "tasks_d",
        "tasks:\n  once:\n    call: etl.fail\n    args: {message: x}\n    retry_delay: -1\n",
    )
    result = run_processes()
    result.stdout.fnmatch_lines(
        ["*tasks_d.yaml:5*'retry_delay' must be a number of seconds (0 or more)*got*"]
    )
    assert result.ret == pytest.ExitCode.INTERRUPTED
