package charts

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"transferlab/metrics"
)

// The range test's page draws the batch and smoothed losses against the
// rate on a log axis, marks the suggestion, says the rule, and keeps
// every point in the JSON beside it.
func TestLRFindPageMarksTheSuggestion(t *testing.T) {
	fakeEcharts(t)
	dir := t.TempDir()
	f := &metrics.LRFinding{Run: "transfer-mnist-all-on-fashion", Diverged: true, MinLR: 0.02, Suggestion: 0.002, Rule: "the rate at the minimum, divided by 10"}
	for _, lr := range []float64{1e-5, 1e-4, 1e-3, 1e-2, 2e-2, 1e-1} {
		f.Points = append(f.Points, metrics.LRPoint{LR: lr, Loss: 1 / (lr * 1e3), Smoothed: 1 / (lr * 1e3)})
	}
	path, err := WriteLRFindPage(dir, f)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(path) != "lr-find-transfer-mnist-all-on-fashion.html" {
		t.Errorf("page %s", path)
	}
	html := readFile(t, path)
	wantSeries(t, html, idLRFind, map[string]int{seriesLRLoss: 6, seriesLRSmoothed: 6, seriesLRSuggestion: 2})
	for _, s := range chartOptions(t, html, idLRFind).Series {
		if s.Name == seriesLRSuggestion && (fmt.Sprint(s.Data[0].(map[string]any)["value"]) != "[0.002 0]") {
			t.Errorf("the suggestion's line starts at %v, want at rate 0.002", s.Data[0])
		}
	}
	for _, want := range []string{`"type":"log"`, "Suggested learning rate: 0.002", "divided by 10", "diverged"} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if b, err := os.ReadFile(strings.TrimSuffix(path, ".html") + ".json"); err != nil || !strings.Contains(string(b), `"suggestion": 0.002`) {
		t.Errorf("json: %v %s", err, b)
	}
	if err := Build(dir); err != nil {
		t.Fatal(err)
	}
	if index := readFile(t, filepath.Join(dir, "index.html")); !strings.Contains(index, `href="lr-find-transfer-mnist-all-on-fashion.html"`) {
		t.Error("the index does not link the range test's page")
	}
}
