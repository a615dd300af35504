"""``before=`` (reverse dependencies) and ``wave=N`` under ``pytest --processes``.

Each task appends ``start name`` / ``end name`` to journal.txt, so a test reads
the order tasks really ran in (no sleeps, no timings).
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from plugin_helpers import RunProcesses

JOURNAL = """
    import threading
    from pathlib import Path

    _lock = threading.Lock()

    def note(line):
        with _lock, Path(__file__).with_name("journal.txt").open("a") as f:
            f.write(line + "\\n")

    def ran(name):
        note("start " + name)
        note("end " + name)
"""

#: a deploy family declared before the tasks that must run before it
DEPLOY = (
    JOURNAL
    + """
    import pytest
    from pytest_processes import task, when_scheduled

    @task
    @pytest.mark.parametrize("env", ["dev", "prod"])
    def deploy(env):
        ran(f"deploy[{env}]")

    @task(before=["deploy[*]"])
    def setup():
        ran("setup")

    @task(before=[when_scheduled("deploy[*]")])
    def migrate():
        ran("migrate")

    def task_other():
        ran("other")
"""
)


def journal(pytester: pytest.Pytester) -> list[str]:
    """The journal's lines (and forget them for the next run)."""
    path: Path = pytester.path / "journal.txt"
    if not path.exists():
        return []
    lines = path.read_text().splitlines()
    path.unlink()
    return lines


def starts(lines: list[str]) -> list[str]:
    return [line.split()[1] for line in lines if line.startswith("start ")]


@pytest.fixture
def deploy(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(tasks_ship=DEPLOY)
    return pytester


# -- before= -------------------------------------------------------------------------


def test_before_tasks_run_first_when_everything_runs(
    deploy: pytest.Pytester, run_processes: RunProcesses
) -> None:
    result = run_processes("--processes-workers=2", "--processes-json=run.json")
    result.assert_outcomes(passed=5)
    order = starts(journal(deploy))
    entries = json.loads((deploy.path / "run.json").read_text(encoding="utf-8"))["entries"]
    for target in ("deploy[dev]", "deploy[prod]"):
        assert order.index("setup") < order.index(target)
        assert order.index("migrate") < order.index(target)
        assert entries[target]["dependencies"] == ["setup", "migrate"]


def test_selecting_a_target_pulls_in_a_plain_before_task_only(
    deploy: pytest.Pytester, run_processes: RunProcesses
) -> None:
    """``-k deploy``: setup (plain) runs first; migrate (when_scheduled) is not involved."""
    result = run_processes("-k", "deploy", "--processes-workers=2")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        ["processes: also running 1 upstream task(s) that were not selected: setup"]
    )
    order = starts(journal(deploy))
    assert order[0] == "setup"
    assert sorted(order[1:]) == ["deploy[dev]", "deploy[prod]"]


def test_marker_selection_honours_both_forms(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    """``-m ship`` selects the deploys: setup (plain) comes along, migrate does not."""
    pytester.makeini("[pytest]\nmarkers =\n    ship: deploys\n")
    pytester.makepyfile(
        tasks_ship=DEPLOY.replace("    @task\n", "    @task\n    @pytest.mark.ship\n", 1)
    )
    result = run_processes("-m", "ship")
    result.assert_outcomes(passed=2)
    assert sorted(starts(journal(pytester))) == ["deploy[dev]", "deploy[prod]", "setup"]


def test_selecting_a_when_scheduled_task_pulls_in_its_targets_after_it(
    deploy: pytest.Pytester, run_processes: RunProcesses
) -> None:
    """``-k migrate``: the deploys are pulled in, and they pull in setup (plain form)."""
    result = run_processes("-k", "migrate", "--processes-workers=2")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "processes: also running 1 upstream task(s) that were not selected: setup",
            "processes: also running 2 task(s) that selected tasks must run before "
            "(before=when_scheduled): deploy[dev], deploy[prod]",
        ]
    )
    order = starts(journal(deploy))
    assert set(order) == {"setup", "migrate", "deploy[dev]", "deploy[prod]"}
    assert max(order.index("setup"), order.index("migrate")) < min(
        order.index("deploy[dev]"), order.index("deploy[prod]")
    )


def test_selecting_a_plain_before_task_runs_it_alone(
    deploy: pytest.Pytester, run_processes: RunProcesses
) -> None:
    result = run_processes("-k", "setup or other")
    result.assert_outcomes(passed=2)
    assert sorted(starts(journal(deploy))) == ["other", "setup"]


def test_collect_only_shows_the_injected_edges(
    deploy: pytest.Pytester, run_processes: RunProcesses
) -> None:
    result = run_processes("--collect-only")
    result.stdout.fnmatch_lines(
        [
            "*tasks in dependency order*",
            "deploy[dev]  <- setup (before), migrate (when_scheduled)",
            "deploy[prod]  <- setup (before), migrate (when_scheduled)",
        ]
    )
    only = run_processes("--collect-only", "-k", "migrate")
    only.stdout.fnmatch_lines(
        [
            "*tasks in dependency order*",
            "deploy[dev]  <- setup (before), migrate (when_scheduled)"
            "  (when_scheduled, not selected)",
        ]
    )
    plain = run_processes("--collect-only", "-k", "deploy")
    plain.stdout.fnmatch_lines(["deploy[dev]  <- setup (before)"])
    assert not journal(deploy)


def test_mermaid_graph_draws_injected_edges_dotted(
    deploy: pytest.Pytester, run_processes: RunProcesses
) -> None:
    result = run_processes("--processes-graph")
    result.stdout.fnmatch_lines(
        [
            "graph TD",
            '    t3["deploy[dev]"]',
            '    t4["deploy[prod]"]',
            "    setup -.->|before| t3",
            "    migrate -.->|when_scheduled| t3",
        ]
    )
    assert result.ret == pytest.ExitCode.OK


