"""Regenerate docs/images/html-report.png and email-catppuccin.png from one failing run.

Usage, from the repository root: ``python scripts/screenshots.py``. Needs ``chromium``
on PATH. The project is written to a temporary folder and run with this checkout's
``pytest --processes`` (the interpreter that runs this script), so the picture always
shows what the current code writes.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "images" / "html-report.png"
EMAIL_TARGET = ROOT / "docs" / "images" / "email-catppuccin.png"

PROJECT = """
import time

import pytest

REGIONS = ["eu", "us", "apac", "latam", "africa", "oceania"]


def task_extract_orders():
    time.sleep(0.2)
    return {region: 100 + len(region) for region in REGIONS}


@pytest.mark.parametrize("region", REGIONS)
def task_fetch_rates(region):
    time.sleep(0.1)
    if region == "apac":
        print("GET https://rates.example/apac -> 503")
        raise ConnectionError(f"rates service for {region!r} answered 503 Service Unavailable")
    return 1.1


def task_convert(extract_orders, fetch_rates, region):
    time.sleep(0.05)
    return extract_orders[region] * fetch_rates


def task_merge(convert):
    return sum(convert.values())


def task_audit(extract_orders):
    time.sleep(0.3)


def task_publish(merge, audit):
    print(f"publishing {merge}")
"""


def main() -> int:
    """Write the project, run it, and screenshot its HTML report at 1280 x 1800."""
    chromium = shutil.which("chromium")
    if chromium is None:
        print("chromium is not on PATH", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "nightly-prices"  # the folder names the process in the report
        folder.mkdir()
        (folder / "tasks_prices.py").write_text(textwrap.dedent(PROJECT).lstrip())
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "--processes",
                "--processes-workers=2",
                "-q",
                "-p",
                "no:cacheprovider",
                "--processes-html=report.html",
                "--processes-json=report.json",
            ],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=300,
        )
        page = folder / "report.html"
        if not page.exists():
            print(run.stdout, run.stderr, sep="\n", file=sys.stderr)
            return 1
        _photograph(chromium, page, TARGET, "1280,1800", folder / "profile")
        email = folder / "email.html"
        email.write_text(_email_html(folder / "report.json"), encoding="utf-8")
        _photograph(chromium, email, EMAIL_TARGET, "900,1400", folder / "profile")
    print(f"wrote {TARGET.relative_to(ROOT)} and {EMAIL_TARGET.relative_to(ROOT)}")
    return 0


def _email_html(report_json: Path) -> str:
    """The report email's HTML part, as the email channel renders it (catppuccin palette)."""
    from pytest_processes import HTMLEmailStyle, ProcessExecutionReport
    from pytest_processes.comms._email_render import render_email
    from pytest_processes.comms.base import ReportContent

    report = ProcessExecutionReport.from_json(report_json.read_text(encoding="utf-8"))
    style = HTMLEmailStyle(palette="catppuccin")
    return render_email(report, style, ReportContent(), errors_only=False).html


def _photograph(chromium: str, page: Path, target: Path, size: str, profile: Path) -> None:
    """A headless Chromium screenshot of ``page`` at ``size`` (``"W,H"``) into ``target``."""
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
            "--disable-background-networking",
            "--disable-sync",
            f"--user-data-dir={profile}",
            f"--screenshot={target}",
            f"--window-size={size}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )


if __name__ == "__main__":
    raise SystemExit(main())
