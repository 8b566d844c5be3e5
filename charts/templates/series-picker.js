"use strict";
// A picker in place of a chart's legend: one tick box per series (a run,
// or a class), in the series' colour (and marker glyph beyond the
// palette), wrapping at any width. echarts' own legend pages ("1/4") once it holds a dozen long
// names, and at 400 px it covers the chart. Every .picker element names
// its chart in data-chart.
(function () {
  var glyphs = {triangle: "▲", rect: "■", diamond: "◆", pin: "⬤"};
  document.querySelectorAll(".picker[data-chart]").forEach(function (box) {
    var el = document.getElementById(box.getAttribute("data-chart"));
    var chart = el && typeof echarts !== "undefined" ? echarts.getInstanceByDom(el) : null;
    if (!chart) { return; }
    var selected = (chart.getOption().legend || [{}])[0].selected || {};
    // A series without a colour of its own takes the chart's palette's
    // in turn (the embedding page's classes).
    var palette = chart.getOption().color || [];
    chart.getOption().series.forEach(function (s, i) {
      var label = document.createElement("label");
      var tick = document.createElement("input");
      tick.type = "checkbox";
      tick.className = "pick";
      tick.checked = selected[s.name] !== false;
      tick.setAttribute("data-series", s.name);
      tick.addEventListener("change", function () {
        chart.dispatchAction({type: tick.checked ? "legendSelect" : "legendUnSelect", name: s.name});
      });
      var swatch = document.createElement("span");
      var colour = (s.lineStyle && s.lineStyle.color) || (s.itemStyle && s.itemStyle.color) || palette[i % palette.length] || "";
      var glyph = glyphs[s.symbol];
      swatch.className = glyph ? "swatch swatch-glyph" : "swatch";
      if (glyph) { swatch.textContent = glyph; swatch.style.color = colour; } else { swatch.style.background = colour; }
      label.appendChild(tick);
      label.appendChild(swatch);
      label.appendChild(document.createTextNode(s.name));
      box.appendChild(label);
    });
  });
})();
