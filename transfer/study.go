package transfer

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"transferlab/internal/names"
	"transferlab/metrics"
	"transferlab/train"
)

// The recipe study: the five transfer configurations, each with the
// seed's recipe and with an improved one, over the same seeds, so that
// each seed's pair differs by the recipe only and the difference has a
// paired interval.

// StudyRecipe is a named way to train the transfer configurations: the
// fine-tuning options it sets, whether it runs the range test first, and
// the flags that set them.
type StudyRecipe struct {
	Name   string
	Flags  string
	Tuning train.Tuning
	LRAuto bool
	// HeadOnlyLRMult, when above 0, multiplies the learning rate of the
	// configurations that train only the new head (--layers last).
	HeadOnlyLRMult float64
	// Note says, for the command's help, what Flags leave unsaid.
	Note string
}

// SeedRecipe is the seed homework's recipe: constant Adam, plain images,
// the last epoch.
var SeedRecipe = StudyRecipe{Name: "seed", Flags: "(none)"}

// ImprovedRecipes are the recipes the study can set against the seed's.
//
//   - cosine (the default): the seed's, with the rate annealed to 0 over the run
//     (cosine, per step), and the head-only configurations at three
//     times the rate: a head on frozen features underfits at 1e-3 in
//     10 epochs, and a whole network's last epochs at a constant rate
//     are noisy (README, "The recipe study", has the pilot runs that
//     chose it).
//   - lrauto: the seed's, at the rate the range test suggests for each run
//     (a head on frozen features takes a higher rate than a whole network).
//   - fastai: each part a common fine-tuning practice: augmented training
//     images, a one-cycle schedule (peak at the recipe's rate), label
//     smoothing, and for the pretrained "all" configurations the head
//     alone for the first epoch, then the body at rates from a tenth of
//     the head's (conv1) up; the head-only and from-scratch
//     configurations run without the two phases (Tuning.For).
var ImprovedRecipes = []StudyRecipe{
	{Name: "cosine", Flags: "--schedule cosine; head-only configurations (--layers last) at 3x --lr",
		Tuning: train.Tuning{Schedule: train.ScheduleCosine}, HeadOnlyLRMult: 3},
	{Name: "lrauto", Flags: "--lr auto", LRAuto: true, Note: "the range test runs before each run, on its own network and data"},
	{Name: "fastai", Flags: "--augment standard --schedule onecycle --label-smoothing 0.1 --freeze-epochs 1 --body-lr-mult 0.1",
		Tuning: train.Tuning{Augment: train.AugmentStandard, Schedule: train.ScheduleOneCycle, LabelSmoothing: 0.1,
			FreezeEpochs: 1, BodyLRMult: 0.1},
		Note: "the two phases and body rates apply to mnist/all and fashion/all\n    only: a head-only or from-scratch run has no pretrained body"},
}

// ImprovedRecipe looks up an improved recipe by name.
func ImprovedRecipe(name string) (StudyRecipe, error) {
	var names []string
	for _, r := range ImprovedRecipes {
		if r.Name == name {
			return r, nil
		}
		names = append(names, r.Name)
	}
	return StudyRecipe{}, fmt.Errorf("unknown improved recipe %q: choose %s", name, strings.Join(names, " or "))
}

// StudyConfig is one configuration's runs under each recipe, in seed
// order.
type StudyConfig struct {
	Label string // source/layers
	// SameData: the source network was pretrained on the target's own
	// training images, so the configuration is not a transfer, and its
	// head-only row starts at the source's own accuracy, which leaves a
	// recipe little to gain (README, "The recipe study").
	SameData       bool
	Seed, Improved []*metrics.Run
}

// RunRecipeStudy runs every transfer configuration on o.Target with
// SeedRecipe and improved, seeds times each (seeds o.Seed, ...),
// the seed recipe's runs of a configuration first. o's own fine-tuning
// options are replaced by each recipe's. Runs are named
// study-<target>-<source>-<layers>-<recipe>-recipe (then -seedN). On an
// error it returns the configurations that have finished runs.
func RunRecipeStudy(ctx context.Context, o train.Options, improved StudyRecipe, seeds int) ([]StudyConfig, error) {
	target := cmp.Or(o.Target, TransferTarget)
	var out []StudyConfig
	for _, r := range TransferRecipes() {
		c := StudyConfig{Label: r.Source + "/" + r.Layers, SameData: r.Source == target}
		for _, rec := range []StudyRecipe{SeedRecipe, improved} {
			name := fmt.Sprintf("study-%s-%s-%s-%s-recipe", names.Slug(target), r.Source, r.Layers, rec.Name)
			runs, err := RunSeeds(ctx, r, studyOptions(o, r, rec), name, seeds)
			if rec.Name == SeedRecipe.Name {
				c.Seed = runs
			} else {
				c.Improved = runs
			}
			if err != nil {
				if len(c.Seed)+len(c.Improved) > 0 {
					out = append(out, c)
				}
				return out, err
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// studyOptions is o for a run of configuration r under rec: rec's
// fine-tuning options instead of o's, and its rate for a head-only
// configuration.
func studyOptions(o train.Options, r train.Recipe, rec StudyRecipe) train.Options {
	o.Tuning, o.LRAuto, o.RunName = rec.Tuning, rec.LRAuto, ""
	if rec.HeadOnlyLRMult > 0 && r.Layers == "last" {
		o.LR = cmp.Or(o.LR, r.LR) * rec.HeadOnlyLRMult
	}
	return o
}

// WriteStudyTable prints, per configuration, the test accuracy of each
// recipe (mean ± sd over seeds) and the improved recipe's gain over the
// seed's with the 95% t interval of the paired differences.
func WriteStudyTable(w io.Writer, configs []StudyConfig, improved StudyRecipe) error {
	fmt.Fprintf(w, "recipes: %s: %s; %s: %s\n", SeedRecipe.Name, SeedRecipe.Flags, improved.Name, improved.Flags)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "configuration\tseeds\t%s test acc\t%s test acc\tdifference\t95%% interval\tabove 0\n", SeedRecipe.Name, improved.Name)
	for _, c := range configs {
		a, b := metrics.TestAccuracies(c.Seed), metrics.TestAccuracies(c.Improved)
		d := metrics.PairedDifference(a, b)
		interval, above := "-", "-"
		if d.N >= 2 {
			interval = fmt.Sprintf("%+.2f to %+.2f", d.Lo, d.Hi)
			above = map[bool]string{true: "yes", false: "no"}[d.Lo > 0]
		}
		diff := "-"
		if d.N > 0 {
			diff = fmt.Sprintf("%+.2f", d.Mean)
		}
		label := c.Label
		if c.SameData {
			label += " (same data)"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\n", label, d.N, meanSD(metrics.Summarize(a)), meanSD(metrics.Summarize(b)), diff, interval, above)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, c := range configs {
		if c.SameData {
			_, err := fmt.Fprintln(w, "same data: the source network was pretrained on this target's training images (not a transfer)")
			return err
		}
	}
	return nil
}
