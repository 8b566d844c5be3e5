package charts

import (
	"path/filepath"
	"strings"
	"testing"

	"transferlab/metrics"
)

// recipeOf records r's own settings as its recipe: r is a run of its
// recipe, so its seed numbers may be shown beside it.
func recipeOf(r *metrics.Run) *metrics.Run {
	c := r.Config
	r.Recipe = &metrics.Recipe{Epochs: c.Epochs, BatchSize: c.BatchSize, LR: c.LR, PerClass: c.PerClass}
	return r
}

// quickFinetune is what 'reproduce --quick' leaves for a transfer: 20
// images per class, one epoch, the test set sampled, the recipe recorded.
func quickFinetune(name, source, layers string, ref *metrics.Reference) *metrics.Run {
	r := finetuneRun(name, "emnist-letters", source, layers, 1, true)
	r.Recipe = &metrics.Recipe{Epochs: 10, BatchSize: 64, LR: 1e-3, PerClass: 250}
	r.Config.PerClass, r.Config.EvalLimit = 20, 1000
	r.Reference = ref
	return r
}

// oldQuickPretrain is a quick pretraining written before runs recorded
// their recipe: only its limit, its epochs and the seed's numbers say so.
func oldQuickPretrain() *metrics.Run {
	r := sampleRun("pretrain-mnist", "pretrain", "mnist", 1, 1, false)
	r.Config.BatchSize, r.Config.Limit = 128, 2000
	r.Config.EvalSplit = "test"
	r.Reference = &metrics.Reference{TrainAcc: 99.752, TestAcc: 99.08}
	return r
}

const (
	quickFinetuneBadge = "smoke test: 20 per class of 250, 1 epoch of 10, test on ≤ 1000 sampled images"
	quickPretrainBadge = "smoke test: --limit 2000, 1 epoch of 20"
)

