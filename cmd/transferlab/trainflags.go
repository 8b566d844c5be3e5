package main

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
	"github.com/sugarme/gotch"

	"transferlab/data"
	"transferlab/internal/torchenv"
	"transferlab/transfer"
)

// trainOptions are the flags of every training command. Hyperparameter
// defaults are the recipe's (the seed's values), so --help shows them.
type trainOptions struct {
	epochs            int
	batchSize         int
	lr                float64
	seed              int64
	limit             int
	device            string
	precision         string
	dataDir           string
	resultsDir        string
	pretrainedDir     string
	emnistOrientation string
	testFraction      float64
	invert            string
	fit               string
	skipBad           bool
	download          bool
	noFeatureCache    bool
	resume            bool
	name              string
}

func (o *trainOptions) AddFlags(f *pflag.FlagSet, r transfer.Recipe) {
	f.IntVar(&o.epochs, "epochs", r.Epochs, "training epochs")
	f.IntVar(&o.batchSize, "batch-size", r.BatchSize, "training batch size")
	f.Float64Var(&o.lr, "lr", r.LR, "Adam learning rate")
	f.Int64Var(&o.seed, "seed", transfer.DefaultSeed, "seed for libtorch and Go: the same seed gives the same numbers on CPU")
	f.IntVar(&o.limit, "limit", 0, "use only the first N training images (quick runs; 0: all)")
	f.StringVar(&o.device, "device", "cpu", "cpu or cuda")
	f.StringVar(&o.precision, "precision", "fp32", "fp32, or bf16: convolutions and matrix products in bfloat16 under CPU autocast, fp32 master weights, loss and Adam")
	o.addDataFlags(f)
	f.StringVar(&o.resultsDir, "results-dir", "results", "folder for run results (metrics, reports, checkpoints)")
	f.StringVar(&o.pretrainedDir, "pretrained-dir", "pretrained", "folder of pretrained networks")
	f.BoolVar(&o.resume, "resume", false, "continue an interrupted run from its last finished epoch (same command and flags otherwise)")
	f.BoolVar(&o.noFeatureCache, "no-feature-cache", false, "--layers last: run the frozen backbone every step instead of caching its features (same numbers, slower)")
}

func (o *trainOptions) addDataFlags(f *pflag.FlagSet) {
	f.StringVar(&o.dataDir, "data-dir", "", "dataset folder (default $TRANSFERLAB_DATA or the user cache dir)")
	f.StringVar(&o.emnistOrientation, "emnist-orientation", "upright", "EMNIST images: upright (as MNIST) or raw (transposed, as the files store them)")
	f.BoolVar(&o.download, "download", true, "download a dataset from its official source when it is not found locally")
	f.Float64Var(&o.testFraction, "test-fraction", data.DefaultTestFraction, "folder:DIR without test/: the share of each class held out for testing (seeded by --seed)")
	f.StringVar(&o.invert, "invert", data.InvertAuto, "folder:DIR: ink polarity, auto (from each image's border), yes or no; the networks expect bright ink on black")
	f.StringVar(&o.fit, "fit", data.FitPad, "folder:DIR: pad (keep the aspect ratio, pad, scale to 28x28) or mnist (ink box into 20x20, centred by mass)")
	f.BoolVar(&o.skipBad, "skip-bad", false, "folder:DIR: skip files that cannot be read as images, and count them, instead of stopping")
}

// options checks the flags and turns them into transfer.Options. A
// hyperparameter flag the user left unset passes 0, the recipe's value;
// one the user set must lie in its range (a zero is never taken to mean
// the default).
func (o *trainOptions) options(f *pflag.FlagSet) (transfer.Options, error) {
	dev, err := parseDevice(o.device)
	if err != nil {
		return transfer.Options{}, err
	}
	if err := checkRanges(f); err != nil {
		return transfer.Options{}, err
	}
	if err := transfer.CheckRunName(o.name); o.name != "" && err != nil {
		return transfer.Options{}, usageError{fmt.Errorf("--name %q: %w", o.name, err)}
	}
	if o.precision != "fp32" && o.precision != "bf16" {
		return transfer.Options{}, usageError{fmt.Errorf("unknown --precision %q: choose fp32 or bf16", o.precision)}
	}
	d, err := o.dataOptions()
	if err != nil {
		return transfer.Options{}, err
	}
	opts := transfer.Options{
		ResultsDir: o.resultsDir, PretrainedDir: o.pretrainedDir, Data: d,
		Seed: o.seed, Device: dev, Precision: o.precision, Threads: torchenv.Threads(),
		Limit: o.limit, NoFeatureCache: o.noFeatureCache, Resume: o.resume, RunName: o.name,
		Command: "transferlab " + strings.Join(os.Args[1:], " "),
		Log:     transfer.NewConsoleLogger(os.Stderr),
	}
	if f.Changed("epochs") {
		opts.Epochs = o.epochs
	}
	if f.Changed("batch-size") {
		opts.BatchSize = o.batchSize
	}
	if f.Changed("lr") {
		opts.LR = o.lr
	}
	return opts, nil
}

