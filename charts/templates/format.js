"use strict";
// transferlabFmt formats what the charts show: tooltips, value labels and
// axis ranges. It is in <head>, before the charts' scripts, whose options
// call it (go-echarts writes a formatter as the source of a function, and
// these keep that source short and free of quotes).
window.transferlabFmt = (function () {
  var esc = function (s) { return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;"); };
  function isNum(v) { return typeof v === "number" && isFinite(v); }
  // The kinds of value: accuracy (%), loss, seconds, images/s, learning rate.
  var kinds = {
    pct: function (v) { return v.toFixed(2) + " %"; },
    loss: function (v) { return v.toFixed(4); },
    // Under 0.05 s, milliseconds: a small run's epochs read "0.0 s" else.
    secs: function (v) { return v > 0 && v < 0.05 ? (v * 1000).toPrecision(2) + " ms" : v.toFixed(1) + " s"; },
    rate: function (v) { return Math.round(v).toLocaleString("en-US") + " images/s"; },
    lr: function (v) { return v.toPrecision(3); }
  };
  function fmt(kind, v) {
    if (Array.isArray(v)) { v = v[v.length - 1]; }
    if (v && typeof v === "object") { v = v.value; }
    if (!isNum(v)) { return "—"; }
    return (kinds[kind] || kinds.loss)(v);
  }
  function y(p) { var v = p.value; if (Array.isArray(v)) { v = v[v.length - 1]; } return isNum(v) ? v : NaN; }
  // An accuracy axis' margin beyond the values, and the round number its
  // ends fall on.
  function pad(v) { return Math.max(0.5, (v.max - v.min) * 0.05); }
  function step(v) { var r = v.max - v.min; return r > 20 ? 10 : (r > 5 ? 5 : 1); }
  function x(p) { return Array.isArray(p.value) ? p.value[0] : p.axisValueLabel; }
  var F = {
    esc: esc,
    fmt: fmt,
    pct: function (v) { return fmt("pct", v); },
    // label is a bar's value label: the value with its unit.
    label: function (p, kind) { return fmt(kind, p.value); },
    // axis is an axis-triggered tooltip: a header naming the x value
    // ("epoch 3", "training time 41.0 s") and one row per series with its
    // value in its kind. kindOf maps series names to kinds: "pct" (all
    // series), or "secs,train images/s=rate" (the first for all series
    // but those named). order "desc" or "asc" sorts the rows by value,
    // best first; gaps go last.
    axis: function (ps, xName, kindOf, order) {
      if (!Array.isArray(ps)) { ps = [ps]; }
      // A seeds band's two series draw it; its mean's row gives the range.
      ps = ps.filter(function (p) { return !/ · band /.test(p.seriesName); });
      if (!ps.length) { return ""; }
      var parts = String(kindOf).split(","), def = parts[0], by = {};
      parts.slice(1).forEach(function (s) { var i = s.lastIndexOf("="); by[s.slice(0, i)] = s.slice(i + 1); });
      var kind = function (p) { return by[p.seriesName] || def; };
      if (order) {
        ps.sort(function (a, b) {
          var va = y(a), vb = y(b);
          if (isNaN(va) || isNaN(vb)) { return isNaN(va) - isNaN(vb); }
          return order === "asc" ? va - vb : vb - va;
        });
      }
      var xv = x(ps[0]);
      var named = function (v) { return xName === "time" ? fmt("secs", Number(v)) : (xName ? xName + " " : "") + esc(v); };
      var head = (xName === "time" ? "training time " : "") + named(xv);
      var rows = ps.map(function (p) {
        var at = Array.isArray(p.value) && String(p.value[0]) !== String(xv) ? " (at " + named(p.value[0]) + ")" : "";
        // A seeds band's mean gives the seeds' range, which its points
        // carry as "min|max" (addSeedBands).
        var band = / · mean$/.test(p.seriesName) && /\|/.test(p.name || "") ?
          " (" + String(p.name).split("|").map(function (v) { return fmt(kind(p), Number(v)); }).join(" – ") + ")" : "";
        return p.marker + esc(p.seriesName) + ": <b>" + fmt(kind(p), p.value) + "</b>" + band + at;
      });
      return "<b>" + head + "</b><br>" + rows.join("<br>");
    },
    // hyper is the hyperparameter view's tooltip: the run, the chosen
    // hyperparameter's value and the accuracy.
    hyper: function (p) {
      var pick = document.getElementById("hyper-x"), name = pick ? pick.options[pick.selectedIndex].textContent : "x";
      return p.marker + esc(p.seriesName) + "<br>" + esc(name) + " " + esc(p.value[0]) + ": <b>" + fmt("pct", p.value[1]) + "</b>";
    },
    // pctMax and pctMin are an accuracy axis' range: never above 100 %,
    // and from a little below the lowest value shown (not from 0, so
    // that 97-99 % differences show), on a round number.
    pctMax: function (v) { return Math.min(100, Math.ceil((v.max + pad(v)) / step(v)) * step(v)); },
    pctMin: function (v) { return Math.max(0, Math.floor((v.min - pad(v)) / step(v)) * step(v)); }
  };
  return F;
})();
