package main

import (
	"github.com/spf13/cobra"

	"transferlab/transfer"
)

func newOverfitCommand() *cobra.Command {
	r, _ := transfer.Lookup("overfit")
	var o trainOptions
	var hidden []int
	cmd := &cobra.Command{
		Use:   "overfit",
		Short: "Q4: overfit the fully connected net on MNIST (80/20 train/validation)",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := o.options(cmd.Flags())
			if err != nil {
				return err
			}
			opts.Hidden = hidden
			opts.OnEpoch = refreshReport(o.resultsDir)
			run, err := transfer.Run(cmd.Context(), r, opts)
			if run != nil {
				rebuildReport(o.resultsDir, runPage(o.resultsDir, run))
			}
			return err
		},
	}
	o.AddFlags(cmd.Flags(), r)
	o.addNameFlag(cmd.Flags())
	cmd.Flags().IntSliceVar(&hidden, "hidden", r.Hidden, "hidden layer sizes")
	return cmd
}
