"""The report email of ``pytest --processes``, delivered to aiosmtpd on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage

import pytest
from delivery_helpers import PROCESS_NAME, PrivateCA, RunProcesses
from loopback_servers import SMTP_PASSWORD, SMTP_USER, SMTPServer, free_port

from pytest_processes.comms._email_render import load_language
from pytest_processes.plugin.delivery_options import ENV_CA_FILE, ENV_SMTP_PASSWORD, ENV_SMTP_USER

SMTPFactory = Callable[..., SMTPServer]
TO = ("ops@example.org", "dev@example.org")


def email_args(port: int, security: str | None = None) -> list[str]:
    args = ["--processes-smtp", f"127.0.0.1:{port}", "--processes-email-from", "ci@example.org"]
    for address in TO:
        args += ["--processes-email-to", address]
    return args + (["--processes-smtp-security", security] if security else [])


def parts(message: EmailMessage) -> tuple[str, str]:
    """(text, html) of the multipart/alternative report email."""
    assert message.get_content_type() == "multipart/alternative"
    text_part, html_part = message.iter_parts()
    assert text_part.get_content_type() == "text/plain"
    assert html_part.get_content_type() == "text/html"
    return str(text_part.get_content()), str(html_part.get_content())


def login(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_SMTP_USER, SMTP_USER)
    monkeypatch.setenv(ENV_SMTP_PASSWORD, SMTP_PASSWORD)


def output(result: pytest.RunResult) -> str:
    return result.stdout.str() + result.stderr.str()


@pytest.mark.parametrize(
    ("mode", "security"), [("plain", "none"), ("starttls", "starttls"), ("smtps", "ssl")]
)
@pytest.mark.usefixtures("red")
def test_failed_run_is_emailed_with_login(
    mode: str,
    security: str,
    smtp_server: SMTPFactory,
    private_ca: PrivateCA,
    run_processes: RunProcesses,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = smtp_server(mode, auth=True)
    login(monkeypatch)
    monkeypatch.setenv(ENV_CA_FILE, str(private_ca.pem))
    result = run_processes(*email_args(server.port, security))
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    logs_in = "plaintext login to a loopback host" if security == "none" else "login"
    result.stdout.fnmatch_lines(
        [
            f"processes: email to {', '.join(TO)} via 127.0.0.1:{server.port} "
            f"({security}, {logs_in}), notify=failures",
            "*",
            f"processes: report sent: email to {', '.join(TO)}",
        ]
    )
    assert server.logins == [(SMTP_USER, SMTP_PASSWORD)]
    (envelope,) = server.envelopes
    assert envelope.mail_from == "ci@example.org"
    assert envelope.rcpt_tos == list(TO)
    (message,) = server.messages
    assert PROCESS_NAME in message["Subject"]
    assert message["To"] == ", ".join(TO)
    text, html = parts(message)
    for body in (text, html):
        assert "transform" in body
        assert "Traceback" in body
        assert "bad row 21" in body
    assert 'raise ValueError(f"bad row {rows[-1] * 7}")' in text
    assert SMTP_PASSWORD not in output(result)
    assert SMTP_USER not in output(result)


@pytest.mark.parametrize(
    ("tasks", "notify", "sent", "ret"),
    [
        ("green", None, 0, pytest.ExitCode.OK),
        ("green", "failures", 0, pytest.ExitCode.OK),
        ("red", None, 1, pytest.ExitCode.TESTS_FAILED),
        ("red", "never", 0, pytest.ExitCode.TESTS_FAILED),
        ("green", "always", 1, pytest.ExitCode.OK),
    ],
)
def test_notify_policy(
    tasks: str,
    notify: str | None,
    sent: int,
    ret: pytest.ExitCode,
    smtp_server: SMTPFactory,
    run_processes: RunProcesses,
    request: pytest.FixtureRequest,
) -> None:
    request.getfixturevalue(tasks)
    server = smtp_server("plain")
    args = email_args(server.port, "none")
    result = run_processes(*args, *(["--processes-notify", notify] if notify else []), "-v")
    assert result.ret == ret
    assert len(server.envelopes) == sent
    if not sent:
        result.stdout.fnmatch_lines([f"processes: report not sent (notify={notify or 'failures'})"])
        return
    text, _ = parts(server.messages[0])
    if notify == "always":  # every task listed, under the full-report title
        assert "extract" in text and "count" in text
        assert load_language("en")["title_report"] in server.messages[0]["Subject"]


@pytest.mark.parametrize(
    ("tasks", "ret"), [("red", pytest.ExitCode.TESTS_FAILED), ("green", pytest.ExitCode.OK)]
)
def test_dead_smtp_port_is_one_warning_line_and_keeps_the_exit_code(
    tasks: str,
    ret: pytest.ExitCode,
    pytester: pytest.Pytester,
    run_processes: RunProcesses,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    request.getfixturevalue(tasks)
    login(monkeypatch)
    port = free_port()
    result = run_processes(
        *email_args(port), "--processes-notify", "always", "--processes-html", "run.html"
    )
    assert result.ret == ret
    warnings = [line for line in result.stdout.lines if "failed:" in line]
    assert len(warnings) == 1, result.stdout.str()
    assert warnings[0].startswith(f"processes: email to {', '.join(TO)} failed: ")
    assert f"127.0.0.1:{port}" in warnings[0]
    assert "ConnectionRefusedError" in warnings[0]
    assert (pytester.path / "run.html").is_file()
    assert SMTP_PASSWORD not in output(result)
    assert "warning" not in result.parseoutcomes()


def test_settings_from_the_ini_file(
    pytester: pytest.Pytester, smtp_server: SMTPFactory, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_etl="def task_one():\n    return 1\n")
    server = smtp_server("plain")
    pytester.makeini(
        f"""
        [pytest]
        processes_smtp = 127.0.0.1:{server.port}
        processes_smtp_security = none
        processes_email_from = ci@example.org
        processes_email_to =
            ops@example.org
            dev@example.org, qa@example.org
        processes_notify = always
        processes_email_language = es
        processes_email_palette = slate
        """
    )
    result = run_processes()
    assert result.ret == pytest.ExitCode.OK
    (envelope,) = server.envelopes
    assert envelope.rcpt_tos == ["ops@example.org", "dev@example.org", "qa@example.org"]
    assert load_language("es")["title_report"] in server.messages[0]["Subject"]


def test_command_line_recipients_replace_the_ini_ones(
    pytester: pytest.Pytester, smtp_server: SMTPFactory, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_etl="def task_one():\n    return 1\n")
    server = smtp_server("plain")
    pytester.makeini(
        f"""
        [pytest]
        processes_smtp = 127.0.0.1:{server.port}
        processes_smtp_security = none
        processes_email_from = ci@example.org
        processes_email_to = ops@example.org
        """
    )
    result = run_processes("--processes-email-to", "me@example.org", "--processes-notify=always")
    assert result.ret == pytest.ExitCode.OK
    assert server.envelopes[0].rcpt_tos == ["me@example.org"]
