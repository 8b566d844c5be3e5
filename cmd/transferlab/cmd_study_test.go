package main

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"transferlab/internal/names"
	"transferlab/metrics"
)

// The recipe study on a tiny IDX dataset, 2 epochs, 2 seeds, against the
// fastai recipe: every configuration runs with both recipes and both
// seeds, the improved recipe's options reach the runs (its two phases only
// where there is a pretrained body), and the table and the page give each
// configuration's paired difference with its interval. (--lr auto's runs
// are train's TestLRAutoIsARunAtTheSuggestion.)
func TestStudyRecipeEndToEnd(t *testing.T) {
	runtime.LockOSThread() // libtorch's grad mode is per OS thread
	defer runtime.UnlockOSThread()
	pretrained, _ := filepath.Abs(filepath.Join("..", "..", "pretrained"))
	for _, src := range []string{"mnist", "fashion"} {
		if _, err := os.Stat(filepath.Join(pretrained, src+"-cnn.pt")); err != nil {
			t.Skipf("no committed %s network: %v", src, err)
		}
	}
	idx := "idx:" + idxFolder(t)
	results := t.TempDir()
	if res := execute(t, "study", "recipe", "--improved", "magic"); res.err == nil || run([]string{"study", "recipe", "--improved", "magic"}) != 2 {
		t.Errorf("--improved magic: %v, want a usage error", res.err)
	}
	res := execute(t, "study", "recipe", "--improved", "fastai", "--target", idx, "--per-class", "2", "--epochs", "2", "--seeds", "2",
		"--results-dir", results, "--pretrained-dir", pretrained, "--device", "cpu")
	if res.err != nil {
		t.Fatalf("study recipe: %v\n%s", res.err, res.errOut)
	}
	for _, c := range []string{"none/all", "mnist/last", "mnist/all", "fashion/last", "fashion/all"} {
		if !strings.Contains(res.out, c) {
			t.Errorf("the table has no row for %s:\n%s", c, res.out)
		}
	}
	if !strings.Contains(res.out, "95% interval") || !strings.Contains(res.out, "--augment standard") {
		t.Errorf("the table does not name the recipe or the interval:\n%s", res.out)
	}
	files, _ := filepath.Glob(filepath.Join(results, "study-*", metrics.FileName))
	if len(files) != 20 {
		t.Errorf("%d runs, want 5 configurations x 2 recipes x 2 seeds", len(files))
	}
	for _, f := range files {
		r, err := metrics.ReadRun(f)
		if err != nil || r.Status != "done" {
			t.Errorf("%s: %v", f, err)
			continue
		}
		improved := strings.Contains(r.Name, "-fastai")
		body := r.Config.Source != "none" && r.Config.Layers == "all"
		if improved != (r.Config.Augment == "standard") || improved != (r.Config.Schedule == "onecycle") {
			t.Errorf("%s: augment %q, schedule %q", r.Name, r.Config.Augment, r.Config.Schedule)
		}
		if (improved && body) != (r.Config.FreezeEpochs == 1) {
			t.Errorf("%s: freeze epochs %d", r.Name, r.Config.FreezeEpochs)
		}
	}
	page, err := os.ReadFile(filepath.Join(results, "study-recipe-"+names.Slug(idx)+".html"))
	if err != nil || strings.Count(string(page), "<tr><td>") != 5 {
		t.Errorf("study page: %v, want a row per configuration", err)
	}
}
