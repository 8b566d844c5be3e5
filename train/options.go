package train

import (
	"cmp"

	"github.com/sugarme/gotch"

	"transferlab/data"
	"transferlab/metrics"
	"transferlab/model"
)

// Options are the run settings that are not part of a recipe: where things
// are, overrides of the recipe's hyperparameters, and observers. The zero
// value of an override keeps the recipe's value.
type Options struct {
	DataDir        string
	ResultsDir     string // default "results"
	PretrainedDir  string // default "pretrained"
	Data           data.Options
	Seed           int64
	Device         gotch.Device
	Threads        int
	Precision      string // "fp32" or "bf16"
	Epochs         int
	BatchSize      int
	LR             float64
	Limit          int    // use only the first Limit training images
	EvalLimit      int    // evaluate on a seeded sample of at most EvalLimit test images (quick runs)
	PerClass       int    // finetune: first N per class (recipe default 250), or PerClassAll
	Target         string // finetune: target dataset (recipe default emnist-letters)
	Hidden         []int  // ffn hidden sizes
	RunName        string // results folder name (recipe default)
	Command        string // the command line, for the sidecar
	NoFeatureCache bool   // a frozen prefix (--layers last, from:LAYER): run it in every step (the naive loop)
	Resume         bool   // continue the run from its resumable checkpoint
	// Overwrite lets a pretraining replace an existing
	// pretrained/<dataset>-cnn.pt; without it the run stops before training.
	Overwrite         bool
	Log               Logger
	OnEpoch           func(*metrics.Run) error // after every epoch, e.g. refresh the report page
	KeepMisclassified int                      // test images kept for the report (default 36)

	// BeforeRun, when set, is told of each run as it starts, with the
	// recipe the options made (reproduce counts its stages).
	BeforeRun func(r Recipe, o Options)

	// beforeEpoch, in tests, runs before each epoch's training (a fault
	// injected into the network).
	beforeEpoch func(epoch int, net model.Net)
}

// PerClassAll as Options.PerClass trains on every training image of each
// class.
const PerClassAll = -1

// Logger receives a run's progress: plain lines and a per-epoch bar.
type Logger interface {
	Printf(format string, args ...any)
	Epoch(epoch, epochs, batches int) EpochObserver
	Task(label string, steps int) EpochObserver // another pass of batches: an evaluation
}

// WithDefaults fills in the settings o leaves unset: the one place for
// them, for runs, evaluations, reproduce and embed alike.
func (o Options) WithDefaults() Options {
	o.ResultsDir = cmp.Or(o.ResultsDir, "results")
	o.PretrainedDir = cmp.Or(o.PretrainedDir, "pretrained")
	o.Precision = cmp.Or(o.Precision, "fp32")
	if o.Device.Name == "" {
		o.Device = gotch.CPU // gotch's zero Device is invalid
	}
	if o.KeepMisclassified == 0 {
		o.KeepMisclassified = 36
	}
	if o.Log == nil {
		o.Log = Discard{}
	}
	o.Data.DataDir = cmp.Or(o.Data.DataDir, o.DataDir)
	return o
}

// Apply returns r with the overrides of o.
func (o Options) Apply(r Recipe) Recipe {
	if o.Epochs > 0 {
		r.Epochs = o.Epochs
	}
	if o.BatchSize > 0 {
		r.BatchSize = o.BatchSize
	}
	if o.LR > 0 {
		r.LR = o.LR
	}
	if o.PerClass != 0 && r.Kind == "finetune" {
		r.PerClass = o.PerClass
	}
	if o.Target != "" && r.Kind == "finetune" {
		r.Dataset = o.Target
	}
	if len(o.Hidden) > 0 && r.Model == "ffn" {
		r.Hidden = o.Hidden
	}
	if o.RunName != "" {
		r.Name = o.RunName
	}
	return r
}
