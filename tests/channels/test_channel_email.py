"""EmailChannel against a real aiosmtpd server: content, languages, palettes and transport."""

from __future__ import annotations

import html
import json
import time
import warnings
from collections.abc import Callable
from datetime import date
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from html import escape
from importlib import resources
from pathlib import Path
from urllib.parse import quote

import pytest
from loopback_servers import (
    SMTP_PASSWORD,
    SMTP_USER,
    TLS,
    SilentServer,
    SMTPServer,
    build_leaky_report,
    free_port,
)

from pytest_processes.comms import (
    EmailChannel,
    HTMLEmailStyle,
    ReportContent,
    ReportDeliveryError,
    SMTPConfig,
)
from pytest_processes.comms._smtp import PlaintextLoginWarning
from pytest_processes.comms.email_config import LANGUAGES, PALETTES
from pytest_processes.execution_report import ProcessExecutionReport, TaskReportEntry

SMTPFactory = Callable[..., SMTPServer]

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
LANG = {
    code: json.loads(
        resources.files("pytest_processes.comms")
        .joinpath("themes")
        .joinpath("lang")
        .joinpath(f"{code}.json")
        .read_text("utf-8")
    )
    for code in LANGUAGES
}
PALETTE_DATA = json.loads(
    resources.files("pytest_processes.comms")
    .joinpath("themes")
    .joinpath("palettes.json")
    .read_text("utf-8")
)


def config_for(server: SMTPServer, **kw: object) -> SMTPConfig:
    values: dict[str, object] = {
        "mailhost": (server.host, server.port),
        "fromaddr": "ci@example.org",
        "toaddrs": ["ops@example.org", "dev@example.org"],
        "timeout": 5,
    }
    values.update(kw)
    return SMTPConfig(**values)  # type: ignore[arg-type]


def send(
    server: SMTPServer,
    report: ProcessExecutionReport,
    *,
    errors_only: bool = False,
    style: HTMLEmailStyle | None = None,
    content: ReportContent | None = None,
    **config: object,
) -> EmailMessage:
    EmailChannel(config_for(server, **config), style, content).send_report(
        report, errors_only=errors_only
    )
    assert len(server.envelopes) == 1
    return server.messages[0]


def parts(message: EmailMessage) -> tuple[str, str]:
    """(text, html) of a multipart/alternative message, checking their order."""
    assert message.get_content_type() == "multipart/alternative"
    text_part, html_part = list(message.iter_parts())
    assert text_part.get_content_type() == "text/plain"
    assert html_part.get_content_type() == "text/html"
    return str(text_part.get_content()), str(html_part.get_content())


def test_headers_and_both_parts(smtp_server: SMTPFactory, report: ProcessExecutionReport) -> None:
    server = smtp_server()
    message = send(server, report)
    assert message["From"] == "ci@example.org"
    assert message["To"] == "ops@example.org, dev@example.org"
    assert message["Subject"] == f"Process report nightly-etl | {date.today():%Y%m%d}"
    sent = parsedate_to_datetime(message["Date"])
    assert abs(sent.timestamp() - time.time()) < 60
    assert server.envelopes[0].rcpt_tos == ["ops@example.org", "dev@example.org"]
    assert server.envelopes[0].mail_from == "ci@example.org"
    text, html = parts(message)
    for name in ("extract", "transform", "load", "audit"):
        assert name in text and name in html
    assert "bad &lt;row&gt; 7" in html and "bad <row> 7" in text  # escaped in HTML only
    assert "<style" not in html and "<script" not in html  # inline styles only
    assert "Summary: Succeeded: 2 | Failed: 1 | Skipped: 1" in text
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "email-sample.html").write_text(html, encoding="utf-8")