// Runs smaller than their recipe are marked on every page and table, and
// the seed's numbers are never put beside them.
func TestSmokeTestsAreMarkedAndNotComparedWithTheSeed(t *testing.T) {
	fakeEcharts(t)
	dir := t.TempDir()
	writeRun(t, dir, recipeOf(finetuneRun("transfer-mnist-last", "emnist-letters", "mnist", "last", 3, true)))
	writeRun(t, dir, quickFinetune("transfer-mnist-all", "mnist", "all", &metrics.Reference{TrainAcc: 97.42, TestAcc: 86.93}))
	writeRun(t, dir, oldQuickPretrain())
	if err := Build(dir); err != nil {
		t.Fatal(err)
	}

	index := readFile(t, filepath.Join(dir, IndexPageName))
	md := readFile(t, filepath.Join(dir, MarkdownName))
	for _, tc := range []struct {
		run, badge string
	}{
		{"transfer-mnist-all", quickFinetuneBadge},
		{"pretrain-mnist", quickPretrainBadge},
		{"transfer-mnist-last", ""},
	} {
		row := lineWith(t, text(index), tc.run, "index.html")
		mdRow := lineWith(t, md, "["+tc.run+"]", "results.md")
		for where, got := range map[string]string{"index.html": row, "results.md": mdRow} {
			if tc.badge == "" && strings.Contains(got, "smoke test") {
				t.Errorf("%s: the recipe run %s is marked: %q", where, tc.run, got)
			}
			if tc.badge != "" && !strings.Contains(got, tc.badge) {
				t.Errorf("%s: row of %s lacks %q: %q", where, tc.run, tc.badge, got)
			}
			// The badge alone: it read "; smoke test: ..." for a run that
			// was not reused.
			if tc.badge != "" && strings.Contains(got, "; "+tc.badge) {
				t.Errorf("%s: row of %s has a stray separator before its badge: %q", where, tc.run, got)
			}
		}
	}

	for _, tc := range []struct {
		run, badge string
		seed       []string
	}{
		{"transfer-mnist-all", quickFinetuneBadge, []string{"97.42 %", "86.93 %"}},
		{"pretrain-mnist", quickPretrainBadge, []string{"99.75 %", "99.08 %"}},
	} {
		html := readFile(t, filepath.Join(dir, tc.run, RunPageName))
		if !strings.Contains(text(html), tc.badge) {
			t.Errorf("run page %s lacks the badge %q", tc.run, tc.badge)
		}
		if strings.Contains(html, `id="reference"`) {
			t.Errorf("run page %s shows the seed's numbers beside a smoke test", tc.run)
		}
		for _, s := range tc.seed {
			if strings.Contains(text(html), s) {
				t.Errorf("run page %s shows the seed's %s", tc.run, s)
			}
		}
	}
	if html := readFile(t, filepath.Join(dir, "transfer-mnist-last", RunPageName)); !strings.Contains(html, `id="reference"`) {
		t.Error("the recipe run's page lost the seed's numbers")
	}

	tr := readFile(t, filepath.Join(dir, TransferPageName))
	body := text(tr)
	if !strings.Contains(body, quickFinetuneBadge) {
		t.Errorf("transfer page lacks the badge %q", quickFinetuneBadge)
	}
	for _, s := range []string{"97.42 %", "86.93 %"} {
		if strings.Contains(body, s) {
			t.Errorf("transfer page shows the seed's %s for a smoke test", s)
		}
	}
	i := strings.Index(tr, "Results on EMNIST letters")
	if i < 0 {
		t.Fatal("transfer page has no EMNIST table")
	}
	j := strings.Index(tr[i:], "</table>")
	if emnist := tr[i : i+j]; strings.Contains(emnist, "transfer-mnist-all") || !strings.Contains(emnist, "transfer-mnist-last") {
		t.Error("the EMNIST table beside the seed's numbers must hold the recipe run and not the smoke test")
	}
	var names []string
	for _, s := range chartOptions(t, tr, idTransferCurves).Series {
		names = append(names, s.Name)
	}
	if got := strings.Join(names, " | "); !strings.Contains(got, "mnist/all [smoke test]") || strings.Contains(got, "mnist/last [smoke test]") {
		t.Errorf("transfer curves: series %q, want the smoke test (and only it) marked", got)
	}
}

