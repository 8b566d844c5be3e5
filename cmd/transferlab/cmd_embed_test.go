package main

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// embed on the committed MNIST network writes its page, with one series
// per digit; a bad layer or sample size is a usage error or a failure
// naming the choices.
func TestEmbedEndToEnd(t *testing.T) {
	runtime.LockOSThread() // libtorch's grad mode is per OS thread
	defer runtime.UnlockOSThread()
	pt, _ := filepath.Abs(filepath.Join("..", "..", "pretrained", "mnist-cnn.pt"))
	if _, err := os.Stat(pt); err != nil {
		t.Skipf("no committed MNIST network: %v", err)
	}
	results := t.TempDir()
	if code := run([]string{"embed", "--checkpoint", pt, "--n", "1", "--results-dir", results}); code != 2 {
		t.Errorf("embed --n 1: exit %d, want 2", code)
	}
	if code := run([]string{"embed", "--checkpoint", pt, "--layer", "fc3", "--dataset", "mnist", "--n", "30", "--results-dir", results}); code != 1 {
		t.Errorf("embed --layer fc3: exit %d, want 1", code)
	}
	args := []string{"embed", "--checkpoint", pt, "--dataset", "mnist", "--n", "300", "--results-dir", results}
	if code := run(args); code != 0 {
		t.Fatalf("transferlab %s: exit %d", strings.Join(args, " "), code)
	}
	pages, _ := filepath.Glob(filepath.Join(results, "embed-mnist-cnn-*-mnist.html"))
	if len(pages) != 1 {
		t.Fatalf("pages %v, want one embed-mnist-cnn-<hash>-mnist.html", pages)
	}
	b, err := os.ReadFile(pages[0])
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	if n := strings.Count(page, `"type":"scatter"`); n != 10 {
		t.Errorf("%d scatter series, want 10 (one per digit)", n)
	}
	if !strings.Contains(page, "300 test images of mnist") || !strings.Contains(page, "<b>fc2</b>") {
		t.Error("the page does not say what it shows")
	}
}

// A finetune followed by embed --run writes the run's before and after
// pages and the transfer page links both; --run with --checkpoint, or on a
// run that is not there, is refused.
func TestEmbedRunLinksBeforeAndAfter(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	pretrained := filepath.Join("..", "..", "pretrained") // relative: the run records it absolute
	if _, err := os.Stat(filepath.Join(pretrained, "mnist-cnn.pt")); err != nil {
		t.Skipf("no committed MNIST network: %v", err)
	}
	results := t.TempDir()
	ft := []string{"finetune", "--from", "mnist", "--layers", "last", "--target", "fashion", "--per-class", "5", "--epochs", "1",
		"--pretrained-dir", pretrained, "--results-dir", results, "--name", "ft"}
	if code := run(ft); code != 0 {
		t.Fatalf("transferlab %s: exit %d", strings.Join(ft, " "), code)
	}
	if code := run([]string{"embed", "--run", "ft", "--checkpoint", "x.pt", "--results-dir", results}); code != 2 {
		t.Errorf("embed --run with --checkpoint: exit %d, want 2", code)
	}
	if code := run([]string{"embed", "--run", "nope", "--results-dir", results}); code != 1 {
		t.Errorf("embed --run of a missing run: exit %d, want 1", code)
	}
	if code := run([]string{"embed", "--run", "ft", "--n", "100", "--results-dir", results}); code != 0 {
		t.Fatalf("embed --run ft: exit %d", code)
	}
	for _, page := range []string{"embed-ft-fashion-source.html", "embed-ft-fashion.html"} {
		if _, err := os.Stat(filepath.Join(results, page)); err != nil {
			t.Errorf("embed --run wrote no %s: %v", page, err)
		}
	}
	b, err := os.ReadFile(filepath.Join(results, "transfer.html"))
	if err != nil {
		t.Fatal(err)
	}
	if page := string(b); !strings.Contains(page, `href="embed-ft-fashion-source.html">before</a>`) || !strings.Contains(page, `href="embed-ft-fashion.html">after</a>`) {
		t.Error("the transfer page does not link the run's before and after pages")
	}
}
