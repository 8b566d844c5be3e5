package data

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestListAndVerifyMissingAndBadDatasets(t *testing.T) {
	opts := Options{DataDir: t.TempDir(), LocalDirs: noLocal()}
	var out bytes.Buffer
	if err := WriteList(&out, List(opts, true), opts); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"DATASET", "mnist ", "missing", "run 'transferlab data fetch emnist-letters' (needs internet)",
		"(needs internet, or first 'apt-get install dataset-fashion-mnist')"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("list lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := Verify(context.Background(), &out, Names(), false, opts); err != nil {
		t.Fatalf("verify with nothing present: %v", err)
	}
	if err := Verify(context.Background(), &out, []string{"mnist"}, true, opts); err == nil {
		t.Fatal("verify of a missing dataset named explicitly passed")
	}

	// A bad file in the data dir.
	writeFile(t, filepath.Join(opts.DataDir, "mnist", "train-labels-idx1-ubyte.gz"), []byte("not the labels"))
	out.Reset()
	WriteList(&out, List(opts, false), opts)
	if !strings.Contains(out.String(), "partial (1 of 4 files)") || !strings.Contains(out.String(), "SIZE MISMATCH") {
		t.Fatalf("list:\n%s", out.String())
	}
	out.Reset()
	if err := Verify(context.Background(), &out, []string{"mnist"}, true, opts); err == nil || !strings.Contains(out.String(), "want 28881") {
		t.Fatalf("verify: %v\n%s", err, out.String())
	}
}

func TestVerifyIDXDir(t *testing.T) {
	dir := t.TempDir()
	writeIDXDir(t, dir, true, synth{n: 6, rows: 28, cols: 28, classes: 2}, synth{n: 4, rows: 28, cols: 28, classes: 2}, "test")
	var out bytes.Buffer
	if err := Verify(context.Background(), &out, []string{"idx:" + dir}, true, Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "test: ok (4 images of 28x28, 2 classes)") {
		t.Fatalf("verify:\n%s", out.String())
	}
	os.Remove(filepath.Join(dir, "test-labels-idx1-ubyte.gz"))
	if err := Verify(context.Background(), &out, []string{"idx:" + dir}, true, Options{}); err == nil {
		t.Fatal("verify passed with the test labels gone")
	}
}

// Fetch keeps good files, replaces bad ones, and copies from the first
// local install whose copy checks out.
func TestFetchFromLocalInstalls(t *testing.T) {
	d, content := fakeDataset(t, "fake", synth{n: 40, rows: 4, cols: 4, classes: 4}, synth{n: 8, rows: 4, cols: 4, classes: 4})
	bad, good := t.TempDir(), t.TempDir()
	for name, b := range content {
		writeFile(t, filepath.Join(good, name), b)
	}
	writeFile(t, filepath.Join(bad, "train-images-idx3-ubyte.gz"), content["t10k-images-idx3-ubyte.gz"]) // wrong file
	opts := Options{DataDir: t.TempDir(), Client: noNetwork, LocalDirs: map[string][]string{"fake": {bad, good}}}
	dir := filepath.Join(opts.DataDir, "fake")
	writeFile(t, filepath.Join(dir, "t10k-labels-idx1-ubyte.gz"), []byte("corrupt"))
	writeFile(t, filepath.Join(dir, "train-labels-idx1-ubyte.gz"), content["train-labels-idx1-ubyte.gz"])
	var out bytes.Buffer
	if err := fetchDataset(context.Background(), &out, d, opts); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	report := out.String()
	for _, want := range []string{
		"t10k-labels-idx1-ubyte.gz is bad", "fetching it again",
		"train-labels-idx1-ubyte.gz already in",
		"not using " + filepath.Join(bad, "train-images-idx3-ubyte.gz"),
		"train-images-idx3-ubyte.gz copied from " + good,
		"ready in " + dir + " (40 train, 8 test images)",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	assertFiles(t, dir, "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")

	if _, err := ParseNames([]string{"all", "mnist"}); err != nil {
		t.Fatal(err)
	}
	if names, _ := ParseNames([]string{"all", "mnist"}); strings.Join(names, ",") != "mnist,fashion,emnist-letters" {
		t.Fatalf("ParseNames(all, mnist) = %v", names)
	}
	if _, err := ParseNames([]string{"cifar"}); err == nil || !strings.Contains(err.Error(), "choose mnist, fashion, emnist-letters, idx:DIR or folder:DIR, or all") {
		t.Fatalf("ParseNames(cifar): %v", err)
	}
	if err := Fetch(context.Background(), &out, []string{"idx:" + dir}, opts); err == nil {
		t.Fatal("fetched an idx:DIR dataset")
	}
}
