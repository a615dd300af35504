"""WebhookChannel against a real loopback ThreadingHTTPServer."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import quote

import pytest
from loopback_servers import HookServer, build_leaky_report

from pytest_processes.comms import ReportContent, ReportDeliveryError, WebhookChannel, WebhookConfig
from pytest_processes.execution_report import ProcessExecutionReport

SECRET = "hmac-s3cret-value"


def post(
    hook: HookServer,
    report: ProcessExecutionReport,
    *,
    errors_only: bool = False,
    content: ReportContent | None = None,
    **config: Any,
) -> dict[str, Any]:
    WebhookChannel(WebhookConfig(hook.url, **config), content).send_report(
        report, errors_only=errors_only
    )
    assert len(hook.requests) == 1
    payload: dict[str, Any] = json.loads(hook.requests[0].body)
    return payload


def test_body_matches_processes_payload(
    hook_server: HookServer, report: ProcessExecutionReport
) -> None:
    payload = post(hook_server, report)
    request = hook_server.requests[0]
    assert (request.method, request.path) == ("POST", "/hook")
    assert request.headers["content-type"] == "application/json"
    assert list(payload) == ["process_name", "entries"]
    assert payload["process_name"] == "nightly-etl"
    entries = payload["entries"]
    assert list(entries) == ["extract", "transform", "load", "audit"]
    assert entries["extract"] == {
        "status": "success",
        "function": "do_extract",
        "elapsed_seconds": 0.5,
        "attempts": 1,
        "result": "{'rows': 3}",
    }
    assert entries["load"] == {
        "status": "skipped",
        "function": "do_load",
        "elapsed_seconds": 0.0,
        "attempts": 0,
    }
    error = entries["transform"]["error"]
    assert "result" not in entries["transform"]
    assert error == {
        "exception": "bad <row> 7",
        "downstream_impact": ["load"],
        "traceback": 'Traceback (most recent call last):\n  File "t.py", line 3\n'
        "ValueError: bad <row> 7\n",
        "traced_vars": {"row_id": "7", "payload": "{'amount': None}"},
        "traced_vars_location": "t.py:3",
    }


@pytest.mark.parametrize(("show_tb", "show_vars"), [(False, True), (True, False), (False, False)])
def test_content_flags(
    show_tb: bool, show_vars: bool, hook_server: HookServer, report: ProcessExecutionReport
) -> None:
    payload = post(hook_server, report, content=ReportContent(show_tb, show_vars))
    error = payload["entries"]["transform"]["error"]
    assert ("traceback" in error) is show_tb
    assert ("traced_vars" in error) is show_vars and ("traced_vars_location" in error) is show_vars


def test_errors_only(hook_server: HookServer, report: ProcessExecutionReport) -> None:
    payload = post(hook_server, report, errors_only=True)
    assert list(payload["entries"]) == ["transform"]


def test_headers_and_signature_over_the_exact_bytes(
    hook_server: HookServer, report: ProcessExecutionReport
) -> None:
    post(
        hook_server,
        report,
        secret=SECRET,
        headers={"Authorization": "Bearer t0ken", "Content-Type": "application/vnd.ops+json"},
    )
    request = hook_server.requests[0]
    expected = hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
    assert request.headers["x-signature-sha256"] == expected
    assert request.headers["authorization"] == "Bearer t0ken"
    assert request.headers["content-type"] == "application/vnd.ops+json"  # caller's header wins


def test_no_signature_without_secret(
    hook_server: HookServer, report: ProcessExecutionReport
) -> None:
    post(hook_server, report)
    assert "x-signature-sha256" not in hook_server.requests[0].headers


def test_nest_under_then_extra_payload_on_top(
    hook_server: HookServer, report: ProcessExecutionReport
) -> None:
    payload = post(
        hook_server,
        report,
        nest_under="report",
        extra_payload={"chat_id": 42, "report": "overridden?"},
    )
    assert list(payload) == ["report", "chat_id"]
    assert payload["chat_id"] == 42
    assert payload["report"] == "overridden?"  # extra_payload is merged last and wins
    payload2 = post_fresh(hook_server, report, nest_under="data", extra_payload={"chat_id": 7})
    assert payload2["data"]["process_name"] == "nightly-etl" and payload2["chat_id"] == 7


def post_fresh(hook: HookServer, report: ProcessExecutionReport, **config: Any) -> dict[str, Any]:
    hook.requests.clear()
    return post(hook, report, **config)


@pytest.mark.parametrize("status", [400, 500, 503])
def test_error_status_raises_without_the_secret(
    status: int, hook_server: HookServer, report: ProcessExecutionReport
) -> None:
    hook_server.status = status
    url = hook_server.url + "?token=query-" + SECRET
    with pytest.raises(ReportDeliveryError, match=rf"HTTP {status} .*nope") as info:
        WebhookChannel(WebhookConfig(url, secret=SECRET)).send_report(report, errors_only=False)
    message = str(info.value)
    assert hook_server.url in message and "token" not in message
    chain: BaseException | None = info.value
    while chain is not None:
        assert SECRET not in str(chain) and SECRET not in repr(chain)
        chain = chain.__cause__ or chain.__context__


def test_redirect_is_an_error_not_a_silent_get(
    hook_server: HookServer, report: ProcessExecutionReport
) -> None:
    hook_server.status = 302
    with pytest.raises(ReportDeliveryError, match="HTTP 302"):
        WebhookChannel(WebhookConfig(hook_server.url)).send_report(report, errors_only=False)
    assert [r.path for r in hook_server.requests] == ["/hook"]


def test_timeout(hook_server: HookServer, report: ProcessExecutionReport) -> None:
    hook_server.hold = True  # the server reads the body, then waits for release
    started = time.monotonic()
    with pytest.raises(ReportDeliveryError, match=r"no answer within the 0\.3s timeout"):
        WebhookChannel(WebhookConfig(hook_server.url, timeout=0.3)).send_report(
            report, errors_only=False
        )
    assert time.monotonic() - started < 2.0
    hook_server.release.set()


def test_repr_hides_secret_and_credentials() -> None:
    config = WebhookConfig(
        "https://user:pw@hooks.example/x?key=abc",
        secret=SECRET,
        headers={"Authorization": "Bearer t0ken", "X-Env": "ci"},
    )
    text = repr(WebhookChannel(config))
    for hidden in (SECRET, "t0ken", "pw@", "abc"):
        assert hidden not in text
    assert "X-Env" in text and "'ci'" in text


def test_bad_settings_are_named(report: ProcessExecutionReport) -> None:
    with pytest.raises(ValueError, match="must be an http or https URL"):
        WebhookChannel(WebhookConfig("file:///etc/passwd")).send_report(report, errors_only=False)
    with pytest.raises(ValueError, match="timeout must be a positive number"):
        WebhookChannel(WebhookConfig("http://x", timeout=0)).send_report(report, errors_only=False)


def test_interrupted_run_says_why(hook_server: HookServer, report: ProcessExecutionReport) -> None:
    stopped = dataclasses.replace(report, interrupted="run interrupted (SIGTERM)")
    payload = post(hook_server, stopped)
    assert payload["interrupted"] == "run interrupted (SIGTERM)"
    assert list(payload)[:2] == ["process_name", "entries"]


@pytest.mark.parametrize(
    ("secret", "config"),
    [
        (SECRET, {"secret": SECRET}),
        ("bearer-t0ken-42", {"headers": {"Authorization": "Bearer bearer-t0ken-42"}}),
    ],
)
def test_the_secret_and_credential_headers_are_masked_in_the_body(
    secret: str, config: dict[str, Any], hook_server: HookServer
) -> None:
    payload = post(hook_server, build_leaky_report(secret), **config)
    body = hook_server.requests[0].body.decode()
    for form in (secret, quote(secret, safe="")):
        assert form not in body
    error = payload["entries"]["send"]["error"]
    assert error["exception"] == "login refused for <redacted>"
    assert error["traced_vars"]["dsn"] == "'smtp://bot:<redacted>@mail'"
    assert payload["entries"]["fetch"]["result"] == "{'url': 'https://x/?key=<redacted>'}"
    if "secret" in config:  # still signed with the real secret, over the masked body
        expected = hmac.new(SECRET.encode(), hook_server.requests[0].body, hashlib.sha256)
        assert hook_server.requests[0].headers["x-signature-sha256"] == expected.hexdigest()
