package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"transferlab/data"
	"transferlab/internal/torchenv"
	"transferlab/train"
)

// trainOptions are the flags of every training command. Hyperparameter
// defaults are the recipe's (the seed's values), so --help shows them.
type trainOptions struct {
	// flags is the set AddFlags registered on: once parsed, it says which
	// hyperparameters the user set (the others keep the recipe's values).
	flags          *pflag.FlagSet
	epochs         int
	batchSize      int
	lr             lrFlag
	seed           int64
	limit          int
	device         deviceFlag
	precision      choiceFlag
	data           datasetOptions
	resultsDir     string
	pretrainedDir  string
	noFeatureCache bool
	resume         bool
	name           string
	tuning         tuningOptions // finetune, transfer, sweep depth (addTuningFlags)
}

func (o *trainOptions) AddFlags(f *pflag.FlagSet, r train.Recipe) {
	o.flags = f
	f.IntVar(&o.epochs, "epochs", r.Epochs, "training epochs")
	f.IntVar(&o.batchSize, "batch-size", r.BatchSize, "training batch size")
	o.lr = lrFlag{value: r.LR}
	f.Var(&o.lr, "lr", "Adam learning rate")
	f.Int64Var(&o.seed, "seed", train.DefaultSeed, "seed for libtorch and Go: the same seed gives the same numbers on CPU")
	f.IntVar(&o.limit, "limit", 0, "use only the first N training images (quick runs; 0: all)")
	addDeviceFlag(f, &o.device)
	o.precision = newChoice("fp32", "fp32", "bf16")
	f.Var(&o.precision, "precision", "fp32, or bf16: convolutions and matrix products in bfloat16 under autocast on the run's device, fp32 master weights, loss and Adam")
	o.data.addSourceFlags(f)
	f.StringVar(&o.resultsDir, "results-dir", "results", "folder for run results (metrics, reports, checkpoints)")
	f.BoolVar(&o.resume, "resume", false, "continue an interrupted run from its last finished epoch (same command and flags otherwise)")
	o.pretrainedDir = "pretrained" // overfit neither reads nor writes one
}

// addPretrainedDirFlag adds --pretrained-dir to a command that reads or
// writes pretrained networks.
func (o *trainOptions) addPretrainedDirFlag(f *pflag.FlagSet) {
	f.StringVar(&o.pretrainedDir, "pretrained-dir", o.pretrainedDir, "folder of pretrained networks")
}

// addTargetFlags adds the flags that only a transfer's --target uses: how
// an EMNIST or folder:DIR target's images are read, and how a frozen
// backbone is run. overfit and pretrain read MNIST or Fashion-MNIST with
// the defaults, and do not list them.
func (o *trainOptions) addTargetFlags(f *pflag.FlagSet) {
	o.data.addImageFlags(f)
	f.BoolVar(&o.noFeatureCache, "no-feature-cache", false, "--layers last: run the frozen backbone every step instead of caching its features (same numbers, slower)")
}

// addNameFlag adds --name to a command that makes one run.
func (o *trainOptions) addNameFlag(f *pflag.FlagSet) {
	f.StringVar(&o.name, "name", "", "the run's results folder (default: the recipe and what differs from it, such as transfer-mnist-last-on-mnist-e5); a taken name gets -v2, -v3, ...")
}

// options checks the flags and turns them into train.Options; the
// run's lines and the data's progress go to stderr. A hyperparameter flag
// the user left unset passes 0, the recipe's value; one the user set must
// lie in its range (a zero is never taken to mean the default).
func (o trainOptions) options(stderr io.Writer) (train.Options, error) {
	opts, err := deviceOptions(o.device, stderr)
	if err != nil {
		return train.Options{}, err
	}
	if err := o.checkRanges(); err != nil {
		return train.Options{}, err
	}
	if o.lr.auto && !o.tuning.added {
		return train.Options{}, usageError{fmt.Errorf("--lr auto (the range test's suggestion) is for the fine-tuning commands (finetune, transfer, sweep): give a rate, such as 0.001")}
	}
	if o.lr.auto && o.resume {
		return train.Options{}, usageError{fmt.Errorf("--lr auto with --resume: a resumed run continues at the rate it started with; resume with the --lr its first part printed and used")}
	}
	if err := train.CheckRunName(o.name); o.name != "" && err != nil {
		return train.Options{}, usageError{fmt.Errorf("--name %q: %w", o.name, err)}
	}
	if opts.Data, err = o.data.options(stderr); err != nil {
		return train.Options{}, err
	}
	opts.ResultsDir, opts.PretrainedDir = o.resultsDir, o.pretrainedDir
	opts.Seed, opts.Precision, opts.Threads = o.seed, o.precision.value, torchenv.Threads()
	opts.Limit, opts.NoFeatureCache, opts.Resume, opts.RunName = o.limit, o.noFeatureCache, o.resume, o.name
	opts.Command = "transferlab " + strings.Join(os.Args[1:], " ")
	if o.flags.Changed("epochs") {
		opts.Epochs = o.epochs
	}
	if o.flags.Changed("batch-size") {
		opts.BatchSize = o.batchSize
	}
	if o.flags.Changed("lr") {
		if opts.LRAuto = o.lr.auto; !opts.LRAuto {
			opts.LR = o.lr.value
		}
	}
	if err := o.tuning.apply(&opts, o.epochs); err != nil {
		return train.Options{}, err
	}
	return opts, nil
}

