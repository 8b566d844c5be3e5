package train

import (
	"context"
	"path/filepath"
	"testing"
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
