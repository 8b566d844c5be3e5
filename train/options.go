package train

import (
	"cmp"
	"fmt"
	"math"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"

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
	// BN is how a backbone's trained batch norms behave in training:
	// BNTrain (batch statistics, running statistics updated; "" = this)
	// or BNFrozen (inference mode throughout). Frozen stages' batch norms
	// are always in inference mode.
	BN     string
	Resume bool // continue the run from its resumable checkpoint
	// LRAuto runs the learning-rate range test (FindLR) on the run's data
	// before the run and trains at its suggestion (--lr auto).
	LRAuto bool
	// ValFraction, when above 0, holds out that share of each class of
	// the training set for validation (a seeded, stratified split): the
	// epochs are then evaluated on it and the test split once at the end.
	ValFraction float64
	Tuning      Tuning // optimizer, schedule, smoothing, which epoch to keep
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
	// afterEpoch, in tests, sees the weights after each epoch's resume
	// point.
	afterEpoch func(epoch int, vs *nn.VarStore)
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
	if o.ValFraction > 0 {
		r.ValFraction, r.StratifiedVal = o.ValFraction, true
	}
	return r
}

// Tuning is how a run trains beyond the recipe's epochs, batch size and
// learning rate, as fine-tuning is done in the field. The zero value is
// the seed's recipe: Adam without weight decay, a constant rate, plain
// cross-entropy, the last epoch kept.
type Tuning struct {
	Optimizer      string  // model.OptimAdam (""), OptimAdamW or OptimSGD
	WeightDecay    float64 // the optimizer's weight decay (Adam: L2 in the gradient; AdamW: decoupled)
	Schedule       string  // ScheduleConstant (""), ScheduleCosine or ScheduleOneCycle, per step
	WarmupEpochs   float64 // linear warmup, in epochs (may be fractional)
	LabelSmoothing float64 // the training loss's label smoothing, in [0, 1)
	Keep           string  // KeepLast ("") or KeepBest: which epoch's weights are tested and saved
	Patience       int     // stop after this many epochs without a new best validation accuracy (0: never)
	// FreezeEpochs, when above 0, trains only the head for that many
	// epochs and then the layers the recipe names (two-phase fine-tuning).
	FreezeEpochs int
	// BodyLRMult (0 or 1: one rate for all) gives each layer below the
	// head its own rate, from BodyLRMult times the head's at the lowest
	// trained layer up to the head's, geometrically (fastai's slice).
	BodyLRMult float64
	// Augment is the training images' augmentation (augment.go): "" or
	// AugmentAuto (a backbone's crops where its images reach it every
	// epoch, none otherwise), AugmentNone, AugmentShift, AugmentStandard
	// or AugmentCrop.
	Augment string
}

// Which epoch's weights a run keeps.
const (
	KeepLast = "last" // the last epoch's (the seed's)
	KeepBest = "best" // the epoch with the best validation accuracy
)

// normal is t with each default spelled as the zero value, so an
// explicit default (--schedule constant) and an unset flag record the
// same settings, name the same run and resume each other.
func (t Tuning) normal() Tuning {
	if t.Optimizer == model.OptimAdam {
		t.Optimizer = ""
	}
	if t.Schedule == ScheduleConstant {
		t.Schedule = ""
	}
	if t.Keep == KeepLast {
		t.Keep = ""
	}
	if t.BodyLRMult == 1 {
		t.BodyLRMult = 0
	}
	if t.Augment == AugmentAuto {
		t.Augment = ""
	}
	return t
}

// check fails for tuning no run can have; valFraction is the run's
// validation share (0: none).
func (t Tuning) check(valFraction float64) error {
	switch t.Optimizer {
	case "", model.OptimAdam, model.OptimAdamW, model.OptimSGD:
	default:
		return fmt.Errorf("unknown optimizer %q: choose adam, adamw or sgd", t.Optimizer)
	}
	switch t.Keep {
	case "", KeepLast, KeepBest:
	default:
		return fmt.Errorf("unknown --keep %q: choose last or best", t.Keep)
	}
	switch {
	case math.IsNaN(t.WeightDecay) || math.IsInf(t.WeightDecay, 0) || t.WeightDecay < 0:
		return fmt.Errorf("weight decay %v: give 0 or a positive number", t.WeightDecay)
	case !(t.LabelSmoothing >= 0 && t.LabelSmoothing < 1):
		return fmt.Errorf("label smoothing %v: give a value from 0 up to, not including, 1", t.LabelSmoothing)
	case math.IsNaN(t.BodyLRMult) || math.IsInf(t.BodyLRMult, 0) || t.BodyLRMult < 0:
		return fmt.Errorf("body learning-rate multiplier %v: give a positive number, such as 0.01", t.BodyLRMult)
	case t.FreezeEpochs < 0:
		return fmt.Errorf("freeze epochs %d: give 0 (off) or more", t.FreezeEpochs)
	case t.Patience < 0:
		return fmt.Errorf("patience %d: give 0 (off) or more epochs", t.Patience)
	case valFraction <= 0 && (t.Keep == KeepBest || t.Patience > 0):
		return fmt.Errorf("keeping the best epoch and early stopping choose an epoch by its held-out accuracy, which needs a validation split (numbers picked on the test split are not test numbers): give --val-fraction")
	}
	if err := checkAugment(t.Augment); err != nil {
		return err
	}
	_, err := newSchedule(t.Schedule, 1, 1, 1, t.WarmupEpochs)
	return err
}

// Values of Options.BN.
const (
	BNTrain  = "train"
	BNFrozen = "frozen"
)
