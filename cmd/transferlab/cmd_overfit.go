package main

import (
	"context"
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"transferlab/train"
	"transferlab/transfer"
)

// overfitOptions are the flags of 'transferlab overfit'.
type overfitOptions struct {
	trainOptions
	hidden []int
}

func (o *overfitOptions) AddFlags(f *pflag.FlagSet) {
	r, _ := transfer.Lookup("overfit")
	o.trainOptions.AddFlags(f, r)
	o.addNameFlag(f)
	f.IntSliceVar(&o.hidden, "hidden", r.Hidden, "hidden layer sizes")
}

func newOverfitCommand() *cobra.Command {
	var opts overfitOptions
	cmd := &cobra.Command{
		Use:   "overfit",
		Short: "Q4: overfit the fully connected net on MNIST (80/20 train/validation)",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runOverfit(cmd.Context(), opts, cmd.ErrOrStderr())
		},
	}
	opts.AddFlags(cmd.Flags())
	return cmd
}

func runOverfit(ctx context.Context, o overfitOptions, stderr io.Writer) error {
	r, err := transfer.Lookup("overfit")
	if err != nil {
		return err
	}
	opts, err := o.options(stderr)
	if err != nil {
		return err
	}
	opts.Hidden = o.hidden
	opts.OnEpoch = refreshReport(o.resultsDir, stderr)
	run, err := train.Run(ctx, r, opts)
	if run != nil {
		rebuildReport(o.resultsDir, runPage(o.resultsDir, run), stderr)
	}
	return err
}
