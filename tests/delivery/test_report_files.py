"""Report files under ``pytest --processes``: bad paths refused up front, one failure loses none.

A path that cannot be written is a usage error before any task runs. At the
end a report that cannot be written is one summary line, the other reports and
channels still go out, and a passing run exits with ``REPORT_NOT_WRITTEN``.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from delivery_helpers import Hook, RunProcesses
from loopback_servers import SMTPServer

from pytest_processes.plugin.report_files import REPORT_NOT_WRITTEN

MARKER_TASK = """
    from pathlib import Path

    def task_touch():
        Path("ran.txt").write_text("yes")
"""


@pytest.mark.parametrize("option", ["--processes-json", "--processes-html"])
def test_unwritable_report_path_is_a_usage_error_before_any_task(
    option: str, pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_job=MARKER_TASK)
    (pytester.path / "reports").write_text("a file, not a directory")
    result = run_processes(option, "reports/nightly/run.out")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    target = pytester.path / "reports" / "nightly" / "run.out"
    result.stderr.fnmatch_lines(
        [f"*Invalid {option} path {target}: cannot create directory *: * is not a directory*"]
    )
    assert not (pytester.path / "ran.txt").exists()


def test_report_path_that_is_a_directory_is_a_usage_error(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_job=MARKER_TASK)
    (pytester.path / "run.json").mkdir()
    result = run_processes("--processes-json", "run.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*Invalid --processes-json path *run.json: it is a directory*"])
    assert not (pytester.path / "ran.txt").exists()


def test_one_report_that_cannot_be_written_loses_no_other(
    pytester: pytest.Pytester, hook_server: Hook, run_processes: RunProcesses
) -> None:
    # the task turns the JSON report's directory into a file: only the write at the end fails
    pytester.makepyfile(
        tasks_job="""
        import shutil
        from pathlib import Path

        def task_clobber():
            shutil.rmtree("out")
            Path("out").write_text("not a directory any more")
        """
    )
    (pytester.path / "out").mkdir()
    result = run_processes(
        "--processes-json",
        "out/run.json",
        "--processes-html",
        "html/run.html",
        "--processes-webhook",
        hook_server.url,
        "--processes-notify",
        "always",
    )
    target = pytester.path / "out" / "run.json"
    result.stdout.fnmatch_lines(
        ["*generated processes html file*", "processes: report sent: webhook to *"]
    )
    result.stdout.fnmatch_lines(
        [f"processes: could not write JSON report {target}: *", "*= 1 passed in *"]
    )
    assert result.ret == REPORT_NOT_WRITTEN
    assert "Traceback" not in result.stdout.str() + result.stderr.str()
    assert (pytester.path / "html" / "run.html").is_file()
    assert len(hook_server.bodies) == 1
    assert not list(pytester.path.glob("**/*.tmp"))


def test_a_failed_run_keeps_its_exit_code_when_a_report_is_not_written(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_job="""
        from pathlib import Path

        def task_block():
            Path("report.html").mkdir()
            raise ValueError("bad row")
        """
    )
    result = run_processes("--processes-html", "report.html")
    result.stdout.fnmatch_lines(
        ["processes: could not write HTML report *report.html: *", "*= 1 failed in *"]
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED


SURROGATES = r"""
    import os

    def task_listing():
        name = os.fsdecode(b"caf\xe9.csv")  # as os.listdir gives a non-UTF-8 file name
        print("file:", name, "nul:\x00 bel:\x07 \x1b[31mred\x1b[0m ]]> </system-out>")
        return name

    def task_check(listing):
        raise ValueError(f"cannot load {listing}: bad byte \udcff")
"""


def test_undecodable_text_reaches_every_report_and_the_email(
    pytester: pytest.Pytester,
    smtp_server: Callable[..., SMTPServer],
    monkeypatch: pytest.MonkeyPatch,
    junit_schema: object,
) -> None:
    server = smtp_server("plain")
    pytester.makepyfile(tasks_job=SURROGATES)
    # In a subprocess whose console escapes what it cannot encode: in-process, the
    # task's log record (a lone surrogate) would reach this test's own captured log,
    # which pytest-xdist cannot ship. The reports, not the console, are checked here.
    monkeypatch.setenv("PYTHONIOENCODING", "utf-8:backslashreplace")
    result = pytester.runpytest_subprocess(
        "--processes",
        "--processes-json",
        "run.json",
        "--processes-html",
        "run.html",
        "--junitxml",
        "junit.xml",
        "--processes-smtp",
        f"127.0.0.1:{server.port}",
        "--processes-smtp-security",
        "none",
        "--processes-email-from",
        "ci@example.org",
        "--processes-email-to",
        "ops@example.org",
    )
    result.stdout.fnmatch_lines(
        ["*generated processes html file*", "processes: report sent: email to ops@example.org"]
    )
    result.stdout.fnmatch_lines(["*= 1 failed, 1 passed in *"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    page = (pytester.path / "run.html").read_bytes().decode("utf-8")
    assert "cannot load caf\\xe9.csv: bad byte \\xff" in page
    assert "nul:\\x00 bel:\\x07 red ]]&gt; &lt;/system-out&gt;" in page
    data = json.loads((pytester.path / "run.json").read_text("utf-8"))
    assert data["entries"]["listing"]["status"] == "success"
    junit_schema.validate(str(pytester.path / "junit.xml"))  # type: ignore[attr-defined]
    (message,) = server.messages
    text = message.get_body(("plain",))
    assert text is not None and "cannot load caf\\xe9.csv" in text.get_content()
