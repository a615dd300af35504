"""The report webhook of ``pytest --processes``, POSTed to a ThreadingHTTPServer on 127.0.0.1."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from delivery_helpers import PROCESS_NAME, Hook, RunProcesses

from pytest_processes.plugin.delivery_options import ENV_WEBHOOK_SECRET

SECRET = "hook-s3cret-value"


@pytest.mark.usefixtures("red")
def test_signed_post_after_every_report_file_is_written(
    pytester: pytest.Pytester,
    hook_server: Hook,
    run_processes: RunProcesses,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(ENV_WEBHOOK_SECRET, SECRET)
    out = pytester.path / "out"
    hook_server.watch = [out / "run.json", out / "run.html", out / "junit.xml"]
    result = run_processes(
        "--processes-webhook",
        hook_server.url,
        "--processes-json",
        "out/run.json",
        "--processes-html",
        "out/run.html",
        "--junitxml",
        "out/junit.xml",
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert hook_server.files_seen == [[True, True, True]]
    (body,) = hook_server.bodies
    expected = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hook_server.headers[0]["x-signature-sha256"] == expected
    assert hook_server.headers[0]["content-type"] == "application/json"
    payload = json.loads(body)
    assert payload["process_name"] == PROCESS_NAME
    assert list(payload["entries"]) == ["transform"]  # notify=failures sends the failures
    assert payload["entries"]["transform"]["status"] == "errored"
    assert "bad row 21" in payload["entries"]["transform"]["error"]["exception"]
    result.stdout.fnmatch_lines(
        [
            f"processes: webhook to {hook_server.url} (signed), notify=failures",
            "*",
            f"processes: report sent: webhook to {hook_server.url}",
        ]
    )
    assert SECRET not in result.stdout.str() + result.stderr.str()


@pytest.mark.parametrize(
    ("tasks", "ret"), [("red", pytest.ExitCode.TESTS_FAILED), ("green", pytest.ExitCode.OK)]
)
def test_server_error_is_one_warning_line_and_keeps_the_exit_code(
    tasks: str,
    ret: pytest.ExitCode,
    hook_server: Hook,
    run_processes: RunProcesses,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    request.getfixturevalue(tasks)
    monkeypatch.setenv(ENV_WEBHOOK_SECRET, SECRET)
    hook_server.status = 500
    result = run_processes("--processes-webhook", hook_server.url, "--processes-notify=always")
    assert result.ret == ret
    assert len(hook_server.bodies) == 1
    warnings = [line for line in result.stdout.lines if "failed:" in line]
    assert warnings == [
        f"processes: webhook POST to {hook_server.url} failed: HTTP 500 Internal Server Error; "
        """response: '{"error": "boom"}'"""
    ]
    assert SECRET not in result.stdout.str() + result.stderr.str()


@pytest.mark.usefixtures("green")
def test_every_webhook_of_the_ini_list_gets_the_report(
    pytester: pytest.Pytester, hook_server: Hook, run_processes: RunProcesses
) -> None:
    other = hook_server.url.replace("/hook", "/other")
    pytester.makeini(
        f"""
        [pytest]
        processes_webhook =
            {hook_server.url}
            {other}
        processes_notify = always
        """
    )
    result = run_processes()
    assert result.ret == pytest.ExitCode.OK
    assert len(hook_server.bodies) == 2
    assert "x-signature-sha256" not in hook_server.headers[0]
    assert set(json.loads(hook_server.bodies[0])["entries"]) == {"extract", "count"}
    result.stdout.fnmatch_lines([f"processes: webhook to {other}, notify=always"])
