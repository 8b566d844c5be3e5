package train

import (
	"context"
	"math"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/sugarme/gotch/nn"

	"transferlab/model"
)

// twoPhaseOptions is a small two-phase fine-tuning of the committed MNIST
// network on Fashion-MNIST: 3 epochs of 4 batches, the head alone in the
// first, discriminative rates down to 1/100 of the head's after it.
func twoPhaseOptions(t *testing.T) Options {
	t.Helper()
	src := filepath.Join("..", "pretrained", "mnist-cnn.pt")
	if _, err := model.ReadTensors(src); err != nil {
		t.Skipf("no committed MNIST network: %v", err)
	}
	o := quick(t)
	o.PretrainedDir = filepath.Dir(src)
	o.Target, o.PerClass, o.Epochs, o.BatchSize, o.EvalLimit = "fashion", 10, 3, 25, 100
	o.Tuning = Tuning{FreezeEpochs: 1, BodyLRMult: 0.01}
	return o
}

// The head-only phase leaves every layer below the head exactly as the
// source network had it; the second phase changes each layer --layers
// names, every group at its own rate (geometric from 1/100 of the head's at
// conv1 to the head's) under a schedule that sets the head's, and the
// head's Adam state goes on counting its steps across the unfreeze.
func TestTwoPhaseFreezesThenTrainsEveryGroupAtItsRate(t *testing.T) {
	pin(t)
	r := finetuneRecipe(t, "mnist", "all")
	o := twoPhaseOptions(t)
	o.RunName = "two-phase"
	o.Tuning.Schedule = ScheduleCosine // sets the head's rate every step; each group must follow
	source, err := model.ReadTensors(filepath.Join(o.PretrainedDir, "mnist-cnn.pt"))
	if err != nil {
		t.Fatal(err)
	}
	const batches = 4 // 100 images in batches of 25
	o.afterEpoch = func(e int, vs *nn.VarStore) {
		for _, p := range model.Params(vs) {
			if layerIndex(t, p.Name) == len(model.CNNLayers())-1 {
				continue // the fresh head
			}
			same := equalTensors(source[p.Name], p.Tensor)
			if e == 1 && !same {
				t.Errorf("epoch 1 (head only) changed %s", p.Name)
			}
			if e == 2 && same {
				t.Errorf("epoch 2 (unfrozen) left %s as it was", p.Name)
			}
		}
		rp, err := readResumePoint(filepath.Join(o.ResultsDir, o.RunName))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := rp.Steps["fc3.weight"], int64(e*batches); got != want {
			t.Errorf("after epoch %d the head's Adam state counts %d steps, want %d", e, got, want)
		}
		if got, want := rp.Steps["conv1.weight"], int64(max(0, e-1)*batches); got != want {
			t.Errorf("after epoch %d conv1's Adam state counts %d steps, want %d", e, got, want)
		}
	}
	run, err := Run(context.Background(), r, o)
	if err != nil {
		t.Fatal(err)
	}
	groups := []string{"fc3", "conv1", "conv2", "conv3", "conv4", "conv5", "fc1", "fc2"}
	if !reflect.DeepEqual(run.Config.LRGroups, groups) {
		t.Errorf("lr groups %v, want %v", run.Config.LRGroups, groups)
	}
	sched, err := newSchedule(ScheduleCosine, r.LR, o.Epochs, batches, 0)
	if err != nil {
		t.Fatal(err)
	}
	head := func(e int) float64 { return sched.lr(e*batches - 1) } // the epoch's last step
	if lr := run.History[0].LR; len(lr) != 1 || lr[0] != head(1) {
		t.Errorf("epoch 1 rates %v, want the head's alone, %g", lr, head(1))
	}
	for _, e := range run.History[1:] {
		if len(e.LR) != len(groups) || e.LR[0] != head(e.Epoch) {
			t.Fatalf("epoch %d rates %v, want one per group, the head's %g", e.Epoch, e.LR, head(e.Epoch))
		}
		for i, lr := range e.LR[1:] {
			want := head(e.Epoch) * math.Pow(0.01, float64(7-i)/7)
			if math.Abs(lr-want) > 1e-15 {
				t.Errorf("epoch %d %s rate %g, want %g", e.Epoch, groups[i+1], lr, want)
			}
		}
	}
}

// Settings two-phase fine-tuning cannot have fail before any training.
func TestTwoPhaseRefusesWhatItCannotDo(t *testing.T) {
	for _, c := range []struct {
		source, layers string
		tuning         Tuning
	}{
		{"mnist", "last", Tuning{FreezeEpochs: 1}},
		{"mnist", "last", Tuning{BodyLRMult: 0.1}},
		{"none", "all", Tuning{FreezeEpochs: 1}},
		{"mnist", "all", Tuning{FreezeEpochs: 10}},
	} {
		r := finetuneRecipe(t, c.source, c.layers)
		if err := c.tuning.CheckGroups(r); err == nil {
			t.Errorf("--from %s --layers %s %+v accepted", c.source, c.layers, c.tuning)
		}
		if got := c.tuning.For(r); (c.layers == "last" || c.source == "none") && got.grouped() {
			t.Errorf("--from %s --layers %s: For keeps %+v", c.source, c.layers, got)
		}
	}
	if err := (Tuning{FreezeEpochs: 2, BodyLRMult: 0.1}).CheckGroups(finetuneRecipe(t, "mnist", "from:fc1")); err != nil {
		t.Errorf("from:fc1 two-phase refused: %v", err)
	}
	if err := (Tuning{BodyLRMult: -1}).check(0); err == nil {
		t.Error("a negative multiplier accepted")
	}
}
