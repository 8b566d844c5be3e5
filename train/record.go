package train

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"transferlab/data"
	"transferlab/internal/torchenv"
	"transferlab/metrics"
	"transferlab/model"
)

// recordFailure marks a run that ends with err as failed, or interrupted
// when ctx was cancelled, writes its metrics and page, and returns err with
// what is kept: resumable is the number of epochs whose resume point is on
// disk. A nil err passes through.
func recordFailure(ctx context.Context, runDir string, run *metrics.Run, o Options, started time.Time, resumable int, err error) error {
	if err == nil || run.Status != "running" {
		return err
	}
	if _, serr := os.Stat(filepath.Join(runDir, ".lock")); serr != nil {
		return err // the folder was removed under the run: nothing to record in
	}
	run.Status = "failed"
	if ctx.Err() != nil {
		run.Status = "interrupted"
	}
	run.WallSeconds = time.Since(started).Seconds()
	if werr := writeRun(runDir, run, o); werr != nil {
		o.Log.Printf("%s: could not record the run's status: %v", run.Name, werr)
	}
	switch {
	case ctx.Err() != nil && resumable == 0:
		return fmt.Errorf("interrupted during the first epoch of %s: nothing to resume", run.Name)
	case ctx.Err() != nil:
		return fmt.Errorf("interrupted: %d finished epochs of %s are saved in %s; run the same command with --resume to continue", resumable, run.Name, runDir)
	case resumable > 0:
		return fmt.Errorf("%w (the last good epoch, %d, is saved in %s: --resume continues from it)", err, resumable, runDir)
	}
	return err
}

// runConfig is what metrics.json records of a run's settings; a resumed
// run must have the same.
func runConfig(r Recipe, o Options, sp *splits, cached bool) metrics.Config {
	t := o.Tuning.normal()
	return metrics.Config{
		Model: r.Model, Hidden: r.Hidden, Dataset: r.Dataset, Source: r.Source, Layers: r.Layers,
		Epochs: r.Epochs, BatchSize: r.BatchSize, LR: r.LR, Optimizer: cmp.Or(t.Optimizer, model.OptimAdam),
		ValFraction: r.ValFraction, PerClass: r.PerClass, Limit: o.Limit, Seed: o.Seed,
		Precision: o.Precision, Threads: torchenv.Threads(), Device: torchenv.DeviceName(o.Device),
		EvalSplit: sp.evalName, FeatureCache: cached, EvalLimit: o.EvalLimit,
		Folder: folderPrep(r.Dataset, o.Data), EMNISTOrientation: rawOrNone(r.Dataset, o.Data.EMNISTOrientation),
		ValStratified: r.StratifiedVal, WeightDecay: t.WeightDecay, Schedule: t.Schedule, WarmupEpochs: t.WarmupEpochs,
		LabelSmoothing: t.LabelSmoothing, Keep: t.Keep, Patience: t.Patience, BN: bnOf(r, o),
		LRAuto: o.LRAuto, Augment: runAugmentation(r, o).recorded(), FreezeEpochs: t.FreezeEpochs, BodyLRMult: t.BodyLRMult, LRGroups: lrGroupNames(r, t),
	}
}

// bnOf is the --bn a backbone run trains with; "" for other networks.
func bnOf(r Recipe, o Options) string {
	if !model.IsBackbone(r.Model) {
		return ""
	}
	return cmp.Or(o.BN, BNTrain)
}

// withSource records the file a finetune's source weights come from, as
// an absolute path (embed --run reads it from any working folder), and
// its SHA-256, so that a later drawing of "before" knows whether the file
// is still that network.
func withSource(cfg metrics.Config, src string) metrics.Config {
	if src == "" {
		return cfg
	}
	if abs, err := filepath.Abs(src); err == nil {
		src = abs
	}
	cfg.SourceCheckpoint = src
	cfg.SourceSHA256, _ = model.FileSHA256(src) // a missing source fails the run in loadWeights
	return cfg
}

// rawOrNone is "raw" for a transposed dataset (EMNIST) used as its files
// store it, "" otherwise.
func rawOrNone(dataset, orientation string) string {
	if d, err := data.Lookup(dataset); err == nil && d.Transposed && orientation == data.OrientationRaw {
		return data.OrientationRaw
	}
	return ""
}

// folderPrep records a folder:DIR dataset's preparation and holdout, with
// the defaults spelled out; nil for other datasets.
func folderPrep(dataset string, d data.Options) *metrics.FolderPrep {
	if d, err := data.Lookup(dataset); err != nil || !d.Folder {
		return nil
	}
	f := &metrics.FolderPrep{TestFraction: d.TestFraction, Invert: d.Invert, Fit: d.Fit}
	if f.TestFraction == 0 {
		f.TestFraction = data.DefaultTestFraction
	}
	f.Invert = cmp.Or(f.Invert, data.InvertAuto)
	f.Fit = cmp.Or(f.Fit, data.FitPad)
	return f
}

// Record writes the record of a run made elsewhere (a pretrained network
// that reproduce reuses) into its folder under o.ResultsDir, as a run
// writes its own, unless that folder already holds a run.
func Record(run *metrics.Run, o Options) error {
	dir := filepath.Join(o.ResultsDir, run.Name)
	if used(dir) {
		return nil
	}
	return writeRun(dir, run, o)
}

// writeRun writes run's metrics.json into dir and tells o.OnEpoch.
func writeRun(dir string, run *metrics.Run, o Options) error {
	if err := metrics.WriteJSON(filepath.Join(dir, metrics.FileName), run); err != nil {
		return err
	}
	if o.OnEpoch != nil {
		return o.OnEpoch(run)
	}
	return nil
}

func finalWithoutImages(f metrics.Final) metrics.Final {
	if f.Test != nil {
		t := *f.Test
		t.Misclassified = nil
		f.Test = &t
	}
	return f
}

// mistakes keeps the first n misclassified images of s for the report.
func mistakes(s *data.Split, pred []int64, n int) []metrics.Mistake {
	var out []metrics.Mistake
	for i, p := range pred {
		if len(out) >= n {
			break
		}
		if p != s.Labels[i] {
			out = append(out, metrics.Mistake{Index: i, True: int(s.Labels[i]), Pred: int(p), Rows: s.Rows, Cols: s.Cols,
				Pixels: append([]byte(nil), s.Image(i)...)})
		}
	}
	return out
}

// Env describes this process's runtime for metrics and sidecars.
func Env() metrics.Env {
	host, _ := os.Hostname()
	return metrics.Env{
		Libtorch: torchenv.LibtorchVersion(), Gotch: torchenv.GotchVersion(),
		Commit: torchenv.Commit(), Host: host, CPUs: runtime.NumCPU(),
	}
}
