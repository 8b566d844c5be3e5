"use strict";
// Lists JavaScript errors, and scripts or styles that failed to load, in
// #js-errors: a page that cannot draw its charts says why.
(function () {
  var errors = [];
  function show() {
    var ul = document.getElementById("js-errors");
    if (!ul) { return; }
    while (errors.length) {
      var li = document.createElement("li");
      li.textContent = errors.shift();
      ul.appendChild(li);
    }
  }
  window.addEventListener("error", function (e) {
    var t = e.target;
    if (t && t !== window && (t.src || t.href)) {
      errors.push("could not load " + (t.src || t.href));
    } else {
      errors.push("JavaScript error: " + (e.message || e) + (e.filename ? " (" + e.filename + ":" + e.lineno + ")" : ""));
    }
    show();
  }, true);
  document.addEventListener("DOMContentLoaded", function () {
    if (typeof echarts === "undefined" && document.querySelector(".chart")) {
      errors.push("echarts.min.js did not load, so the charts cannot be drawn: run tools/setup-echarts.sh, then 'transferlab report'.");
    }
    show();
  });
})();
