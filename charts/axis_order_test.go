package charts

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"transferlab/metrics"
)

// fashionClasses are Fashion-MNIST's classes, in label order.
var fashionClasses = []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}

// scatteredEval is an evaluation whose confusion matrix, read row by row,
// meets its predicted classes out of order (row 0 predicts neither class 1
// nor class 9, as a real Fashion-MNIST network does): a category axis
// without its own data takes the order in which the cells name the
// categories, and would then lay the columns out 0 2 3 4 5 6 7 8 1 9.
func scatteredEval(classes []string) *metrics.EvalFile {
	k := len(classes)
	e := metrics.Eval{Dataset: "fashion", Split: "test", Loss: 0.3, Accuracy: 90, Seconds: 1.5}
	e.Confusion = make([][]int, k)
	for t := range k {
		e.Confusion[t] = make([]int, k)
		for p := range k {
			switch {
			case p == t:
				e.Confusion[t][p] = 800 + t
			case t == 0 && (p == 1 || p == k-1):
				// left empty: the first row skips these columns
			default:
				e.Confusion[t][p] = 1 + (t*7+p*3)%11
			}
		}
		e.PerClass = append(e.PerClass, 80+float64(t))
	}
	return &metrics.EvalFile{Checkpoint: "pretrained/fashion-cnn.pt", Classes: classes, Eval: e,
		Env: metrics.Env{Libtorch: "1.13.1", Gotch: "v0.9.1", CPUs: 2}}
}

// TestBrowserAxesInClassOrder opens the pages in headless Chromium and
// reads back from echarts, per category-axis chart, the axis data and the
// labels it laid out: the confusion matrix's columns and rows and the
// per-class bars must follow the class order, the transfer bars the order
// of the transfer table, and every confusion cell must sit in the column
// of its predicted class and the row of its true class (so the diagonal is
// the diagonal).
func TestBrowserAxesInClassOrder(t *testing.T) {
	chromium := findChromium()
	if chromium == "" {
		t.Skip("chromium is not installed (Debian: apt-get install chromium); the axis order check did not run")
	}
	if _, err := findEcharts(); err != nil {
		t.Fatalf("echarts is not installed (%v): run tools/setup-echarts.sh", err)
	}
	dir := t.TempDir()
	runs := []*metrics.Run{
		finetuneRun("ft-mnist-last", "emnist-letters", "mnist", "last", 2, true),
		finetuneRun("ft-fashion-all", "emnist-letters", "fashion", "all", 2, true),
		finetuneRun("ft-none-all", "mnist", "none", "all", 2, false),
	}
	for _, r := range runs {
		writeRun(t, dir, r)
	}
	writeEval(t, dir, "ft-mnist-last", scatteredEval(fashionClasses))
	if err := Build(dir); err != nil {
		t.Fatal(err)
	}

	res := probe(t, chromium, filepath.Join(dir, "ft-mnist-last", "eval-fashion-test.html"), nil)
	if len(res.Errors) > 0 || len(res.PageErrors) > 0 {
		t.Fatalf("eval page: JavaScript errors %q, page errors %q", res.Errors, res.PageErrors)
	}
	charts := map[string]int{}
	for i, c := range res.Charts {
		charts[c.ID] = i
	}
	i, ok := charts[idConfusion]
	if !ok {
		t.Fatalf("eval page: no confusion matrix among %v", charts)
	}
	conf := res.Charts[i]
	wantAxis(t, "confusion matrix x (predicted)", conf.XAxis, fashionClasses)
	wantAxis(t, "confusion matrix y (true)", conf.YAxis, fashionClasses)
	if len(conf.Cells) != 10*10-2 {
		t.Errorf("confusion matrix: %d cells drawn, want %d", len(conf.Cells), 10*10-2)
	}
	misplaced := 0
	for _, c := range conf.Cells {
		if want := "true " + c.Y + ", predicted " + c.X; c.Name != want {
			if misplaced++; misplaced <= 5 {
				t.Errorf("confusion cell %q drawn in row %q, column %q", c.Name, c.Y, c.X)
			}
		}
	}
	if misplaced > 5 {
		t.Errorf("... %d cells in all in the wrong row or column", misplaced)
	}
	if i, ok := charts[idPerClass]; !ok {
		t.Errorf("eval page: no per-class chart among %v", charts)
	} else {
		wantAxis(t, "per-class accuracy x", res.Charts[i].XAxis, fashionClasses)
	}

	res = probe(t, chromium, filepath.Join(dir, TransferPageName), nil)
	if len(res.Errors) > 0 || len(res.PageErrors) > 0 {
		t.Fatalf("transfer page: JavaScript errors %q, page errors %q", res.Errors, res.PageErrors)
	}
	// The bars follow the transfer table: EMNIST-letters targets first,
	// then by source and layers.
	wantBars := []string{"fashion/all", "mnist/last", "none/all [target: mnist]"}
	found := false
	for _, c := range res.Charts {
		if c.ID == idTransferBars {
			found = true
			// Horizontal bars: the configurations are the y axis, top down,
			// each drawn as its short label (transferBarLabels).
			if c.YAxis == nil || !slices.Equal(c.YAxis.Data, wantBars) {
				t.Errorf("transfer bars y: axis %+v, want data %q", c.YAxis, wantBars)
				continue
			}
			drawn := []string{"fashion/all", "mnist/last", "none/all → mnist"}
			if !slices.Equal(c.YAxis.Labels, drawn) {
				t.Errorf("transfer bars y: labels drawn %q, want %q", c.YAxis.Labels, drawn)
			}
		}
	}
	if !found {
		t.Error("transfer page: no transfer bars")
	}
}

// wantAxis checks that a category axis holds want as its data and laid out
// exactly those labels, in that order.
func wantAxis(t *testing.T, name string, got *probeAxis, want []string) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: no axis", name)
		return
	}
	if got.Type != "category" {
		t.Errorf("%s: a %q axis, want category", name, got.Type)
	}
	if !slices.Equal(got.Data, want) {
		t.Errorf("%s: axis data [%s], want [%s]", name, strings.Join(got.Data, " | "), strings.Join(want, " | "))
	}
	if !slices.Equal(got.Labels, want) {
		t.Errorf("%s: labels drawn [%s], want [%s]", name, strings.Join(got.Labels, " | "), strings.Join(want, " | "))
	}
}
