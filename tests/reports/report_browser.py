"""Headless Chromium for the HTML report tests: screenshots, DOM dumps, in-page probes.

A probe is a JavaScript function body run on the page's ``load`` event; what it
returns comes back as JSON (written into the DOM that ``--dump-dom`` prints).
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not on PATH (CI installs Debian's chromium)"
)
_PROBE_RE = re.compile(r'<pre id="probe-out">(.*?)</pre>', re.S)


def chromium(profile: Path, *args: str, text: bool = True) -> subprocess.CompletedProcess[Any]:
    """Run headless Chromium with a throwaway profile and no network chatter."""
    assert CHROMIUM is not None
    base = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
    ]
    return subprocess.run([*base, *args], check=True, capture_output=True, text=text, timeout=120)


def probe(page: Path, body: str, tmp_path: Path, size: tuple[int, int] = (1280, 800)) -> Any:
    """Open a copy of ``page`` at window ``size`` and return what the JS ``body`` returns."""
    script = (
        '<script>window.addEventListener("load", function () {'
        f"var out = (function () {{ {body} }})();"
        'var pre = document.createElement("pre"); pre.id = "probe-out";'
        "pre.textContent = JSON.stringify(out); document.body.appendChild(pre);"
        "});</script></body>"
    )
    copy = tmp_path / f"probe-{page.name}"
    copy.write_text(page.read_text("utf-8").replace("</body>", script), "utf-8")
    dom = chromium(
        tmp_path / "profile", f"--window-size={size[0]},{size[1]}", "--dump-dom", copy.as_uri()
    ).stdout
    found = _PROBE_RE.search(dom)
    assert found, f"the probe did not run; page ends with {dom[-300:]!r}"
    return json.loads(html.unescape(found.group(1)))
