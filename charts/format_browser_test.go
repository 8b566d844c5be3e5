package charts

import (
	stdhtml "html"
	"path/filepath"
	"strings"
	"testing"

	"transferlab/metrics"
)

// Tooltips and axes say what their numbers are: "epoch 1", accuracies to
// two decimals with %, images/s rounded, an accuracy axis that stops at
// 100 % and per-class bars scaled to their values; a final test pass taken
// over from the last epoch says so instead of "0.0 s". Before, the
// tooltip read "1" and "80.2729", the speed tooltip "7,605.7261", the
// accuracy axis ran to 102 % or more and the per-class bars from 0 to
// 100, and the final table said 0.0 s.
func TestBrowserTooltipsAndAxesFormatValues(t *testing.T) {
	chromium := needBrowser(t)
	dir := t.TempDir()
	run := sampleRun("pretrain-fashion", "pretrain", "fashion", 3, 3, true)
	for i := range run.History {
		run.History[i].TrainAcc = []float64{80.2729, 95.5, 99.61}[i]
		run.History[i].ValAcc = []float64{79.1, 96.25, 99.83}[i]
		run.History[i].ImagesPerSec = 7605.7261
	}
	run.History[0].Seconds = 0.032 // a tiny epoch: "0.0 s" before (issue 26)
	ef, _ := sampleEval("fashion", "test", digits())
	test := ef.Eval
	test.PerClass = []float64{97.1, 98.4, 99.5, 98.9, 97.6, 99.2, 98.0, 97.3, 99.9, 98.7}
	test.FromEpoch = 3
	test.Seconds = 0
	run.Final.Test = &test
	run.Classes = digits()
	if err := WriteRunPage(dir, run); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(dir, run.Name, RunPageName)
	html := readFile(t, page)
	i := strings.Index(html, `<table id="final">`)
	final := stdhtml.UnescapeString(text(html[i : i+strings.Index(html[i:], "</table>")]))
	if !strings.Contains(final, "reused epoch 3's pass") || strings.Contains(final, "0.0 s") {
		t.Errorf("final table: the test pass taken over from epoch 3 reads %q", final)
	}

	p := openCDP(t, chromium, "file://"+page, 1280, 900)
	tip := p.tooltipAt(idAccuracy, 0, 0)
	if !strings.HasPrefix(tip, "epoch 1 |") || !strings.Contains(tip, "train: 80.27 %") || !strings.Contains(tip, "validation: 79.10 %") {
		t.Errorf("accuracy tooltip at epoch 1 reads %q, want epoch 1, 80.27 %% and 79.10 %%", tip)
	}
	if e := p.axisExtent(idAccuracy); len(e) != 2 || e[1] > 100 || e[0] < 0 || e[0] > 79.1 {
		t.Errorf("accuracy axis runs %v: want within 0-100 %%, showing 79.1", e)
	}
	tip = p.tooltipAt(idLoss, 0, 1)
	if !strings.HasPrefix(tip, "epoch 2 |") || !strings.Contains(tip, "train: 0.5000") {
		t.Errorf("loss tooltip at epoch 2 reads %q", tip)
	}
	tip = p.tooltipAt(idSpeed, 0, 2)
	if !strings.HasPrefix(tip, "epoch 3 |") || !strings.Contains(tip, "train images/s: 7,606 images/s") || !strings.Contains(tip, "seconds per epoch: 13.0 s") {
		t.Errorf("speed tooltip at epoch 3 reads %q", tip)
	}
	e := p.axisExtent(idPerClass)
	if len(e) != 2 || e[1] > 100 || e[0] < 80 || e[0] > 97.1 {
		t.Errorf("per-class axis runs %v: want it scaled to 97.1-99.9 %% (from 80 %% or more), to at most 100 %%", e)
	}
	tip = p.tooltipAt(idPerClass, 0, 8)
	if tip != "class 8 | accuracy: 99.90 %" {
		t.Errorf("per-class tooltip reads %q", tip)
	}
	if tip := p.tooltipAt(idSpeed, 1, 0); !strings.Contains(tip, "seconds per epoch: 32 ms") {
		t.Errorf("speed tooltip at epoch 1 (0.032 s) reads %q, want 32 ms", tip)
	}
	_ = metrics.FileName
}