// addNameFlag adds --name to a command that makes one run.
func (o *trainOptions) addNameFlag(f *pflag.FlagSet) {
	f.StringVar(&o.name, "name", "", "the run's results folder (default: the recipe and what differs from it, such as transfer-mnist-last-on-mnist-e5); a taken name gets -v2, -v3, ...")
}

// checkRanges fails, as a usage error naming the valid range, for every
// numeric flag set out of its range. Flags a command lacks are skipped.
func checkRanges(f *pflag.FlagSet) error {
	for _, c := range []struct {
		flag string
		ok   func(float64) bool
		want string
	}{
		{"epochs", func(v float64) bool { return v >= 1 }, "1 or more"},
		{"batch-size", func(v float64) bool { return v >= 1 }, "1 or more"},
		{"lr", func(v float64) bool { return v > 0 && !math.IsInf(v, 0) }, "a positive finite number, such as 0.001"},
		{"limit", func(v float64) bool { return v >= 0 }, "0 (all images) or more"},
	} {
		fl := f.Lookup(c.flag)
		if fl == nil || !f.Changed(c.flag) {
			continue
		}
		v, err := strconv.ParseFloat(fl.Value.String(), 64)
		if err != nil || math.IsNaN(v) || !c.ok(v) {
			return usageError{fmt.Errorf("--%s %s: give %s", c.flag, fl.Value.String(), c.want)}
		}
	}
	return nil
}

// perClassFlag is --per-class: the first N training images of each class,
// or all of them.
type perClassFlag struct{ n int }

func (p *perClassFlag) String() string {
	if p.n == transfer.PerClassAll {
		return "all"
	}
	return strconv.Itoa(p.n)
}

func (p *perClassFlag) Set(s string) error {
	if s == "all" {
		p.n = transfer.PerClassAll
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return fmt.Errorf("give a count of 1 or more, or all")
	}
	p.n = n
	return nil
}

func (p *perClassFlag) Type() string { return "N|all" }

func addPerClassFlag(f *pflag.FlagSet, p *perClassFlag, def int) {
	p.n = def
	f.Var(p, "per-class", "training images per class, the first N in file order (a class with fewer is used whole), or all")
}

func (o *trainOptions) dataOptions() (data.Options, error) {
	if o.emnistOrientation != "upright" && o.emnistOrientation != "raw" {
		return data.Options{}, usageError{fmt.Errorf("unknown --emnist-orientation %q: choose upright or raw", o.emnistOrientation)}
	}
	if math.IsNaN(o.testFraction) || o.testFraction <= 0 || o.testFraction >= 1 {
		return data.Options{}, usageError{fmt.Errorf("--test-fraction %v: give a share between 0 and 1, such as 0.2", o.testFraction)}
	}
	if err := (data.Prep{Invert: o.invert, Fit: o.fit}).Check(); err != nil {
		return data.Options{}, usageError{fmt.Errorf("--invert/--fit: %w", err)}
	}
	d := data.Options{DataDir: o.dataDir, EMNISTOrientation: o.emnistOrientation, Download: o.download, Progress: os.Stderr}
	d.TestFraction, d.Invert, d.Fit, d.SkipBad = o.testFraction, o.invert, o.fit, o.skipBad
	return d, nil
}

func parseDevice(s string) (gotch.Device, error) {
	switch s {
	case "cpu":
		return gotch.CPU, nil
	case "cuda":
		if len(torchenv.Devices()) < 2 {
			return gotch.CPU, fmt.Errorf("--device cuda: no CUDA device is available to this libtorch (%s); use --device cpu", torchenv.LibtorchSource())
		}
		return gotch.CudaBuilder(0), nil
	}
	return gotch.CPU, usageError{fmt.Errorf("unknown --device %q: choose cpu or cuda", s)}
}
