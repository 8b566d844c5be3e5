package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"transferlab/internal/torchenv"
)

// Every numeric flag set out of its range is a usage error (exit 2) before
// anything is loaded or trained; none silently means the recipe's value.
func TestNumericFlagsOutOfRangeAreUsageErrors(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	dirs := []string{"--results-dir", t.TempDir(), "--pretrained-dir", t.TempDir()}
	for _, args := range [][]string{
		{"overfit", "--lr", "nan", "--epochs", "1"},
		{"overfit", "--lr", "inf", "--epochs", "1"},
		{"overfit", "--lr", "0", "--epochs", "1"},
		{"overfit", "--lr", "-0.1", "--epochs", "1"},
		{"overfit", "--epochs", "0"},
		{"overfit", "--batch-size", "0", "--epochs", "1"},
		{"overfit", "--limit", "-5", "--epochs", "1"},
		{"overfit", "--limit", "10", "--epochs", "1", "--threads", "1024"},
		{"finetune", "--from", "none", "--layers", "all", "--target", "mnist", "--per-class", "0", "--epochs", "1"},
		{"finetune", "--from", "none", "--layers", "all", "--target", "mnist", "--per-class", "-1", "--epochs", "1"},
		{"transfer", "--target", "mnist", "--per-class", "some", "--epochs", "1"},
		{"reproduce", "--quick", "--epochs", "0"},
	} {
		if !slices.Contains(args, "--limit") {
			args = append(args, "--limit", "10") // where a check is missing, the run stays short
		}
		if got := run(append(args, dirs...)); got != 2 {
			t.Errorf("transferlab %s: exit %d, want 2 (a usage error)", strings.Join(args, " "), got)
		}
	}
}

// A second process that would write what a running one writes is refused
// at once, naming the first, and the first goes on unharmed: a --resume of
// the running run (its folder is locked), and a pretraining into the same
// pretrained network from another results folder. (The same command run
// again without --resume goes to a folder of its own: TestARunNeverReplacesAnEarlierOne.)
func TestASecondRunOnTheSameFoldersIsRefused(t *testing.T) {
	idx := randomIDXFolder(t, 200)
	results := t.TempDir()
	first := startCLI(t, finetuneArgs(idx, results, 20, 50, 16)...)
	if !first.waitFor(regexp.MustCompile(`^epoch 1/50  train`)) {
		t.Fatalf("no first epoch; output:\n%s", first.output())
	}
	second := startCLI(t, append(finetuneArgs(idx, results, 20, 50, 16), "--resume")...)
	code, _ := second.wait(t)
	holder := fmt.Sprintf("pid %d:", first.cmd.Process.Pid)
	if out := second.output(); code != 1 || !strings.Contains(out, "in use by another transferlab process") || !strings.Contains(out, holder) {
		t.Errorf("--resume of the running finetune: exit %d, want 1 naming %q; output:\n%s", code, holder, out)
	}
	first.cmd.Process.Signal(syscall.SIGTERM)
	if code, _ := first.wait(t); code != 1 || !strings.Contains(first.output(), "--resume to continue") {
		t.Errorf("the first run, interrupted after the refusal: exit %d, want 1 and resumable; output:\n%s", code, first.output())
	}

	pretrained := t.TempDir()
	pretrain := func(results string) []string {
		return []string{"pretrain", "--dataset", "mnist", "--limit", "500", "--epochs", "20", "--batch-size", "50",
			"--results-dir", results, "--pretrained-dir", pretrained, "--threads", "1"}
	}
	first = startCLI(t, pretrain(t.TempDir())...)
	// Its locks are taken before the data is loaded; this line follows.
	if !first.waitFor(regexp.MustCompile(`^pretrain-mnist\S*: cnn on mnist, 500 training images`)) {
		t.Fatalf("the pretraining did not start; output:\n%s", first.output())
	}
	second = startCLI(t, pretrain(t.TempDir())...)
	code, _ = second.wait(t)
	holder = fmt.Sprintf("pid %d:", first.cmd.Process.Pid)
	if out := second.output(); code != 1 || !strings.Contains(out, "mnist-cnn.pt is in use") || !strings.Contains(out, holder) {
		t.Errorf("second pretraining into the same pretrained folder: exit %d, want 1 naming mnist-cnn.pt and %q; output:\n%s", code, holder, out)
	}
	first.cmd.Process.Signal(syscall.SIGTERM)
	first.wait(t)
}

