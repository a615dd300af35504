"""The HTML report at 500 and 5,000 tasks: failures first, a graph without false edges, usable.

Layout geometry is checked on the SVG itself; what a reader sees without scrolling,
and that the filter, sort, zoom and pan work, in headless Chromium at 1280x800.
"""

from __future__ import annotations

import itertools
import random
import re
import time
from collections.abc import Callable
from pathlib import Path

from report_browser import needs_chromium, probe

from pytest_processes.execution_report import ProcessExecutionReport
from pytest_processes.reports._html_parts import MAX_GRAPH_NODES
from pytest_processes.reports._layout import BOX_H, BOX_W, layered_layout

BigReport = Callable[..., ProcessExecutionReport]
Box = tuple[float, float, float, float]
Point = tuple[float, float]

_SVG_RE = re.compile(r'<svg [^>]*class="graph".*?</svg>', re.S)
_NODE_RE = re.compile(r'<g class="node[^"]*" data-key="([^"]*)">.*?<rect x="([\d.]+)" y="([\d.]+)"')
_EDGE_RE = re.compile(r'<path class="edge" data-from="([^"]*)" data-to="([^"]*)" d="([^"]*)"')


def _crosses(a: Point, b: Point, box: Box) -> bool:
    """True if segment ``a``-``b`` enters the inside of ``box`` (Liang-Barsky clipping)."""
    x0, y0, x1, y1 = box
    lo, hi = 0.0, 1.0
    dx, dy = b[0] - a[0], b[1] - a[1]
    for p, q in ((-dx, a[0] - x0), (dx, x1 - a[0]), (-dy, a[1] - y0), (dy, y1 - a[1])):
        if p == 0:
            if q < 0:
                return False
        elif p < 0:
            lo = max(lo, q / p)
        else:
            hi = min(hi, q / p)
        if lo > hi:
            return False
    return True


def _false_crossings(boxes: dict[str, Box], edges: list[tuple[str, str, list[Point]]]) -> list[str]:
    """Each (edge, box) where a segment of the edge passes through a box that is not its end."""
    bad = []
    for up, down, points in edges:
        for name, (x0, y0, x1, y1) in boxes.items():
            if name in (up, down):
                continue
            inner = (x0 + 0.5, y0 + 0.5, x1 - 0.5, y1 - 0.5)
            if any(_crosses(a, b, inner) for a, b in itertools.pairwise(points)):
                bad.append(f"{up} -> {down} crosses {name}")
    return bad


def _svg_geometry(svg: str) -> tuple[dict[str, Box], list[tuple[str, str, list[Point]]]]:
    """Boxes and edge polylines (every point of the path, curve control points included)."""
    boxes = {
        key: (float(x), float(y), float(x) + BOX_W, float(y) + BOX_H)
        for key, x, y in _NODE_RE.findall(svg)
    }
    edges = []
    for up, down, d in _EDGE_RE.findall(svg):
        nums = [float(v) for v in re.findall(r"-?[\d.]+", d)]
        edges.append((up, down, list(zip(nums[::2], nums[1::2], strict=True))))
    return boxes, edges


def test_layout_edges_pass_only_through_their_own_ends() -> None:
    """Random DAGs with long edges: no segment enters a box that is not one of its ends."""
    for seed in range(8):
        rnd = random.Random(seed)
        nodes = [f"n{i}" for i in range(120)]
        edges = [
            (nodes[j], nodes[i])
            for i in range(1, len(nodes))
            for j in rnd.sample(range(i), min(i, rnd.randint(0, 3)))
        ]
        layout = layered_layout(nodes, edges)
        boxes = {n: (x, y, x + BOX_W, y + BOX_H) for n, (x, y) in layout.boxes.items()}
        assert len(layout.edges) == len(edges)
        assert _false_crossings(boxes, layout.edges) == []
        for up, down, points in layout.edges:  # edges leave the right side, enter the left
            assert points[0][0] == boxes[up][2] and points[-1][0] == boxes[down][0]


def test_layout_untangles_crossed_edges() -> None:
    """Declared as x before y, but a -> y and b -> x: the sweeps put y beside a, x beside b."""
    layout = layered_layout(["a", "b", "x", "y", "z"], [("a", "y"), ("b", "x"), ("b", "z")])
    top = {n: y for n, (_, y) in layout.boxes.items()}
    assert top["a"] < top["b"] and top["y"] < top["x"] < top["z"]


