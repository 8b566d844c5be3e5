package charts

import (
	"context"
	"encoding/json"
	"fmt"
	stdhtml "html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The browser test opens generated pages in headless Chromium with every
// network request failing, and proves that the charts were drawn from the
// local echarts copy with no JavaScript error. It needs Debian's chromium
// (CI installs it) and echarts in the cache (tools/setup-echarts.sh).

// chromiumFlags run Chromium headless, offline and without background
// traffic: the proxy is a closed port and no host name resolves.
var chromiumFlags = []string{
	"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
	"--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
	"--disable-dev-shm-usage", "--disable-extensions", "--mute-audio",
	"--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND",
	"--window-size=1280,2400",
}

// probeHead is injected first in <head>: it records every error (also
// scripts that fail to load) before the page's own scripts run.
const probeHead = `<script>
window.__probeErrors = [];
window.addEventListener("error", function (e) {
  var t = e.target;
  window.__probeErrors.push(t && t !== window && t.src ? "load failed: " + t.src : "error: " + e.message);
}, true);
(function () {
  var ce = console.error;
  console.error = function () {
    window.__probeErrors.push("console.error: " + Array.prototype.join.call(arguments, " "));
    return ce.apply(console, arguments);
  };
})();
</script>`

// probeBody is injected before </body>: after load (and echarts'
// animations) it writes into the DOM, for --dump-dom, what each chart
// container holds: canvases, how many of their pixels are painted, and the
// series echarts holds with their point counts.
const probeBody = `<script>
// axisProbe reports the first x or y axis of a chart: the category data
// its options hold, and the labels echarts laid out, in axis order.
function axisProbe(inst, dim) {
  var opt = inst.getOption()[dim + "Axis"];
  var comp = inst.getModel().getComponent(dim + "Axis", 0);
  if (!opt || !opt.length || !comp || !comp.axis) { return null; }
  var labels = comp.axis.getViewLabels().map(function (l) { return l.formattedLabel; });
  return {type: comp.axis.type, data: opt[0].data || null, labels: labels};
}
// cellProbe reports, for each item of a heatmap's first series, its name
// and the category labels of the column and row echarts placed it in.
function cellProbe(inst) {
  var s = inst.getModel().getSeriesByIndex(0);
  if (!s || s.subType !== "heatmap") { return null; }
  var d = s.getData();
  var xs = inst.getModel().getComponent("xAxis", 0).axis.scale.getOrdinalMeta().categories;
  var ys = inst.getModel().getComponent("yAxis", 0).axis.scale.getOrdinalMeta().categories;
  var out = [];
  for (var i = 0; i < d.count(); i++) {
    out.push({name: d.getName(i), x: String(xs[d.get(d.mapDimension("x"), i)]), y: String(ys[d.get(d.mapDimension("y"), i)])});
  }
  return out;
}
// A test may define window.__probeSetup (run 1 s after load, once
// echarts has drawn: the reader's clicks) and window.__probeReady (the
// probe waits until it returns true, or 40 s of the page's time).
window.addEventListener("load", function () {
  if (window.__probeSetup) { setTimeout(window.__probeSetup, 1000); }
  var waited = 0;
  function tick() {
    waited += 500;
    var ready = !window.__probeReady || window.__probeReady();
    if (waited < 2500 || (!ready && waited < 40000)) { setTimeout(tick, 500); return; }
    var out = {errors: window.__probeErrors, pageErrors: [], echarts: typeof echarts !== "undefined" ? echarts.version : "", charts: [],
      resources: performance.getEntriesByType("resource").map(function (e) { return e.name; }).concat([location.href]),
      ready: ready, liveEpochs: (document.getElementById("live-epochs") || {}).textContent || "",
      extra: window.__probeExtra ? window.__probeExtra() : null};
    document.querySelectorAll("#js-errors li").forEach(function (li) { out.pageErrors.push(li.textContent); });
    document.querySelectorAll(".chart").forEach(function (box) {
      var id = box.getAttribute("data-chart");
      var el = document.getElementById(id);
      var c = {id: id, canvases: 0, painted: 0, series: []};
      if (el) {
        el.querySelectorAll("canvas").forEach(function (cv) {
          c.canvases++;
          try {
            var d = cv.getContext("2d").getImageData(0, 0, cv.width, cv.height).data;
            for (var i = 3; i < d.length; i += 4) { if (d[i] > 0) { c.painted++; } }
          } catch (e) { out.errors.push("probe: " + e); }
        });
        var inst = typeof echarts !== "undefined" ? echarts.getInstanceByDom(el) : null;
        if (inst) {
          var o = inst.getOption();
          o.series.forEach(function (s) { c.series.push({name: s.name, points: (s.data || []).length}); });
          c.selected = o.legend && o.legend.length ? o.legend[0].selected || {} : {};
          c.zoom = o.dataZoom && o.dataZoom.length ? [o.dataZoom[0].start, o.dataZoom[0].end] : null;
          c.csv = window.transferlabChartCSV ? window.transferlabChartCSV(id) : "";
          var a = box.querySelector("a.csv");
          if (a) {
            // The click the reader makes, its navigation cancelled: the
            // page's handler must have pointed the link at the data.
            window.addEventListener("click", function (e) { e.preventDefault(); }, {once: true});
            a.click();
            c.csvLink = {download: a.getAttribute("download"), href: a.href};
          }
          c.xAxis = axisProbe(inst, "x");
          c.yAxis = axisProbe(inst, "y");
          c.cells = cellProbe(inst);
        }
      }
      out.charts.push(c);
    });
    var pre = document.createElement("pre");
    pre.id = "probe";
    pre.textContent = JSON.stringify(out);
    document.body.appendChild(pre);
  }
  setTimeout(tick, 500);
});
</script>`

type probeResult struct {
	Errors     []string `json:"errors"`
	PageErrors []string `json:"pageErrors"`
	Echarts    string   `json:"echarts"`
	// Resources are the URLs the page loaded, itself included.
	Resources  []string        `json:"resources"`
	Ready      bool            `json:"ready"`
	LiveEpochs string          `json:"liveEpochs"`
	Extra      json.RawMessage `json:"extra"`
	Charts     []struct {
		ID       string `json:"id"`
		Canvases int    `json:"canvases"`
		Painted  int    `json:"painted"`
		Series   []struct {
			Name   string `json:"name"`
			Points int    `json:"points"`
		} `json:"series"`
		Selected map[string]bool `json:"selected"`
		Zoom     []float64       `json:"zoom"`
		CSV      string          `json:"csv"`
		CSVLink  *struct {
			Download string `json:"download"`
			Href     string `json:"href"`
		} `json:"csvLink"`
		XAxis *probeAxis  `json:"xAxis"`
		YAxis *probeAxis  `json:"yAxis"`
		Cells []probeCell `json:"cells"`
	} `json:"charts"`
}

// probeAxis is a chart's first x or y axis as echarts holds it: the
// category data of its options and the labels it laid out, in axis order.
type probeAxis struct {
	Type   string   `json:"type"`
	Data   []string `json:"data"`
	Labels []string `json:"labels"`
}

// probeCell is a heatmap item and the column (x) and row (y) labels of
// the cell echarts drew it in.
type probeCell struct {
	Name string `json:"name"`
	X    string `json:"x"`
	Y    string `json:"y"`
}

func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

var probeRE = regexp.MustCompile(`(?s)<pre id="probe">(.*?)</pre>`)

// probe opens a copy of page (next to it, so relative links hold) with
// the probe scripts injected, and returns what the probe saw.
func probe(t *testing.T, chromium, page string, edit func(string) string) probeResult {
	t.Helper()
	return probeFor(t, chromium, page, edit, 5*time.Second)
}

// probeFor is probe with the page's time budget: Chromium runs the page's
// timers on virtual time, fast-forwarded, until budget has passed for the
// page or the probe has written its result.
func probeFor(t *testing.T, chromium, page string, edit func(string) string, budget time.Duration) probeResult {
	t.Helper()
	src := readFile(t, page)
	if edit != nil {
		src = edit(src)
	}
	if !strings.Contains(src, "<head>") || !strings.Contains(src, "</body>") {
		t.Fatalf("%s: no <head> or </body>", page)
	}
	src = strings.Replace(src, "<head>", "<head>\n"+probeHead, 1)
	src = strings.Replace(src, "</body>", probeBody+"\n</body>", 1)
	copyPath := filepath.Join(filepath.Dir(page), "probe-"+filepath.Base(page))
	if err := os.WriteFile(copyPath, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	args := append(append([]string{}, chromiumFlags...), "--user-data-dir="+chromiumProfile(t),
		fmt.Sprintf("--virtual-time-budget=%d", budget.Milliseconds()), "--dump-dom", "file://"+copyPath)
	cmd := exec.CommandContext(ctx, chromium, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium on %s: %v\n%s", page, err, stderr.String())
	}
	t.Logf("%s: chromium took %.1f s", filepath.Base(page), time.Since(start).Seconds())
	m := probeRE.FindSubmatch(out)
	if m == nil {
		t.Fatalf("%s: the probe wrote nothing (page did not load?)\nstderr: %s\nDOM: %.2000s", page, stderr.String(), out)
	}
	var res probeResult
	if err := json.Unmarshal([]byte(stdhtml.UnescapeString(string(m[1]))), &res); err != nil {
		t.Fatalf("%s: probe output %q: %v", page, m[1], err)
	}
	return res
}

// wantDrawn checks that the page raised no error and that every expected
// chart has a painted canvas and the expected series and point counts.
func wantDrawn(t *testing.T, name string, res probeResult, want map[string]map[string]int) {
	t.Helper()
	if len(res.Errors) > 0 || len(res.PageErrors) > 0 {
		t.Errorf("%s: JavaScript errors %q, page errors %q", name, res.Errors, res.PageErrors)
	}
	if res.Echarts != EchartsVersion {
		t.Errorf("%s: echarts version %q, want %s", name, res.Echarts, EchartsVersion)
	}
	if len(res.Charts) != len(want) {
		t.Errorf("%s: %d charts, want %d", name, len(res.Charts), len(want))
	}
	for _, c := range res.Charts {
		ws, ok := want[c.ID]
		if !ok {
			t.Errorf("%s: unexpected chart %s", name, c.ID)
			continue
		}
		// A drawn chart paints axes, labels and series: thousands of pixels.
		if c.Canvases == 0 || c.Painted < 2000 {
			t.Errorf("%s: chart %s not drawn: %d canvases, %d painted pixels", name, c.ID, c.Canvases, c.Painted)
		}
		got := map[string]int{}
		for _, s := range c.Series {
			got[s.Name] = s.Points
		}
		if fmt.Sprint(got) != fmt.Sprint(ws) {
			t.Errorf("%s: chart %s series %v, want %v", name, c.ID, got, ws)
		}
		t.Logf("%s: %s drawn, %d painted pixels, series %v", name, c.ID, c.Painted, got)
	}
}

func TestBrowserDrawsChartsOffline(t *testing.T) {
	chromium := findChromium()
	if chromium == "" {
		t.Skip("chromium is not installed (Debian: apt-get install chromium); the offline rendering check did not run")
	}
	if _, err := findEcharts(); err != nil {
		t.Fatalf("echarts is not installed (%v): run tools/setup-echarts.sh", err)
	}
	dir := t.TempDir()
	writeRun(t, dir, finetuneRun("ft-mnist-last", "emnist-letters", "mnist", "last", 4, true))
	writeRun(t, dir, finetuneRun("ft-none-all", "emnist-letters", "none", "all", 3, false))
	writeRun(t, dir, finetuneRun("ft-on-mnist", "mnist", "fashion", "last", 2, true))
	ef, cells := sampleEval("emnist-letters", "test", letters)
	writeEval(t, dir, "ft-mnist-last", ef)
	if err := Build(dir); err != nil {
		t.Fatal(err)
	}

	res := probe(t, chromium, filepath.Join(dir, "ft-mnist-last", "index.html"), nil)
	wantDrawn(t, "run page", res, map[string]map[string]int{
		idAccuracy: {seriesTrain: 4, seriesValidation: 4},
		idLoss:     {seriesTrain: 4, seriesValidation: 4},
		idSpeed:    {seriesSeconds: 4, seriesImagesPerS: 4},
	})
	res = probe(t, chromium, filepath.Join(dir, "ft-mnist-last", "eval-emnist-letters-test.html"), nil)
	wantDrawn(t, "eval page", res, map[string]map[string]int{
		idConfusion: {seriesConfusion: cells},
		idPerClass:  {seriesPerClass: 26},
	})
	res = probe(t, chromium, filepath.Join(dir, "transfer.html"), nil)
	wantDrawn(t, "transfer page", res, map[string]map[string]int{
		idTransferCurves: {"mnist/last (validation)": 4, "none/all (train, no validation)": 3, "fashion/last [target: mnist] (validation)": 2},
		idTransferBars:   {seriesTrain: 3, seriesTest: 3},
	})

	// Control: the same page taking echarts from the internet draws
	// nothing here, and the error is seen. This proves the browser was
	// offline and that the checks above would catch a page that is not.
	res = probe(t, chromium, filepath.Join(dir, "ft-mnist-last", "index.html"), func(s string) string {
		return strings.Replace(s, `src="../assets/echarts.min.js"`, `src="`+remoteEcharts()+`"`, 1)
	})
	if len(res.Errors) == 0 || len(res.PageErrors) == 0 {
		t.Errorf("control page: no error seen (errors %q, page errors %q)", res.Errors, res.PageErrors)
	}
	for _, c := range res.Charts {
		if c.Canvases > 0 || len(c.Series) > 0 {
			t.Errorf("control page: chart %s drawn with no echarts", c.ID)
		}
	}
	t.Logf("control page errors: %q", res.PageErrors)
}