// The index says what its accuracy columns are: the train column is the
// last epoch's running mean, not an evaluation.
func TestIndexSaysWhatTheAccuraciesAre(t *testing.T) {
	fakeEcharts(t)
	dir := t.TempDir()
	writeRun(t, dir, sampleRun("overfit", "overfit", "mnist", 2, 2, true))
	if err := Build(dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{IndexPageName, MarkdownName} {
		got := text(readFile(t, filepath.Join(dir, name)))
		if strings.Contains(got, "Accuracies are the final evaluations") {
			t.Errorf("%s calls the train column an evaluation", name)
		}
		if !strings.Contains(got, "running mean over its last epoch") {
			t.Errorf("%s does not say the train accuracy is the last epoch's running mean", name)
		}
	}
}

// lineWith returns the line of s holding sub.
func lineWith(t *testing.T, s, sub, where string) string {
	t.Helper()
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	t.Errorf("%s: no line holds %q", where, sub)
	return ""
}

// Transfers on another target than EMNIST letters say so on the index and
// in results.md, and a run fine-tuned from a network pretrained on its own
// target says it is not a transfer (issue 26: the fallback was invisible).
func TestIndexMarksRunsOnAnotherTarget(t *testing.T) {
	fakeEcharts(t)
	dir := t.TempDir()
	writeRun(t, dir, finetuneRun("transfer-mnist-last-on-mnist", "mnist", "mnist", "last", 2, false))
	writeRun(t, dir, finetuneRun("transfer-fashion-all-on-mnist", "mnist", "fashion", "all", 2, false))
	if err := Build(dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{IndexPageName, MarkdownName} {
		got := text(readFile(t, filepath.Join(dir, name)))
		self := lineWith(t, got, "transfer-mnist-last-on-mnist", name)
		other := lineWith(t, got, "transfer-fashion-all-on-mnist", name)
		if !strings.Contains(self, "not EMNIST letters") || !strings.Contains(self, "not a transfer") {
			t.Errorf("%s: mnist to mnist row %q", name, self)
		}
		if !strings.Contains(other, "not EMNIST letters") || strings.Contains(other, "not a transfer") {
			t.Errorf("%s: fashion to mnist row %q", name, other)
		}
		if !strings.Contains(got, "ran on mnist, not on the") {
			t.Errorf("%s says nothing of the runs' target", name)
		}
	}
	// The run page and the compare page's dataset cell say it too.
	// Before, they said only "mnist" (issue 26).
	for name, want := range map[string]string{
		"transfer-mnist-last-on-mnist":  "(not EMNIST letters; source pretrained on mnist: not a transfer)",
		"transfer-fashion-all-on-mnist": "(not EMNIST letters)",
	} {
		if page := text(readFile(t, filepath.Join(dir, name, RunPageName))); !strings.Contains(page, "Fine-tuning configuration: ") || !strings.Contains(lineWith(t, page, "Fine-tuning configuration: ", name), want) {
			t.Errorf("%s's run page does not say %s", name, want)
		}
	}
	compare := readFile(t, filepath.Join(dir, ComparePageName))
	for _, want := range []string{
		`<td data-v="mnist">mnist <span class="badge" title="not EMNIST letters; source pretrained on mnist: not a transfer">not a transfer</span></td>`,
		`<td data-v="mnist">mnist <span class="badge" title="not EMNIST letters">not EMNIST</span></td>`,
	} {
		if !strings.Contains(compare, want) {
			t.Errorf("compare page lacks %s", want)
		}
	}
	// On EMNIST letters itself nothing of the kind is said.
	dir = t.TempDir()
	writeRun(t, dir, finetuneRun("transfer-mnist-last", "emnist-letters", "mnist", "last", 2, false))
	if err := Build(dir); err != nil {
		t.Fatal(err)
	}
	if got := text(readFile(t, filepath.Join(dir, IndexPageName))); strings.Contains(got, "not EMNIST letters") {
		t.Errorf("an EMNIST letters run is marked as another target")
	}
}

// A pretraining reproduce reused instead of training says so on its page
// and in the index, keeps its training's times (not one instant), and
// says why it shows no misclassified image (issue 26: it looked fresh).
func TestReusedRunSaysItWasNotTrainedHere(t *testing.T) {
	fakeEcharts(t)
	dir := t.TempDir()
	r := sampleRun("pretrain-mnist", "pretrain", "mnist", 2, 2, false)
	r.Reused = "pretrained/mnist-cnn.pt, trained 2026-11-26 by the same recipe and seed"
	r.Checkpoint = "pretrained/mnist-cnn.pt"
	r.Classes = digits()
	r.Final.Test.Confusion = [][]int{{5, 1}, {2, 7}}
	writeRun(t, dir, r)
	if err := Build(dir); err != nil {
		t.Fatal(err)
	}
	page := text(readFile(t, filepath.Join(dir, "pretrain-mnist", "index.html")))
	for _, want := range []string{"Not trained by this command", "pretrained/mnist-cnn.pt, trained 2026-11-26", "transferlab eval --checkpoint pretrained/mnist-cnn.pt draws them"} {
		if !strings.Contains(page, want) {
			t.Errorf("the reused run's page lacks %q", want)
		}
	}
	if strings.Contains(page, "No misclassified image kept by this evaluation") {
		t.Error("the reused run's page says its evaluation kept no mistake")
	}
	if row := lineWith(t, text(readFile(t, filepath.Join(dir, IndexPageName))), "pretrain-mnist", "index"); !strings.Contains(row, "reused") {
		t.Errorf("index row %q does not say the run was reused", row)
	}
}
