package transfer

import (
	"path/filepath"
	"testing"
)

// The committed pretrained MNIST network matches the seed's recipe, so a
// full 'reproduce' reuses it instead of training for an hour; another seed
// or a quick-run limit does not.
func TestCommittedMNISTCheckpointIsReusedByReproduce(t *testing.T) {
	r, _ := Pretrain("mnist")
	ckpt := filepath.Join("..", "pretrained", "mnist-cnn.pt")
	run, why, ok := reusable(r, Options{Seed: 42}, ckpt)
	if !ok {
		t.Fatalf("%s is not reused for the seed's recipe", ckpt)
	}
	if run.Final.Test == nil || run.Final.Test.Accuracy < 99.0 || len(run.History) != 20 {
		t.Errorf("reused run: test %+v, %d epochs", run.Final.Test, len(run.History))
	}
	t.Log(why)
	if _, _, ok := reusable(r, Options{Seed: 7}, ckpt); ok {
		t.Error("reused for another seed")
	}
	if _, _, ok := reusable(r, Options{Seed: 42, Limit: 2000, Epochs: 1}, ckpt); ok {
		t.Error("reused for a quick run's recipe")
	}
}
