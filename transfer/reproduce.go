package transfer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"transferlab/data"
	"transferlab/metrics"
	"transferlab/model"
	"transferlab/train"
)

// ReproduceOptions configure 'transferlab reproduce'.
type ReproduceOptions struct {
	train.Options
	// Quick runs every stage on small subsets (a smoke test of a few
	// minutes). Its pretrained networks go to <results>/pretrained-quick,
	// never over the full ones.
	Quick bool
	// Retrain pretrains even when pretrained/ holds a checkpoint of the
	// same recipe.
	Retrain bool
	// Target is the transfer target when EMNIST letters is not available
	// ("" skips the transfers then).
	Target string
	// Seeds runs each transfer configuration with this many seeds (0 or 1:
	// once); Q4 and the pretrainings run once.
	Seeds int
}

// Stage is one reproduced experiment.
type Stage struct {
	Run     *metrics.Run
	Skipped string // why the stage did not train (reused checkpoint), if so
}

// quickLimits shrink the seed's recipes to a smoke test.
const (
	quickTrainImages = 2000
	quickPerClass    = 20
	quickTestImages  = 1000
	quickEpochs      = 1
	quickFFNEpochs   = 3
)

// Reproduce runs Q4, both pretrainings and the five transfer
// configurations with the seed's hyperparameters. A pretraining whose
// checkpoint in PretrainedDir matches the recipe is reused unless Retrain.
// The transfers use EMNIST letters when it is present, else o.Target; with
// neither they are skipped, and say why.
func Reproduce(ctx context.Context, o ReproduceOptions) ([]Stage, error) {
	base := o.Options.WithDefaults()
	base.Overwrite = o.Retrain
	if o.Quick {
		base.PretrainedDir = filepath.Join(base.ResultsDir, "pretrained-quick")
		base.EvalLimit = quickTestImages
		base.Overwrite = true // its own folder of throwaway networks
	}
	clock := planStages(base, o)
	base.BeforeRun = func(r train.Recipe, opts train.Options) {
		clock.begin(describe(r, opts.Seed, o.Seeds), plannedWork(r, opts))
	}
	var stages []Stage
	for _, stage := range []func(train.Options) ([]Stage, error){
		func(opts train.Options) ([]Stage, error) { return reproduceOverfit(ctx, opts, o.Quick) },
		func(opts train.Options) ([]Stage, error) {
			return reproducePretrainings(ctx, opts, o.Quick, o.Retrain, clock)
		},
		func(opts train.Options) ([]Stage, error) { return reproduceTransfers(ctx, opts, o) },
	} {
		done, err := stage(base)
		stages = append(stages, done...)
		if err != nil {
			return stages, err
		}
	}
	return stages, nil
}

// planStages is the clock of reproduce's stages: Q4, the two
// pretrainings and the five transfers with each seed, their work
// estimated with the options each will run with (the transfers on
// EMNIST letters unless --target names another).
func planStages(base train.Options, o ReproduceOptions) *stageClock {
	var work []float64
	q4, _ := Lookup("overfit")
	ov := base
	if o.Quick {
		ov.Limit, ov.Epochs = quickTrainImages, quickFFNEpochs
	}
	work = append(work, plannedWork(ov.Apply(q4), ov))
	pre := base
	if o.Quick {
		pre.Limit, pre.Epochs = quickTrainImages, quickEpochs
	}
	for _, ds := range []string{"mnist", "fashion"} {
		r, _ := Pretrain(ds)
		work = append(work, plannedWork(pre.Apply(r), pre))
	}
	tr := base
	tr.Target = cmp.Or(o.Target, data.EMNISTLetters)
	if o.Quick {
		tr.PerClass, tr.Epochs = quickPerClass, quickEpochs
	}
	for _, r := range TransferRecipes() {
		for range max(o.Seeds, 1) {
			work = append(work, plannedWork(tr.Apply(r), tr))
		}
	}
	return newStageClock(base.Log, work)
}

// timedRun runs r and logs how long it took.
func timedRun(ctx context.Context, r train.Recipe, o train.Options) (Stage, error) {
	start := time.Now()
	res, err := train.Run(ctx, r, o)
	if err != nil {
		return Stage{}, fmt.Errorf("%s: %w", r.Name, err)
	}
	o.Log.Printf("%s: done in %s", res.Name, time.Since(start).Round(time.Second))
	return Stage{Run: res}, nil
}

// reproduceOverfit is Q4.
func reproduceOverfit(ctx context.Context, o train.Options, quick bool) ([]Stage, error) {
	r, _ := Lookup("overfit")
	if quick {
		o.Limit, o.Epochs = quickTrainImages, quickFFNEpochs
	}
	st, err := timedRun(ctx, r, o)
	if err != nil {
		return nil, err
	}
	return []Stage{st}, nil
}

// reproducePretrainings pretrains the CNN on MNIST and on Fashion-MNIST,
// or reuses a network in the pretrained folder trained by the same recipe.
func reproducePretrainings(ctx context.Context, o train.Options, quick, retrain bool, clock *stageClock) ([]Stage, error) {
	if quick {
		o.Limit, o.Epochs = quickTrainImages, quickEpochs
	}
	var stages []Stage
	for _, ds := range []string{"mnist", "fashion"} {
		r, _ := Pretrain(ds)
		ckpt := train.PretrainedPath(o.PretrainedDir, ds)
		if !retrain {
			if st, ok, err := reuse(r, o, ckpt, clock); ok || err != nil {
				stages = append(stages, st)
				if err != nil {
					return stages, err
				}
				continue
			}
			if _, err := os.Stat(ckpt); err == nil && !o.Overwrite {
				return stages, fmt.Errorf("%s was trained with other settings than this run's: pass --retrain to replace it, or --pretrained-dir DIR to keep it", ckpt)
			}
		}
		st, err := timedRun(ctx, r, o)
		if err != nil {
			return stages, err
		}
		stages = append(stages, st)
	}
	return stages, nil
}

