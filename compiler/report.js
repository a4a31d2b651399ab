// aslc report: the event table, page by page, and a state's data on click.
// The data is the JSON in #run-data (report.c's put_data).
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("run-data").textContent);
  var PAGE = 100, page = 0, onlyErr = false, rows = null;
  var tbody = document.querySelector("#events tbody");
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function isFail(t) { return /Failed$|TimedOut$|Aborted$/.test(t); }
  function pretty(s) {
    if (s === null || s === undefined) return "";
    try { return JSON.stringify(JSON.parse(s), null, 2); } catch (e) { return s; }
  }
  function stamp(ms) { return new Date(D.t0 + ms).toISOString().replace("T", " ").replace("Z", " UTC"); }
  function selected() {
    if (!onlyErr) return D.ev;
    if (!rows) rows = D.ev.filter(function (e) { return isFail(D.types[e[1]]); });
    return rows;
  }
  function render() {
    var list = selected(), pages = Math.max(1, Math.ceil(list.length / PAGE));
    if (page >= pages) page = pages - 1;
    var frag = document.createDocumentFragment();
    list.slice(page * PAGE, page * PAGE + PAGE).forEach(function (e) {
      var type = D.types[e[1]], tr = el("tr", "ev" + (isFail(type) ? " fail" : ""));
      tr.dataset.id = e[0];
      tr.appendChild(el("td", null, e[0]));
      tr.appendChild(el("td", null, type));
      var step = el("td", e[2] >= 0 ? "step" : null, e[2] >= 0 ? D.states[e[2]].name : "");
      if (e[6] >= 0) step.appendChild(el("span", "iter", " #" + e[6]));
      if (e[2] >= 0) step.addEventListener("click", function (ev) { ev.stopPropagation(); show(e[2]); });
      tr.appendChild(step);
      tr.appendChild(el("td", null, e[3] >= 0 ? D.res[e[3]] : ""));
      tr.appendChild(el("td", null, e[4] + " ms"));
      tr.appendChild(el("td", null, stamp(e[4])));
      tr.addEventListener("click", function () { toggle(tr, e); });
      frag.appendChild(tr);
    });
    tbody.textContent = "";
    tbody.appendChild(frag);
    document.getElementById("page").textContent = "page " + (page + 1) + " of " + pages +
      " (" + list.length + " events)";
    document.getElementById("prev").disabled = page === 0;
    document.getElementById("next").disabled = page >= pages - 1;
  }
  function toggle(tr, e) {
    var next = tr.nextSibling;
    if (next && next.classList.contains("det")) { next.remove(); return; }
    var row = el("tr", "det"), td = el("td", "det");
    td.colSpan = 6;
    var text = e[5] === null ? "(no details)" : e[5] === 0
      ? "(details not embedded: the page keeps the first " + "events' details only; see the history file from event " + D.omitted + ")"
      : pretty(e[5]);
    td.appendChild(el("pre", null, text));
    row.appendChild(td);
    tr.parentNode.insertBefore(row, tr.nextSibling);
  }
  function field(box, label, value) {
    if (value === null || value === undefined) return;
    box.appendChild(el("b", null, label));
    box.appendChild(el("pre", null, pretty(value)));
  }
  function show(i) {
    var s = D.states[i], box = document.getElementById("detail");
    box.textContent = "";
    document.querySelectorAll("g.st.sel").forEach(function (g) { g.classList.remove("sel"); });
    var g = document.querySelector('g.st[data-s="' + i + '"]');
    if (g) g.classList.add("sel");
    var h = el("h2", "st st-" + s.status);
    h.appendChild(document.createTextNode(s.name + " "));
    h.appendChild(el("span", "badge", s.status.replace("notreached", "not reached")));
    box.appendChild(h);
    box.appendChild(el("p", "note", s.type + " state, entered " + s.entered + " time" +
      (s.entered === 1 ? "" : "s") + (s.visits.length < s.entered ? "; showing " + s.visits.length +
      " of them (the first, then failures)" : "")));
    s.visits.forEach(function (v) {
      var d = el("div", "visit st-" + v.status);
      var p = el("p");
      p.appendChild(el("span", "badge", v.status));
      p.appendChild(document.createTextNode(" event " + v.event + ", " + v.ms + " ms" +
        (v.iter >= 0 ? ", iteration " + v.iter : "") + (v.retries ? ", " + v.retries + " retr" +
        (v.retries === 1 ? "y" : "ies") : "")));
      d.appendChild(p);
      field(d, "Error", v.error);
      field(d, "Cause", v.cause);
      field(d, "Input", v.input);
      field(d, "Output", v.output);
      box.appendChild(d);
    });
  }
  document.querySelectorAll("[data-s]").forEach(function (n) {
    n.addEventListener("click", function () { show(+n.getAttribute("data-s")); });
  });
  document.getElementById("prev").onclick = function () { page--; render(); };
  document.getElementById("next").onclick = function () { page++; render(); };
  document.getElementById("only-errors").onchange = function (ev) {
    onlyErr = ev.target.checked; page = 0; render();
  };
  (function () { // the execution's input and output until a state is clicked
    var box = document.getElementById("detail");
    field(box, "Execution input", D.input);
    field(box, "Execution output", D.output);
  })();
  render();
  // A link to a state: run.html#state=NAME opens it.
  var m = /^#state=(.+)$/.exec(location.hash);
  if (m) D.states.forEach(function (s, i) { if (s.name === decodeURIComponent(m[1])) show(i); });
  // How long the page took until it was ready, for the load-time test.
  document.body.setAttribute("data-ready-ms", Math.round(performance.now()));
})();
