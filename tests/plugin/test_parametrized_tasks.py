"""``@pytest.mark.parametrize`` on tasks: one task per value set, paired or fanned in downstream."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from plugin_helpers import RunProcesses

FAMILY = """
    import pytest

    @pytest.mark.parametrize("env", ["dev", "prod"])
    def task_build(env):
        return f"built-{env}"

    def task_deploy(build, env):
        return f"{build} to {env}"

    def task_release(deploy):
        return deploy
"""


def test_one_task_per_value_paired_downstream_and_fanned_in(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_fam=FAMILY)
    out = pytester.path / "report.json"
    result = run_processes("-v", f"--processes-json={out}")
    for name in ("build[dev]", "build[prod]", "deploy[dev]", "deploy[prod]", "release"):
        assert any(line.startswith(f"tasks_fam.py::{name} PASSED") for line in result.stdout.lines)
    result.assert_outcomes(passed=5)
    entries = json.loads(out.read_text())["entries"]
    assert entries["deploy[prod]"]["result"] == "built-prod to prod"
    assert entries["release"]["result"] == {"dev": "built-dev to dev", "prod": "built-prod to prod"}
    assert entries["deploy[dev]"]["dependencies"] == ["build[dev]"]


def test_instance_ids_are_the_ids_pytest_gives_tests(pytester: pytest.Pytester) -> None:
    """The same marks on a test and on a task give the same bracketed ids."""
    marks = """
        import pytest

        class Env:
            pass

        @pytest.mark.parametrize("n", [1, 2.5])
        @pytest.mark.parametrize(
            "region", ["eu", pytest.param("us", id="america"), Env(), None, "eu"]
        )
        @pytest.mark.parametrize(("a", "b"), [(True, b"x")], ids=["pair"])
        def {name}(n, region, a, b):
            pass
    """
    pytester.makepyfile(
        test_ids=marks.replace("{name}", "test_it"), tasks_ids=marks.replace("{name}", "task_it")
    )
    tests = pytester.runpytest("--collect-only", "-q", "test_ids.py")
    tasks = pytester.runpytest("--processes", "--collect-only", "-q", "tasks_ids.py")

    def ids(result: pytest.RunResult) -> list[str]:
        return [
            line.split("[", 1)[1] for line in result.stdout.lines if "::" in line and "[" in line
        ]

    assert len(ids(tests)) == 10
    assert ids(tasks) == ids(tests)


def test_selection_by_keyword_and_node_id(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_fam=FAMILY)
    by_keyword = run_processes("-v", "-k", "build and dev")
    by_keyword.stdout.fnmatch_lines(["tasks_fam.py::build[[]dev[]] PASSED*"])
    by_keyword.assert_outcomes(passed=1, deselected=4)

    by_id = run_processes("-v", "tasks_fam.py::deploy[prod]", "--processes-json=r.json")
    by_id.assert_outcomes(passed=1)
    ran = set(json.loads((pytester.path / "r.json").read_text())["entries"])
    assert ran == {"build[prod]", "deploy[prod]"}  # its upstream instance, not the other one

    whole_family = run_processes("-v", "tasks_fam.py::deploy")
    for name in ("deploy[dev]", "deploy[prod]"):  # in completion order, which varies
        whole_family.stdout.fnmatch_lines([f"tasks_fam.py::{name.replace('[', '[[]')} PASSED*"])
    whole_family.assert_outcomes(passed=2)


def test_a_family_in_another_file_collected_later(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    """``tasks_a.py`` inherits the family of ``tasks_z.py``, which is collected after it."""
    pytester.makepyfile(
        tasks_a="""
        def task_deploy(build, env):
            return f"{build} to {env}"

        def task_report(deploy):
            assert deploy == {"1": "built-1 to 1", "2": "built-2 to 2"}
        """,
        tasks_z="""
        import pytest

        @pytest.mark.parametrize("env", [1, 2])
        def task_build(env):
            return f"built-{env}"
        """,
    )
    result = run_processes("-v")
    result.stdout.fnmatch_lines(["tasks_a.py::deploy[[]1[]] PASSED*"], consecutive=False)
    result.assert_outcomes(passed=5)


def test_fan_in_of_task_results_for_an_all_done_task(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_fam="""
        import pytest
        from pytest_processes import TaskResult, task

        @pytest.mark.parametrize("shard", ["a", "b"])
        def task_load(shard):
            if shard == "b":
                raise ValueError("shard b is corrupt")
            return 1

        @task(trigger="all_done")
        def task_summary(load: dict[str, TaskResult]):
            print({k: r.status.value for k, r in sorted(load.items())})
        """
    )
    result = run_processes("-rA")
    result.stdout.fnmatch_lines(["*{'a': 'success', 'b': 'errored'}*"])
    result.assert_outcomes(passed=2, failed=1)


def test_pytest_param_marks_apply_to_their_instance(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makeini("[pytest]\nmarkers = slow: a slow task\n")
    pytester.makepyfile(
        tasks_fam="""
        import pytest

        @pytest.mark.parametrize("size", ["s", pytest.param("xl", marks=pytest.mark.slow)])
        def task_render(size):
            return size
        """
    )
    result = run_processes("-v", "-m", "slow")
    result.stdout.fnmatch_lines(["tasks_fam.py::render[[]xl[]] PASSED*"])
    result.assert_outcomes(passed=1, deselected=1)


def test_junit_names_the_instances(pytester: pytest.Pytester, run_processes: RunProcesses) -> None:
    pytester.makepyfile(tasks_fam=FAMILY)
    run_processes("--junitxml=out.xml").assert_outcomes(passed=5)
    names = [c.get("name") for c in ET.parse(pytester.path / "out.xml").iter("testcase")]
    assert sorted(names) == sorted(
        ["build[dev]", "build[prod]", "deploy[dev]", "deploy[prod]", "release"]
    )


def test_mermaid_graph_quotes_instance_names(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_fam=FAMILY)
    result = run_processes("--processes-graph")
    for line in ['    t0["build[dev]"]', "    t0 --> t2", "    t3 --> release"]:
        assert line in result.stdout.lines


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            """
            import pytest

            @pytest.mark.parametrize("x", [1], indirect=True)
            def task_bad(x):
                pass
            """,
            "tasks_bad.py:3: task 'bad': @pytest.mark.parametrize(indirect=...) has no meaning "
            "for a task*remove indirect=",
        ),
        (
            """
            import pytest

            @pytest.mark.parametrize("y", [1])
            def task_bad(x=1):
                pass
            """,
            "tasks_bad.py:3: task 'bad': @pytest.mark.parametrize: function uses no argument 'y'",
        ),
        (
            """
            import pytest

            @pytest.mark.parametrize("env", ["dev"])
            def task_build(env):
                pass

            @pytest.mark.parametrize("env", ["staging"])
            def task_check(build, env):
                pass
            """,
            "tasks_bad.py:7: task 'check[[]staging[]]' takes 'build' from 'build' with "
            "env=staging, but 'build' has no such instance (it has: build[[]dev[]])",
        ),
    ],
    ids=["indirect", "unknown-argument", "no-instance-to-pair"],
)
def test_family_errors_name_file_line_and_task(
    pytester: pytest.Pytester, run_processes: RunProcesses, source: str, message: str
) -> None:
    pytester.makepyfile(tasks_bad=source)
    result = run_processes()
    result.stdout.fnmatch_lines(["*ERROR collecting tasks_bad.py*", message])
    assert result.ret == pytest.ExitCode.INTERRUPTED


def test_declared_and_inherited_parameters_multiply_across_files(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    """``deploy`` declares regions and inherits ``env`` from a family collected after it."""
    pytester.makepyfile(
        tasks_a="""
        import pytest

        @pytest.mark.parametrize("region", ["eu", "us"])
        def task_deploy(build, env, region):
            assert build == env
            return f"{env}@{region}"
        """,
        tasks_z="""
        import pytest

        @pytest.mark.parametrize("env", ["dev", "prod"])
        def task_build(env):
            return env
        """,
    )
    result = run_processes("-v", "--processes-json=r.json")
    result.assert_outcomes(passed=6)
    entries = json.loads((pytester.path / "r.json").read_text())["entries"]
    assert entries["deploy[us-prod]"]["result"] == "prod@us"
    assert entries["deploy[eu-dev]"]["dependencies"] == ["build[dev]"]