// reuse records a pretrained network of recipe r in the results folder
// (unless a run is there already: the pretraining itself, or an earlier
// reproduce) when ckpt holds one; ok is false when it does not.
func reuse(r train.Recipe, o train.Options, ckpt string, clock *stageClock) (Stage, bool, error) {
	res, why, ok := reusable(r, o, ckpt)
	if !ok {
		return Stage{}, false, nil
	}
	clock.skip(r.Name, why)
	res.Name = train.RunName(r, o)
	if err := train.Record(res, o); err != nil {
		return Stage{}, true, err
	}
	return Stage{Run: res, Skipped: why}, true, nil
}

// reproduceTransfers runs the five transfer configurations on EMNIST
// letters, or on the user's --target where EMNIST cannot be had.
func reproduceTransfers(ctx context.Context, o train.Options, ro ReproduceOptions) ([]Stage, error) {
	ro.Options = o // with its defaults: a logger above all
	target, err := transferTarget(ctx, ro)
	if err != nil {
		return nil, err
	}
	if target == "" {
		o.Log.Printf("EMNIST letters is not available: the five transfers are skipped (get it with 'transferlab data fetch emnist-letters', which needs internet, or pass --target mnist|fashion|idx:DIR|folder:DIR to run them on another target)")
		return nil, nil
	}
	o.Target = target
	if ro.Quick {
		o.PerClass, o.Epochs = quickPerClass, quickEpochs
	}
	runs, err := RunTransfers(ctx, o, max(ro.Seeds, 1))
	stages := make([]Stage, len(runs))
	for i, run := range runs {
		stages[i] = Stage{Run: run}
	}
	return stages, err
}

// transferTarget is EMNIST letters, the homework's target: from the data
// folder, or else downloaded as torchvision's download=True does (with
// progress, resumable, checked) unless downloads are off. When it cannot
// be had, the run says so in one line and goes on with the user's --target
// ("" when none: the transfers are skipped).
func transferTarget(ctx context.Context, o ReproduceOptions) (string, error) {
	d := o.Data
	d.Download = false
	_, err := data.Load(ctx, data.EMNISTLetters, "test", d)
	if err == nil {
		return data.EMNISTLetters, nil
	}
	var missing *data.MissingError
	if !errors.As(err, &missing) {
		return "", fmt.Errorf("EMNIST letters is present but unusable: %w", err)
	}
	if o.Data.Download {
		o.Log.Printf("EMNIST letters is not in the data folder: downloading it (--download=false skips this)")
		ferr := data.Fetch(ctx, logWriter{o.Log}, []string{data.EMNISTLetters}, o.Data)
		if ferr == nil {
			return data.EMNISTLetters, nil
		}
		if ctx.Err() != nil {
			return "", ferr
		}
		o.Log.Printf("EMNIST letters could not be downloaded: %s", firstLineOf(ferr))
	}
	if o.Target != "" {
		if _, err := data.Lookup(o.Target); err != nil {
			return "", err
		}
		o.Log.Printf("running the five transfers on %s instead (--target): not the seed's EMNIST letters, so their numbers are not comparable with the seed's, and the pages mark them so", o.Target)
	}
	return o.Target, nil
}

// logWriter passes the lines a data function reports on to a Logger.
type logWriter struct{ log train.Logger }

func (w logWriter) Write(p []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		w.log.Printf("%s", line)
	}
	return len(p), nil
}

func firstLineOf(err error) string {
	line, _, _ := strings.Cut(err.Error(), "\n")
	return line
}

// reusable reports whether ckpt is a finished pretraining of recipe r with
// the same data and hyperparameters, and if so returns its metrics,
// rebuilt from the sidecar.
func reusable(r train.Recipe, o train.Options, ckpt string) (*metrics.Run, string, bool) {
	sc, err := model.ReadSidecar(ckpt)
	if err != nil { // ReadSidecar also checks the checkpoint against its SHA-256
		return nil, "", false
	}
	r = o.Apply(r)
	c := sc.Config
	same := c.Model == r.Model && c.Dataset == r.Dataset && c.Epochs == r.Epochs && c.BatchSize == r.BatchSize &&
		c.LR == r.LR && c.Seed == o.Seed && c.Limit == o.Limit && c.Precision == precisionOr(o.Precision) &&
		sc.Final.Test != nil && sc.Epoch == r.Epochs
	if !same {
		return nil, "", false
	}
	res := &metrics.Run{
		Name: r.Name, Kind: r.Kind, Status: "done", Config: c, Classes: sc.Classes, History: sc.History,
		Final: sc.Final, Checkpoint: ckpt, Env: sc.Env, Reference: r.Reference,
		Reused: fmt.Sprintf("%s, trained %s by the same recipe and seed", ckpt, sc.Saved.Local().Format("2006-01-02")),
	}
	for _, e := range sc.History {
		res.WallSeconds += e.Seconds
	}
	// The times are the saved training's: it ended when the network was
	// saved, after about the epochs' seconds.
	res.Finished = sc.Saved
	res.Started = sc.Saved.Add(-time.Duration(res.WallSeconds * float64(time.Second)))
	return res, fmt.Sprintf("reusing %s (same recipe and seed, trained %s; --retrain trains again)", ckpt, sc.Saved.Format("2006-01-02")), true
}

func precisionOr(p string) string {
	if p == "" {
		return "fp32"
	}
	return p
}