def test_a_before_pattern_matching_nothing_is_a_collection_error(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_typo="""
        from pytest_processes import task

        def task_deploy():
            pass

        @task(before=["deplyo*"])
        def setup():
            pass
        """
    )
    result = run_processes()
    assert (
        "tasks_typo.py:6: task 'setup': before='deplyo*' matches no task; patterns use "
        "* and ? (brackets are literal, e.g. 'deploy[*]'); check the name"
    ) in result.stdout.lines
    result.stdout.fnmatch_lines(["*1 error*"])
    assert result.ret == pytest.ExitCode.INTERRUPTED


def test_the_marker_takes_before(pytester: pytest.Pytester, run_processes: RunProcesses) -> None:
    pytester.makepyfile(
        tasks_marked=JOURNAL
        + """
    import pytest

    def task_report():
        ran("report")

    @pytest.mark.processes(before=["report"])
    def task_check():
        ran("check")
    """
    )
    run_processes().assert_outcomes(passed=2)
    assert starts(journal(pytester)) == ["check", "report"]


# -- waves ---------------------------------------------------------------------------

WAVES = (
    JOURNAL
    + """
    import pytest
    from pytest_processes import task

    @task(wave=2)
    def publish():
        ran("publish")

    @pytest.mark.processes(wave=1)
    def task_test_a():
        ran("test_a")

    @task(wave=1)
    def test_b():
        ran("test_b")

    def task_build():
        ran("build")
"""
)


def test_waves_run_in_order_whatever_the_declaration_order(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_waves=WAVES)
    result = run_processes("--processes-workers=4")
    result.assert_outcomes(passed=4)
    lines = journal(pytester)
    order = starts(lines)
    assert order[0] == "build" and order[-1] == "publish"
    assert lines.index("end build") < min(lines.index("start test_a"), lines.index("start test_b"))
    assert max(lines.index("end test_a"), lines.index("end test_b")) < lines.index("start publish")


def test_collect_only_shows_waves(pytester: pytest.Pytester, run_processes: RunProcesses) -> None:
    pytester.makepyfile(tasks_waves=WAVES)
    result = run_processes("--collect-only")
    result.stdout.fnmatch_lines(
        ["build", "test_a  (wave 1)", "test_b  (wave 1)", "publish  (wave 2)"]
    )


def test_a_dependency_on_a_later_wave_is_a_collection_error_naming_both(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_bad="""
        from pytest_processes import task

        @task(wave=1)
        def late():
            return 1

        def task_early(late):
            pass
        """
    )
    result = run_processes()
    result.stdout.fnmatch_lines(
        [
            "*tasks_bad.py:7: task 'early' (wave 0) depends on 'late' (wave 1): a task cannot "
            "wait for a later wave; move 'early' to wave 1 or later, or 'late' to wave 0 or "
            "earlier*",
            "*1 error*",
        ]
    )
    assert result.ret == pytest.ExitCode.INTERRUPTED


FAILING_WAVE = (
    JOURNAL
    + """
    from pytest_processes import task

    def task_broken():
        ran("broken")
        raise ValueError("wave 0 broke")

    @task(wave=1)
    def needs_broken(broken):
        ran("needs_broken")

    @task(wave=1)
    def independent():
        ran("independent")
"""
)


def test_a_failure_skips_its_dependants_and_the_next_wave_goes_on(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_fail=FAILING_WAVE)
    result = run_processes()
    result.assert_outcomes(passed=1, failed=1, skipped=1)
    assert starts(journal(pytester)) == ["broken", "independent"]


def test_exitfirst_stops_before_the_next_wave(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_fail=FAILING_WAVE)
    result = run_processes("-x")
    result.assert_outcomes(failed=1, skipped=1)  # the dependant: upstream failed
    assert starts(journal(pytester)) == ["broken"]


# -- job files -----------------------------------------------------------------------


def test_job_files_take_before_and_wave(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(steps=JOURNAL + "\n    def step(name):\n        ran(name)\n")
    pytester.makefile(
        ".yaml",
        tasks_jobs=textwrap.dedent(
            """
            tasks:
              publish:
                call: steps.step
                args: {name: publish}
                wave: 1
              report:
                call: steps.step
                args: {name: report}
              check:
                call: steps.step
                args: {name: check}
                before: [report, {when_scheduled: "pub*"}]
            """
        ),
    )
    result = run_processes("-v")
    result.assert_outcomes(passed=3)
    assert starts(journal(pytester)) == ["check", "report", "publish"]
    listing = run_processes("--collect-only")
    listing.stdout.fnmatch_lines(
        ["report  <- check (before)", "publish  <- check (when_scheduled)  (wave 1)"]
    )


def test_job_file_before_and_wave_are_checked(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(steps="def step():\n    pass\n")
    pytester.makefile(
        ".yaml",
        tasks_jobs="tasks:\n  a:\n    call: steps.step\n    wave: high\n    before: [{after: b}]\n",
    )
    result = run_processes()
    result.stdout.fnmatch_lines(
        [
            "*tasks_jobs.yaml:4: task 'a': 'wave' must be a whole number (tasks of lower waves "
            "finish first), got str 'high'*",
            "*tasks_jobs.yaml:5: task 'a': before: an entry is a task name pattern or "
            "{when_scheduled: pattern}, got a mapping*",
        ]
    )
    assert result.ret == pytest.ExitCode.INTERRUPTED
