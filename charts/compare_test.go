package charts

import (
	"path/filepath"
	"strings"
	"testing"
)

// results/compare.html overlays every run's curves, per epoch and against
// training time, beside a table of every run's settings and results; the
// index links it. Identifiers are spelled out so the test reads what a
// reader's browser gets.
func TestComparePage(t *testing.T) {
	fakeEcharts(t)
	dir := t.TempDir()
	writeRun(t, dir, sampleRun("overfit", "overfit", "mnist", 3, 3, true))
	pre := sampleRun("pretrain-fashion", "pretrain", "fashion", 2, 2, true)
	pre.Config.EvalSplit = "test"
	pre.History[1].HasVal = false
	writeRun(t, dir, pre)
	quick := finetuneRun("transfer-mnist-last", "emnist-letters", "mnist", "last", 1, false)
	quick.Config.Limit = 500
	writeRun(t, dir, quick)
	if err := Build(dir); err != nil {
		t.Fatal(err)
	}
	html := readFile(t, filepath.Join(dir, "compare.html"))
	for _, id := range []string{"chart_compare_accuracy_epoch", "chart_compare_loss_epoch", "chart_compare_accuracy_time", "chart_compare_loss_time"} {
		wantSeries(t, html, id, map[string]int{
			"overfit · train": 3, "overfit · validation": 3,
			"pretrain-fashion · train": 2, "pretrain-fashion · test": 1,
			"transfer-mnist-last · train": 1,
		})
	}
	// Against time, x is the sum of the epochs' seconds (11, 11+12, ...).
	opt := chartOptions(t, html, "chart_compare_accuracy_time")
	for _, s := range opt.Series {
		if s.Name == "overfit · train" {
			last := s.Data[2].(map[string]any)["value"].([]any)
			if last[0] != 36.0 || last[1] != 83.0 {
				t.Errorf("overfit's last point against time is %v, want [36 83]", last)
			}
		}
	}
	if !strings.Contains(html, `src="assets/echarts.min.js"`) || strings.Contains(html, "https://") {
		t.Error("compare page does not load the local echarts only")
	}
	if n := strings.Count(html, `<input type="checkbox" class="tick" checked`); n != 3 {
		t.Errorf("%d tick boxes, want one per run (3), ticked", n)
	}
	row := lineWith(t, html, `<tr data-run="transfer-mnist-last">`, "compare.html")
	for _, want := range []string{"smoke test: --limit 500", `data-v="500"`, "1 of 1"} {
		if !strings.Contains(row, want) {
			t.Errorf("compare row of the quick run lacks %q: %s", want, row)
		}
	}
	row = lineWith(t, html, `<tr data-run="overfit">`, "compare.html")
	for _, want := range []string{">—</td>", "91.25 %", `data-v="91.25"`, "0.2000"} {
		if !strings.Contains(row, want) {
			t.Errorf("compare row of overfit lacks %q: %s", want, row)
		}
	}
	if !strings.Contains(readFile(t, filepath.Join(dir, "index.html")), `href="compare.html"`) {
		t.Error("the index does not link the compare page")
	}
	if !strings.Contains(readFile(t, filepath.Join(dir, "results.md")), "(compare.html)") {
		t.Error("results.md does not link the compare page")
	}
}
