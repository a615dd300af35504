"""HTML report: self-contained, escaped, complete; and it renders in a real browser."""

from __future__ import annotations

import re
import struct
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

from report_browser import chromium, needs_chromium

from pytest_processes.error_data import ErrorData
from pytest_processes.execution_report import ProcessExecutionReport, TaskReportEntry

EntryFactory = Callable[..., TaskReportEntry]
ReportFactory = Callable[..., ProcessExecutionReport]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


class Page(HTMLParser):
    """Collects tags, attributes and visible text of a page."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text_parts: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text_parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(self.text_parts)

    def count(self, tag: str, **attrs: str) -> int:
        return sum(
            1 for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())
        )


def test_page_is_self_contained(sample_report: ProcessExecutionReport, tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    text = sample_report.to_html(path)
    assert path.read_text(encoding="utf-8") == text
    page = Page(text)
    scripts = [a for t, a in page.tags if t == "script"]
    assert scripts == [{}]  # one inline script (filter, sort, zoom), nothing loaded
    assert page.count("link") == 0 and page.count("img") == 0 and page.count("iframe") == 0
    for _, attrs in page.tags:
        for name in ("src", "href"):
            value = attrs.get(name) or ""
            assert not re.match(r"(https?:)?//", value), f"external reference {value!r}"


def test_summary_table_failures_and_figures(sample_report: ProcessExecutionReport) -> None:
    page = Page(sample_report.to_html())
    text = page.text
    assert "nightly.etl" in text and "FAILED" in text
    for label in ("6", "tasks", "3", "passed", "1", "failed", "2", "skipped", "3.10 s"):
        assert label in text
    # one table row per task, with its status badge, attempts and duration
    assert page.count("tr", **{"class": "errored"}) == 1
    assert page.count("tr", **{"class": "success"}) == 3
    assert page.count("tr", **{"class": "skipped"}) == 2
    assert "400 ms" in text and "2.10 s" in text
    # the failure card: exception, traceback, downstream impact, traced variables
    assert page.count("article", **{"class": "failure"}) == 1
    assert "ValueError: bad row 3 <b>&amp;</b>" in text  # shown literally, not as markup
    assert "Traceback (most recent call last):" in text
    assert "Downstream impact (not run)" in text and "publish" in text
    assert "/srv/pipelines/tasks_etl.py:42" in text and "record" in text
    assert "warning: row 3" in text and "[31m" not in text  # ANSI removed
    # graph: the failure's upstream and downstream (5 boxes, 4 arrows), the whole graph
    # on demand (6 boxes, 6 arrows); timeline: one bar per task that ran
    svgs = [a for t, a in page.tags if t == "svg" and a.get("aria-label")]
    labels = ["Dependency graph", "Whole dependency graph", "Task timeline"]
    assert [a["aria-label"] for a in svgs] == labels
    assert page.count("rect", rx="6") == 5 + 6
    assert page.count("path", **{"marker-end": "url(#graph-main-arrow)"}) == 4
    assert page.count("path", **{"marker-end": "url(#graph-whole-arrow)"}) == 6
    assert page.count("rect", rx="3") == 4
    assert "thread-1" in text and "thread-2" in text


def test_everything_is_escaped(make_entry: EntryFactory, make_report: ReportFactory) -> None:
    evil = "<script>alert(1)</script>"
    error = ErrorData(
        exception=evil,
        traceback_str=evil,
        traced_vars={evil: evil},
        traced_vars_location=evil,
        downstream_impact=[evil],
    )
    report = make_report(
        make_entry(
            evil,
            "errored",
            error=error,
            error_type=evil,
            worker=evil,
            start=0.0,
            output=evil,
            function=evil,
        ),
        make_entry("b", "skipped", reason=evil, deps=(evil,)),
        name=evil,
        interrupted=evil,
    )
    text = report.to_html()
    assert "alert(1)</script>" not in text
    assert Page(text).count("script") == 1  # the page's own
    assert "&lt;script&gt;" in text


def test_interrupted_and_empty(make_report: ReportFactory, make_entry: EntryFactory) -> None:
    page = Page(make_report(make_entry("a", "pending"), interrupted="Ctrl-C", name="").to_html())
    assert "INTERRUPTED" in page.text and "Run interrupted:" in page.text and "Ctrl-C" in page.text
    assert "not run" in page.text and "(unnamed process)" in page.text
    empty = Page(ProcessExecutionReport().to_html())
    assert "This report has no tasks." in empty.text
    assert empty.count("svg") == 0


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@needs_chromium
def test_renders_in_chromium(sample_report: ProcessExecutionReport, tmp_path: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page = ARTIFACTS / "report-html.html"
    sample_report.to_html(page)
    shot = ARTIFACTS / "report-html.png"
    shot.unlink(missing_ok=True)
    profile = tmp_path / "profile"
    url = page.as_uri()
    chromium(profile, f"--screenshot={shot}", "--window-size=1280,2000", url)
    assert _png_size(shot) == (1280, 2000)
    assert shot.stat().st_size > 20_000  # a blank page compresses to almost nothing
    dom = chromium(profile, "--dump-dom", url).stdout
    for needle in (
        "extract",
        "fetch_rates",
        "transform",
        "audit",
        "load",
        "publish",
        ">failed<",
        ">passed<",
        ">skipped<",
        "FAILED",
        "Task timeline",
        "Dependency graph",
    ):
        assert needle in dom, needle