def test_unnamed_process_subject(smtp_server: SMTPFactory, report: ProcessExecutionReport) -> None:
    server = smtp_server()
    unnamed = ProcessExecutionReport(report.entries, "")
    message = send(server, unnamed, errors_only=True)
    assert message["Subject"] == f"Failed tasks report | {date.today():%Y%m%d}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_visible_string_is_translated(
    language: str,
    smtp_server: SMTPFactory,
    report: ProcessExecutionReport,
    make_entry: Callable[..., TaskReportEntry],
) -> None:
    lang = LANG[language]
    assert set(lang) == set(LANG["en"]) and all(v.strip() for v in lang.values())
    entries = {**report.entries, "later": make_entry("later", "pending")}
    full = ProcessExecutionReport(entries, report.process_name, interrupted="SIGTERM")
    content = ReportContent(output_lines=1)  # the failure printed 2 lines: one is cut
    message = send(smtp_server(), full, style=HTMLEmailStyle(language=language), content=content)
    text, html = parts(message)
    assert message["Subject"].startswith(f"{lang['title_report']} nightly-etl | ")
    assert f'<html lang="{language}">' in html
    for key, value in lang.items():
        if key in ("title_errors", "no_tasks", "unnamed"):
            continue  # shown only for errors-only / empty / unnamed reports (tested below)
        shown = value.replace("{location}", "t.py:3").replace("{reason}", "SIGTERM")
        assert escape(shown) in html, f"{language}:{key} missing from HTML"
        assert shown in text, f"{language}:{key} missing from text"
    if language != "en":  # nothing English left behind
        for key in ("summary", "tasks", "status_success", "status_skipped", "downstream", "footer"):
            if LANG["en"][key] != lang[key]:
                assert LANG["en"][key] not in html.replace(lang[key], "")


@pytest.mark.parametrize("language", LANGUAGES)
def test_translated_errors_only_and_empty(
    language: str, smtp_server: SMTPFactory, report: ProcessExecutionReport
) -> None:
    lang = LANG[language]
    server = smtp_server()
    nothing_failed = ProcessExecutionReport({"extract": report.entries["extract"]}, "")
    _text, html = parts(
        send(server, nothing_failed, errors_only=True, style=HTMLEmailStyle(language=language))
    )
    assert server.messages[0]["Subject"].startswith(f"{lang['title_errors']} | ")
    for key in ("title_errors", "no_tasks", "unnamed"):
        assert escape(lang[key]) in html


@pytest.mark.parametrize("palette", PALETTES)
def test_palettes_are_distinct_and_applied(
    palette: str, smtp_server: SMTPFactory, report: ProcessExecutionReport
) -> None:
    colours = PALETTE_DATA[palette]
    others = [PALETTE_DATA[p]["accent"] for p in PALETTES if p != palette]
    assert colours["accent"] not in others
    _text, html = parts(send(smtp_server(), report, style=HTMLEmailStyle(palette=palette)))
    for key in ("accent", "page", "card", "text", "success", "errored", "skipped"):
        assert colours[key] in html, f"{palette}.{key}"


def test_one_badge_per_status_with_own_colour_and_label(
    smtp_server: SMTPFactory, report: ProcessExecutionReport
) -> None:
    """processes 7.0.4 gives every badge the 'skipped' class and an untranslated label."""
    _text, html = parts(send(smtp_server(), report, style=HTMLEmailStyle("neutral", "de")))
    pal, lang = PALETTE_DATA["neutral"], LANG["de"]
    for status in ("success", "errored", "skipped"):
        badge = (
            f"background-color:{pal[status + '_bg']};color:{pal[status + '_text']};"
            f'border:1px solid {pal[status]};">{lang["status_" + status]}</span>'
        )
        assert badge in html, status
    assert len({pal[s + "_bg"] for s in ("success", "errored", "skipped", "pending")}) == 4


@pytest.mark.parametrize(
    ("show_tb", "show_vars"), [(True, True), (False, True), (True, False), (False, False)]
)
def test_traceback_and_traced_vars_follow_report_content(
    show_tb: bool, show_vars: bool, smtp_server: SMTPFactory, report: ProcessExecutionReport
) -> None:
    content = ReportContent(show_traceback=show_tb, show_traced_vars=show_vars)
    text, html = parts(send(smtp_server(), report, content=content))
    for body in (text, html):
        assert ('File "t.py", line 3' in body or "File &quot;t.py&quot;, line 3" in body) is show_tb
        assert ("row_id = 7" in body) is show_vars
        assert ("Local variables at t.py:3:" in body) is show_vars


def test_errors_only_lists_failures_but_counts_everything(
    smtp_server: SMTPFactory, report: ProcessExecutionReport
) -> None:
    text, html = parts(send(smtp_server(), report, errors_only=True))
    assert "transform" in html and "extract" not in html and "audit" not in html
    assert "[Failed] transform" in text and "extract" not in text
    assert "Succeeded: 2 | Failed: 1 | Skipped: 1" in text  # counters: the report passed in


