package train

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"transferlab/metrics"
)

// Interrupt a run after its first epoch, resume it, and compare with an
// uninterrupted run of the same seed: the weights and the optimizer's
// state are restored and the batches derive from seed and epoch, so every
// number matches. The seed's recipe (Adam, a constant rate), and the
// fine-tuning options whose state a resume must carry: SGD's momentum
// with a per-step onecycle rate and label smoothing, AdamW's moments with
// a warmup into cosine annealing and the best epoch kept; and the
// augmentation, drawn from the seed, the epoch and the batch.
func TestInterruptedRunResumesToTheSameNumbers(t *testing.T) {
	for _, c := range []struct {
		name   string
		tuning Tuning
	}{
		{"seed recipe", Tuning{}},
		{"sgd onecycle", Tuning{Optimizer: "sgd", WeightDecay: 1e-3, Schedule: ScheduleOneCycle, LabelSmoothing: 0.1}},
		{"adamw cosine best", Tuning{Optimizer: "adamw", WeightDecay: 0.05, Schedule: ScheduleCosine, WarmupEpochs: 0.5, Keep: KeepBest}},
		{"augmented", Tuning{Augment: AugmentStandard}},
	} {
		t.Run(c.name, func(t *testing.T) {
			pin(t)
			r := pretrainRecipe("mnist")
			r.ValFraction = 0.2
			base := quick(t)
			base.Limit, base.Epochs, base.BatchSize, base.EvalLimit = 400, 3, 50, 200
			base.Tuning = c.tuning
			resumesToTheSameNumbers(t, r, base, 1)
		})
	}
}

// Two-phase fine-tuning resumes bit for bit in either phase: from the
// last head-only epoch (the unfreeze happens after the resume) and from
// inside the second phase (the optimizer is rebuilt with every group and
// each group's state restored), under a schedule that sets every group's
// rate at each step.
func TestInterruptedTwoPhaseRunResumesToTheSameNumbers(t *testing.T) {
	for _, stopAfter := range []int{1, 2} {
		t.Run(fmt.Sprintf("stopped after epoch %d", stopAfter), func(t *testing.T) {
			pin(t)
			r := finetuneRecipe(t, "mnist", "from:conv3")
			o := twoPhaseOptions(t)
			o.Tuning.Schedule = ScheduleCosine
			resumesToTheSameNumbers(t, r, o, stopAfter)
		})
	}
}

func resumesToTheSameNumbers(t *testing.T, r Recipe, base Options, stopAfter int) {
	whole, err := Run(context.Background(), r, base)
	if err != nil {
		t.Fatal(err)
	}

	o := base
	o.ResultsDir = t.TempDir()
	if r.Kind == "pretrain" {
		o.PretrainedDir = t.TempDir() // the first run's network is there
	}
	o.RunName = r.Name // the folder the test looks in
	ctx, cancel := context.WithCancel(context.Background())
	o.OnEpoch = func(run *metrics.Run) error {
		if len(run.History) == stopAfter {
			cancel() // as Ctrl-C after that epoch
		}
		return nil
	}
	_, err = Run(ctx, r, o)
	if err == nil || !strings.Contains(err.Error(), "--resume") {
		t.Fatalf("interrupted run: got %v, want an error saying how to resume", err)
	}
	dir := filepath.Join(o.ResultsDir, r.Name)
	if _, err := os.Stat(filepath.Join(dir, "resume.json")); err != nil {
		t.Fatalf("no resumable checkpoint: %v", err)
	}

	o.OnEpoch, o.Resume = nil, true
	resumed, err := Run(context.Background(), r, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(resumed.History) != base.Epochs {
		t.Fatalf("resumed run has %d epochs, want %d", len(resumed.History), base.Epochs)
	}
	for i := range whole.History {
		a, b := whole.History[i], resumed.History[i]
		a.Seconds, a.ImagesPerSec, a.EvalSeconds, b.Seconds, b.ImagesPerSec, b.EvalSeconds = 0, 0, 0, 0, 0, 0
		if !reflect.DeepEqual(a, b) {
			t.Errorf("epoch %d: uninterrupted %+v, resumed %+v", i+1, a, b)
		}
	}
	if whole.Final.Test.Accuracy != resumed.Final.Test.Accuracy || whole.Final.Test.Loss != resumed.Final.Test.Loss {
		t.Errorf("final test: uninterrupted %.6f/%.4f, resumed %.6f/%.4f", whole.Final.Test.Loss, whole.Final.Test.Accuracy, resumed.Final.Test.Loss, resumed.Final.Test.Accuracy)
	}
	if !reflect.DeepEqual(whole.Selection, resumed.Selection) {
		t.Errorf("kept epoch: uninterrupted %+v, resumed %+v", whole.Selection, resumed.Selection)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "resume*")); len(left) != 0 {
		t.Errorf("a finished run left its resumable checkpoint: %v", left)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "best-*")); len(left) != 0 {
		t.Errorf("a finished run left its best epoch's weights: %v", left)
	}
	// Nothing left to resume now, and other settings are refused.
	if _, err := Run(context.Background(), r, o); err == nil || !strings.Contains(err.Error(), "nothing to resume") {
		t.Errorf("resuming a finished run: got %v", err)
	}
}

// A resume with other settings is refused, naming each setting that
// differs by its name in metrics.json with the old and the new value (it
// printed the whole Go struct).
func TestResumeRefusesOtherSettings(t *testing.T) {
	pin(t)
	r := pretrainRecipe("mnist")
	o := quick(t)
	o.Limit, o.Epochs, o.BatchSize, o.EvalLimit, o.RunName = 200, 2, 50, 100, "named"
	o, _ = interruptedRun(t, r, o)
	o.LR, o.BatchSize = 0.01, 64
	_, err := Run(context.Background(), r, o)
	if err == nil || !strings.Contains(err.Error(), "other settings (batch_size 50, now 64; lr 0.001, now 0.01)") {
		t.Errorf("resuming with another batch size and learning rate: got %v", err)
	}
	if err != nil && strings.Contains(err.Error(), "{") {
		t.Errorf("the message prints a Go value: %v", err)
	}
}
