package charts

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// xssClass is a class name as a folder:DIR folder or a sidecar may hold
// it: rendered as HTML, it runs a script that counts itself.
const xssClass = `<img src=x onerror=window.__xss=(window.__xss||0)+1>`

// xssPages builds a results folder whose run and evaluation name classes
// with xssClass, and an embedding page over such classes; it returns the
// pages with tooltip formatters that show those names, and the pages
// whose charts show names in echarts' own tooltips (the run's source is
// named so too).
func xssPages(t *testing.T) (dir string, pages, plain []string) {
	t.Helper()
	dir = t.TempDir()
	classes := append([]string{xssClass}, letters[1:]...)
	run := finetuneRun("ft", "emnist-letters", xssClass, "last", 2, true)
	ef, _ := sampleEval("emnist-letters", "test", classes)
	run.Classes = classes
	run.Final.Test = &ef.Eval
	writeRun(t, dir, run)
	writeEval(t, dir, "ft", ef)
	if err := Build(dir); err != nil {
		t.Fatal(err)
	}
	e := sampleEmbedding()
	e.Classes[1] = xssClass
	embed, err := WriteEmbedding(dir, "embed-xss.html", e)
	if err != nil {
		t.Fatal(err)
	}
	return dir, []string{filepath.Join(dir, "ft", RunPageName), filepath.Join(dir, "ft", "eval-emnist-letters-test.html"), embed},
		[]string{filepath.Join(dir, TransferPageName)}
}

// nameRE finds a tooltip formatter's use of a name taken from the data.
var nameRE = regexp.MustCompile(`\bp\.(name|seriesName)\b`)

// Every chart option that turns data into HTML escapes it: each tooltip
// formatter passes the class or series name through echarts'
// encodeHTML. (The confusion matrix's formatter did not: a class named
// as xssClass ran its script on hover.)
func TestChartFormattersEscapeNames(t *testing.T) {
	fakeEcharts(t)
	_, pages, _ := xssPages(t)
	for _, page := range pages {
		html := readFile(t, page)
		formatters := 0
		for _, loc := range regexp.MustCompile(`"formatter":\s*function`).FindAllStringIndex(html, -1) {
			formatters++
			end := strings.Index(html[loc[1]:], "}")
			src := html[loc[0] : loc[1]+end]
			for _, m := range nameRE.FindAllStringIndex(src, -1) {
				before := src[:m[0]]
				if !strings.HasSuffix(before, "encodeHTML(") && !strings.HasSuffix(before, "esc(") {
					t.Errorf("%s: formatter puts %s into HTML unescaped: %s", filepath.Base(page), src[m[0]:m[1]], src)
				}
			}
		}
		if formatters == 0 {
			t.Errorf("%s: no formatter found; the check saw nothing", filepath.Base(page))
		}
	}
}

// In Chromium, hovering every chart of the pages above (echarts' showTip
// on their first items) shows the names as text and runs no script.
func TestBrowserTooltipsRunNoScriptFromNames(t *testing.T) {
	chromium := needBrowser(t)
	_, pages, plain := xssPages(t)
	hover := `<script>
window.__probeSetup = function () {
  window.__tips = [];
  document.querySelectorAll(".chart").forEach(function (box) {
    var el = document.getElementById(box.getAttribute("data-chart"));
    var c = el ? echarts.getInstanceByDom(el) : null;
    if (!c) { return; }
    var n = c.getOption().series.length;
    for (var s = 0; s < n; s++) {
      for (var i = 0; i < 3; i++) {
        c.dispatchAction({type: "showTip", seriesIndex: s, dataIndex: i});
        var tip = Array.prototype.slice.call(el.querySelectorAll("div")).filter(function (d) {
          return d.style.position === "absolute" && d.style.display !== "none" && d.textContent;
        }).pop();
        window.__tips.push(tip ? tip.textContent : "");
      }
    }
  });
  setTimeout(function () { window.__hovered = true; }, 1500); // an image's onerror comes later
};
window.__probeReady = function () { return !!window.__hovered; };
window.__probeExtra = function () { return {xss: window.__xss || 0, tips: window.__tips}; };
</script>
</head>`
	for _, page := range append(pages, plain...) {
		res := probe(t, chromium, page, func(s string) string { return strings.Replace(s, "</head>", hover, 1) })
		var extra struct {
			XSS  int      `json:"xss"`
			Tips []string `json:"tips"`
		}
		if err := json.Unmarshal(res.Extra, &extra); err != nil {
			t.Fatalf("%s: probe extra %s: %v", filepath.Base(page), res.Extra, err)
		}
		if extra.XSS != 0 {
			t.Errorf("%s: a class name ran its script %d times", filepath.Base(page), extra.XSS)
		}
		shown := false
		for _, tip := range extra.Tips {
			shown = shown || strings.Contains(tip, xssClass)
		}
		if !shown {
			t.Errorf("%s: no tooltip showed the class name as text: %q", filepath.Base(page), extra.Tips)
		}
		t.Logf("%s: %d tooltips shown", filepath.Base(page), len(extra.Tips))
	}
}
