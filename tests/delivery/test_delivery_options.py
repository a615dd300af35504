"""Bad delivery settings are usage errors naming the option and where it came from."""

from __future__ import annotations

import pytest
from delivery_helpers import RunProcesses

from pytest_processes.plugin.delivery_options import (
    ENV_CA_FILE,
    ENV_SMTP_PASSWORD,
    ENV_SMTP_USER,
    ENV_WEBHOOK_SECRET,
)

MAIL = ["--processes-email-from", "ci@example.org", "--processes-email-to", "ops@example.org"]
SERVER = ["--processes-smtp", "127.0.0.1:2525"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--processes-smtp", "x"],
            "Invalid --processes-smtp 'x' from the command line: expected HOST:PORT*",
        ),
        (
            ["--processes-smtp", "mail.example.org:smtp"],
            "Invalid --processes-smtp 'mail.example.org:smtp' from the command line: "
            "expected HOST:PORT with a port number*",
        ),
        (
            ["--processes-smtp", "mail.example.org:0"],
            "Invalid --processes-smtp 'mail.example.org:0' from the command line: *port number*",
        ),
        (
            [*SERVER, "--processes-email-to", "ops@example.org"],
            "Invalid --processes-email-to 'ops@example.org' from the command line: "
            "recipients need a sender: set --processes-email-from*",
        ),
        (
            MAIL,
            "Invalid --processes-email-to 'ops@example.org' from the command line: "
            "recipients need a server: set --processes-smtp*",
        ),
        (
            [*SERVER, *MAIL, "--processes-smtp-security", "tls"],
            "Invalid --processes-smtp-security 'tls' from the command line: "
            "expected one of none, starttls, ssl",
        ),
        (
            ["--processes-smtp", "mail.example.org:465", *MAIL, "--processes-smtp-security=none"],
            "Invalid --processes-smtp-security 'none' from the command line: "
            "port 465 always speaks implicit TLS*",
        ),
        (
            [*SERVER, "--processes-email-from", "ci@example.org", "--processes-email-to", "ops"],
            "Invalid --processes-email-to 'ops' from the command line: "
            "expected an email address like ops@example.org",
        ),
        (
            ["--processes-notify", "sometimes"],
            "Invalid --processes-notify 'sometimes' from the command line: "
            "expected one of never, failures, always",
        ),
        (
            ["--processes-webhook", "ftp://example.org/hook"],
            "Invalid --processes-webhook 'ftp://example.org/hook' from the command line: "
            "expected an http:// or https:// URL",
        ),
        (
            ["--processes-email-palette", "neon"],
            "Invalid --processes-email-palette 'neon' from the command line: expected one of *",
        ),
        (
            ["--processes-email-language", "xx"],
            "Invalid --processes-email-language 'xx' from the command line: expected one of *",
        ),
    ],
)
def test_bad_command_line_value(
    args: list[str], message: str, pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    result = run_processes(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {message}"])


def test_bad_ini_value_names_the_config_file(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makeini("[pytest]\nprocesses_smtp = x\n")
    result = run_processes()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: Invalid processes_smtp 'x' from the config file (tox.ini): expected HOST:PORT*"]
    )


def test_command_line_wins_over_a_bad_ini_value(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_etl="def task_one():\n    return 1\n")
    pytester.makeini("[pytest]\nprocesses_notify = sometimes\n")
    assert run_processes("--processes-notify", "never").ret == pytest.ExitCode.OK


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {ENV_SMTP_USER: "reporter"},
            f"ERROR: Invalid SMTP login from the environment: {ENV_SMTP_USER} is set "
            f"but {ENV_SMTP_PASSWORD} is not; set both or neither",
        ),
        (
            {ENV_CA_FILE: "/nonexistent/ca.pem"},
            f"ERROR: Invalid {ENV_CA_FILE} '/nonexistent/ca.pem' from the environment: "
            "no such file",
        ),
    ],
)
def test_bad_environment(
    env: dict[str, str],
    message: str,
    run_processes: RunProcesses,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = run_processes(*SERVER, *MAIL)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_password_and_secret_are_never_shown(
    run_processes: RunProcesses, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_SMTP_USER, "reporter-name")
    monkeypatch.setenv(ENV_SMTP_PASSWORD, "hunter2-password")
    monkeypatch.setenv(ENV_WEBHOOK_SECRET, "webhook-secret-value")
    result = run_processes(
        *SERVER, *MAIL, "--processes-webhook", "https://user:pw@hooks.example.org/x?token=t0k"
    )
    result.stdout.fnmatch_lines(
        [
            "processes: email to ops@example.org via 127.0.0.1:2525 (starttls, login), "
            "notify=failures",
            "processes: webhook to https://hooks.example.org/x (signed), notify=failures",
        ]
    )
    shown = result.stdout.str() + result.stderr.str()
    for secret in ("reporter-name", "hunter2-password", "webhook-secret-value", "pw@", "t0k"):
        assert secret not in shown


def test_options_are_ignored_without_processes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_one="def test_one(): pass")
    result = pytester.runpytest("--processes-smtp", "x", "--processes-notify", "sometimes")
    result.assert_outcomes(passed=1)


def test_ca_file_that_is_not_pem_is_a_usage_error(
    pytester: pytest.Pytester, run_processes: RunProcesses, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = pytester.path / "ca.pem"
    bad.write_text("not a certificate\n")
    monkeypatch.setenv(ENV_CA_FILE, str(bad))
    result = run_processes(*SERVER, *MAIL)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [f"ERROR: Invalid {ENV_CA_FILE} '{bad}' from the environment: not a PEM file*"]
    )