def test_layout_of_a_cyclic_input_ends() -> None:
    """Reports come from DAGs, but a hand-edited JSON report may not: no hang, every box placed."""
    layout = layered_layout(["a", "b", "c"], [("a", "b"), ("b", "c"), ("c", "a")])
    assert set(layout.boxes) == {"a", "b", "c"}
    assert len(layout.edges) == 2  # the edge that closes the cycle is not drawn


def test_rendered_graphs_have_no_false_dependencies(big_report: BigReport) -> None:
    """The SVG as drawn (both the failure's neighbourhood and the whole graph)."""
    for families in (True, False):
        page = big_report(500, families=families).to_html()
        svgs = _SVG_RE.findall(page)
        assert len(svgs) == 2
        for svg in svgs:
            boxes, edges = _svg_geometry(svg)
            assert boxes and edges
            assert _false_crossings(boxes, edges) == []


def test_failures_come_first_and_families_fold(big_report: BigReport) -> None:
    page = big_report(500).to_html()
    order = [page.index(s) for s in ('class="cards"', 'id="failures"', 'id="graph"', 'id="tasks"')]
    assert order == sorted(order)
    failure = page[page.index('id="failures"') :]
    assert failure.index("parse[17]") < failure.index("ValueError: row 17: expected 5 columns")
    assert "Traceback (most recent call last)" in failure and "reading part 17" in failure
    assert "Default order: the run's dependency order" in page
    whole = _SVG_RE.findall(page)[1]
    assert "parse[…] ×125" in whole and "1 failed · 124 passed" in whole
    assert whole.count('class="node') < 200  # 375 family instances are 3 boxes


def test_timeline_has_one_lane_per_worker(big_report: BigReport) -> None:
    page = big_report(500).to_html()
    timeline = page[page.index('aria-label="Task timeline"') :]
    timeline = timeline[: timeline.index("</svg>")]
    lanes = re.findall(r'fill="#f6f8fa"/><text x="4" y="[\d.]+" fill="#24292f">([^<]*)<', timeline)
    assert lanes == ["worker-1", "worker-2", "worker-3", "worker-4"]
    assert timeline.count('<g class="bar">') == 499  # every task that ran, skipped ones not
    assert "<title>parse[17] on worker-" in timeline


def test_5000_tasks_stay_small_and_the_graph_folds(big_report: BigReport, tmp_path: Path) -> None:
    for families in (True, False):
        t = time.perf_counter()
        page = big_report(5000, families=families).to_html()
        print(
            f"5,000 tasks (families={families}): {len(page.encode()) / 1e6:.2f} MB, "
            f"written in {time.perf_counter() - t:.2f} s"
        )
        assert len(page.encode()) < 6_000_000
        for svg in _SVG_RE.findall(page):
            assert svg.count('class="node') <= MAX_GRAPH_NODES
        assert "too many to draw" in page  # the whole graph is not drawn, and says so


_VISIBLE = """
var top = function (sel) { var b = document.querySelector(sel).getBoundingClientRect();
  return {top: b.top, bottom: b.bottom, text: document.querySelector(sel).textContent}; };
var nav = performance.getEntriesByType("navigation")[0];
var svg = document.getElementById("graph-main"), frame = svg.getBoundingClientRect();
var focus = svg.querySelector("g.node.focus").getBoundingClientRect();
return {height: innerHeight, width: innerWidth, loaded: performance.now(),
  parsed: nav.domContentLoadedEventEnd, name: top("article.failure h3"),
  error: top("article.failure .exc"),
  focusInGraph: focus.left >= frame.left && focus.right <= frame.right &&
    focus.top >= frame.top && focus.bottom <= frame.bottom,
  graphWidth: frame.width, pageWidth: document.documentElement.scrollWidth};
"""


@needs_chromium
def test_500_tasks_failure_visible_without_scrolling(big_report: BigReport, tmp_path: Path) -> None:
    for families in (True, False):
        page = tmp_path / f"report-{families}.html"
        big_report(500, families=families).to_html(page)
        size = page.stat().st_size
        seen = probe(page, _VISIBLE, tmp_path)
        print(
            f"500 tasks (families={families}): {size / 1e6:.2f} MB, parsed in "
            f"{seen['parsed']:.0f} ms, loaded in {seen['loaded']:.0f} ms (headless Chromium)"
        )
        assert size < 2_000_000
        assert seen["width"] == 1280 and seen["pageWidth"] <= 1280  # no sideways scroll
        for part in ("name", "error"):
            assert seen[part]["top"] >= 0 and seen[part]["bottom"] <= seen["height"], seen
        assert seen["name"]["text"].startswith(("parse[17]", "step_"))
        assert "ValueError: row 17: expected 5 columns, got 4" in seen["error"]["text"]
        assert seen["focusInGraph"], "the failed task is not in view in the graph"
        assert seen["graphWidth"] <= 1200
        assert seen["loaded"] < 10_000  # a sanity bound only; the figure is printed


