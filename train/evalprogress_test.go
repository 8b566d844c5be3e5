package train

import (
	"context"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"

	"transferlab/model"
)

// batches records what an observer is told.
type batches struct {
	label      string
	done, last int
	acc        float64
	finished   bool
}

func (b *batches) Batch(done, total int, loss, acc, ips float64) {
	b.done, b.last, b.acc = done, total, acc
}
func (b *batches) Done() { b.finished = true }

type taskLogger struct {
	Discard
	tasks []*batches
}

func (l *taskLogger) Task(label string, steps int) EpochObserver {
	b := &batches{label: label}
	l.tasks = append(l.tasks, b)
	return b
}

// eval shows its progress: every batch of the evaluation is reported, with
// the running accuracy, and the pass is closed.
func TestEvalReportsItsProgress(t *testing.T) {
	pin(t)
	log := &taskLogger{}
	o := EvalOptions{Checkpoint: filepath.Join("..", "pretrained", "mnist-cnn.pt"), Dataset: "mnist", ResultsDir: t.TempDir()}
	o.Options.Log = log
	o.Data = quick(t).Data
	ef, _, err := EvalCheckpoint(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(log.tasks) != 1 {
		t.Fatalf("%d progress passes, want 1", len(log.tasks))
	}
	b := log.tasks[0]
	want := (ef.Eval.N + EvalBatch - 1) / EvalBatch
	if b.done != want || b.last != want || !b.finished || b.acc != ef.Eval.Accuracy {
		t.Errorf("progress: %d of %d batches, finished %v, accuracy %.2f; want all %d, finished, %.2f", b.done, b.last, b.finished, b.acc, want, ef.Eval.Accuracy)
	}
}

// The fully connected network is evaluated in passes of FFNEvalBatch
// images, the CNN in passes of EvalBatch; the pass size changes nothing
// but the time.
func TestEvaluationPassSizeFollowsTheNetwork(t *testing.T) {
	pin(t)
	for _, c := range []struct {
		arch   model.Arch
		images int
		pass   int
	}{
		{model.Arch{Model: "ffn", Hidden: []int{4096}, Classes: 10}, 3000, FFNEvalBatch},
		{cnn10, 300, EvalBatch},
	} {
		vs := nn.NewVarStore(gotch.CPU)
		defer vs.Destroy()
		net, err := model.Build(vs.Root(), c.arch)
		if err != nil {
			t.Fatal(err)
		}
		x, y := randomImages(c.images, 10)
		defer x.MustDrop()
		defer y.MustDrop()
		obs := &batches{}
		ev, err := evaluateObserved(context.Background(), net, x, y, 10, false, obs)
		if err != nil {
			t.Fatal(err)
		}
		if want := (c.images + c.pass - 1) / c.pass; obs.done != want || obs.last != want {
			t.Errorf("%s: %d of %d passes over %d images, want %d of %d images each", c.arch.Model, obs.done, obs.last, c.images, want, c.pass)
		}
		small, err := evaluateInChunks(context.Background(), net, x, y, 10, false, 64, nil)
		if err != nil {
			t.Fatal(err)
		}
		if small.Accuracy != ev.Accuracy || math.Abs(small.Loss-ev.Loss) > 1e-5*math.Abs(ev.Loss) || !slices.Equal(small.Pred, ev.Pred) {
			t.Errorf("%s: passes of 64 give accuracy %.2f%% loss %.6f, passes of %d %.2f%% loss %.6f", c.arch.Model,
				small.Accuracy, small.Loss, c.pass, ev.Accuracy, ev.Loss)
		}
	}
}
