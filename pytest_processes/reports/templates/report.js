// pytest-processes HTML report: table filter and sort, graph zoom and pan. No library.
(function () {
  "use strict";
  var table = document.getElementById("task-table");
  if (table) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var status = document.getElementById("f-status");
    var name = document.getElementById("f-name");
    var count = document.getElementById("f-count");
    var filter = function () {
      var s = status.value, q = name.value.trim().toLowerCase(), shown = 0;
      rows.forEach(function (r) {
        var ok = (!s || r.dataset.status === s || (s === "upstream" && r.dataset.upstream)) &&
          (!q || r.dataset.name.indexOf(q) >= 0);
        r.hidden = !ok;
        if (ok) { shown += 1; }
      });
      count.textContent = shown + " of " + rows.length + " shown";
    };
    status.addEventListener("change", filter);
    name.addEventListener("input", filter);
    var heads = table.querySelectorAll("th[data-sort]");
    Array.prototype.forEach.call(heads, function (th) {
      th.addEventListener("click", function () {
        var key = th.dataset.sort;
        var was = th.getAttribute("aria-sort");
        // durations longest first, starts and run order earliest first; a second click reverses
        var dir = was ? (was === "ascending" ? -1 : 1) : (key === "dur" ? -1 : 1);
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", dir > 0 ? "ascending" : "descending");
        var value = function (r) { var v = r.dataset[key]; return v === "" ? NaN : parseFloat(v); };
        rows.sort(function (a, b) {
          var x = value(a), y = value(b);
          if (isNaN(x) || isNaN(y)) { return isNaN(x) - isNaN(y); }  // no value: last
          return (x - y) * dir || a.dataset.i - b.dataset.i;
        });
        var frag = document.createDocumentFragment();
        rows.forEach(function (r) { frag.appendChild(r); });
        body.appendChild(frag);
      });
    });
  }
  var views = {};
  var setBox = function (svg, b) { svg.setAttribute("viewBox", b.join(" ")); };
  var box = function (svg) {
    var v = svg.viewBox.baseVal; return [v.x, v.y, v.width, v.height];
  };
  var zoom = function (svg, k, cx, cy) {
    var b = box(svg);
    if (cx === undefined) { cx = b[0] + b[2] / 2; cy = b[1] + b[3] / 2; }
    setBox(svg, [cx - (cx - b[0]) * k, cy - (cy - b[1]) * k, b[2] * k, b[3] * k]);
  };
  var point = function (svg, ev) {
    var p = svg.createSVGPoint();
    p.x = ev.clientX; p.y = ev.clientY;
    return p.matrixTransform(svg.getScreenCTM().inverse());
  };
  Array.prototype.forEach.call(document.querySelectorAll("svg.graph"), function (svg) {
    views[svg.id] = box(svg);
    var grab = null;
    svg.addEventListener("wheel", function (ev) {
      if (!ev.ctrlKey && !ev.metaKey) { return; }
      ev.preventDefault();
      var p = point(svg, ev);
      zoom(svg, ev.deltaY < 0 ? 0.8 : 1.25, p.x, p.y);
    }, { passive: false });
    svg.addEventListener("pointerdown", function (ev) {
      grab = point(svg, ev);
      svg.classList.add("grabbing");
      try { svg.setPointerCapture(ev.pointerId); } catch (e) { /* a pointer no longer down */ }
    });
    svg.addEventListener("pointermove", function (ev) {
      if (!grab) { return; }
      var p = point(svg, ev), b = box(svg);
      setBox(svg, [b[0] + grab.x - p.x, b[1] + grab.y - p.y, b[2], b[3]]);
    });
    var drop = function () { grab = null; svg.classList.remove("grabbing"); };
    svg.addEventListener("pointerup", drop);
    svg.addEventListener("pointercancel", drop);
  });
  Array.prototype.forEach.call(document.querySelectorAll("button[data-zoom]"), function (btn) {
    btn.addEventListener("click", function () {
      var svg = document.getElementById(btn.dataset["for"]), how = btn.dataset.zoom;
      if (how === "in") { zoom(svg, 0.8); } else if (how === "out") { zoom(svg, 1.25); }
      else if (how === "all") { svg.setAttribute("viewBox", svg.dataset.full); }
      else { setBox(svg, views[svg.id]); }
    });
  });
}());
