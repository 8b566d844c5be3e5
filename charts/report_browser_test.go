package charts

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"transferlab/metrics"
)

// needBrowser returns chromium's path, skipping the test without it and
// failing it without echarts in the cache.
func needBrowser(t *testing.T) string {
	t.Helper()
	chromium := findChromium()
	if chromium == "" {
		t.Skip("chromium is not installed (Debian: apt-get install chromium); the browser check did not run")
	}
	if _, err := findEcharts(); err != nil {
		t.Fatalf("echarts is not installed (%v): run tools/setup-echarts.sh", err)
	}
	return chromium
}

// wantLocal checks that a page loaded nothing but files: no request to
// another host (the browser runs offline, so such a request would also
// be an error, but this names it).
func wantLocal(t *testing.T, name string, res probeResult) {
	t.Helper()
	if len(res.Resources) == 0 {
		t.Errorf("%s: the probe saw no resource at all", name)
	}
	for _, r := range res.Resources {
		if !strings.HasPrefix(r, "file://") && !strings.HasPrefix(r, "data:") {
			t.Errorf("%s: requested %s", name, r)
		}
	}
}

// The page of a running run, open in a browser while the run writes a new
// epoch, shows the epoch without a reload: the reader's legend choice and
// zoom stay as they were.
func TestBrowserLiveRunPageKeepsTheView(t *testing.T) {
	chromium := needBrowser(t)
	dir := t.TempDir()
	run := sampleRun("pretrain-mnist", "pretrain", "mnist", 3, 10, true)
	if err := WriteRunPage(dir, run); err != nil {
		t.Fatal(err)
	}
	// The page as the reader opened it, at epoch 3 ...
	opened := readFile(t, filepath.Join(dir, run.Name, RunPageName))
	if strings.Contains(opened, `http-equiv="refresh"`) {
		// Headless Chromium would reload it until killed.
		t.Fatal("the running page reloads itself, which resets the reader's zoom and legend")
	}
	if err := os.WriteFile(filepath.Join(dir, run.Name, "opened.html"), []byte(opened), 0o644); err != nil {
		t.Fatal(err)
	}
	// ... and the run's files after epoch 4. The open page reads
	// metrics.js only when it polls, so writing it now is the same to it
	// as writing it while the page is open.
	run.History = sampleRun("x", "pretrain", "mnist", 4, 10, true).History
	if err := WriteRunPage(dir, run); err != nil {
		t.Fatal(err)
	}

	res := probeFor(t, chromium, filepath.Join(dir, run.Name, "opened.html"), func(s string) string {
		return strings.Replace(s, "</head>", `<script>
window.__probeSetup = function () {
  var c = echarts.getInstanceByDom(document.getElementById("chart_accuracy"));
  c.dispatchAction({type: "legendUnSelect", name: "validation"});
  c.dispatchAction({type: "dataZoom", start: 10, end: 90});
  window.__setupDone = true;
};
// Two polls after the reader's clicks: the second merge must keep them too.
window.__probeReady = function () { return window.__setupDone && window.transferlabLive && window.transferlabLive.updates >= 2; };
</script>
</head>`, 1)
	}, 45*time.Second)
	if !res.Ready {
		t.Fatal("the page did not load metrics.js twice within 40 s of its time")
	}
	if len(res.Errors) > 0 || len(res.PageErrors) > 0 {
		t.Errorf("JavaScript errors %q, page errors %q", res.Errors, res.PageErrors)
	}
	wantLocal(t, "live run page", res)
	found := false
	for _, c := range res.Charts {
		if c.ID != idAccuracy {
			continue
		}
		found = true
		points := map[string]int{}
		for _, s := range c.Series {
			points[s.Name] = s.Points
		}
		if points[seriesTrain] != 4 || points[seriesValidation] != 4 || c.XAxis == nil || len(c.XAxis.Data) != 4 {
			t.Errorf("accuracy chart after the update: series %v, x axis %+v; want epoch 4 in", points, c.XAxis)
		}
		if sel, ok := c.Selected[seriesValidation]; !ok || sel {
			t.Errorf("the reader's legend choice was lost: selected %v", c.Selected)
		}
		if len(c.Zoom) != 2 || c.Zoom[0] != 10 || c.Zoom[1] != 90 {
			t.Errorf("the reader's zoom was lost: %v", c.Zoom)
		}
		if !strings.Contains(c.CSV, "\n4,84,82\n") {
			t.Errorf("the chart's CSV lacks the new epoch:\n%s", c.CSV)
		}
	}
	if !found {
		t.Fatal("no accuracy chart on the live page")
	}
	if res.LiveEpochs != "4 of 10" {
		t.Errorf("the page's epoch count reads %q, want 4 of 10", res.LiveEpochs)
	}
}

