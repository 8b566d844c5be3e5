"use strict";
// transferlabChartCSV(id) is the data chart id holds, as CSV: a category
// axis gives one row per category and one column per series; a heatmap
// its matrix (rows: y categories, columns: x categories); a value axis
// one row per point (series, x, y). Gaps are empty cells.
window.transferlabChartCSV = function (id) {
  var inst = echarts.getInstanceByDom(document.getElementById(id));
  var o = inst.getOption();
  var series = o.series || [];
  var x = (o.xAxis || [])[0] || {};
  var y = (o.yAxis || [])[0] || {};
  function val(d) { return d !== null && typeof d === "object" && !Array.isArray(d) ? d.value : d; }
  function cell(v) {
    v = v === null || v === undefined || v === "-" ? "" : String(v);
    return /[",\n\r]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v;
  }
  var rows = [];
  if (series.length && series[0].type === "heatmap") {
    var xs = (x.data || []).map(val), ys = (y.data || []).map(val);
    var m = ys.map(function () { return xs.map(function () { return 0; }); });
    (series[0].data || []).forEach(function (d) { var v = val(d); m[v[1]][v[0]] = v[2]; });
    rows.push([(y.name || "y") + " \\ " + (x.name || "x")].concat(xs));
    ys.forEach(function (c, i) { rows.push([c].concat(m[i])); });
  } else if (x.type === "category" && x.data) {
    rows.push([x.name || "x"].concat(series.map(function (s) { return s.name; })));
    x.data.forEach(function (c, i) {
      rows.push([val(c)].concat(series.map(function (s) { return val((s.data || [])[i]); })));
    });
  } else {
    rows.push(["series", x.name || "x", y.name || "y"]);
    series.forEach(function (s) {
      // A seeds band's series hold [y, x] points, to stack along y; the
      // mean's rows are the band's data.
      if (/ · band /.test(s.name)) { return; }
      (s.data || []).forEach(function (d) { var v = val(d); rows.push([s.name, v[0], v[1]]); });
    });
  }
  return rows.map(function (r) { return r.map(cell).join(","); }).join("\n") + "\n";
};
// A click on a "download CSV" link points it at the chart's data just
// before the browser follows it.
document.addEventListener("click", function (e) {
  var a = e.target.closest ? e.target.closest("a.csv") : null;
  if (a) { a.href = "data:text/csv;charset=utf-8," + encodeURIComponent(window.transferlabChartCSV(a.getAttribute("data-chart"))); }
});
window.addEventListener("resize", function () {
  document.querySelectorAll("[_echarts_instance_]").forEach(function (el) {
    var c = echarts.getInstanceByDom(el);
    if (c) { c.resize(); }
  });
});
