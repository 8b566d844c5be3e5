"use strict";
(function () {
  // sep joins a run's name (or a seeds band's label) and its curve in
  // series names (compareSeparator).
  var sep = {{.Separator}};
  var ids = ["chart_compare_accuracy_epoch", "chart_compare_loss_epoch", "chart_compare_accuracy_time", "chart_compare_loss_time", "chart_compare_hyper"];
  // show sets the legend selection of every series of run on every chart.
  function show(run, on) {
    var prefix = run + sep;
    ids.forEach(function (id) {
      var el = document.getElementById(id);
      var c = el && typeof echarts !== "undefined" ? echarts.getInstanceByDom(el) : null;
      if (!c) { return; }
      c.getOption().series.forEach(function (s) {
        if (s.name.indexOf(prefix) === 0) {
          c.dispatchAction({type: on ? "legendSelect" : "legendUnSelect", name: s.name});
        }
      });
    });
  }
  var boxes = Array.prototype.slice.call(document.querySelectorAll("input.tick"));
  var table = document.getElementById("compare");
  var rowOf = function (b) { return b.closest("tr"); };
  // A run is drawn when it is ticked and its row passes the filter; a
  // seeds band while the bands box is ticked and one of its runs is drawn.
  var bands = document.getElementById("seed-bands"), bandRuns = {{.SeedBands}} || {};
  function drawn(b) { return b.checked && !rowOf(b).hidden; }
  function updateBands() {
    Object.keys(bandRuns).forEach(function (label) {
      show(label, bands !== null && bands.checked && boxes.some(function (b) {
        return drawn(b) && bandRuns[label].indexOf(b.getAttribute("data-run")) >= 0;
      }));
    });
  }
  function update(b) { show(b.getAttribute("data-run"), drawn(b)); updateBands(); }
  boxes.forEach(function (b) {
    b.addEventListener("change", function () { update(b); });
  });
  // all ticks (or unticks) the runs the filter shows.
  function all(on) {
    boxes.forEach(function (b) {
      if (rowOf(b).hidden) { return; }
      var want = on(b);
      if (b.checked !== want) { b.checked = want; update(b); }
    });
  }
  // The filter: words separated by spaces, each of which a row must pass.
  // A plain word matches any cell; "key:text" a column's text, "key=v" its
  // whole text or value, "key>n", "key<n", "key>=n", "key<=n" its value as
  // a number. A column is named by its heading's data-key.
  var heads = Array.prototype.slice.call(table.querySelectorAll("thead th"));
  var colOf = {};
  heads.forEach(function (h, i) { var k = h.getAttribute("data-key"); if (k) { colOf[k] = i; } });
  function cellText(row, i) { return row.cells[i].textContent.toLowerCase(); }
  function test(row, term) {
    var m = /^([a-z]+)(:|=|>=|<=|>|<)(.*)$/.exec(term);
    if (!m || !(m[1] in colOf)) {
      return row.textContent.toLowerCase().indexOf(term) >= 0;
    }
    var i = colOf[m[1]], op = m[2], want = m[3], cell = row.cells[i];
    var v = cell.getAttribute("data-v"), text = cellText(row, i);
    if (op === ":") { return text.indexOf(want) >= 0; }
    if (op === "=") { return text === want || (v !== null && v.toLowerCase() === want); }
    var x = Number(v), n = Number(want);
    if (v === null || v === "" || isNaN(x) || isNaN(n)) { return false; }
    return op === ">" ? x > n : op === "<" ? x < n : op === ">=" ? x >= n : x <= n;
  }
  var filter = document.getElementById("filter");
  function applyFilter() {
    var terms = filter.value.toLowerCase().split(/\s+/).filter(function (t) { return t !== ""; });
    boxes.forEach(function (b) {
      var row = rowOf(b), pass = terms.every(function (t) { return test(row, t); });
      if (row.hidden === pass) { row.hidden = !pass; update(b); }
    });
    // An empty table says why, not just nothing.
    document.getElementById("filter-empty").hidden = boxes.some(function (b) { return !rowOf(b).hidden; });
  }
  filter.addEventListener("input", applyFilter);
  // The hyperparameter view: another choice redraws every run's point
  // (the series are the runs, in the table's first order) on an axis of
  // that hyperparameter's type.
  var hyper = {{.Hyper.Values}};
  var pick = document.getElementById("hyper-x");
  pick.addEventListener("change", function () {
    var el = document.getElementById("chart_compare_hyper");
    var c = el && typeof echarts !== "undefined" ? echarts.getInstanceByDom(el) : null;
    if (!c) { return; }
    var key = pick.value, opt = pick.options[pick.selectedIndex];
    var axis = {type: opt.getAttribute("data-axis"), name: opt.textContent};
    var series = hyper.map(function (h) {
      var x = h.values[key];
      return {data: x === null || x === undefined || h.acc === null ? [] : [[x, h.acc]]};
    });
    if (axis.type === "category") {
      var cats = [];
      hyper.forEach(function (h) { var x = h.values[key]; if (x !== null && x !== undefined && cats.indexOf(x) < 0) { cats.push(x); } });
      axis.data = cats.sort();
    }
    c.setOption({xAxis: [axis], series: series});
  });
  if (bands) {
    bands.addEventListener("change", updateBands);
  }
  // The best runs: the page lists them first, and the ticked ones were
  // the first when it opened (the table may have been sorted since).
  var best = boxes.filter(function (b) { return b.checked; });
  document.getElementById("tick-all").addEventListener("click", function () { all(function () { return true; }); });
  document.getElementById("tick-none").addEventListener("click", function () { all(function () { return false; }); });
  document.getElementById("tick-best").addEventListener("click", function () { all(function (b) { return best.indexOf(b) >= 0; }); });
  // Sorting: numbers as numbers, empty cells last, a second click reverses.
  table.querySelectorAll("thead th").forEach(function (th, col) {
    if (col === 0) { return; }
    th.style.cursor = "pointer";
    th.addEventListener("click", function () {
      // A first click sorts ascending; one on the sorted column reverses.
      var asc = th.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("thead th").forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[col].getAttribute("data-v"), y = b.cells[col].getAttribute("data-v");
        if (x === "" || y === "") { return x === y ? 0 : (x === "" ? 1 : -1); }
        var nx = Number(x), ny = Number(y), r;
        r = isNaN(nx) || isNaN(ny) ? x.localeCompare(y) : nx - ny;
        return asc ? r : -r;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
})();
