package main

import (
	"fmt"
	"math"

	"github.com/spf13/pflag"

	"transferlab/model"
	"transferlab/train"
)

// tuningOptions are the fine-tuning flags of the commands that run the
// transfer recipe (finetune, transfer, sweep depth). Their defaults are
// the seed's recipe: Adam without weight decay, a constant rate, plain
// cross-entropy, no validation split, the last epoch kept.
type tuningOptions struct {
	added          bool // the command has these flags
	valFraction    float64
	keep           choiceFlag
	patience       int
	schedule       choiceFlag
	warmupEpochs   float64
	optimizer      choiceFlag
	weightDecay    float64
	labelSmoothing float64
	freezeEpochs   int
	bodyLRMult     float64
	augment        choiceFlag
}

// addTuningFlags adds the fine-tuning flags to a command that runs the
// transfer recipe.
func (o *trainOptions) addTuningFlags(f *pflag.FlagSet) {
	t := &o.tuning
	t.added = true
	f.Lookup("lr").Usage = "learning rate of the --optimizer (Adam by default); with a --schedule, its peak; with --body-lr-mult, the head's; auto: run the range test of 'transferlab lr-find' first and train at its suggestion (not with --resume)"
	f.Float64Var(&t.valFraction, "val-fraction", 0, "hold out this share of each class of the training images (seeded, stratified) as validation: the epochs are evaluated on it and the test split once at the end (0: none, the seed's recipe)")
	t.keep = newChoice(train.KeepLast, train.KeepLast, train.KeepBest)
	f.Var(&t.keep, "keep", "the weights tested and saved: the last epoch's, or the best validation accuracy's (needs --val-fraction)")
	f.IntVar(&t.patience, "patience", 0, "stop after this many epochs without a better validation accuracy (needs --val-fraction; 0: off)")
	t.schedule = newChoice(train.ScheduleConstant, train.Schedules...)
	f.Var(&t.schedule, "schedule", "the learning rate per step: constant, cosine (annealed to 0) or onecycle (PyTorch's OneCycleLR defaults, max_lr --lr)")
	f.Float64Var(&t.warmupEpochs, "warmup-epochs", 0, "linear warmup from about 0 to --lr over this many epochs (may be fractional; constant and cosine)")
	t.optimizer = newChoice(model.OptimAdam, model.Optimizers...)
	f.Var(&t.optimizer, "optimizer", "adam (the seed's), adamw (decoupled weight decay) or sgd (momentum 0.9)")
	f.Float64Var(&t.weightDecay, "weight-decay", 0, "the optimizer's weight decay (adam: L2 added to the gradient, as torch.optim.Adam; adamw: decoupled)")
	f.Float64Var(&t.labelSmoothing, "label-smoothing", 0, "label smoothing of the training loss, as CrossEntropyLoss(label_smoothing=E); the evaluation loss is without it")
	f.IntVar(&t.freezeEpochs, "freeze-epochs", 0, "two-phase fine-tuning: train only the new head for N epochs, then also the layers --layers names (the head keeps its optimizer state; needs a pretrained --from and --layers all or from:LAYER; 0: off)")
	t.augment = newChoice(train.AugmentAuto, train.Augments...)
	f.Var(&t.augment, "augment", "training images only, seeded, on the run's device: auto (crop on a backbone whose images reach it every epoch, else none), none, shift (whole-pixel shifts up to ±2 px), standard (±2 px, rotation up to ±10°, scale 0.9-1.1) or crop (random resized crop and horizontal flip, torchvision's); validation and test images never; named explicitly, a frozen prefix (--layers last, from:LAYER) then runs in every step instead of from the feature cache")
	f.Float64Var(&t.bodyLRMult, "body-lr-mult", 1, "discriminative learning rates: the lowest trained layer learns at this multiple of the head's rate, the layers between at geometrically spaced multiples up to 1 at the head, as fastai's slice (1: one rate for all)")
}

// apply checks the fine-tuning flags and sets them in opts; every bad
// value is a usage error naming the valid range.
func (t tuningOptions) apply(opts *train.Options, epochs int) error {
	if !t.added {
		return nil
	}
	for _, c := range []struct {
		flag  string
		bad   bool
		value any
		want  string
	}{
		{"val-fraction", math.IsNaN(t.valFraction) || t.valFraction < 0 || t.valFraction >= 1, t.valFraction, "a share between 0 and 1, such as 0.1 (0: none)"},
		{"patience", t.patience < 0, t.patience, "0 (off) or more epochs"},
		{"warmup-epochs", math.IsNaN(t.warmupEpochs) || math.IsInf(t.warmupEpochs, 0) || t.warmupEpochs < 0, t.warmupEpochs, "0 or more epochs, such as 0.5"},
		{"weight-decay", math.IsNaN(t.weightDecay) || math.IsInf(t.weightDecay, 0) || t.weightDecay < 0, t.weightDecay, "0 or a positive number, such as 0.01"},
		{"label-smoothing", !(t.labelSmoothing >= 0 && t.labelSmoothing < 1), t.labelSmoothing, "a value from 0 up to, not including, 1, such as 0.1"},
		{"freeze-epochs", t.freezeEpochs < 0, t.freezeEpochs, "0 (off) or more epochs, fewer than --epochs"},
		{"body-lr-mult", !(t.bodyLRMult > 0) || math.IsInf(t.bodyLRMult, 0), t.bodyLRMult, "a positive number, such as 0.01 (1: one rate for all)"},
	} {
		if c.bad {
			return usageError{fmt.Errorf("--%s %v: give %s", c.flag, c.value, c.want)}
		}
	}
	if t.valFraction == 0 {
		switch {
		case t.keep.value == train.KeepBest:
			return usageError{fmt.Errorf("--keep best picks an epoch by its held-out accuracy and needs a validation split: give --val-fraction (an epoch picked on the test split has no test number left)")}
		case t.patience > 0:
			return usageError{fmt.Errorf("--patience stops by the held-out accuracy and needs a validation split: give --val-fraction (stopping on the test split makes its number no test number)")}
		}
	}
	if t.freezeEpochs >= epochs {
		return usageError{fmt.Errorf("--freeze-epochs %d leaves no epoch for the second phase of a %d-epoch run: give fewer than --epochs", t.freezeEpochs, epochs)}
	}
	if t.schedule.value == train.ScheduleOneCycle && t.warmupEpochs > 0 {
		return usageError{fmt.Errorf("--warmup-epochs does not apply to --schedule onecycle, which warms up over its first 30%% of steps")}
	}
	opts.ValFraction = t.valFraction
	opts.Tuning = train.Tuning{
		Optimizer: t.optimizer.value, WeightDecay: t.weightDecay, Schedule: t.schedule.value, WarmupEpochs: t.warmupEpochs,
		LabelSmoothing: t.labelSmoothing, Keep: t.keep.value, Patience: t.patience,
		FreezeEpochs: t.freezeEpochs, BodyLRMult: t.bodyLRMult, Augment: t.augment.value,
	}
	return nil
}
