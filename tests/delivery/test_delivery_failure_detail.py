"""What the report email says about a failure: output tail, earlier attempts, unwrapped tracebacks.

Delivered by ``pytest --processes`` to aiosmtpd on 127.0.0.1, read as a mail client
reads the message: the plain-text part and the HTML part.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from html import unescape as html_unescape
from pathlib import Path

import pytest
from delivery_helpers import RunProcesses
from loopback_servers import SMTPServer
from test_delivery_email import email_args, parts

SMTPFactory = Callable[..., SMTPServer]

NOISY = """
    import logging
    import sys

    def task_extract():
        for n in range(1, 121):
            print(f"row {n}")
        sys.stderr.write("warning: 3 rows without amount\\n")
        logging.getLogger("etl").warning("falling back to the cache")
        raise ValueError("bad amount in row 7: " + "x" * 150)
"""

RETRIED = """
    CALLS = []

    def task_fetch():
        CALLS.append(1)
        if len(CALLS) == 1:
            raise ConnectionError("db down")
        raise ValueError("bad payload")
"""


def emailed(
    pytester: pytest.Pytester,
    run_processes: RunProcesses,
    smtp_server: SMTPFactory,
    source: str,
    *args: str,
) -> tuple[str, str]:
    """Run ``source`` as ``tasks_etl.py`` with email to a fresh server: (text, html)."""
    pytester.makepyfile(tasks_etl=source)
    server = smtp_server()
    result = run_processes(*email_args(server.port, "none"), *args)
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()
    (message,) = server.messages
    text, html = parts(message)
    return text.replace("\r\n", "\n"), html.replace("\r\n", "\n")


def test_the_last_50_lines_of_each_stream_follow_the_traceback(
    pytester: pytest.Pytester, run_processes: RunProcesses, smtp_server: SMTPFactory
) -> None:
    text, html = emailed(pytester, run_processes, smtp_server, NOISY)
    for body in (text, html):
        assert "row 120" in body and "row 71\n" in body
        assert "row 70\n" not in body
        assert "[70 earlier lines not shown]" in body
        assert "warning: 3 rows without amount" in body
        assert "falling back to the cache" in body
        traceback_at = body.index("ValueError: bad amount in row 7")
        assert traceback_at < body.index("Captured output: stdout")
        assert body.index("Captured output: stdout") < body.index("Captured output: stderr")
        assert body.index("Captured output: stderr") < body.index("Captured output: log")


@pytest.mark.parametrize(
    ("args", "ini"),
    [(["--processes-email-output-lines", "5"], ""), ([], "processes_email_output_lines = 5")],
    ids=["option", "ini"],
)
def test_how_many_lines_is_configurable(
    pytester: pytest.Pytester,
    run_processes: RunProcesses,
    smtp_server: SMTPFactory,
    args: list[str],
    ini: str,
) -> None:
    if ini:
        pytester.makeini(f"[pytest]\n{ini}\n")
    text, html = emailed(pytester, run_processes, smtp_server, NOISY, *args)
    for body in (text, html):
        assert "row 116" in body and "row 115\n" not in body
        assert "[115 earlier lines not shown]" in body


def test_no_output_lines_with_zero(
    pytester: pytest.Pytester, run_processes: RunProcesses, smtp_server: SMTPFactory
) -> None:
    text, html = emailed(
        pytester, run_processes, smtp_server, NOISY, "--processes-email-output-lines", "0"
    )
    assert "row 120" not in text and "row 120" not in html
    assert "ValueError: bad amount in row 7" in text


def test_a_bad_line_count_is_a_usage_error(
    pytester: pytest.Pytester, run_processes: RunProcesses
) -> None:
    pytester.makepyfile(tasks_etl=NOISY)
    result = run_processes(*email_args(2525), "--processes-email-output-lines", "many")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*Invalid --processes-email-output-lines 'many' from the command line: expected a whole*"]
    )


def test_tracebacks_never_wrap_and_styles_stay_inline(
    pytester: pytest.Pytester, run_processes: RunProcesses, smtp_server: SMTPFactory
) -> None:
    text, html = emailed(pytester, run_processes, smtp_server, NOISY)
    blocks = re.findall(r"<pre style=\"([^\"]*)\">", html)
    assert blocks, html
    for style in blocks:  # a long line scrolls in its block: ^^^^ stays under its code
        assert "white-space:pre;" in style and "overflow-x:auto" in style
        assert "pre-wrap" not in style and "break-word" not in style
    assert "table-layout:fixed" in html  # the task card does not grow with its longest line
    assert "<style" not in html and "<script" not in html
    long_line = "ValueError: bad amount in row 7: " + "x" * 150
    assert long_line in html and long_line in text  # one line, never broken


def test_each_earlier_attempt_is_under_the_task(
    pytester: pytest.Pytester, run_processes: RunProcesses, smtp_server: SMTPFactory
) -> None:
    text, html = emailed(pytester, run_processes, smtp_server, RETRIED, "--processes-retries", "1")
    for body in (text, html):
        assert "Earlier attempts" in body
        assert re.search(r"attempt 1: failed after .*, started .*: ConnectionError: db down", body)
        assert "ValueError: bad payload" in body


def test_a_fixture_error_traceback_begins_at_the_fixture(
    pytester: pytest.Pytester, run_processes: RunProcesses, smtp_server: SMTPFactory
) -> None:
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture
        def warehouse():
            raise RuntimeError("cannot reach the warehouse")
        """
    )
    text, _ = emailed(pytester, run_processes, smtp_server, "def task_load(warehouse):\n    pass\n")
    traceback = text[text.index("Traceback (most recent call last):") :]
    frames = re.findall(r'File "([^"]+)"', traceback.split("RuntimeError")[0])
    assert frames and all(f.endswith("conftest.py") for f in frames), frames


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

#: measures the email as Chromium lays it out, into the title ``--dump-dom`` prints
MEASURE = """
<script>
const pres = [...document.querySelectorAll("pre")];
const card = document.querySelector("table[width='640']");
document.title = "MEASURED " + JSON.stringify({
  card: card.getBoundingClientRect().width,
  page: document.documentElement.clientWidth,
  wraps: pres.filter(p => getComputedStyle(p).whiteSpace !== "pre").length,
  scrolls: pres.filter(p => p.scrollWidth > p.clientWidth).length,
  blocks_within_card: pres.every(
    p => p.getBoundingClientRect().right <= card.getBoundingClientRect().right + 1
  ),
});
</script>
"""


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not on PATH (CI installs it)")
def test_chromium_scrolls_long_lines_inside_their_block(
    pytester: pytest.Pytester,
    run_processes: RunProcesses,
    smtp_server: SMTPFactory,
    tmp_path: Path,
) -> None:
    """At a phone-like 480 px, long lines scroll in their block; nothing wraps or widens."""
    assert CHROMIUM is not None
    _, html = emailed(pytester, run_processes, smtp_server, NOISY)
    page = tmp_path / "email.html"
    page.write_text(html.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    dom = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--window-size=480,2000",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    measured = json.loads(html_unescape(dom.split("<title>MEASURED ", 1)[1].split("</title>")[0]))
    assert measured["wraps"] == 0
    assert measured["scrolls"] >= 1  # the traceback's long line, at least
    assert measured["blocks_within_card"]
    assert measured["card"] <= measured["page"]
