package transfer

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"transferlab/train"
)

// The committed pretrained MNIST network matches the seed's recipe, so a
// full 'reproduce' reuses it instead of training for an hour; another seed
// or a quick-run limit does not.
func TestCommittedMNISTCheckpointIsReusedByReproduce(t *testing.T) {
	r, _ := Pretrain("mnist")
	ckpt := filepath.Join("..", "pretrained", "mnist-cnn.pt")
	run, why, ok := reusable(r, train.Options{Seed: 42}, ckpt)
	if !ok {
		t.Fatalf("%s is not reused for the seed's recipe", ckpt)
	}
	if run.Final.Test == nil || run.Final.Test.Accuracy < 99.0 || len(run.History) != 20 {
		t.Errorf("reused run: test %+v, %d epochs", run.Final.Test, len(run.History))
	}
	// It says it was reused, and its times are its training's: it did not
	// start and finish in the same instant.
	if run.Reused == "" || !strings.Contains(run.Reused, ckpt) || run.Finished.Sub(run.Started).Seconds() < run.WallSeconds-1 {
		t.Errorf("reused run: reused %q, started %v, finished %v, wall %.0f s", run.Reused, run.Started, run.Finished, run.WallSeconds)
	}
	t.Log(why)
	if _, _, ok := reusable(r, train.Options{Seed: 7}, ckpt); ok {
		t.Error("reused for another seed")
	}
	if _, _, ok := reusable(r, train.Options{Seed: 42, Limit: 2000, Epochs: 1}, ckpt); ok {
		t.Error("reused for a quick run's recipe")
	}
}

// reproduce --seeds N runs each of the five transfers with N seeds, each
// seed a run of its own.
func TestReproduceRunsEachTransferWithEverySeed(t *testing.T) {
	pin(t)
	o := quick(t)
	for _, f := range []string{"mnist-cnn.pt", "mnist-cnn.json", "fashion-cnn.pt", "fashion-cnn.json"} {
		b, err := os.ReadFile(filepath.Join("..", "pretrained", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(o.PretrainedDir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	o.PerClass, o.Epochs, o.EvalLimit = 2, 1, 50
	stages, err := reproduceTransfers(context.Background(), o, ReproduceOptions{Target: "fashion", Seeds: 2})
	if err != nil {
		t.Fatal(err)
	}
	seeds := map[string][]int64{}
	folders := map[string]bool{}
	for _, s := range stages {
		c := s.Run.Config
		seeds[c.Source+"/"+c.Layers] = append(seeds[c.Source+"/"+c.Layers], c.Seed)
		folders[s.Run.Name] = true
	}
	if len(stages) != 10 || len(folders) != 10 || len(seeds) != 5 {
		t.Fatalf("%d runs in %d folders over %d configurations, want 10 in 10 over 5", len(stages), len(folders), len(seeds))
	}
	for cfg, s := range seeds {
		if len(s) != 2 || s[0] != 42 || s[1] != 43 {
			t.Errorf("%s ran with seeds %v, want [42 43]", cfg, s)
		}
	}
}
