package train

import (
	"cmp"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"transferlab/data"
	"transferlab/internal/names"
	"transferlab/internal/torchenv"
	"transferlab/metrics"
	"transferlab/model"
)

// EvalOptions say which checkpoint to evaluate on which data.
type EvalOptions struct {
	Checkpoint string
	Dataset    string // default: the dataset in the sidecar
	Split      string // "train" or "test" (default)
	ResultsDir string
	Data       data.Options
	Options    Options // device, logger, misclassified count
}

// EvalCheckpoint rebuilds the network from a checkpoint's sidecar, loads
// its weights, evaluates it and writes
// <results>/<checkpoint name>/eval-<dataset>-<split>.json (confusion
// matrix, per-class accuracy, misclassified images). It returns the file's
// content and path.
func EvalCheckpoint(ctx context.Context, o EvalOptions) (ef *metrics.EvalFile, path string, err error) {
	var madeResultsDir string // this call created it: a failed evaluation removes it again if empty
	defer func() {
		if p := recover(); p != nil {
			err = torchenv.PanicError(p)
		}
		if err != nil && madeResultsDir != "" {
			os.Remove(madeResultsDir) // removes only an empty folder
		}
	}()
	sc, err := SidecarOrInferred(o.Checkpoint, o.Dataset) // a plain state_dict: checkpoint.go
	if err != nil {
		return nil, "", err
	}
	if o, err = o.withDefaults(sc); err != nil {
		return nil, "", err
	}
	outDir := filepath.Join(o.ResultsDir, CheckpointRunName(o.ResultsDir, o.Checkpoint))
	_, statErr := os.Stat(o.ResultsDir)
	if err := checkWritable(o.ResultsDir, "--results-dir"); err != nil {
		return nil, "", err
	}
	if errors.Is(statErr, fs.ErrNotExist) {
		madeResultsDir = o.ResultsDir
	}
	split, err := data.Load(ctx, o.Dataset, o.Split, o.Data)
	if err != nil {
		return nil, "", err
	}
	if len(split.Classes) != sc.Arch.Classes {
		return nil, "", fmt.Errorf("%s is a %d-class network and %s has %d classes: pass --dataset with a matching dataset", o.Checkpoint, sc.Arch.Classes, o.Dataset, len(split.Classes))
	}
	if sc.Classes == nil { // no sidecar: the dataset's classes
		sc.Classes = split.Classes
	}
	vs, net, err := LoadNetwork(o.Checkpoint, sc.Arch, o.Options)
	if err != nil {
		return nil, "", err
	}
	defer vs.Destroy()
	o.Options.Log.Printf("evaluating %s on %s %s (%d images)", o.Checkpoint, o.Dataset, o.Split, split.Len())
	x, y, err := split.Tensors(o.Options.Device)
	if err != nil {
		return nil, "", err
	}
	defer x.MustDrop()
	defer y.MustDrop()
	chunk := evalChunk(net)
	obs := o.Options.Log.Task("evaluating", (split.Len()+chunk-1)/chunk)
	ev, err := evaluateObserved(ctx, net, x, y, sc.Arch.Classes, false, obs)
	if ctx.Err() != nil {
		return nil, "", fmt.Errorf("interrupted: the evaluation of %s stopped and wrote nothing", o.Checkpoint)
	}
	if err != nil {
		return nil, "", err
	}
	ev.Dataset, ev.Split = o.Dataset, o.Split
	ev.Misclassified = mistakes(split, ev.Pred, o.Options.KeepMisclassified)
	out := &metrics.EvalFile{Checkpoint: o.Checkpoint, Classes: sc.Classes, Eval: ev.Eval, When: time.Now().UTC(), Env: Env()}
	path = filepath.Join(outDir, "eval-"+names.Slug(o.Dataset)+"-"+names.Slug(o.Split)+".json")
	if err := metrics.WriteJSON(path, out); err != nil {
		return nil, "", err
	}
	return out, path, nil
}

// withDefaults fills in what o leaves unset: the checkpoint's own dataset
// and, for a folder:DIR dataset it was trained on, that run's holdout and
// preparation, so the test images are those training left out.
func (o EvalOptions) withDefaults(sc *model.Sidecar) (EvalOptions, error) {
	o.Dataset = cmp.Or(o.Dataset, sc.Dataset)
	o.Data = RecordedData(o.Data, sc.Config, o.Dataset)
	o.Data.Colour = model.IsBackbone(sc.Arch.Model) // a backbone's photos at 224
	o.Options = o.Options.WithDefaults()
	o.Split = cmp.Or(o.Split, "test")
	if o.Split != "train" && o.Split != "test" {
		return o, fmt.Errorf("unknown split %q: choose train or test", o.Split)
	}
	o.ResultsDir = cmp.Or(o.ResultsDir, o.Options.ResultsDir)
	return o, nil
}

// CheckpointRunName is the results folder for a checkpoint's evaluations:
// the run's own folder for resultsDir/<run>/model.pt; else
// eval-<file name>-<the first 8 hex digits of the SHA-256 of its absolute
// path>, so evaluations of two files of the same name never share a folder.
func CheckpointRunName(resultsDir, pt string) string {
	abs, err := filepath.Abs(pt)
	if err != nil {
		abs = filepath.Clean(pt)
	}
	if filepath.Base(abs) == "model.pt" {
		if rd, err := filepath.Abs(resultsDir); err == nil && filepath.Dir(filepath.Dir(abs)) == rd {
			return filepath.Base(filepath.Dir(abs))
		}
	}
	sum := sha256.Sum256([]byte(abs))
	return fmt.Sprintf("eval-%s-%x", names.Slug(strings.TrimSuffix(filepath.Base(abs), filepath.Ext(abs))), sum[:4])
}
