package metrics

import (
	"fmt"
	"math"
	"strconv"
)

// Deviation says how a run departs from the recipe its seed numbers
// (Run.Reference) are for.
type Deviation struct {
	// Smaller is true when the run saw less than the recipe: fewer
	// training images or epochs, or a sampled test set. Such a run is a
	// smoke test: its numbers say that the pipeline works, not how good
	// the recipe is.
	Smaller bool
	// Reasons name each departure, as the flags that cause them read:
	// "--limit 2000", "1 epoch of 20", "test on ≤ 1000 sampled images".
	Reasons []string
}

// Label is the badge the reports show: "smoke test: --limit 2000, 1 epoch
// of 20", or "not the seed's recipe: batch 64 (recipe 128)"; empty for a
// run of the recipe itself.
func (d Deviation) Label() string {
	if len(d.Reasons) == 0 {
		return ""
	}
	head := "not the seed's recipe: "
	if d.Smaller {
		head = "smoke test: "
	}
	s := head
	for i, r := range d.Reasons {
		if i > 0 {
			s += ", "
		}
		s += r
	}
	return s
}

// seedRecipes are the seed's recipes by run kind, as README.md lists them
// (transfer/recipe.go holds them for training). They judge files written
// before runs recorded their Recipe; only runs that carry the seed's
// Reference are judged by them, since only those ran one of these recipes.
var seedRecipes = map[string]Recipe{
	"overfit":  {Epochs: 30, BatchSize: 2048, LR: 0.006},
	"pretrain": {Epochs: 20, BatchSize: 128, LR: 1e-3},
	"finetune": {Epochs: 10, BatchSize: 32, LR: 1e-3, PerClass: 250},
}

// NotRecipe says how r departs from its recipe: a training-image limit, a
// sampled test set, or fewer (or other) epochs, batch size, learning rate
// or images per class than the recipe it names (Run.Recipe, or for older
// files with a Reference, the seed's recipe of its kind). A run with no
// known recipe and no limit departs from nothing.
func (r *Run) NotRecipe() Deviation {
	var d Deviation
	c := r.Config
	if c.Limit > 0 {
		d.Smaller = true
		d.Reasons = append(d.Reasons, "--limit "+strconv.Itoa(c.Limit))
	}
	d.Reasons = append(d.Reasons, c.tuningDepartures()...)
	if c.ValStratified {
		d.Smaller = true // the held-out images are not trained on
	}
	recipe := r.Recipe
	if recipe == nil && r.Reference != nil {
		if sr, ok := seedRecipes[r.Kind]; ok {
			recipe = &sr
		}
	}
	if recipe != nil {
		if recipe.PerClass > 0 && c.PerClass != recipe.PerClass {
			if c.PerClass > 0 && c.PerClass < recipe.PerClass {
				d.Smaller = true
			}
			d.Reasons = append(d.Reasons, fmt.Sprintf("%s per class of %d", perClassText(c.PerClass), recipe.PerClass))
		}
		if recipe.Epochs > 0 && c.Epochs != recipe.Epochs {
			if c.Epochs < recipe.Epochs {
				d.Smaller = true
			}
			d.Reasons = append(d.Reasons, fmt.Sprintf("%d %s of %d", c.Epochs, plural(c.Epochs, "epoch"), recipe.Epochs))
		}
		if recipe.BatchSize > 0 && c.BatchSize != recipe.BatchSize {
			d.Reasons = append(d.Reasons, fmt.Sprintf("batch %d (recipe %d)", c.BatchSize, recipe.BatchSize))
		}
		if recipe.LR > 0 && c.LR != recipe.LR {
			d.Reasons = append(d.Reasons, fmt.Sprintf("learning rate %g (recipe %g)", c.LR, recipe.LR))
		}
	}
	if c.EvalLimit > 0 {
		d.Smaller = true
		d.Reasons = append(d.Reasons, fmt.Sprintf("test on ≤ %d sampled images", c.EvalLimit))
	}
	return d
}

func perClassText(n int) string {
	if n <= 0 {
		return "every image"
	}
	return strconv.Itoa(n)
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// tuningDepartures names each fine-tuning option c sets away from the
// seed's recipe (every recipe trains with Adam, no weight decay, a
// constant rate and plain cross-entropy, and keeps its last epoch), as the
// flags read.
func (c Config) tuningDepartures() []string {
	var out []string
	add := func(departs bool, format string, args ...any) {
		if departs {
			out = append(out, fmt.Sprintf(format, args...))
		}
	}
	add(c.ValStratified, "--val-fraction %g", c.ValFraction)
	add(c.Optimizer != "" && c.Optimizer != "adam", "optimizer %s", c.Optimizer)
	add(c.WeightDecay > 0, "weight decay %g", c.WeightDecay)
	add(c.Schedule != "", "%s schedule", c.Schedule)
	add(c.WarmupEpochs > 0, "warmup %g %s", c.WarmupEpochs, plural(int(math.Ceil(c.WarmupEpochs)), "epoch"))
	add(c.LabelSmoothing > 0, "label smoothing %g", c.LabelSmoothing)
	add(c.Keep == "best", "best epoch kept")
	add(c.Patience > 0, "early stopping (patience %d)", c.Patience)
	add(c.FreezeEpochs > 0, "head only for %d %s", c.FreezeEpochs, plural(c.FreezeEpochs, "epoch"))
	add(c.BodyLRMult > 0, "body learning rate ×%g", c.BodyLRMult)
	add(c.Augment != "", "%s augmentation", c.Augment)
	return out
}
