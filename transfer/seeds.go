package transfer

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"transferlab/metrics"
	"transferlab/train"
)

// RunSeeds runs r n times, with seeds o.Seed, o.Seed+1, ..., each as a
// run of its own. Unnamed runs are named by train.RunName, which adds -seed<S>
// for every seed but the default; a name given (here or in o.RunName)
// becomes <name>-seed<S> for every seed when n > 1. Either way no seed's
// results replace another's. One seed is a plain Run.
func RunSeeds(ctx context.Context, r train.Recipe, o train.Options, name string, n int) ([]*metrics.Run, error) {
	if n < 1 || n > metrics.MaxSeeds {
		return nil, fmt.Errorf("--seeds %d: give 1 to %d", n, metrics.MaxSeeds)
	}
	name = cmp.Or(name, o.RunName)
	var runs []*metrics.Run
	for i := 0; i < n; i++ {
		opts := o
		opts.Seed = o.Seed + int64(i)
		opts.Tuning = o.Tuning.For(r) // a head-only configuration has no body to unfreeze
		opts.RunName = name
		if name != "" && n > 1 {
			opts.RunName = fmt.Sprintf("%s-seed%d", name, opts.Seed)
		}
		run, err := train.Run(ctx, r, opts)
		if err != nil {
			return runs, fmt.Errorf("%s, seed %d: %w", r.Name, opts.Seed, err)
		}
		runs = append(runs, run)
	}
	return runs, nil
}

// seedGroup is the runs of one configuration that differ by seed only.
type seedGroup struct {
	label string
	runs  []*metrics.Run
}

// groupBySeed groups runs by configuration (kind, data, source, layers),
// in the order they first appear.
func groupBySeed(runs []*metrics.Run) []*seedGroup {
	var out []*seedGroup
	at := map[string]*seedGroup{}
	for _, r := range runs {
		label := r.Name
		if r.Kind == "finetune" {
			label = r.Config.Source + "/" + r.Config.Layers
		}
		key := r.Kind + "|" + r.Config.Dataset + "|" + label
		g := at[key]
		if g == nil {
			g = &seedGroup{label: label}
			at[key] = g
			out = append(out, g)
		}
		g.runs = append(g.runs, r)
	}
	return out
}

// WriteSeedTable prints, for each configuration of runs, the number of
// seeds, train and test accuracy as mean ± sd (sample), the test
// accuracy's 95% interval, and whether the seed homework's test number
// lies inside it (only for runs that carry the seed's numbers: the seed's
// recipe on EMNIST letters).
func WriteSeedTable(w io.Writer, runs []*metrics.Run) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "run\tdata\tseeds\ttrain acc\ttest acc\ttest 95% interval\tseed test\tinside")
	for _, g := range groupBySeed(runs) {
		var train, test []float64
		for _, r := range g.runs {
			if r.Final.Train != nil {
				train = append(train, r.Final.Train.Accuracy)
			}
			if r.Final.Test != nil {
				test = append(test, r.Final.Test.Accuracy)
			}
		}
		tr, te := metrics.Summarize(train), metrics.Summarize(test)
		interval, seed, inside := "-", "-", "-"
		if te.N >= 2 {
			interval = fmt.Sprintf("%.2f to %.2f", te.Lo, te.Hi)
		}
		if ref := g.runs[0].Reference; ref != nil && ref.TestAcc != 0 && len(g.runs[0].NotRecipe().Reasons) == 0 {
			seed = fmt.Sprintf("%.2f", ref.TestAcc)
			if te.N >= 2 {
				inside = map[bool]string{true: "yes", false: "no"}[te.Contains(ref.TestAcc)]
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n", g.label, g.runs[0].Config.Dataset, len(g.runs),
			meanSD(tr), meanSD(te), interval, seed, inside)
	}
	return tw.Flush()
}

func meanSD(s metrics.Summary) string {
	switch {
	case s.N == 0:
		return "-"
	case s.N == 1:
		return fmt.Sprintf("%.2f", s.Mean)
	}
	return fmt.Sprintf("%.2f ± %.2f", s.Mean, s.SD)
}

// RunTransfers runs the five transfer configurations in the seed's order,
// each with n seeds (one configuration's seeds after another), and
// returns their metrics; it stops at the first that fails.
func RunTransfers(ctx context.Context, o train.Options, n int) ([]*metrics.Run, error) {
	var runs []*metrics.Run
	for _, r := range TransferRecipes() {
		got, err := RunSeeds(ctx, r, o, "", n)
		runs = append(runs, got...)
		if err != nil {
			return runs, err
		}
	}
	return runs, nil
}