// reportFolder is a results folder of small synthetic runs and an
// evaluation, as the training and eval commands leave them.
func reportFolder(t *testing.T) string {
	dir := t.TempDir()
	done := recipeOf(finetuneRun("transfer-fashion-all", "emnist-letters", "fashion", "all", 4, true))
	ef := scatteredEval(fashionClasses)
	done.Classes = fashionClasses
	done.Final.Test = &ef.Eval
	writeRun(t, dir, done)
	quick := quickFinetune("transfer-mnist-last", "mnist", "last", &metrics.Reference{TrainAcc: 62.62, TestAcc: 58.9})
	quick.Final.Test.Accuracy = 40
	writeRun(t, dir, quick)
	writeRun(t, dir, oldQuickPretrain())
	running := sampleRun("overfit", "overfit", "mnist", 2, 30, true)
	running.Final.Test = nil
	writeRun(t, dir, running)
	ev, _ := sampleEval("emnist-letters", "test", letters)
	writeEval(t, dir, "transfer-mnist-last", ev)
	if err := Build(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// The report as a reader opens it from disk: the index, a run page, the
// compare page and an evaluation page, offline. Every chart is drawn from
// the local echarts, confusion axes follow the class order, no page
// raises an error or asks another host for anything, and each chart's CSV
// link carries its data.
func TestBrowserReport(t *testing.T) {
	chromium := needBrowser(t)
	dir := reportFolder(t)

	res := probe(t, chromium, filepath.Join(dir, IndexPageName), nil)
	if len(res.Errors) > 0 || len(res.PageErrors) > 0 || len(res.Charts) != 0 {
		t.Errorf("index: errors %q %q, %d charts", res.Errors, res.PageErrors, len(res.Charts))
	}
	wantLocal(t, "index", res)

	runPage := filepath.Join(dir, "transfer-fashion-all", RunPageName)
	res = probe(t, chromium, runPage, nil)
	wantDrawn(t, "run page", res, map[string]map[string]int{
		idAccuracy:  {seriesTrain: 4, seriesValidation: 4},
		idLoss:      {seriesTrain: 4, seriesValidation: 4},
		idSpeed:     {seriesSeconds: 4, seriesImagesPerS: 4},
		idConfusion: {seriesConfusion: 98},
		idPerClass:  {seriesPerClass: 10},
	})
	wantLocal(t, "run page", res)
	for _, c := range res.Charts {
		switch c.ID {
		case idConfusion:
			wantAxis(t, "run page confusion x", c.XAxis, fashionClasses)
			wantAxis(t, "run page confusion y", c.YAxis, fashionClasses)
			if first := strings.SplitN(c.CSV, "\n", 2)[0]; first != `true \ predicted,T-shirt/top,Trouser,Pullover,Dress,Coat,Sandal,Shirt,Sneaker,Bag,Ankle boot` {
				t.Errorf("confusion CSV header %q", first)
			}
		case idAccuracy:
			want := "epoch,train,validation\n1,81,79\n2,82,80\n3,83,81\n4,84,82\n"
			if c.CSV != want {
				t.Errorf("accuracy CSV:\n%s\nwant:\n%s", c.CSV, want)
			}
			if c.CSVLink == nil || c.CSVLink.Download != "accuracy.csv" {
				t.Fatalf("accuracy chart's CSV link: %+v", c.CSVLink)
			}
			got, err := url.PathUnescape(strings.TrimPrefix(c.CSVLink.Href, "data:text/csv;charset=utf-8,"))
			if err != nil || got != want {
				t.Errorf("the CSV link, once clicked, points at %q (%v), want the chart's data", c.CSVLink.Href, err)
			}
		}
	}

	// The compare page: untick a run, sort by test accuracy.
	res = probe(t, chromium, filepath.Join(dir, ComparePageName), func(s string) string {
		return strings.Replace(s, "</head>", `<script>
window.__probeSetup = function () {
  var box = document.querySelector('input.tick[data-run="pretrain-mnist"]');
  box.click();
  var th = Array.prototype.slice.call(document.querySelectorAll("#compare thead th")).filter(function (h) { return h.textContent === "test acc."; })[0];
  th.click();
  window.__setupDone = true;
};
window.__probeReady = function () { return !!window.__setupDone; };
window.__probeExtra = function () {
  return Array.prototype.map.call(document.querySelectorAll("#compare tbody tr"), function (r) { return r.getAttribute("data-run"); });
};
</script>
</head>`, 1)
	})
	curves := map[string]int{
		"overfit · train": 2, "overfit · validation": 2,
		"pretrain-mnist · train":       1,
		"transfer-fashion-all · train": 4, "transfer-fashion-all · validation": 4,
		"transfer-mnist-last · train": 1, "transfer-mnist-last · validation": 1,
	}
	// The hyperparameter view: a point per run with a final accuracy
	// (overfit, still running, has none).
	points := map[string]int{
		"overfit · test acc.": 0, "pretrain-mnist · test acc.": 1, "transfer-fashion-all · test acc.": 1, "transfer-mnist-last · test acc.": 1,
	}
	wantDrawn(t, "compare page", res, map[string]map[string]int{
		idCompareAccEpoch: curves, idCompareLossEpoch: curves, idCompareAccTime: curves, idCompareLossTime: curves,
		idCompareHyper: points,
	})
	wantLocal(t, "compare page", res)
	for _, c := range res.Charts {
		if c.ID == idCompareHyper {
			if sel, ok := c.Selected["pretrain-mnist · test acc."]; !ok || sel {
				t.Errorf("hyperparameter view: the unticked run is still shown (%v)", c.Selected)
			}
			continue
		}
		if sel, ok := c.Selected["pretrain-mnist · train"]; !ok || sel {
			t.Errorf("compare chart %s: the unticked run is still shown (%v)", c.ID, c.Selected)
		}
		if sel, ok := c.Selected["overfit · train"]; ok && !sel { // echarts lists only the series toggled
			t.Errorf("compare chart %s: a ticked run is hidden (%v)", c.ID, c.Selected)
		}
	}
	var order []string
	if err := json.Unmarshal(res.Extra, &order); err != nil {
		t.Fatal(err)
	}
	// Ascending test accuracy; overfit, still running, has none: last.
	// (40 %, 90 %, 91.25 %).
	if got := strings.Join(order, " "); got != "transfer-mnist-last transfer-fashion-all pretrain-mnist overfit" {
		t.Errorf("rows sorted by test accuracy: %s", got)
	}

	res = probe(t, chromium, filepath.Join(dir, "transfer-mnist-last", "eval-emnist-letters-test.html"), nil)
	wantDrawn(t, "eval page", res, map[string]map[string]int{
		idConfusion: {seriesConfusion: 35},
		idPerClass:  {seriesPerClass: 26},
	})
	wantLocal(t, "eval page", res)
	for _, c := range res.Charts {
		if c.ID == idConfusion {
			wantAxis(t, "eval page confusion x", c.XAxis, letters)
			wantAxis(t, "eval page confusion y", c.YAxis, letters)
		}
	}
}