// checkRanges fails, as a usage error naming the valid range, for every
// hyperparameter flag the user set out of its range.
func (o trainOptions) checkRanges() error {
	for _, c := range []struct {
		flag  string
		bad   bool
		value any
		want  string
	}{
		{"epochs", o.epochs < 1, o.epochs, "1 or more"},
		{"batch-size", o.batchSize < 1, o.batchSize, "1 or more"},
		{"lr", !o.lr.auto && (!(o.lr.value > 0) || math.IsInf(o.lr.value, 0)), o.lr.value, "a positive finite number, such as 0.001"},
		{"limit", o.limit < 0, o.limit, "0 (all images) or more"},
	} {
		if c.bad && o.flags.Changed(c.flag) {
			return usageError{fmt.Errorf("--%s %v: give %s", c.flag, c.value, c.want)}
		}
	}
	return nil
}

// lrFlag is --lr: a learning rate, or auto: the suggestion of the
// learning-rate range test run first (the fine-tuning commands).
type lrFlag struct {
	value float64
	auto  bool
}

func (l *lrFlag) String() string {
	if l.auto {
		return "auto"
	}
	return strconv.FormatFloat(l.value, 'g', -1, 64)
}

func (l *lrFlag) Set(s string) error {
	if s == "auto" {
		l.auto = true
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("give a rate, such as 0.001, or auto")
	}
	l.value, l.auto = v, false
	return nil
}

func (l *lrFlag) Type() string { return "RATE|auto" }

// deviceFlag is --device: auto, cpu, cuda or cuda:N. A name of no device
// fails when the command line is parsed; a GPU the machine lacks, when
// the command starts (deviceOptions). Both are usage errors.
type deviceFlag struct{ value string }

func (d *deviceFlag) String() string { return d.value }
func (d *deviceFlag) Type() string   { return "auto|cpu|cuda|cuda:N" }
func (d *deviceFlag) Set(s string) error {
	if err := torchenv.CheckDeviceName(s); err != nil {
		return err
	}
	d.value = s
	return nil
}

// addDeviceFlag adds --device, auto by default: a GPU where libtorch sees
// one, as PyTorch scripts choose.
func addDeviceFlag(f *pflag.FlagSet, device *deviceFlag) {
	*device = deviceFlag{torchenv.DeviceAuto}
	f.Var(device, "device", "the device to run on: auto is the first GPU libtorch sees, else the CPU")
}

// deviceOptions are the options of every command that runs a network: the
// device, which fails (a usage error) for a GPU libtorch does not see,
// and a logger that prints the run's lines to stderr.
func deviceOptions(device deviceFlag, stderr io.Writer) (train.Options, error) {
	dev, err := torchenv.ParseDevice(device.value)
	if err != nil {
		return train.Options{}, usageError{fmt.Errorf("--device %s: %w", device.value, err)}
	}
	return train.Options{Device: dev, Log: train.NewConsoleLogger(stderr)}, nil
}

// datasetOptions are the flags that say where datasets are found and how
// their images are read, shared by the training commands, eval and embed.
type datasetOptions struct {
	dataDir      string
	orientation  choiceFlag
	download     bool
	testFraction float64
	invert       choiceFlag
	fit          choiceFlag
	skipBad      bool
}

func (o *datasetOptions) AddFlags(f *pflag.FlagSet) {
	o.addSourceFlags(f)
	o.addImageFlags(f)
}

