"use strict";
(function () {
  // sep joins a run's name and its curve in series names (compareSeparator).
  var sep = {{.}};
  var ids = ["chart_compare_accuracy_epoch", "chart_compare_loss_epoch", "chart_compare_accuracy_time", "chart_compare_loss_time"];
  // show sets the legend selection of every series of run on every chart.
  function show(run, on) {
    ids.forEach(function (id) {
      var el = document.getElementById(id);
      var c = el && typeof echarts !== "undefined" ? echarts.getInstanceByDom(el) : null;
      if (!c) { return; }
      c.getOption().series.forEach(function (s) {
        if (s.name.indexOf(run + sep) === 0) {
          c.dispatchAction({type: on ? "legendSelect" : "legendUnSelect", name: s.name});
        }
      });
    });
  }
  var boxes = Array.prototype.slice.call(document.querySelectorAll("input.tick"));
  boxes.forEach(function (b) {
    b.addEventListener("change", function () { show(b.getAttribute("data-run"), b.checked); });
  });
  function all(on) {
    boxes.forEach(function (b) { var want = on(b); if (b.checked !== want) { b.checked = want; show(b.getAttribute("data-run"), want); } });
  }
  // The best runs: the page lists them first, and the ticked ones were
  // the first when it opened (the table may have been sorted since).
  var best = boxes.filter(function (b) { return b.checked; });
  document.getElementById("tick-all").addEventListener("click", function () { all(function () { return true; }); });
  document.getElementById("tick-none").addEventListener("click", function () { all(function () { return false; }); });
  document.getElementById("tick-best").addEventListener("click", function () { all(function (b) { return best.indexOf(b) >= 0; }); });
  // Sorting: numbers as numbers, empty cells last, a second click reverses.
  var table = document.getElementById("compare");
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
