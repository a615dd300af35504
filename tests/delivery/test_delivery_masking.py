"""Secret values are masked by value in every output of ``pytest --processes``.

One secret is planted in each place a task can put text (a harmless-named
variable, an exception message, a traceback source line, stdout, stderr, a log
record, a return value), then every output is searched for it, raw and
URL-encoded: the terminal, JUnit, JSON, HTML, a log file, the email received
by aiosmtpd and the webhook body received by a loopback HTTP server.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from delivery_helpers import Hook, RunProcesses
from loopback_servers import SMTP_PASSWORD, SMTP_USER, SMTPServer

from pytest_processes.plugin.delivery_options import (
    ENV_SMTP_PASSWORD,
    ENV_SMTP_USER,
    ENV_WEBHOOK_SECRET,
)

SMTPFactory = Callable[..., SMTPServer]
WEBHOOK_SECRET = "hook-s3cret/with space"
ACME_CRED = "acme&cred=42!"  # named by --processes-mask-env ACME_*
DEPLOY_TOKEN = "tok_9f8e7d6c5b4a"  # masked by default: the name holds TOKEN
SECRETS = (SMTP_PASSWORD, WEBHOOK_SECRET, ACME_CRED, DEPLOY_TOKEN)

TASKS = f"""
    import logging
    import os
    import sys
    from urllib.parse import quote, quote_plus

    SMTP = os.environ["{ENV_SMTP_PASSWORD}"]
    HOOK = os.environ["{ENV_WEBHOOK_SECRET}"]
    ACME = os.environ["ACME_CRED"]
    TOKEN = os.environ["DEPLOY_TOKEN"]

    def task_talk():
        print("stdout has", SMTP, quote(HOOK, safe=""))
        sys.stderr.write("stderr has " + ACME + "\\n")
        logging.getLogger("etl").warning("log has %s", TOKEN)
        return {{"dsn": "postgres://etl:" + quote_plus(ACME) + "@db/prod", "token": TOKEN}}

    def task_fail(talk):
        dsn = "smtp://ci-bot:" + quote(SMTP) + "@mail"
        raise RuntimeError("cannot reach " + HOOK)  # deploy key {DEPLOY_TOKEN}
"""


def forms(secret: str) -> set[str]:
    """How a secret may show up: raw, URL-encoded, and as the SMTP AUTH base64."""
    return {secret, quote(secret), quote(secret, safe=""), quote_plus(secret)} | {
        base64.b64encode(secret.encode()).decode()
    }


def leaks(text: str) -> list[str]:
    """Every form of every secret found in ``text`` (entity-decoded too: HTML, XML)."""
    variants = (text, html.unescape(text))
    return sorted({f for s in SECRETS for f in forms(s) for v in variants if f in v})


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_SMTP_USER, SMTP_USER)
    monkeypatch.setenv(ENV_SMTP_PASSWORD, SMTP_PASSWORD)
    monkeypatch.setenv(ENV_WEBHOOK_SECRET, WEBHOOK_SECRET)
    monkeypatch.setenv("ACME_CRED", ACME_CRED)
    monkeypatch.setenv("DEPLOY_TOKEN", DEPLOY_TOKEN)


@pytest.mark.usefixtures("secret_env")
def test_no_secret_reaches_any_output(
    pytester: pytest.Pytester,
    run_processes: RunProcesses,
    smtp_server: SMTPFactory,
    hook_server: Hook,
) -> None:
    pytester.makepyfile(tasks_leaky=TASKS)
    server = smtp_server("plain", auth=True)
    result = run_processes(
        *("--processes-mask-env", "ACME_*", "-rA", "-o", "log_cli=true", "--log-file=run.log"),
        *("--junitxml=junit.xml", "--processes-json=run.json", "--processes-html=run.html"),
        *("--processes-smtp", f"127.0.0.1:{server.port}", "--processes-smtp-security", "none"),
        *("--processes-email-from", "ci@example.org", "--processes-email-to", "ops@example.org"),
        *("--processes-webhook", hook_server.url, "--processes-notify", "always"),
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["processes: report sent: email to ops@example.org"])
    assert server.logins == [(SMTP_USER, SMTP_PASSWORD)]  # the real password was used
    (message,) = server.messages
    text_part, html_part = (str(p.get_content()) for p in message.iter_parts())
    (body,) = hook_server.bodies
    files = {
        name: (pytester.path / name).read_text("utf-8")
        for name in ("junit.xml", "run.json", "run.html", "run.log")
    }
    outputs = {
        "terminal": result.stdout.str() + result.stderr.str(),
        **files,
        "email text": text_part,
        "email html": html_part,
        "webhook": body.decode("utf-8"),
    }
    for where, text in outputs.items():
        assert leaks(text) == [], f"{where} leaks a secret"
    # what is around a secret stays readable
    assert "smtp://ci-bot:<redacted>@mail" in files["run.json"]
    assert "postgres://etl:<redacted>@db/prod" in files["run.json"]
    assert "cannot reach <redacted>" in outputs["webhook"]
    for where in ("terminal", "junit.xml", "email text"):
        assert "# deploy key <redacted>" in html.unescape(outputs[where]), where
    for where in ("terminal", "junit.xml", "run.json", "run.html"):
        assert "stdout has <redacted> <redacted>" in html.unescape(outputs[where]), where


def test_defaults_off_masks_only_the_named_variables(
    pytester: pytest.Pytester, run_processes: RunProcesses, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``processes_mask_env_defaults = false`` opts out; only named variables are masked."""
    monkeypatch.setenv("DEPLOY_TOKEN", DEPLOY_TOKEN)
    monkeypatch.setenv("ACME_CRED", ACME_CRED)
    pytester.makepyfile(
        tasks_show="""
        import os

        def task_show():
            print("token", os.environ["DEPLOY_TOKEN"], "acme", os.environ["ACME_CRED"])
        """
    )
    pytester.makeini("[pytest]\nprocesses_mask_env_defaults = false\nprocesses_mask_env = ACME_*\n")
    result = run_processes("-rA", "--processes-json=run.json")
    assert result.ret == pytest.ExitCode.OK
    report = Path(pytester.path / "run.json").read_text("utf-8")
    for text in (result.stdout.str(), report):
        assert f"token {DEPLOY_TOKEN} acme <redacted>" in text


@pytest.mark.usefixtures("secret_env")
def test_an_import_error_of_a_task_file_is_masked(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(
        tasks_broken="""
        import os

        raise RuntimeError("no route to " + os.environ["DEPLOY_TOKEN"])
        """
    )
    result = run_processes("--junitxml=junit.xml")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*RuntimeError: no route to <redacted>*"])
    junit = (pytester.path / "junit.xml").read_text("utf-8")
    for where, text in {"terminal": result.stdout.str(), "junit.xml": junit}.items():
        assert leaks(text) == [], f"{where} leaks a secret"