// addSourceFlags adds the flags that say where datasets are found. The
// image flags take their defaults here too, on a flag set of their own, so
// that a command that does not list them reads with the same values.
func (o *datasetOptions) addSourceFlags(f *pflag.FlagSet) {
	f.StringVar(&o.dataDir, "data-dir", "", "dataset folder (default $TRANSFERLAB_DATA or the user cache dir)")
	f.BoolVar(&o.download, "download", true, "download a dataset from its official source when it is not found locally")
	o.addImageFlags(pflag.NewFlagSet("defaults", pflag.ContinueOnError))
}

// addImageFlags adds the flags that say how an EMNIST or folder:DIR
// dataset's images are read.
func (o *datasetOptions) addImageFlags(f *pflag.FlagSet) {
	addOrientationFlag(f, &o.orientation, "EMNIST images: upright (as MNIST) or raw (transposed, as the files store them)")
	f.Float64Var(&o.testFraction, "test-fraction", data.DefaultTestFraction, "folder:DIR without test/: the share of each class held out for testing (seeded by --seed)")
	addPrepFlags(f, &o.invert, &o.fit, "folder:DIR: ")
	f.BoolVar(&o.skipBad, "skip-bad", false, "folder:DIR: skip files that cannot be read as images, and count them, instead of stopping")
}

// options checks the flags and turns them into data.Options; download
// progress goes to progress.
func (o datasetOptions) options(progress io.Writer) (data.Options, error) {
	if math.IsNaN(o.testFraction) || o.testFraction <= 0 || o.testFraction >= 1 {
		return data.Options{}, usageError{fmt.Errorf("--test-fraction %v: give a share between 0 and 1, such as 0.2", o.testFraction)}
	}
	d := data.Options{DataDir: o.dataDir, EMNISTOrientation: o.orientation.value, Download: o.download, Progress: progress}
	d.TestFraction, d.Invert, d.Fit, d.SkipBad = o.testFraction, o.invert.value, o.fit.value, o.skipBad
	return d, nil
}

// addOrientationFlag adds --emnist-orientation: upright or raw.
func addOrientationFlag(f *pflag.FlagSet, orientation *choiceFlag, usage string) {
	*orientation = newChoice(data.OrientationUpright, data.OrientationUpright, data.OrientationRaw)
	f.Var(orientation, "emnist-orientation", usage)
}

// addPrepFlags adds --invert and --fit, how an image file becomes a 28x28
// network input; prefix says which images they apply to.
func addPrepFlags(f *pflag.FlagSet, invert, fit *choiceFlag, prefix string) {
	*invert = newChoice(data.InvertAuto, data.InvertAuto, data.InvertYes, data.InvertNo)
	*fit = newChoice(data.FitPad, data.FitPad, data.FitMNIST)
	f.Var(invert, "invert", prefix+"ink polarity: auto (from each image's border: invert images with a light one), yes or no; the networks expect bright ink on black")
	f.Var(fit, "fit", prefix+"pad (keep the aspect ratio, pad to a square, scale to 28x28) or mnist (ink box into 20x20, centred by mass)")
}

// perClassFlag is --per-class: the first N training images of each class,
// or all of them.
type perClassFlag struct{ n int }

func (p *perClassFlag) String() string {
	if p.n == train.PerClassAll {
		return "all"
	}
	return strconv.Itoa(p.n)
}

func (p *perClassFlag) Set(s string) error {
	if s == "all" {
		p.n = train.PerClassAll
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

// checkpointOptions are the options of a command that reads a saved
// checkpoint (eval, embed): its device, and the data flags, with those the
// user left unset cleared for the checkpoint's record (unsetAsRecorded).
func checkpointOptions(device deviceFlag, ds datasetOptions, f *pflag.FlagSet, stderr io.Writer) (train.Options, data.Options, error) {
	base, err := deviceOptions(device, stderr)
	if err != nil {
		return train.Options{}, data.Options{}, err
	}
	d, err := ds.options(stderr)
	if err != nil {
		return train.Options{}, data.Options{}, err
	}
	unsetAsRecorded(f, &d)
	return base, d, nil
}

// unsetAsRecorded clears the data options whose flags the user left
// unset: a checkpoint records how its run read its dataset (a folder:DIR
// dataset's preparation and holdout, EMNIST's orientation), and
// train.RecordedData fills the cleared ones from that record.
func unsetAsRecorded(f *pflag.FlagSet, d *data.Options) {
	for flag, v := range map[string]*string{"invert": &d.Invert, "fit": &d.Fit, "emnist-orientation": &d.EMNISTOrientation} {
		if !f.Changed(flag) {
			*v = ""
		}
	}
	if !f.Changed("test-fraction") {
		d.TestFraction = 0
	}
}
