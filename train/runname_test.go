package train

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// A run's folder says what distinguishes it from its recipe: the target,
// the source checkpoint and every hyperparameter that differs.
func TestRunNameSaysWhatDiffersFromTheRecipe(t *testing.T) {
	overfit := overfitRecipe()
	mnistLast := finetuneRecipe(t, "mnist", "last")
	fromFile := finetuneRecipe(t, "/tmp/nets/A.pt", "all")
	for _, c := range []struct {
		def  Recipe
		o    Options
		want string
	}{
		{overfit, Options{Seed: 42}, "overfit"},
		{overfit, Options{Seed: 42, LR: 0.01}, "overfit-lr0.01"},
		{overfit, Options{Seed: 7, Epochs: 3, Hidden: []int{256, 64}, Limit: 500, Precision: "bf16"}, "overfit-e3-h256x64-limit500-bf16-seed7"},
		{mnistLast, Options{Seed: 42}, "transfer-mnist-last"},
		{mnistLast, Options{Seed: 42, Target: "mnist"}, "transfer-mnist-last-on-mnist"},
		{mnistLast, Options{Seed: 42, Target: "idx:/data/my digits/", PerClass: PerClassAll}, "transfer-mnist-last-on-idx-my_digits-pcall"},
		{fromFile, Options{Seed: 42}, "transfer-A-all"},
		{overfit, Options{Seed: 42, LR: 0.01, RunName: "mine"}, "mine"},
	} {
		if got := RunName(c.def, c.o); got != c.want {
			t.Errorf("%s with %+v: %q, want %q", c.def.Name, c.o, got, c.want)
		}
		if err := CheckRunName(c.want); err != nil {
			t.Errorf("%q: %v", c.want, err)
		}
	}
}

// Running the same command twice keeps both runs: the second goes to
// <name>-v2 (as Lightning's version_N); --resume continues the newest
// version that holds a resume point.
func TestARunNeverReplacesAnEarlierOne(t *testing.T) {
	pin(t)
	r := overfitRecipe()
	o := quick(t)
	o.Limit, o.Epochs, o.EvalLimit, o.Hidden = 100, 1, 50, []int{8}
	var names []string
	for i := 0; i < 2; i++ {
		run, err := Run(context.Background(), r, o)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, run.Name)
	}
	base := "overfit-e1-h8-limit100-evallimit50"
	if names[0] != base || names[1] != base+"-v2" {
		t.Fatalf("two runs of one command went to %v, want %s and %s-v2", names, base, base)
	}
	for _, n := range names {
		if _, err := os.Stat(filepath.Join(o.ResultsDir, n, "model.pt")); err != nil {
			t.Errorf("run %s lost its checkpoint: %v", n, err)
		}
	}
}

// Evaluations of two different files named mnist-cnn.pt never share a
// folder; a run's own model.pt is evaluated into its run folder.
func TestEvalFoldersOfTwoFilesOfOneName(t *testing.T) {
	results := t.TempDir()
	a := CheckpointRunName(results, filepath.Join(t.TempDir(), "mnist-cnn.pt"))
	b := CheckpointRunName(results, filepath.Join(t.TempDir(), "mnist-cnn.pt"))
	if a == b || CheckRunName(a) != nil {
		t.Errorf("two files named mnist-cnn.pt evaluate into %q and %q: want two valid, different folders", a, b)
	}
	if got := CheckpointRunName(results, filepath.Join(results, "overfit-v2", "model.pt")); got != "overfit-v2" {
		t.Errorf("a run's own model.pt evaluates into %q, want its run folder overfit-v2", got)
	}
	if got := CheckpointRunName(results, filepath.Join(t.TempDir(), "overfit", "model.pt")); got == "overfit" {
		t.Errorf("a model.pt outside the results folder evaluates into the results folder's run %q", got)
	}
}

// A run on EMNIST images as the files store them (raw) is named apart from
// an upright one; the orientation means nothing for other targets.
func TestRunNameMarksRawEMNIST(t *testing.T) {
	mnistLast := finetuneRecipe(t, "mnist", "last")
	raw := Options{Seed: 42}
	raw.Data.EMNISTOrientation = "raw"
	if got := RunName(mnistLast, raw); got != "transfer-mnist-last-raw" {
		t.Errorf("raw EMNIST: %q, want transfer-mnist-last-raw", got)
	}
	raw.Target = "mnist"
	if got := RunName(mnistLast, raw); got != "transfer-mnist-last-on-mnist" {
		t.Errorf("raw on MNIST: %q, want transfer-mnist-last-on-mnist", got)
	}
}
