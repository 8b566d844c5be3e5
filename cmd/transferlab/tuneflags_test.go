package main

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"transferlab/train"
	"transferlab/transfer"
)

// Every bad fine-tuning flag is a usage error (exit 2) in one line, on
// every command that takes the flags, before anything is loaded or
// trained; an epoch chosen or a run stopped by held-out accuracy without
// a validation split is refused so.
func TestTuningFlagsBadInputExitsTwo(t *testing.T) {
	results := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--keep", "best"}, "--val-fraction"},
		{[]string{"--patience", "3"}, "--val-fraction"},
		{[]string{"--val-fraction", "1.5"}, "between 0 and 1"},
		{[]string{"--val-fraction", "1"}, "between 0 and 1"},
		{[]string{"--val-fraction", "-0.1"}, "between 0 and 1"},
		{[]string{"--weight-decay", "-0.01"}, "0 or a positive number"},
		{[]string{"--weight-decay", "NaN"}, "0 or a positive number"},
		{[]string{"--label-smoothing", "1"}, "not including, 1"},
		{[]string{"--label-smoothing", "1.2"}, "not including, 1"},
		{[]string{"--label-smoothing", "-0.1"}, "not including, 1"},
		{[]string{"--patience", "-1", "--val-fraction", "0.1"}, "0 (off) or more"},
		{[]string{"--warmup-epochs", "-1"}, "0 or more epochs"},
		{[]string{"--schedule", "onecycle", "--warmup-epochs", "1"}, "onecycle"},
		{[]string{"--schedule", "step"}, "choose constant, cosine or onecycle"},
		{[]string{"--optimizer", "rmsprop"}, "choose adam, adamw or sgd"},
		{[]string{"--keep", "first"}, "choose last or best"},
		{[]string{"--freeze-epochs", "10"}, "fewer than --epochs"},
		{[]string{"--freeze-epochs", "3", "--epochs", "2"}, "fewer than --epochs"},
		{[]string{"--freeze-epochs", "-1"}, "0 (off) or more"},
		{[]string{"--body-lr-mult", "-0.01"}, "a positive number"},
		{[]string{"--body-lr-mult", "0"}, "a positive number"},
		{[]string{"--augment", "flip"}, "none, shift, standard or crop"},
	} {
		for _, command := range [][]string{{"finetune"}, {"transfer"}, {"sweep", "depth"}} {
			args := append(append(append([]string(nil), command...), c.args...), "--results-dir", results, "--device", "cpu")
			name := strings.Join(args, " ")
			res := execute(t, args...)
			var u usageError
			if !errors.As(res.err, &u) || !strings.Contains(res.err.Error(), c.want) || strings.Contains(res.err.Error(), "\n") {
				t.Errorf("%s: error %v, want one line of a usage error saying %q", name, res.err, c.want)
			}
			if code := run(args); code != 2 {
				t.Errorf("%s: exit %d, want 2", name, code)
			}
		}
	}
}

