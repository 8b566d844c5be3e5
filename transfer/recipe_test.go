package transfer

import (
	"reflect"
	"testing"

	"transferlab/train"
)

// The registry holds the seed's hyperparameters (the engine's tests, in
// train/recipes_test.go, train the same recipes).
func TestRegistryHoldsTheSeedsRecipes(t *testing.T) {
	overfit, err := Lookup("overfit")
	if err != nil {
		t.Fatal(err)
	}
	overfit.Reference = nil
	want := train.Recipe{Name: "overfit", Kind: "overfit", Model: "ffn", Hidden: []int{4096}, Dataset: "mnist",
		Epochs: 30, BatchSize: 2048, LR: 0.006, ValFraction: 0.2}
	if !reflect.DeepEqual(overfit, want) {
		t.Errorf("overfit: %+v, want %+v", overfit, want)
	}
	for _, ds := range []string{"mnist", "fashion"} {
		r, err := Pretrain(ds)
		if err != nil {
			t.Fatal(err)
		}
		r.Reference = nil
		want := train.Recipe{Name: "pretrain-" + ds, Kind: "pretrain", Model: "cnn", Dataset: ds, Epochs: 20, BatchSize: 128, LR: 1e-3}
		if !reflect.DeepEqual(r, want) {
			t.Errorf("pretrain %s: %+v, want %+v", ds, r, want)
		}
	}
	for _, r := range TransferRecipes() {
		if r.Model != "cnn" || r.Dataset != "emnist-letters" || r.Epochs != 10 || r.BatchSize != 32 || r.LR != 1e-3 || r.PerClass != 250 {
			t.Errorf("%s: %+v, want the seed's transfer protocol", r.Name, r)
		}
	}
}

func TestFinetuneAtEveryDepth(t *testing.T) {
	r, err := Finetune("mnist", "from:conv4")
	if err != nil || r.Name != "transfer-mnist-from-conv4" || r.Layers != "from:conv4" {
		t.Errorf("Finetune(mnist, from:conv4) = %+v, %v", r, err)
	}
	if r, _ := Finetune("mnist", "from:fc3"); r.Reference == nil || r.Name != "transfer-mnist-last" {
		t.Errorf("from:fc3 is not the seed's mnist/last recipe: %+v", r)
	}
	if _, err := Finetune("none", "from:fc1"); err == nil {
		t.Errorf("--from none --layers from:fc1 accepted: it trains on frozen random layers")
	}
	if r, _ := Finetune("/tmp/nets/A.pt", "all"); r.Name != "transfer-checkpoint-all" || r.Source != "/tmp/nets/A.pt" {
		t.Errorf("a checkpoint source: %+v", r)
	}
}
