"""Every writer and channel takes any text: NUL, ANSI, CDATA ends, lone surrogates, bad bytes.

One report carries them in task names, messages, tracebacks, captured output,
traced variables and results; each file is written and read back (JUnit against
the XSD, JSON through ``from_json``, HTML through a parser), the email goes
through a real aiosmtpd server and the webhook to a loopback HTTP server.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from loopback_servers import HookServer, SMTPServer, build_entry

from pytest_processes.comms import EmailChannel, SMTPConfig, WebhookChannel, WebhookConfig
from pytest_processes.error_data import ErrorData
from pytest_processes.execution_report import ProcessExecutionReport

UNDECODABLE = b"\xff\xfe".decode("utf-8", "surrogateescape")  # as os.listdir gives bad bytes
HOSTILE = (
    "nul\x00 bel\x07 \x1b[31mred\x1b[0m cdata]]> end</system-out> "
    f"caf\udce9.csv {UNDECODABLE} half\ud800 tab\tdone"
)
#: characters that must never appear raw in an HTML page or an email
RAW_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def hostile_report() -> ProcessExecutionReport:
    """A passing and a failing task whose every text field holds ``HOSTILE``."""
    error = ErrorData(
        task_name="load" + HOSTILE,
        function="do_load",
        exception=HOSTILE,
        traceback_str=f'Traceback:\n  File "t.py", line 3\nValueError: {HOSTILE}\n',
        traced_vars={"name" + HOSTILE: repr(HOSTILE), "raw": repr(b"\xff\x00")},
        traced_vars_location="t.py:3" + HOSTILE,
    )
    entries = [
        build_entry("list" + HOSTILE, "success", output=HOSTILE, result=[HOSTILE, b"\xff\x00"]),
        build_entry(
            "load" + HOSTILE, "errored", error=error, error_type="ValueError", output=HOSTILE
        ),
    ]
    return ProcessExecutionReport({e.name: e for e in entries}, "nightly" + HOSTILE)


class _Text(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.feed(page)
        self.close()

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _check_visible(text: str) -> None:
    """Controls and undecodable bytes are shown escaped; the rest of the text is kept."""
    assert not RAW_CONTROLS.search(text)
    assert "red cdata" in text  # the colour codes are gone, not escaped
    for shown in ("nul\\x00 bel\\x07 red", "cdata]]> end</system-out>", "caf\\xe9.csv"):
        assert shown in text
    assert "\\xff\\xfe" in text and "half\\ud800" in text


def test_files_hold_every_character(tmp_path: Path, junit_schema: Any) -> None:
    report = hostile_report()

    json_path = tmp_path / "run.json"
    json_path.write_text(report.to_json(indent=2), encoding="utf-8")
    back = ProcessExecutionReport.from_json(json_path.read_text(encoding="utf-8"))
    assert list(back.entries) == list(report.entries)  # names come back exactly
    assert back.entries["load" + HOSTILE].error.exception == HOSTILE  # type: ignore[union-attr]

    junit_path = tmp_path / "junit.xml"
    report.to_junit_xml(junit_path)
    junit_schema.validate(str(junit_path))
    tree = ET.parse(junit_path)
    failure = tree.find(".//failure")
    assert failure is not None and "cdata]]> end</system-out> caf\\xe9.csv" in (failure.text or "")

    html_path = tmp_path / "run.html"
    report.to_html(html_path)
    page = html_path.read_bytes().decode("utf-8")  # strict: no surrogate was written
    assert not RAW_CONTROLS.search(page)
    _check_visible("".join(_Text(page).parts))


def test_email_and_webhook_carry_every_character(
    smtp_server: Callable[..., SMTPServer], hook_server: HookServer
) -> None:
    report = hostile_report()
    server = smtp_server("plain")
    config = SMTPConfig(
        mailhost=(server.host, server.port),
        fromaddr="ci@example.org",
        toaddrs=["ops@example.org"],
    )
    EmailChannel(config).send_report(report, errors_only=False)
    (message,) = server.messages
    text_part = message.get_body(("plain",))
    html_part = message.get_body(("html",))
    assert text_part is not None and html_part is not None
    _check_visible(text_part.get_content())
    _check_visible("".join(_Text(html_part.get_content()).parts))
    assert not RAW_CONTROLS.search(str(message["Subject"]))

    WebhookChannel(WebhookConfig(hook_server.url)).send_report(report, errors_only=False)
    (request,) = hook_server.requests
    payload = json.loads(request.body.decode("utf-8"))  # strict UTF-8, valid JSON
    text = json.dumps(payload, ensure_ascii=False)
    assert not re.search("[\ud800-\udfff]", text)  # strict JSON readers reject lone surrogates
    (failed,) = [e for name, e in payload["entries"].items() if name.startswith("load")]
    assert failed["error"]["exception"].startswith("nul\x00 bel\x07 \x1b[31mred")
    assert "caf\\xe9.csv \\xff\\xfe half\\ud800" in failed["error"]["exception"]
