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

// A whole depth sweep on a tiny IDX dataset from the committed MNIST
// network: every depth and the from-scratch reference run, each in its own
// folder, with their layers frozen as named, and the page is written.
func TestSweepDepthEndToEnd(t *testing.T) {
	runtime.LockOSThread() // libtorch's grad mode is per OS thread
	defer runtime.UnlockOSThread()
	pretrained, _ := filepath.Abs(filepath.Join("..", "..", "pretrained"))
	if _, err := os.Stat(filepath.Join(pretrained, "mnist-cnn.pt")); err != nil {
		t.Skipf("no committed MNIST network: %v", err)
	}
	idx := "idx:" + idxFolder(t)
	results := t.TempDir()
	if code := run([]string{"sweep", "depth", "--from", "bogus", "--target", idx}); code != 2 {
		t.Errorf("sweep depth --from bogus: exit %d, want 2", code)
	}
	args := []string{"sweep", "depth", "--from", "mnist", "--target", idx, "--per-class", "2", "--epochs", "1",
		"--results-dir", results, "--pretrained-dir", pretrained}
	if code := run(args); code != 0 {
		t.Fatalf("transferlab %s: exit %d", strings.Join(args, " "), code)
	}
	want := map[string]string{"none-all": "all", "mnist-from-fc3": "last", "mnist-from-fc2": "from:fc2", "mnist-from-fc1": "from:fc1",
		"mnist-from-conv5": "from:conv5", "mnist-from-conv4": "from:conv4", "mnist-from-conv3": "from:conv3",
		"mnist-from-conv2": "from:conv2", "mnist-from-conv1": "all"}
	prefix := "sweep-depth-" + names.Slug(idx) + "-"
	for suffix, layers := range want {
		r, err := metrics.ReadRun(filepath.Join(results, prefix+suffix, metrics.FileName))
		if err != nil {
			t.Errorf("%s: %v", suffix, err)
			continue
		}
		if r.Status != "done" || r.Config.Layers != layers || r.Final.Test == nil {
			t.Errorf("%s: status %s, layers %q (want %q)", suffix, r.Status, r.Config.Layers, layers)
		}
	}
	page, err := os.ReadFile(filepath.Join(results, "sweep-depth-"+names.Slug(idx)+".html"))
	if err != nil || !strings.Contains(string(page), "from mnist") || !strings.Contains(string(page), "none/all (from scratch)") {
		t.Errorf("sweep page: %v; holds the mnist line and the reference: %v", err, strings.Contains(string(page), "from mnist"))
	}
}

// finetune --seeds 2 makes two runs, one per seed, each in its own folder.
func TestFinetuneSeedsMakesOneRunPerSeed(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	idx := "idx:" + idxFolder(t)
	results := t.TempDir()
	if code := run([]string{"finetune", "--from", "none", "--layers", "all", "--seeds", "0"}); code != 2 {
		t.Errorf("--seeds 0: exit %d, want 2", code)
	}
	args := []string{"finetune", "--from", "none", "--layers", "all", "--target", idx, "--per-class", "2", "--epochs", "1",
		"--seeds", "2", "--results-dir", results, "--pretrained-dir", t.TempDir()}
	if code := run(args); code != 0 {
		t.Fatalf("transferlab %s: exit %d", strings.Join(args, " "), code)
	}
	files, _ := filepath.Glob(filepath.Join(results, "*", metrics.FileName))
	seeds := map[int64]bool{}
	for _, f := range files {
		if r, err := metrics.ReadRun(f); err == nil && r.Status == "done" {
			seeds[r.Config.Seed] = true
		}
	}
	if len(files) != 2 || !seeds[42] || !seeds[43] {
		t.Errorf("runs %v with seeds %v, want two runs, seeds 42 and 43", files, seeds)
	}
}
