// The report's timeline: lays out the lanes, the trips and the faults that the page holds (times
// in the data-* attributes, in milliseconds) for a time range and a scale, and handles zoom,
// scrolling, hover labels, details on click and the particle filter. It writes what it
// computed on <body data-*> (range, ready, events-top, events-bottom, viewport): the tests read
// them from the rendered page.
(function () {
  "use strict";
  var svg = document.getElementById("timeline");
  var names = document.getElementById("lane-names");
  var scroller = document.getElementById("scroller");
  var ruler = document.getElementById("ruler");
  var tip = document.getElementById("tip");
  var details = document.getElementById("details");
  var filter = document.getElementById("filter");
  var all = function (sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); };
  var num = function (el, key) { return Number(el.dataset[key]); };
  var hops = all("g.hop", svg), marks = all("g.mark", svg), spans = all("rect.span", svg);
  var lanes = all("line.lane", svg), laneNames = all("text", names);
  var end = num(svg, "end");
  var ns = "http://www.w3.org/2000/svg";
  var left = 70, right = 230, top = 8, bottom = 12; // margins: the ruler, the fault labels

  // The events' range: from the first trip or fault to the last.
  var first = Infinity, last = -Infinity;
  hops.forEach(function (h) { first = Math.min(first, num(h, "sent")); last = Math.max(last, num(h, "arrived")); });
  marks.forEach(function (m) { first = Math.min(first, num(m, "at")); last = Math.max(last, num(m, "at")); });
  if (first > last) { first = 0; last = end; }
  document.body.dataset.range = first + "," + last;

  var byParticle = {};
  hops.forEach(function (h) { (byParticle[h.dataset.particle] = byParticle[h.dataset.particle] || []).push(h); });

  // The view: the domain [lo, hi] (the events', padded, or the whole run's) at scale px per ms.
  var lo, hi, scale, fitScale;
  function viewHeight() { return Math.max(100, scroller.clientHeight - names.getBoundingClientRect().height); }
  function domain(a, b) {
    var pad = Math.max(1, (b - a) * 0.02);
    lo = Math.max(0, a - pad); hi = b + pad;
    fitScale = (viewHeight() - top - bottom) / (hi - lo);
    scale = fitScale;
  }
  function y(t) { return top + (t - lo) * scale; }
  function timeAt(py) { return lo + (py - top) / scale; }

  function fmt(ms) {
    if (Math.abs(ms) < 1000) return +ms.toFixed(3) + "ms";
    var s = ms / 1000, m = Math.floor(s / 60), h = Math.floor(m / 60);
    s -= m * 60; m -= h * 60;
    return (h ? h + "h" : "") + (h || m ? m + "m" : "") + +s.toFixed(3) + "s";
  }
  var steps = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 15e3, 3e4, 6e4, 12e4, 3e5, 6e5, 9e5, 18e5, 36e5];

  function set(el, attrs) { for (var k in attrs) el.setAttribute(k, attrs[k]); }

  function layout() {
    var width = scroller.clientWidth;
    var n = Math.max(1, lanes.length);
    var gap = Math.min(220, Math.max(44, (width - left - right) / n));
    width = Math.max(width, left + gap * n + right);
    var x = function (lane) { return left + gap * (lane + 0.5); };
    var height = Math.floor(y(hi) + bottom);
    set(svg, { width: width, height: height });
    names.setAttribute("width", width);
    lanes.forEach(function (l, i) { set(l, { x1: x(i), x2: x(i), y1: 0, y2: height }); });
    laneNames.forEach(function (t, i) { t.setAttribute("x", x(i)); });
    spans.forEach(function (s) {
      var lane = num(s, "lane"), y1 = y(num(s, "from")), y2 = y(num(s, "to"));
      var x1 = lane < 0 ? left : x(lane) - 6, w = lane < 0 ? gap * n : 12;
      set(s, { x: x1, width: w, y: y1, height: Math.max(1, y2 - y1) });
    });
    var labelFloor = -Infinity;
    marks.forEach(function (m) {
      var my = y(num(m, "at")), ty = Math.max(my + 4, labelFloor + 12);
      labelFloor = ty;
      set(m.querySelector("line"), { x1: left - 4, x2: left + gap * n + 4, y1: my, y2: my });
      set(m.querySelector("text"), { x: left + gap * n + 10, y: ty });
    });
    hops.forEach(function (h) {
      var x1 = x(num(h, "from")), x2 = x(num(h, "to")), y1 = y(num(h, "sent")), y2 = y(num(h, "arrived"));
      if (h.classList.contains("delivered")) {
        x2 += x1 < x2 ? -1 : 1; // the head's tip on the lane
      } else if (y2 - y1 < 2) {
        x2 = x1 + (x2 - x1) * 0.6; // dropped as it was sent: it went nowhere
      }
      var c = { x1: x1, y1: y1, x2: x2, y2: y2 };
      set(h.firstElementChild.nextElementSibling, c);
      set(h.lastElementChild, c);
    });
    drawRuler();
    showRange();
  }

  // showRange says which times the window shows.
  function showRange() {
    document.getElementById("range").textContent = "showing " + fmt(Math.max(lo, timeAt(scroller.scrollTop))) + " to " +
      fmt(Math.min(hi, timeAt(scroller.scrollTop + viewHeight()))) + " of " + fmt(end) +
      (scale > fitScale * 1.01 ? " (zoomed ×" + +(scale / fitScale).toFixed(1) + ")" : "");
  }

  function drawRuler() {
    while (ruler.firstChild) ruler.removeChild(ruler.firstChild);
    var step = steps[steps.length - 1];
    for (var i = 0; i < steps.length; i++) if (steps[i] * scale >= 48) { step = steps[i]; break; }
    for (var t = Math.ceil(lo / step) * step; t <= hi; t += step) {
      var line = document.createElementNS(ns, "line"), text = document.createElementNS(ns, "text");
      set(line, { x1: left - 6, x2: "100%", y1: y(t), y2: y(t) });
      set(text, { x: left - 8, y: y(t) + 4 });
      text.textContent = fmt(t);
      ruler.appendChild(line); ruler.appendChild(text);
    }
  }

  // zoom multiplies the scale by f, keeping the time at py pixels down the view where it is.
  function zoom(f, py) {
    if (py === undefined) py = viewHeight() / 2;
    var t = timeAt(scroller.scrollTop + py);
    scale = Math.min(fitScale * 4096, Math.max(fitScale, scale * f));
    layout();
    scroller.scrollTop = y(t) - py;
    showRange();
  }
  var whole = false; // whether the domain is the whole run's rather than the events'
  function fit(wholeRun) {
    whole = wholeRun;
    if (whole) domain(0, end); else domain(first, last);
    scroller.scrollTop = 0;
    layout();
  }
  // zoomTo shows the times from a to b in the window, as large as the events' domain allows.
  function zoomTo(a, b) {
    var pad = Math.max(1, (b - a) * 0.05);
    a = Math.max(lo, a - pad); b = Math.min(hi, b + pad);
    scale = Math.min(fitScale * 4096, Math.max(fitScale, viewHeight() / (b - a)));
    layout();
    scroller.scrollTop = y(a);
    showRange();
  }
  function showTime(t) {
    if (t < lo || t > hi) fit(true);
    scroller.scrollTop = y(t) - viewHeight() / 2;
  }

  document.getElementById("zoom-in").onclick = function () { zoom(2); };
  document.getElementById("zoom-out").onclick = function () { zoom(0.5); };
  document.getElementById("fit").onclick = function () { fit(false); };
  document.getElementById("whole").onclick = function () { fit(true); };
  scroller.addEventListener("wheel", function (e) {
    if (!e.ctrlKey) return;
    e.preventDefault();
    zoom(e.deltaY < 0 ? 1.25 : 0.8, e.clientY - scroller.getBoundingClientRect().top - names.getBoundingClientRect().height);
  }, { passive: false });
  var pending = false;
  scroller.addEventListener("scroll", function () {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; showRange(); });
  });
  window.addEventListener("resize", function () {
    var z = scale / fitScale, t = timeAt(scroller.scrollTop);
    if (whole) domain(0, end); else domain(first, last);
    scale = fitScale * z;
    layout();
    scroller.scrollTop = y(t);
  });
  document.addEventListener("keydown", function (e) {
    if (e.target === filter || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "+" || e.key === "=") zoom(2);
    else if (e.key === "-") zoom(0.5);
    else if (e.key === "0") fit(false);
  });

  // Hover: a label by the mouse, and the particle's other trips brought out.
  hops.forEach(function (h) {
    h.addEventListener("mouseenter", function () {
      tip.textContent = h.querySelector("title").textContent;
      tip.style.display = "block";
      byParticle[h.dataset.particle].forEach(function (o) { o.classList.add("related"); });
    });
    h.addEventListener("mousemove", function (e) {
      tip.style.left = Math.min(e.clientX + 14, window.innerWidth - tip.offsetWidth - 4) + "px";
      tip.style.top = (e.clientY + 16) + "px";
    });
    h.addEventListener("mouseleave", function () {
      tip.style.display = "none";
      byParticle[h.dataset.particle].forEach(function (o) { o.classList.remove("related"); });
    });
    h.addEventListener("click", function () { select(h); });
  });

  // select shows a trip's details, and its particle's other trips, in the side panel.
  function select(h) {
    all("g.hop.current", svg).forEach(function (o) { o.classList.remove("current"); });
    h.classList.add("current");
    var p = h.dataset.particle, from = names.children[num(h, "from")], to = names.children[num(h, "to")];
    var el = function (tag, text, parent) {
      var e = document.createElement(tag);
      if (text !== undefined) e.textContent = text;
      (parent || details).appendChild(e);
      return e;
    };
    details.textContent = "";
    el("h3", "particle " + p);
    var dl = el("dl");
    var row = function (k, v) { el("dt", k, dl); el("dd", v, dl); };
    row("trip", (from ? from.textContent : "?") + " → " + (to ? to.textContent : "?"));
    row("sent", fmt(num(h, "sent")));
    row(h.classList.contains("delivered") ? "arrived" : "dropped", fmt(num(h, "arrived")));
    row("took", fmt(num(h, "arrived") - num(h, "sent")));
    row("fate", h.classList.contains("delivered") ? "delivered" : h.classList.contains("lost") ? "lost" : "cut");
    var trips = byParticle[p];
    el("h3", "its trips (" + trips.length + ")");
    var ol = el("ol");
    trips.forEach(function (o) {
      var li = el("li", "", ol), a = el("a", "", li);
      a.textContent = o.querySelector("title").textContent.replace(p + ": ", "");
      if (o === h) li.className = "current";
      a.onclick = function () { select(o); showTime(num(o, "sent")); };
    });
    var only = el("button", filter.value === p ? "show every particle" : "show only this particle");
    only.onclick = function () { filter.value = filter.value === p ? "" : p; applyFilter(); select(h); };
    el("button", "zoom to its trips").onclick = function () {
      zoomTo(Math.min.apply(null, trips.map(function (o) { return num(o, "sent"); })),
        Math.max.apply(null, trips.map(function (o) { return num(o, "arrived"); })));
    };
    try { history.replaceState(null, "", "#hop=" + h.dataset.i); } catch (e) { /* file: pages may refuse */ }
  }

  function applyFilter() {
    var want = filter.value.trim();
    hops.forEach(function (h) { h.classList.toggle("hidden", want !== "" && h.dataset.particle.indexOf(want) < 0); });
  }
  filter.addEventListener("input", applyFilter);

  all("#mark-list a[data-at]").forEach(function (a) {
    a.addEventListener("click", function (e) {
      e.preventDefault();
      var t = num(a, "at");
      showTime(t);
      marks.forEach(function (m) { m.classList.toggle("flash", num(m, "at") === t); });
    });
  });

  fit(false);
  var linked = /^#hop=(\d+)$/.exec(location.hash);
  if (linked && hops[+linked[1]]) {
    select(hops[+linked[1]]);
    showTime(num(hops[+linked[1]], "sent"));
  }

  // Where the events are on the first screen, for the tests.
  var evTop = Infinity, evBottom = -Infinity;
  hops.concat(marks).forEach(function (e) {
    var r = e.querySelector("line:last-of-type").getBoundingClientRect();
    evTop = Math.min(evTop, r.top); evBottom = Math.max(evBottom, r.bottom);
  });
  document.body.dataset.eventsTop = Math.round(evTop);
  document.body.dataset.eventsBottom = Math.round(evBottom);
  document.body.dataset.viewport = window.innerHeight;
  document.body.dataset.ready = String(hops.length);
})();
