package main

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"testing"

	"transferlab/data"
	"transferlab/train"
	"transferlab/transfer"
)

// A plain finetune whose EMNIST letters cannot be downloaded (here: a
// source that refuses the connection, as an offline machine does) ends
// with one line that says so and names the targets that need no
// download, as a data error (exit 1, not 2), and leaves no run folder.
func TestFinetuneWithoutEMNISTSaysSoInOneLine(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String() + "/gzip.zip"
	ln.Close()

	r, err := transfer.Finetune("mnist", "last")
	if err != nil {
		t.Fatal(err)
	}
	results := t.TempDir()
	o := train.Options{ResultsDir: results, PretrainedDir: t.TempDir(), Log: train.NewConsoleLogger(&strings.Builder{})}
	o.Data = data.Options{DataDir: t.TempDir(), Download: true, URLs: map[string][]string{data.EMNISTLetters: {refused}}}
	_, runErr := train.Run(context.Background(), r, o)
	err = targetUnavailable(runErr)
	if err == nil {
		t.Fatal("the run did not fail")
	}
	msg := err.Error()
	for _, want := range []string{"EMNIST letters could not be downloaded", "cannot connect to", "--target mnist", "--target folder:DIR"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "\n") || strings.Contains(msg, refused) || len(msg) > 250 {
		t.Errorf("not one short line: %q", msg)
	}
	var u usageError
	if errors.As(err, &u) {
		t.Errorf("a missing dataset is a data error (exit 1), not a usage error: %q", msg)
	}
	if left, _ := os.ReadDir(results); len(left) > 0 {
		t.Errorf("the failed run left %v in the results folder", left)
	}

	// With downloads off, the same hint.
	o.Data.Download = false
	_, runErr = train.Run(context.Background(), r, o)
	if msg := targetUnavailable(runErr).Error(); !strings.Contains(msg, "EMNIST letters is not in the data folder") || !strings.Contains(msg, "--target mnist") {
		t.Errorf("with --download=false: %q, want it to name --target mnist", msg)
	}
}

// A dataset name that does not exist is a usage error (exit 2) whether it
// is given to --target or to --dataset.
func TestUnknownTargetAndDatasetExitAlike(t *testing.T) {
	for _, args := range [][]string{
		{"finetune", "--target", "emnist"},
		{"pretrain", "--dataset", "mnsit"},
	} {
		if code := run(append(args, "--results-dir", t.TempDir())); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

// Every command that trains on --target says a missing EMNIST in the same
// one line (exit 1), and the study writes no page for runs that never ran.
func TestEveryTargetCommandSaysEMNISTIsMissingInOneLine(t *testing.T) {
	for _, args := range [][]string{
		{"finetune"},
		{"transfer"},
		{"sweep", "depth"},
		{"lr-find"},
		{"study", "recipe", "--seeds", "1"},
	} {
		results := t.TempDir()
		res := execute(t, append(args, "--download=false", "--data-dir", t.TempDir(), "--results-dir", results)...)
		if res.err == nil {
			t.Errorf("%v: no error", args)
			continue
		}
		if msg := res.err.Error(); !strings.Contains(msg, "EMNIST letters is not in the data folder") || strings.Contains(msg, "\n") {
			t.Errorf("%v: %q, want the one-line hint", args, msg)
		}
		if code := run(append(args, "--download=false", "--data-dir", t.TempDir(), "--results-dir", results)); code != 1 {
			t.Errorf("%v: exit %d, want 1", args, code)
		}
		if left, _ := os.ReadDir(results); len(left) > 0 {
			t.Errorf("%v left %v in the results folder", args, left)
		}
	}
}
