package train

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"transferlab/internal/torchenv"
	"transferlab/metrics"
	"transferlab/model"
)

// A failure after the epochs, here the final checkpoint that cannot be
// written (a folder stands where model.pt goes), leaves metrics.json with
// status "failed", not "running" (its page would reload forever), and
// the finished epochs resumable.
func TestAFailedFinalSaveRecordsTheStatus(t *testing.T) {
	pin(t)
	r := overfitRecipe()
	o := quick(t)
	o.Limit, o.Epochs, o.EvalLimit, o.Hidden = 200, 2, 100, []int{16}
	o.RunName = r.Name
	runDir := filepath.Join(o.ResultsDir, r.Name)
	o.OnEpoch = func(run *metrics.Run) error {
		if len(run.History) == 2 && run.Status == "running" {
			return os.MkdirAll(filepath.Join(runDir, "model.pt", "blocker"), 0o755)
		}
		return nil
	}
	_, err := Run(context.Background(), r, o)
	if err == nil || !strings.Contains(err.Error(), "--resume continues") {
		t.Fatalf("got %v, want the failed save reported with the resumable epoch", err)
	}
	run, rerr := metrics.ReadRun(filepath.Join(runDir, metrics.FileName))
	if rerr != nil {
		t.Fatal(rerr)
	}
	if run.Status != "failed" || len(run.History) != 2 {
		t.Errorf("metrics.json: status %q with %d epochs, want failed with 2", run.Status, len(run.History))
	}
	if _, err := os.Stat(filepath.Join(runDir, "resume.json")); err != nil {
		t.Errorf("the finished epochs are not resumable: %v", err)
	}
}

// A --pretrained-dir that is a file is reported as --pretrained-dir.
func TestPretrainedDirThatIsAFileNamesItsFlag(t *testing.T) {
	pin(t)
	r := pretrainRecipe("mnist")
	o := quick(t)
	o.PretrainedDir = filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(o.PretrainedDir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	o.Limit, o.Epochs = 100, 1
	_, err := Run(context.Background(), r, o)
	if err == nil || !strings.Contains(err.Error(), "--pretrained-dir") {
		t.Errorf("got %v, want an error pointing at --pretrained-dir", err)
	}
}

// A libtorch error in the middle of a run (here a layer's weight swapped
// for one of the wrong shape before epoch 2, so the next forward pass
// fails in libtorch) is an error, not the end of the process: one line
// naming libtorch's message, metrics.json marked failed with epoch 1
// kept, and epoch 1 resumable.
func TestALibtorchErrorMidRunIsAnErrorAndResumable(t *testing.T) {
	pin(t)
	r := overfitRecipe()
	o := quick(t)
	o.Limit, o.Epochs, o.EvalLimit, o.Hidden, o.RunName = 200, 3, 100, []int{16}, "faulty"
	o.beforeEpoch = func(epoch int, net model.Net) {
		if epoch == 2 {
			net.(*model.FFN).Layers[1].Weight = ts.MustZeros([]int64{3, 3}, gotch.Float, gotch.CPU)
		}
	}
	_, err := Run(context.Background(), r, o)
	if err == nil || !errors.Is(err, torchenv.ErrLibtorch) || strings.Contains(err.Error(), "\n") ||
		!strings.Contains(err.Error(), "shapes cannot be multiplied") || !strings.Contains(err.Error(), "--resume continues") {
		t.Fatalf("got %q, want one line with libtorch's error and the resumable epoch", err)
	}
	runDir := filepath.Join(o.ResultsDir, "faulty")
	run, rerr := metrics.ReadRun(filepath.Join(runDir, metrics.FileName))
	if rerr != nil {
		t.Fatal(rerr)
	}
	if run.Status != "failed" || len(run.History) != 1 {
		t.Errorf("metrics.json: status %q with %d epochs, want failed with 1", run.Status, len(run.History))
	}
	o.beforeEpoch, o.Resume = nil, true
	resumed, err := Run(context.Background(), r, o)
	if err != nil || len(resumed.History) != 3 || resumed.Status != "done" {
		t.Fatalf("--resume after the failure: %v, %d epochs", err, len(resumed.History))
	}
}