// Ctrl-C during eval stops it within a batch: exit 1, one line saying
// nothing was written, and no evaluation file.
func TestInterruptedEvalStopsAndWritesNothing(t *testing.T) {
	results := t.TempDir()
	c := startCLI(t, "eval", "--checkpoint", filepath.Join("..", "..", "pretrained", "mnist-cnn.pt"),
		"--dataset", "mnist", "--split", "train", "--results-dir", results)
	if !c.waitFor(regexp.MustCompile(`^evaluating .* \(60000 images\)`)) {
		t.Fatalf("eval did not say it started evaluating; output:\n%s", c.output())
	}
	time.Sleep(300 * time.Millisecond)
	sent := time.Now()
	c.cmd.Process.Signal(syscall.SIGINT)
	code, sig := c.wait(t)
	took := time.Since(sent)
	if code != 1 || !strings.Contains(c.output(), "wrote nothing") {
		t.Errorf("interrupted eval: exit %d (signal %v), want 1 saying it wrote nothing; output:\n%s", code, sig, c.output())
	}
	if took > 10*time.Second { // a batch of 128 images takes well under a second
		t.Errorf("eval ended %v after the interrupt: it did not stop after the current batch", took)
	}
	written, _ := filepath.Glob(filepath.Join(results, "*", "eval-*"))
	if len(written) > 0 {
		t.Errorf("an interrupted eval wrote %v", written)
	}
	if _, err := os.Stat(filepath.Join(results, "index.html")); err == nil {
		t.Errorf("an interrupted eval rewrote the report")
	}
}

// --version names the commit, libtorch and gotch.
func TestVersionNamesCommitLibtorchAndGotch(t *testing.T) {
	c := startCLI(t, "--version")
	if code, _ := c.wait(t); code != 0 {
		t.Fatalf("--version: exit %d; output:\n%s", code, c.output())
	}
	out := c.output()
	for _, want := range []string{"transferlab ", "libtorch " + torchenv.LibtorchVersion(), "gotch " + torchenv.GotchVersion()} {
		if !strings.Contains(out, want) {
			t.Errorf("--version printed %q, want it to contain %q", out, want)
		}
	}
}

// Ctrl-C during embed ends in one line that says it was interrupted and
// what that left, not a bare "context canceled" (issue 27).
func TestInterruptedEmbedSaysSo(t *testing.T) {
	results := t.TempDir()
	c := startCLI(t, "embed", "--checkpoint", filepath.Join("..", "..", "pretrained", "mnist-cnn.pt"),
		"--dataset", "mnist", "--n", "5000", "--layer", "conv3", "--results-dir", results)
	if !c.waitFor(regexp.MustCompile(`^embedding .* on 5000 mnist test images`)) {
		t.Fatalf("embed did not say it started; output:\n%s", c.output())
	}
	time.Sleep(300 * time.Millisecond)
	c.cmd.Process.Signal(syscall.SIGINT)
	code, _ := c.wait(t)
	out := c.output()
	if code != 1 || strings.Contains(out, "context canceled") || !strings.Contains(out, "transferlab: interrupted before it finished") {
		t.Errorf("interrupted embed: exit %d; want 1 and one line saying it was interrupted; output:\n%s", code, out)
	}
	if pages, _ := filepath.Glob(filepath.Join(results, "embed-*")); len(pages) > 0 {
		t.Errorf("an interrupted embed wrote %v", pages)
	}
}