_INTERACT = """
var rows = function () { return Array.prototype.filter.call(
  document.querySelectorAll("#task-table tbody tr"), function (r) { return !r.hidden; }); };
var status = document.getElementById("f-status"), name = document.getElementById("f-name");
status.value = "errored"; status.dispatchEvent(new Event("change"));
var failedOnly = rows().map(function (r) { return r.dataset.name; });
status.value = ""; status.dispatchEvent(new Event("change"));
name.value = "CHECK[1"; name.dispatchEvent(new Event("input"));
var byName = rows().length, shown = document.getElementById("f-count").textContent;
name.value = ""; name.dispatchEvent(new Event("input"));
document.querySelector('th[data-sort="dur"]').click();
var durs = rows().slice(0, 50).map(function (r) { return parseFloat(r.dataset.dur); });
document.querySelector('th[data-sort="start"]').click();
var starts = rows().slice(0, 50).map(function (r) { return parseFloat(r.dataset.start); });
var svg = document.getElementById("graph-main");
var before = svg.getAttribute("viewBox");
document.querySelector('button[data-zoom="in"][data-for="graph-main"]').click();
var zoomed = svg.viewBox.baseVal.width, zoomedX = svg.viewBox.baseVal.x;
var b = svg.getBoundingClientRect(), at = {clientX: b.left + 50, clientY: b.top + 50,
  pointerId: 1, bubbles: true};
svg.dispatchEvent(new PointerEvent("pointerdown", at));
at.clientX += 40;
svg.dispatchEvent(new PointerEvent("pointermove", at));
svg.dispatchEvent(new PointerEvent("pointerup", at));
var panned = svg.viewBox.baseVal.x;
document.querySelector('button[data-zoom="start"][data-for="graph-main"]').click();
return {failedOnly: failedOnly, byName: byName, shown: shown, durs: durs, starts: starts,
  before: before, zoomed: zoomed, zoomedX: zoomedX, panned: panned,
  reset: svg.getAttribute("viewBox"),
  rows: document.querySelectorAll("#task-table tbody tr").length};
"""


@needs_chromium
def test_table_filters_and_sorts_graph_zooms_and_pans(
    big_report: BigReport, tmp_path: Path
) -> None:
    page = tmp_path / "report.html"
    big_report(500).to_html(page)
    seen = probe(page, _INTERACT, tmp_path)
    assert seen["rows"] == 500
    assert seen["failedOnly"] == ["parse[17]"]
    assert (
        seen["byName"] == 36 and seen["shown"] == "36 of 500 shown"
    )  # check[1], [10..19], [100..124]
    assert seen["durs"] == sorted(seen["durs"], reverse=True)  # longest first
    assert seen["starts"] == sorted(seen["starts"])
    width = float(seen["before"].split()[2])
    assert seen["zoomed"] < width
    assert seen["panned"] < seen["zoomedX"]  # dragged to the right: the view moves left
    assert seen["reset"] == seen["before"]


@needs_chromium
def test_5000_tasks_open_in_chromium(big_report: BigReport, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    big_report(5000, families=False).to_html(page)
    seen = probe(
        page,
        'document.getElementById("f-name").value = "merge";'
        'document.getElementById("f-name").dispatchEvent(new Event("input"));'
        'var h = document.querySelector("article.failure h3").getBoundingClientRect();'
        "return {bottom: h.bottom, height: innerHeight, loaded: performance.now(),"
        ' shown: document.getElementById("f-count").textContent};',
        tmp_path,
    )
    print(f"5,000 tasks: {page.stat().st_size / 1e6:.2f} MB, loaded in {seen['loaded']:.0f} ms")
    assert seen["bottom"] <= seen["height"]
    assert re.fullmatch(r"\d+ of 5000 shown", seen["shown"])
    assert seen["loaded"] < 20_000
