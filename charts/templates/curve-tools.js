"use strict";
// Loss charts' tools (a .curve-tools form above the chart, for
// data-chart=ID): smoothing, an exponential moving average of each curve
// with the weight the slider gives (0: the data as measured; TensorBoard's
// smoothing), and a log-scale y axis. The data as measured is kept aside,
// so smoothing never compounds; a live update (live.js) hands its new
// data to refresh.
window.transferlabCurveTools = (function () {
  var raw = {};
  function inst(id) {
    var el = document.getElementById(id);
    return el && typeof echarts !== "undefined" ? echarts.getInstanceByDom(el) : null;
  }
  function form(id) { return document.querySelector('.curve-tools[data-chart="' + id + '"]'); }
  function y(d) {
    var v = d !== null && typeof d === "object" && !Array.isArray(d) ? d.value : d;
    return Array.isArray(v) ? v[v.length - 1] : v;
  }
  function withY(d, v) {
    if (d !== null && typeof d === "object" && !Array.isArray(d)) { d = Object.assign({}, d); d.value = withY(d.value, v); return d; }
    if (Array.isArray(d)) { d = d.slice(); d[d.length - 1] = v; return d; }
    return v;
  }
  function ema(data, w) {
    var last = null;
    return data.map(function (d) {
      var v = y(d);
      if (typeof v !== "number" || !isFinite(v)) { return d; }
      last = last === null ? v : w * last + (1 - w) * v;
      return withY(d, Math.round(last * 1e4) / 1e4);
    });
  }
  function keep(id) {
    var c = inst(id);
    if (!c) { return; }
    raw[id] = {};
    // A seeds band ([y, x] points, stacked) is left as measured.
    c.getOption().series.forEach(function (s) { if (!/ · band /.test(s.name)) { raw[id][s.name] = (s.data || []).slice(); } });
  }
  function apply(id) {
    var c = inst(id), f = form(id);
    if (!c || !f || !raw[id]) { return; }
    var w = Number(f.querySelector("input.smooth").value), log = f.querySelector("input.logscale").checked;
    f.querySelector(".smooth-value").textContent = w.toFixed(2);
    c.setOption({
      yAxis: [{type: log ? "log" : "value"}],
      series: Object.keys(raw[id]).map(function (name) { return {name: name, data: w > 0 ? ema(raw[id][name], w) : raw[id][name]}; })
    });
  }
  document.querySelectorAll(".curve-tools").forEach(function (f) {
    var id = f.getAttribute("data-chart");
    keep(id);
    f.addEventListener("input", function () { apply(id); });
    f.addEventListener("change", function () { apply(id); });
  });
  return {refresh: function (id) { if (form(id)) { keep(id); apply(id); } }};
})();
