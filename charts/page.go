package charts

import (
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/go-echarts/go-echarts/v2/render"
)

// refreshSeconds is how often the page of a running run reloads itself.
const refreshSeconds = 10

// chartHTML is one chart placed in a page: its container and the script
// that draws it.
type chartHTML struct {
	ID string
	// CSV is the file name its "download CSV" link saves the data as.
	CSV     string
	Element template.HTML
	Script  template.HTML
}

// snippet renders a go-echarts chart as a container and a script for one
// of our pages. The chart options are JSON that go-echarts writes without
// HTML escaping, so a class or run name holding "</script>" would end the
// script early; inside the script the "<" of "</" and "<!--" becomes
// \u003c, which means the same in JSON and JavaScript strings (the only
// place go-echarts' scripts can hold them).
// go-echarts panics if its own templates fail; that becomes an error here.
func snippet(id string, c render.Renderer) (h chartHTML, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("render chart %s: %v", id, r)
		}
	}()
	s := c.RenderSnippet()
	return chartHTML{ID: id, CSV: strings.TrimPrefix(id, "chart_") + ".csv", Element: template.HTML(s.Element), Script: template.HTML(safeScript(s.Script))}, nil
}

// namedChart is a chart and the ID its builder gave it.
type namedChart struct {
	id string
	c  render.Renderer
}

// renderCharts renders charts for a page.
func renderCharts(cs ...namedChart) ([]chartHTML, error) {
	out := make([]chartHTML, 0, len(cs))
	for _, c := range cs {
		h, err := snippet(c.id, c.c)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}

func safeScript(s string) string {
	const open, closing = ">", "</script>"
	i := strings.Index(s, open)
	j := strings.LastIndex(s, closing)
	if i < 0 || j < i {
		return s
	}
	body := s[i+1 : j]
	body = strings.ReplaceAll(body, "</", `\u003c/`)
	body = strings.ReplaceAll(body, "<!--", `\u003c!--`)
	return s[:i+1] + body + s[j:]
}

// page is what the layout template needs; Body is the page-specific
// content, rendered by the template named after the page kind.
type page struct {
	Title   string
	Refresh int // seconds; 0: no auto-refresh
	// Echarts is the src of echarts.min.js; empty on pages with no chart.
	Echarts string
	// Warning is shown at the top of the page (e.g. echarts taken from the
	// internet because the local copy is missing).
	Warning string
	Nav     []link
	Charts  []chartHTML
	Body    any
}

type link struct {
	Href template.URL
	Text string
}

// chartByID returns the chart with that ID, for the body templates.
func (p page) Chart(id string) *chartHTML {
	for i := range p.Charts {
		if p.Charts[i].ID == id {
			return &p.Charts[i]
		}
	}
	return nil
}

// layout is the frame every page shares. The first script records
// JavaScript errors (including a script that fails to load) into the
// #js-errors list, so a page that could not draw its charts says why.
const layout = `{{define "layout"}}<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{{- if .Refresh}}
<meta http-equiv="refresh" content="{{.Refresh}}">
{{- end}}
<title>{{.Title}} · transferlab</title>
<script>
"use strict";
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
</script>
{{- if .Echarts}}
<script src="{{.Echarts}}"></script>
{{- end}}
<style>
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1200px; padding: 0 16px 48px; color: #1f2328; }
nav { padding: 12px 0; font-size: 14px; }
nav a { margin-right: 12px; }
h1 { font-size: 24px; margin: 8px 0; }
h2 { font-size: 19px; margin: 28px 0 8px; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
table { border-collapse: collapse; margin: 8px 0; font-size: 14px; }
th, td { border: 1px solid #d0d7de; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.warn { background: #fff8c5; border: 1px solid #d4a72c; padding: 8px 12px; }
#js-errors:empty { display: none; }
#js-errors { background: #ffebe9; border: 1px solid #cf222e; padding: 8px 12px 8px 28px; }
.status { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 13px; background: #ddf4ff; }
.status-running { background: #fff8c5; }
.status-failed, .status-interrupted { background: #ffebe9; }
.status-done { background: #dafbe1; }
.other-target td { background: #fff1e5; }
.target-mark { font-weight: 600; color: #bc4c00; }
.badge { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 13px; background: #fff1e5; border: 1px solid #bc4c00; color: #953800; }
.muted { color: #656d76; font-size: 13px; }
.container { width: 100%; margin: 12px 0; }
.chart-tools { margin: -4px 0 12px; font-size: 13px; text-align: right; }
.mistakes { display: flex; flex-wrap: wrap; gap: 10px; }
.mistakes figure { margin: 0; text-align: center; font-size: 12px; border: 1px solid #d0d7de; padding: 4px; }
.mistakes img { width: 84px; height: 84px; image-rendering: pixelated; display: block; margin: 0 auto 2px; }
</style>
</head>
<body>
<nav>{{range .Nav}}<a href="{{.Href}}">{{.Text}}</a>{{end}}</nav>
<h1>{{.Title}}</h1>
{{- if .Warning}}
<p class="warn">{{.Warning}}</p>
{{- end}}
<ul id="js-errors"></ul>
{{template "body" .}}
{{- if .Charts}}
<script>
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
</script>
{{- end}}
</body>
</html>
{{end}}`

// chartBlock places a chart (its container and script); used by the body
// templates as {{template "chart" ($.Chart "chart_accuracy")}}.
// Under each chart a link saves the data the chart holds now (after any
// live update) as CSV, built in the page (csvScript) when it is clicked.
const chartBlock = `{{define "chart"}}{{if .}}<div class="chart" data-chart="{{.ID}}">{{.Element}}{{.Script}}<p class="chart-tools"><a class="csv" href="#" download="{{.CSV}}" data-chart="{{.ID}}">download the data as CSV</a></p></div>{{end}}{{end}}`

// newPageTemplate parses the layout with one page's body template.
func newPageTemplate(body string) *template.Template {
	t := template.Must(template.New("layout").Parse(layout))
	template.Must(t.Parse(chartBlock))
	template.Must(t.Parse(evalDetailsBlock))
	return template.Must(t.Parse(body))
}

// render writes p with t.
func (p page) render(t *template.Template, w io.Writer) error {
	return t.ExecuteTemplate(w, "layout", p)
}