def test_starttls_without_credentials(
    smtp_server: SMTPFactory, tls: TLS, report: ProcessExecutionReport
) -> None:
    """The server insists on STARTTLS; processes would only do it with credentials."""
    server = smtp_server("starttls")
    send(server, report, secure=(), ssl_context=tls.client)


def test_starttls_context_from_secure_tuple_and_login(
    smtp_server: SMTPFactory, tls: TLS, report: ProcessExecutionReport
) -> None:
    server = smtp_server("starttls", auth=True)
    send(server, report, secure=(None, None, tls.client), credentials=(SMTP_USER, SMTP_PASSWORD))
    assert server.logins == [(SMTP_USER, SMTP_PASSWORD)]


def test_starttls_rejects_an_untrusted_certificate(
    smtp_server: SMTPFactory, report: ProcessExecutionReport
) -> None:
    server = smtp_server("starttls")
    with pytest.raises(ReportDeliveryError, match=r"STARTTLS.*CERTIFICATE_VERIFY_FAILED"):
        EmailChannel(config_for(server, secure=())).send_report(report, errors_only=False)
    assert server.envelopes == []


@pytest.mark.parametrize("how", ["ssl_flag", "port_465_string"])
def test_implicit_tls(
    how: str,
    smtp_server: SMTPFactory,
    tls: TLS,
    report: ProcessExecutionReport,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = smtp_server("smtps", auth=True)
    if how == "ssl_flag":
        config = config_for(
            server, ssl=True, ssl_context=tls.client, credentials=(SMTP_USER, SMTP_PASSWORD)
        )
    else:  # port 465 selects SMTPS by itself; point it at the test server's real port
        import pytest_processes.comms._smtp as smtp_module

        monkeypatch.setattr(smtp_module, "SMTPS_PORT", server.port)
        config = config_for(
            server,
            mailhost=f"127.0.0.1:{server.port}",
            ssl_context=tls.client,
            credentials=(SMTP_USER, SMTP_PASSWORD),
        )
    EmailChannel(config).send_report(report, errors_only=False)
    assert len(server.envelopes) == 1 and server.logins == [(SMTP_USER, SMTP_PASSWORD)]


def test_plain_login(smtp_server: SMTPFactory, report: ProcessExecutionReport) -> None:
    """Credentials without ``secure``: login over plain SMTP, as processes does."""
    server = smtp_server("plain", auth=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a loopback host: nothing crosses the network
        send(server, report, credentials=(SMTP_USER, SMTP_PASSWORD))
    assert server.logins == [(SMTP_USER, SMTP_PASSWORD)]


@pytest.mark.parametrize(
    ("mailhost", "shown"),
    [
        ("mail.example.org", "mail.example.org:25"),
        ("192.0.2.25:587", "192.0.2.25:587"),
        ("[2001:db8::25]:2525", "2001:db8::25:2525"),
    ],
)
def test_a_plain_login_to_a_remote_host_warns_when_the_channel_is_made(
    mailhost: str, shown: str
) -> None:
    """processes allows a plain login; to a host off this machine it is said out loud.

    The warning comes when the channel is made, so nothing is sent here (sending a
    plain login works as on loopback: test_plain_login).
    """
    config = SMTPConfig(
        mailhost=mailhost,
        fromaddr="ci@example.org",
        toaddrs=["ops@example.org"],
        credentials=(SMTP_USER, SMTP_PASSWORD),
    )
    with pytest.warns(PlaintextLoginWarning, match="set secure=\\(\\) for STARTTLS") as caught:
        EmailChannel(config)
    (warning,) = caught
    assert f"unencrypted to {shown}:" in str(warning.message)
    assert SMTP_PASSWORD not in str(warning.message)
    assert warning.filename == __file__  # points at the caller's line, not the library's


@pytest.mark.parametrize("secure", ["starttls", "ssl", "loopback", "no login"])
def test_no_warning_without_a_plain_login_off_this_machine(secure: str) -> None:
    options: dict[str, object] = {"credentials": (SMTP_USER, SMTP_PASSWORD)}
    mailhost = "mail.example.org"
    if secure == "starttls":
        options["secure"] = ()
    elif secure == "ssl":
        options["ssl"] = True
    elif secure == "loopback":
        mailhost = "localhost:2525"
    else:
        options = {}
    config = SMTPConfig(
        mailhost=mailhost, fromaddr="ci@example.org", toaddrs=["ops@example.org"], **options
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        EmailChannel(config)


def test_the_password_given_to_smtpconfig_is_masked_in_both_parts(
    smtp_server: SMTPFactory,
) -> None:
    """Only the config knows this password (not the environment): the email masks it anyway."""
    server = smtp_server("plain", auth=True)
    message = send(
        server, build_leaky_report(SMTP_PASSWORD), credentials=(SMTP_USER, SMTP_PASSWORD)
    )
    assert server.logins == [(SMTP_USER, SMTP_PASSWORD)]
    for body in parts(message):
        for form in (SMTP_PASSWORD, quote(SMTP_PASSWORD, safe="")):
            assert form not in body and escape(form) not in body
        assert "login refused for <redacted>" in html.unescape(body)


def test_no_login_in_clear_when_server_wants_tls_first(
    smtp_server: SMTPFactory, report: ProcessExecutionReport
) -> None:
    server = smtp_server("starttls", auth=True)
    with pytest.raises(ReportDeliveryError, match="AUTH extension not supported"):
        EmailChannel(config_for(server, credentials=(SMTP_USER, SMTP_PASSWORD))).send_report(
            report, errors_only=False
        )
    assert server.logins == []


def test_wrong_password_is_never_shown(
    smtp_server: SMTPFactory, tls: TLS, report: ProcessExecutionReport
) -> None:
    server = smtp_server("starttls", auth=True, echo_password=True)
    config = config_for(
        server, secure=(), ssl_context=tls.client, credentials=(SMTP_USER, SMTP_PASSWORD)
    )
    with pytest.raises(ReportDeliveryError) as info:
        EmailChannel(config).send_report(report, errors_only=False)
    assert "535" in str(info.value) and "***" in str(info.value)
    chain: BaseException | None = info.value
    while chain is not None:
        assert SMTP_PASSWORD not in str(chain) and SMTP_PASSWORD not in repr(chain)
        chain = chain.__cause__ or chain.__context__
    assert SMTP_PASSWORD not in repr(config) and SMTP_PASSWORD not in repr(EmailChannel(config))


def test_timeout_on_a_server_that_never_greets(
    silent_server: SilentServer, report: ProcessExecutionReport
) -> None:
    config = SMTPConfig(
        ("127.0.0.1", silent_server.port), "ci@example.org", ["ops@example.org"], timeout=0.5
    )
    started = time.monotonic()
    with pytest.raises(ReportDeliveryError, match=r"timed out after 0\.5s"):
        EmailChannel(config).send_report(report, errors_only=False)
    elapsed = time.monotonic() - started
    assert silent_server.accepted.wait(1)
    assert 0.4 <= elapsed < 2.5


def test_connection_refused_names_the_server(report: ProcessExecutionReport) -> None:
    port = free_port()
    config = SMTPConfig(f"127.0.0.1:{port}", "a@example.org", ["b@example.org"], timeout=2)
    with pytest.raises(ReportDeliveryError, match=rf"127\.0\.0\.1:{port} \(plain SMTP"):
        EmailChannel(config).send_report(report, errors_only=False)


@pytest.mark.parametrize(
    ("mailhost", "expected"),
    [
        (("mx", 2525), ("mx", 2525)),
        ("mx", ("mx", 25)),
        ("mx:587", ("mx", 587)),
        ("[::1]:26", ("::1", 26)),
        ("[::1]", ("::1", 25)),
    ],
)
def test_mailhost_forms(mailhost: tuple[str, int] | str, expected: tuple[str, int]) -> None:
    from pytest_processes.comms._smtp import parse_mailhost

    assert parse_mailhost(mailhost) == expected


def test_bad_settings_are_named() -> None:
    from pytest_processes.comms._smtp import parse_mailhost

    with pytest.raises(ValueError, match="port must be a number"):
        parse_mailhost("mx:smtp")
    with pytest.raises(ValueError, match="palette must be one of"):
        HTMLEmailStyle(palette="dracula")
    with pytest.raises(ValueError, match="language must be one of"):
        HTMLEmailStyle(language="EN")
