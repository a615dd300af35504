"""``report.notify`` over real servers: a failing channel warns, the next one still gets it."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from loopback_servers import HookServer, SMTPServer, free_port

from pytest_processes.comms import EmailChannel, SMTPConfig, WebhookChannel, WebhookConfig
from pytest_processes.execution_report import ProcessExecutionReport


def test_failing_channel_warns_and_next_channel_receives(
    hook_server: HookServer, smtp_server: Callable[..., SMTPServer], report: ProcessExecutionReport
) -> None:
    dead = EmailChannel(
        SMTPConfig(("127.0.0.1", free_port()), "a@example.org", ["b@example.org"], timeout=2)
    )
    mail = smtp_server()
    alive_mail = EmailChannel(
        SMTPConfig((mail.host, mail.port), "a@example.org", ["b@example.org"])
    )
    with pytest.warns(UserWarning, match=r"^EmailChannel failed to send report: could not send"):
        report.notify(
            dead, WebhookChannel(WebhookConfig(hook_server.url)), alive_mail, only_errors=True
        )
    assert list(json.loads(hook_server.requests[0].body)["entries"]) == ["transform"]
    assert len(mail.envelopes) == 1


def test_webhook_error_becomes_warning(
    hook_server: HookServer, report: ProcessExecutionReport
) -> None:
    hook_server.status = 500
    with pytest.warns(UserWarning, match="WebhookChannel failed to send report: .*HTTP 500"):
        report.notify(WebhookChannel(WebhookConfig(hook_server.url)))


def test_only_errors_without_failures_sends_nothing(
    hook_server: HookServer, report: ProcessExecutionReport
) -> None:
    clean = ProcessExecutionReport({"extract": report.entries["extract"]}, "p")
    clean.notify(WebhookChannel(WebhookConfig(hook_server.url)), only_errors=True)
    assert hook_server.requests == []


def test_tasks_filter(hook_server: HookServer, report: ProcessExecutionReport) -> None:
    report.notify(WebhookChannel(WebhookConfig(hook_server.url)), tasks=["EXTRACT", "load"])
    assert list(json.loads(hook_server.requests[0].body)["entries"]) == ["extract", "load"]
