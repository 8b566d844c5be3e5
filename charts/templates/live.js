"use strict";
// Every few seconds: load metrics.js again (a new script element, since a
// page opened as file:// cannot fetch files) and merge its data into the
// charts. setOption merges, so the reader's zoom and legend choices stay.
(function () {
  var every = {{.}} * 1000;
  var live = window.transferlabLive = {updates: 0};
  function setText(id, s) {
    var el = document.getElementById(id);
    if (el && s) { el.textContent = s; }
  }
  function apply(d) {
    Object.keys(d.charts || {}).forEach(function (id) {
      var el = document.getElementById(id);
      var c = el && typeof echarts !== "undefined" ? echarts.getInstanceByDom(el) : null;
      if (c) {
        c.setOption(d.charts[id]);
        // Smoothing and log scale, where the chart has them, apply to the
        // new data too.
        if (window.transferlabCurveTools) { window.transferlabCurveTools.refresh(id); }
      }
    });
    setText("live-epochs", d.epochs);
    setText("live-wall", d.wall);
    var st = document.getElementById("live-status");
    if (st && d.status) { st.textContent = d.status; st.className = "status status-" + d.status; }
    live.updates++;
    return d.status === "running";
  }
  function poll() {
    var s = document.createElement("script");
    s.src = "metrics.js?t=" + Date.now();
    s.onload = function () {
      s.remove();
      var d = window.transferlabRunData;
      if (d && !apply(d)) {
        document.getElementById("live-ended").hidden = false;
        return;
      }
      setTimeout(poll, every);
    };
    s.onerror = function () { s.remove(); setTimeout(poll, every); };
    document.head.appendChild(s);
  }
  setTimeout(poll, every);
})();
