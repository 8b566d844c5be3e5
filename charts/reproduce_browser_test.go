package charts

import (
	"os"
	"path/filepath"
	"testing"

	"transferlab/metrics"
)

// reportDirEnv names a results folder written by the real program
// ('transferlab reproduce --quick' and an eval), which .ci/run makes and
// then hands to TestBrowserOnAReproducedReport.
const reportDirEnv = "TRANSFERLAB_REPORT_DIR"

// The pages of a real 'reproduce --quick' and an eval, in a real browser:
// the index, every run page, the comparison and every eval page are drawn
// with no JavaScript error and no request to another host, and every
// confusion matrix has its axes in class order.
func TestBrowserOnAReproducedReport(t *testing.T) {
	dir := os.Getenv(reportDirEnv)
	if dir == "" {
		t.Skip(reportDirEnv + " is unset: .ci/run sets it to the results of 'transferlab reproduce --quick' and an eval")
	}
	chromium := needBrowser(t)
	for _, page := range []string{IndexPageName, ComparePageName} {
		res := probe(t, chromium, filepath.Join(dir, page), nil)
		wantClean(t, page, res)
	}
	runs, _ := filepath.Glob(filepath.Join(dir, "*", metrics.FileName))
	evals, _ := filepath.Glob(filepath.Join(dir, "*", "eval-*.json"))
	if len(runs) < 8 || len(evals) < 1 {
		t.Fatalf("%s holds %d runs and %d evaluations: want reproduce's 8 runs and an eval", dir, len(runs), len(evals))
	}
	for _, mp := range runs {
		run, err := metrics.ReadRun(mp)
		if err != nil {
			t.Fatal(err)
		}
		page := filepath.Join(filepath.Dir(mp), RunPageName)
		wantConfusionInOrder(t, page, probe(t, chromium, page, nil), run.Classes)
	}
	for _, ep := range evals {
		ef, err := metrics.ReadEval(ep)
		if err != nil {
			t.Fatal(err)
		}
		page := filepath.Join(filepath.Dir(ep), EvalPageName(ef.Eval.Dataset, ef.Eval.Split))
		wantConfusionInOrder(t, page, probe(t, chromium, page, nil), ef.Classes)
	}
}

// wantClean fails for a page with JavaScript errors or a request to
// another host.
func wantClean(t *testing.T, name string, res probeResult) {
	t.Helper()
	if len(res.Errors) > 0 || len(res.PageErrors) > 0 {
		t.Errorf("%s: JavaScript errors %q, page errors %q", name, res.Errors, res.PageErrors)
	}
	wantLocal(t, name, res)
}

// wantConfusionInOrder checks a page is clean, that each chart on it is
// drawn, and that its confusion matrix has the classes in order.
func wantConfusionInOrder(t *testing.T, name string, res probeResult, classes []string) {
	t.Helper()
	wantClean(t, name, res)
	confusion := false
	for _, c := range res.Charts {
		if c.Canvases == 0 || c.Painted < 2000 {
			t.Errorf("%s: chart %s not drawn: %d canvases, %d painted pixels", name, c.ID, c.Canvases, c.Painted)
		}
		if c.ID == idConfusion {
			confusion = true
			wantAxis(t, name+" confusion x", c.XAxis, classes)
			wantAxis(t, name+" confusion y", c.YAxis, classes)
		}
	}
	if !confusion {
		t.Errorf("%s: no confusion matrix drawn", name)
	}
}
