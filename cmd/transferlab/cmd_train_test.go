package main

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// The training commands end to end on a tiny IDX dataset: usage errors
// exit 2, failures 1, and a finetune from scratch writes a checkpoint that
// eval then reads.
func TestTrainingCommandsExitCodes(t *testing.T) {
	runtime.LockOSThread() // libtorch's grad mode is per OS thread
	defer runtime.UnlockOSThread()
	idx := "idx:" + idxFolder(t)
	results, pretrained := t.TempDir(), t.TempDir()
	garbage := filepath.Join(t.TempDir(), "garbage.pt")
	os.WriteFile(garbage, []byte("not a checkpoint"), 0o644)
	os.WriteFile(strings.TrimSuffix(garbage, ".pt")+".json", []byte(`{"format":1,"arch":{"model":"cnn","classes":10},"classes":["0","1","2","3","4","5","6","7","8","9"]}`), 0o644)
	model := filepath.Join(results, "ft", "model.pt")
	common := []string{"--results-dir", results, "--pretrained-dir", pretrained}
	failedResults := filepath.Join(t.TempDir(), "results") // a failed eval leaves it uncreated
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"pretrain", "--dataset", "cifar"}, 2},
		{[]string{"finetune", "--layers", "middle"}, 2},
		{[]string{"finetune", "--from", "none", "--layers", "last"}, 2},
		{[]string{"overfit", "--epochs", "-1"}, 2},
		{[]string{"overfit", "--device", "tpu"}, 2},
		{[]string{"overfit", "--device", "cuda:x"}, 2},
		{[]string{"overfit", "--device", "cuda:99", "--results-dir", failedResults}, 2}, // no such GPU here, or anywhere
		{[]string{"overfit", "--precision", "fp8"}, 2},
		{[]string{"--threads", "-1", "doctor"}, 2},
		{[]string{"eval"}, 2},
		{[]string{"eval", "--checkpoint", garbage, "--dataset", idx, "--results-dir", failedResults}, 1},
		{[]string{"eval", "--checkpoint", filepath.Join(pretrained, "missing.pt"), "--results-dir", failedResults}, 1},
		{append([]string{"finetune", "--from", "mnist", "--target", idx, "--per-class", "2"}, common...), 1},
		{append([]string{"finetune", "--from", "none", "--layers", "all", "--target", idx, "--per-class", "3", "--epochs", "1"}, common...), 0}, // 2 images per class: used whole
		{append([]string{"finetune", "--from", "none", "--layers", "all", "--target", idx, "--per-class", "2", "--epochs", "1", "--name", "ft"}, common...), 0},
		{[]string{"eval", "--checkpoint", model, "--dataset", idx, "--results-dir", results}, 0},
		{[]string{"eval", "--checkpoint", model, "--dataset", idx, "--split", "val"}, 2},
	} {
		if got := run(c.args); got != c.code {
			t.Errorf("transferlab %s: exit %d, want %d", strings.Join(c.args, " "), got, c.code)
		}
	}
	for _, f := range []string{model, filepath.Join(results, "ft", "model.json"), filepath.Join(results, "ft", "index.html")} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("finetune left no %s: %v", filepath.Base(f), err)
		}
	}
	if _, err := os.Stat(failedResults); err == nil {
		t.Errorf("a failed eval left %s behind", failedResults)
	}
	evals, _ := filepath.Glob(filepath.Join(results, "ft", "eval-idx*-test.json"))
	if len(evals) != 1 {
		t.Errorf("eval wrote %v, want one eval-idx_...-test.json", evals)
	}
}

// pretrain never replaces an existing pretrained network unless told to:
// it stops before training, names the file and leaves it as it was.
func TestPretrainKeepsAnExistingNetwork(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	pretrained := t.TempDir()
	ckpt := filepath.Join(pretrained, "mnist-cnn.pt")
	os.WriteFile(ckpt, []byte("weeks of work"), 0o644)
	args := []string{"pretrain", "--dataset", "mnist", "--epochs", "1", "--limit", "10",
		"--pretrained-dir", pretrained, "--results-dir", t.TempDir()}
	if got := run(args); got != 1 {
		t.Errorf("pretrain over an existing network: exit %d, want 1", got)
	}
	if b, _ := os.ReadFile(ckpt); string(b) != "weeks of work" {
		t.Errorf("the existing network was replaced")
	}
}

// A single training command leaves the index current: results/index.html
// and results.md list the run (the pages' "all runs" link is never dead).
func TestASingleRunRefreshesTheIndex(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	results := t.TempDir()
	args := []string{"overfit", "--hidden", "8", "--limit", "50", "--epochs", "1", "--results-dir", results}
	if code := run(args); code != 0 {
		t.Fatalf("transferlab %s: exit %d", strings.Join(args, " "), code)
	}
	for _, f := range []string{"index.html", "results.md"} {
		b, err := os.ReadFile(filepath.Join(results, f))
		if err != nil || !strings.Contains(string(b), "overfit") {
			t.Errorf("%s after one overfit run: %v, lists the run: %v", f, err, strings.Contains(string(b), "overfit"))
		}
	}
}

// overfit trains the FFN on MNIST: its help lists only the flags it
// honours, and one that applies only to a transfer's target or to
// pretrained networks is refused (exit 2), not silently ignored.
func TestOverfitListsOnlyTheFlagsItHonours(t *testing.T) {
	res := execute(t, "overfit", "--help")
	if res.err != nil {
		t.Fatal(res.err)
	}
	for _, want := range []string{"--epochs", "--lr", "--hidden", "--limit", "--data-dir", "--resume", "--device"} {
		if !strings.Contains(res.out, want) {
			t.Errorf("overfit --help lacks %s:\n%s", want, res.out)
		}
	}
	notHonoured := []string{"--pretrained-dir", "--no-feature-cache", "--emnist-orientation", "--test-fraction", "--invert", "--fit", "--skip-bad"}
	for _, flag := range notHonoured {
		if strings.Contains(res.out, flag) {
			t.Errorf("overfit --help lists %s, which overfit does not use", flag)
		}
	}
	if code := run([]string{"overfit", "--no-feature-cache", "--epochs", "1"}); code != 2 {
		t.Errorf("overfit --no-feature-cache: exit %d, want 2 (unknown flag)", code)
	}
	// The transfers still have them.
	if res := execute(t, "finetune", "--help"); !strings.Contains(res.out, "--no-feature-cache") || !strings.Contains(res.out, "--pretrained-dir") {
		t.Errorf("finetune --help lost its target flags:\n%s", res.out)
	}
}
