"""An SMTP login never crosses the network unencrypted unless the user says so."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from delivery_helpers import RunProcesses
from loopback_servers import SMTP_PASSWORD, SMTP_USER, SMTPServer

from pytest_processes.plugin.delivery_options import ENV_SMTP_PASSWORD, ENV_SMTP_USER

SMTPFactory = Callable[..., SMTPServer]
MARKER_TASK = """
    from pathlib import Path

    def task_mark():
        Path("task-ran").write_text("yes")
"""


def args_for(host: str, port: int, *extra: str) -> list[str]:
    return [
        *("--processes-smtp", f"{host}:{port}", "--processes-email-from", "ci@example.org"),
        *("--processes-email-to", "ops@example.org", "--processes-notify", "always", *extra),
    ]


@pytest.fixture
def marker_task(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """A task that leaves a file behind when it runs, and an SMTP login in the environment."""
    pytester.makepyfile(tasks_mark=MARKER_TASK)
    monkeypatch.setenv(ENV_SMTP_USER, SMTP_USER)
    monkeypatch.setenv(ENV_SMTP_PASSWORD, SMTP_PASSWORD)


@pytest.mark.usefixtures("marker_task")
def test_plaintext_login_to_a_remote_host_is_a_usage_error(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    result = run_processes(*args_for("smtp.example.org", 25), "--processes-smtp-security", "none")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    error = result.stderr.str()
    assert "--processes-smtp-security none (from the command line)" in error
    assert "unencrypted to smtp.example.org" in error
    assert "starttls or ssl" in error
    assert "--processes-smtp-allow-plaintext-login" in error
    assert not (pytester.path / "task-ran").exists()
    assert SMTP_PASSWORD not in error + result.stdout.str()


@pytest.mark.usefixtures("marker_task")
def test_the_error_names_the_ini_key_when_the_ini_file_set_it(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makeini("[pytest]\nprocesses_smtp_security = none\n")
    result = run_processes(*args_for("smtp.example.org", 25))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "processes_smtp_security none (from the config file (tox.ini))" in result.stderr.str()
    assert not (pytester.path / "task-ran").exists()


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
@pytest.mark.usefixtures("marker_task")
def test_a_loopback_host_may_take_a_plaintext_login(
    host: str, pytester: pytest.Pytester, smtp_server: SMTPFactory, run_processes: RunProcesses
) -> None:
    server = smtp_server("plain", auth=True)
    result = run_processes(*args_for(host, server.port), "--processes-smtp-security", "none")
    assert result.ret == pytest.ExitCode.OK, result.stderr.str()
    result.stdout.fnmatch_lines(["*(none, plaintext login to a loopback host), notify=always"])
    assert server.logins == [(SMTP_USER, SMTP_PASSWORD)]
    assert (pytester.path / "task-ran").exists()


@pytest.mark.parametrize("how", ["option", "ini"])
@pytest.mark.usefixtures("marker_task")
def test_an_explicit_opt_in_allows_a_plaintext_login_to_a_remote_host(
    how: str, pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    """The opt-in is taken at startup and said in the header.

    Under --collect-only nothing is sent: no test traffic leaves loopback. The
    login itself over plain SMTP is the loopback case above.
    """
    extra = ["--processes-smtp-security", "none", "--collect-only"]
    if how == "option":
        extra.append("--processes-smtp-allow-plaintext-login")
    else:
        pytester.makeini("[pytest]\nprocesses_smtp_allow_plaintext_login = true\n")
    result = run_processes(*args_for("mail.example.org", 587, *extra), "-W", "error")
    assert result.ret == pytest.ExitCode.OK, result.stderr.str()
    result.stdout.fnmatch_lines(
        [
            "processes: email to ops@example.org via mail.example.org:587 (none, plaintext "
            "login allowed by --processes-smtp-allow-plaintext-login), notify=always",
        ]
    )
    assert not (pytester.path / "task-ran").exists()
