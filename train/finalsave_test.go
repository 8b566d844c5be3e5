package train

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"transferlab/metrics"
	"transferlab/model"
)

// A run whose final checkpoint cannot be written (a folder stands where
// model.pt goes: as a full disk, the write fails after every epoch is
// trained) is failed with every epoch resumable; --resume then runs only
// the end of the run (the test evaluation and the checkpoint) and ends
// with the numbers and weights of an uninterrupted run. It answered
// "already finished its 2 epochs", and only a full retraining helped.
// The FFN recipe evaluates on a validation split each epoch (its test
// pass comes after), the CNN's pretraining on the test split (its last
// epoch's pass is the test evaluation).
func TestAFailedFinalSaveResumesToTheSameResult(t *testing.T) {
	ffn := overfitRecipe()
	cnn := pretrainRecipe("mnist")
	for _, c := range []struct {
		r     Recipe
		hid   []int
		batch int
	}{{ffn, []int{16}, 0}, {cnn, nil, 50}} {
		t.Run(c.r.Kind, func(t *testing.T) {
			pin(t) // a subtest is a goroutine of its own
			o := quick(t)
			o.Limit, o.Epochs, o.EvalLimit, o.Hidden, o.BatchSize, o.RunName = 200, 2, 100, c.hid, c.batch, c.r.Name
			whole, err := Run(context.Background(), c.r, o)
			if err != nil {
				t.Fatal(err)
			}

			o.ResultsDir, o.PretrainedDir = t.TempDir(), t.TempDir()
			runDir := filepath.Join(o.ResultsDir, c.r.Name)
			ckpt := filepath.Join(runDir, "model.pt")
			if c.r.Kind == "pretrain" {
				ckpt = PretrainedPath(o.PretrainedDir, c.r.Dataset)
			}
			o.OnEpoch = func(run *metrics.Run) error {
				if len(run.History) == 2 && run.Status == "running" {
					return os.MkdirAll(filepath.Join(ckpt, "blocker"), 0o755)
				}
				return nil
			}
			if _, err := Run(context.Background(), c.r, o); err == nil || !strings.Contains(err.Error(), "--resume continues") {
				t.Fatalf("got %v, want the failed save reported with the resumable epoch", err)
			}
			if err := os.RemoveAll(ckpt); err != nil {
				t.Fatal(err)
			}

			o.OnEpoch, o.Resume = nil, true
			resumed, err := Run(context.Background(), c.r, o)
			if err != nil {
				t.Fatalf("--resume after the failed save: %v", err)
			}
			if resumed.Status != "done" || !sameHistory(untimed(whole.History), untimed(resumed.History)) {
				t.Errorf("resumed: status %q, history %+v; uninterrupted %+v", resumed.Status, resumed.History, whole.History)
			}
			a, b := *whole.Final.Test, *resumed.Final.Test
			a.Seconds, b.Seconds, a.FromEpoch, b.FromEpoch = 0, 0, 0, 0
			if !reflect.DeepEqual(a, b) || !reflect.DeepEqual(whole.Final.Train, resumed.Final.Train) || !reflect.DeepEqual(whole.Final.Val, resumed.Final.Val) {
				ja, _ := json.Marshal(whole.Final)
				jb, _ := json.Marshal(resumed.Final)
				t.Errorf("final evaluations differ:\nuninterrupted %s\nresumed       %s", ja, jb)
			}
			wa, err := model.ReadTensors(whole.Checkpoint)
			if err != nil {
				t.Fatal(err)
			}
			wb, err := model.ReadTensors(ckpt)
			if err != nil {
				t.Fatal(err)
			}
			if len(wa) != len(wb) {
				t.Fatalf("%d tensors, uninterrupted %d", len(wb), len(wa))
			}
			for name, x := range wa {
				y, ok := wb[name]
				if !ok || !reflect.DeepEqual(x.Float64Values(), y.Float64Values()) {
					t.Errorf("tensor %s differs from the uninterrupted run's", name)
				}
			}
			if left, _ := filepath.Glob(filepath.Join(runDir, "resume*")); len(left) != 0 {
				t.Errorf("the finished run left its resume point: %v", left)
			}
			if _, err := Run(context.Background(), c.r, o); err == nil || !strings.Contains(err.Error(), "nothing to resume") {
				t.Errorf("resuming the finished run again: got %v", err)
			}
		})
	}
}

// untimed is a history without its timings, which differ run to run.
func untimed(h []metrics.Epoch) []metrics.Epoch {
	out := make([]metrics.Epoch, len(h))
	for i, e := range h {
		e.Seconds, e.ImagesPerSec, e.EvalSeconds = 0, 0, 0
		out[i] = e
	}
	return out
}
