package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"transferlab/charts"
	"transferlab/train"
	"transferlab/transfer"
)

// lrFindOptions are the flags of 'transferlab lr-find': finetune's, which
// say the network, data and optimizer, and the sweep's.
type lrFindOptions struct {
	finetuneOptions
	sweep train.LRFindConfig
}

func (o *lrFindOptions) AddFlags(f *pflag.FlagSet) {
	o.finetuneOptions.AddFlags(f)
	d := train.DefaultLRFind
	f.Float64Var(&o.sweep.Start, "start-lr", d.Start, "the sweep's first learning rate")
	f.Float64Var(&o.sweep.End, "end-lr", d.End, "the sweep's last learning rate")
	f.IntVar(&o.sweep.Steps, "steps", d.Steps, "steps from --start-lr to --end-lr (the test stops earlier when the loss diverges)")
	o.sweep.Beta, o.sweep.Diverge = d.Beta, d.Diverge
}

func newLRFindCommand() *cobra.Command {
	var opts lrFindOptions
	cmd := &cobra.Command{
		Use:   "lr-find",
		Short: "Learning-rate range test: suggest a rate for a finetune with the same flags",
		Long: `lr-find runs the range test of Smith (2015), as fastai's lr_find, on a
throwaway copy of the network the same finetune flags would train: the rate
grows exponentially from --start-lr to --end-lr over --steps steps, the loss
is smoothed (exponential moving average, beta 0.98, bias-corrected), and the
test stops once the smoothed loss exceeds 4 times its best. It prints the
suggestion, the rate at the smoothed loss's minimum divided by 10 (fastai's
lr_min), and writes results/lr-find-RUN.html (loss against the rate on a
log axis, the suggestion marked) with the points in lr-find-RUN.json.
finetune and transfer take --lr auto to run it first and train at its
suggestion.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return targetUnavailable(runLRFind(cmd.Context(), opts, cmd.OutOrStdout(), cmd.ErrOrStderr()))
		},
	}
	opts.AddFlags(cmd.Flags())
	return cmd
}

func runLRFind(ctx context.Context, o lrFindOptions, stdout, stderr io.Writer) error {
	r, err := transfer.Finetune(o.from, o.layers)
	if err != nil {
		return usageError{err}
	}
	if o.lr.auto || o.resume || o.seeds > 1 {
		return usageError{fmt.Errorf("lr-find takes the flags of one finetune run: leave out --lr auto, --resume and --seeds")}
	}
	if !(o.sweep.Start > 0 && o.sweep.End > o.sweep.Start && o.sweep.Steps >= 2) {
		return usageError{fmt.Errorf("--start-lr %g, --end-lr %g, --steps %d: give 0 < start < end and 2 or more steps", o.sweep.Start, o.sweep.End, o.sweep.Steps)}
	}
	opts, err := o.options(stderr)
	if err != nil {
		return err
	}
	if err := opts.Tuning.CheckGroups(opts.Apply(r)); err != nil {
		return usageError{err}
	}
	if err := checkTarget(o.target); err != nil {
		return err
	}
	opts.Target, opts.PerClass = o.target, o.perClass.n
	f, err := train.FindLR(ctx, r, opts, o.sweep)
	if err != nil {
		return err
	}
	f.Command = opts.Command
	page, err := charts.WriteLRFindPage(o.resultsDir, f)
	if err != nil {
		return err
	}
	stop := "the whole sweep"
	if f.Diverged {
		stop = "stopped at divergence"
	}
	if f.NoDescent {
		fmt.Fprintf(stdout, "no suggestion: the smoothed loss never fell (its minimum, at %.3g, is in the sweep's first tenth; %d steps, %s); keep the recipe's rate or start the sweep lower\npage: %s\n",
			f.MinLR, len(f.Points), stop, page)
		return nil
	}
	fmt.Fprintf(stdout, "suggested learning rate %.3g (%s; smoothed-loss minimum at %.3g; %d steps, %s)\npage: %s\n",
		f.Suggestion, f.Rule, f.MinLR, len(f.Points), stop, page)
	return nil
}