// parseFinetune parses args as finetune's flags and returns its options.
func parseFinetune(t *testing.T, args ...string) train.Options {
	t.Helper()
	var o finetuneOptions
	f := pflag.NewFlagSet("finetune", pflag.ContinueOnError)
	o.AddFlags(f)
	if err := f.Parse(append(args, "--device", "cpu")); err != nil {
		t.Fatal(err)
	}
	opts, err := o.options(io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return opts
}

// The flags reach the engine's options as given; the defaults spelled out
// name the same run as no flags (the engine's test shows they train the
// same numbers), and the flags that depart name a run of their own.
func TestTuningFlagsReachTheOptions(t *testing.T) {
	def, err := transfer.Finetune("mnist", "last")
	if err != nil {
		t.Fatal(err)
	}
	none := parseFinetune(t)
	explicit := parseFinetune(t, "--schedule", "constant", "--optimizer", "adam", "--weight-decay", "0", "--label-smoothing", "0", "--keep", "last", "--patience", "0", "--val-fraction", "0", "--warmup-epochs", "0",
		"--freeze-epochs", "0", "--body-lr-mult", "1", "--augment", "none")
	if a, b := train.RunName(def, none), train.RunName(def, explicit); a != b || a != def.Name {
		t.Errorf("run names: no flags %q, explicit defaults %q, recipe %q", a, b, def.Name)
	}
	if none.ValFraction != 0 || none.Tuning.LabelSmoothing != 0 || none.Tuning.WeightDecay != 0 || none.Tuning.Patience != 0 {
		t.Errorf("no flags: %+v, val %v", none.Tuning, none.ValFraction)
	}
	got := parseFinetune(t, "--val-fraction", "0.1", "--keep", "best", "--patience", "3", "--schedule", "cosine", "--warmup-epochs", "0.5",
		"--optimizer", "sgd", "--weight-decay", "5e-4", "--label-smoothing", "0.1")
	want := train.Tuning{Optimizer: "sgd", WeightDecay: 5e-4, Schedule: "cosine", WarmupEpochs: 0.5, LabelSmoothing: 0.1, Keep: "best", Patience: 3,
		BodyLRMult: 1, Augment: "auto"} // the defaults as the flags give them; the engine reads 1 and auto as unset
	if got.Tuning != want || got.ValFraction != 0.1 {
		t.Errorf("options %+v, val %v; want %+v, val 0.1", got.Tuning, got.ValFraction, want)
	}
	name := train.RunName(def, got)
	for _, part := range []string{"val0.1", "sgd", "wd0.0005", "cosine", "warmup0.5", "ls0.1", "best", "patience3"} {
		if !strings.Contains(name, "-"+part) {
			t.Errorf("run name %q lacks %q", name, part)
		}
	}
}

// Two-phase fine-tuning of a head-only transfer has nothing to unfreeze:
// finetune refuses it, with exit 2, before anything loads.
func TestFreezeEpochsWithLayersLastExitsTwo(t *testing.T) {
	for _, flag := range [][]string{{"--freeze-epochs", "2"}, {"--body-lr-mult", "0.1"}} {
		args := append([]string{"finetune", "--layers", "last", "--results-dir", t.TempDir(), "--device", "cpu"}, flag...)
		res := execute(t, args...)
		var u usageError
		if !errors.As(res.err, &u) || !strings.Contains(res.err.Error(), "--layers last") || strings.Contains(res.err.Error(), "\n") {
			t.Errorf("%v: error %v, want one line of a usage error naming --layers last", flag, res.err)
		}
		if code := run(args); code != 2 {
			t.Errorf("%v: exit %d, want 2", flag, code)
		}
	}
}

// --lr auto is refused, with exit 2 and one line, where it cannot apply:
// with --resume (the resumed run keeps its first rate) and on a command
// that does not fine-tune.
func TestLRAutoBadInputExitsTwo(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"finetune", "--lr", "auto", "--resume"}, "--resume"},
		{[]string{"transfer", "--lr", "auto", "--resume"}, "--resume"},
		{[]string{"pretrain", "--lr", "auto"}, "fine-tuning commands"},
		{[]string{"finetune", "--lr", "fast"}, "or auto"},
		{[]string{"lr-find", "--lr", "auto"}, "leave out --lr auto"},
		{[]string{"lr-find", "--start-lr", "1", "--end-lr", "0.1"}, "0 < start < end"},
	} {
		args := append(append([]string(nil), c.args...), "--results-dir", t.TempDir(), "--device", "cpu")
		res := execute(t, args...)
		if res.err == nil || !strings.Contains(res.err.Error(), c.want) || strings.Contains(res.err.Error(), "\n") {
			t.Errorf("%v: error %v, want one line saying %q", c.args, res.err, c.want)
		}
		if code := run(args); code != 2 {
			t.Errorf("%v: exit %d, want 2", c.args, code)
		}
	}
}

// The two-phase, augmentation and --lr auto flags reach the engine's
// options, and a run with them is named after them.
func TestPhaseAugmentAndAutoFlagsReachTheOptions(t *testing.T) {
	def, err := transfer.Finetune("mnist", "all")
	if err != nil {
		t.Fatal(err)
	}
	got := parseFinetune(t, "--layers", "all", "--freeze-epochs", "2", "--body-lr-mult", "0.01", "--augment", "shift", "--lr", "auto")
	if tu := got.Tuning; tu.FreezeEpochs != 2 || tu.BodyLRMult != 0.01 || tu.Augment != train.AugmentShift || !got.LRAuto || got.LR != 0 {
		t.Errorf("options %+v, lr auto %v, lr %v", tu, got.LRAuto, got.LR)
	}
	if name := train.RunName(def, got); !strings.HasSuffix(name, "-lrauto-freeze2-aug-shift-bodylr0.01") {
		t.Errorf("run name %q does not name the options", name)
	}
}
