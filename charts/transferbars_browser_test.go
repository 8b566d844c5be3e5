package charts

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"transferlab/metrics"
)

// The transfer page's bar chart, with 11 smoke-test runs on the mnist
// target (three configurations, some with several seeds): each label is
// one short line ("fashion/last seed 44"), no two overlap, the target and
// the smoke-test mark are said once in the chart's subtitle, a bar's
// tooltip names its full label and run, and at 400 px every value label
// is drawn whole inside the chart. Before, each label carried "[target:
// mnist] [smoke test] (run name)", wrapped into four lines over the next,
// and at 400 px the values were cut off (issue 26).
func TestBrowserTransferBarsHaveShortLabels(t *testing.T) {
	chromium := needBrowser(t)
	dir := t.TempDir()
	configs := []struct {
		source, layers string
		seeds          int
	}{{"fashion", "last", 5}, {"mnist", "last", 3}, {"fashion", "all", 3}}
	for _, c := range configs {
		for s := range c.seeds {
			seed := int64(42 + s)
			r := finetuneRun(fmt.Sprintf("transfer-%s-%s-on-mnist-e3-pc20-seed%d", c.source, c.layers, seed), "mnist", c.source, c.layers, 3, true)
			r.Config.Seed, r.Config.PerClass = seed, 20
			r.Recipe = &metrics.Recipe{Epochs: 10, BatchSize: r.Config.BatchSize, LR: r.Config.LR, PerClass: 250}
			r.Final.Test.Accuracy = 95
			writeRun(t, dir, r)
		}
	}
	if err := Build(dir); err != nil {
		t.Fatal(err)
	}
	for _, width := range []int{1280, 400} {
		p := openCDP(t, chromium, "file://"+filepath.Join(dir, TransferPageName), width, 900)
		labels := p.drawnTexts(idTransferBars, "yAxis")
		if len(labels) != 11 {
			t.Fatalf("%d px: %d bar labels drawn, want 11", width, len(labels))
		}
		for i, l := range labels {
			if strings.ContainsAny(l.Text, "[(\n") || !strings.Contains(l.Text, " seed ") {
				t.Errorf("%d px: bar label %q, want one short line with its seed", width, l.Text)
			}
			if i > 0 && overlaps(labels[i-1], l) {
				t.Errorf("%d px: bar labels %q and %q overlap", width, labels[i-1].Text, l.Text)
			}
		}
		var title []string
		for _, tx := range p.drawnTexts(idTransferBars, "title") {
			title = append(title, tx.Text)
		}
		if got := strings.Join(title, " | "); !strings.Contains(got, "target: mnist") || !strings.Contains(got, "smoke test") {
			t.Errorf("%d px: chart title %q does not say the target and smoke test once", width, got)
		}
		var right float64
		p.eval(`document.getElementById(`+jsString(idTransferBars)+`).getBoundingClientRect().right`, &right)
		values := p.drawnTexts(idTransferBars, "series")
		if len(values) != 22 {
			t.Errorf("%d px: %d value labels drawn, want 22", width, len(values))
		}
		for _, v := range values {
			if v.X+v.W > right || !strings.HasSuffix(v.Text, " %") {
				t.Errorf("%d px: value label %q ends at %.0f px, past the chart's %.0f, or is cut", width, v.Text, v.X+v.W, right)
			}
		}
		if tip := p.barTooltip(idTransferBars, 0); !strings.Contains(tip, "fashion/all [target: mnist] [smoke test] (transfer-fashion-all-on-mnist-e3-pc20-seed42)") {
			t.Errorf("%d px: the first bar's tooltip %q lacks its full label", width, tip)
		}
	}
}

// barTooltip hovers the middle of bar row i of a horizontal bar chart and
// returns the tooltip's text, its lines joined by " | ".
func (p *cdpPage) barTooltip(id string, i int) string {
	p.t.Helper()
	var pt []float64
	p.eval(fmt.Sprintf(`(function () {
  var el = document.getElementById(%s);
  el.scrollIntoView({block: "center"});
  var px = echarts.getInstanceByDom(el).convertToPixel({seriesIndex: 0}, [50, %d]), r = el.getBoundingClientRect();
  return [r.left + px[0], r.top + px[1]];
})()`, jsString(id), i), &pt)
	p.hover(pt[0], pt[1])
	return p.shownTooltip(id)
}
