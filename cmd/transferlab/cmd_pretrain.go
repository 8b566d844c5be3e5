package main

import (
	"github.com/spf13/cobra"

	"transferlab/transfer"
)

func newPretrainCommand() *cobra.Command {
	def, _ := transfer.Pretrain("mnist")
	var o trainOptions
	var dataset string
	var overwrite bool
	cmd := &cobra.Command{
		Use:   "pretrain",
		Short: "Q5: pretrain the CNN on MNIST or Fashion-MNIST into pretrained/<dataset>-cnn.pt",
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := transfer.Pretrain(dataset)
			if err != nil {
				return usageError{err}
			}
			opts, err := o.options(cmd.Flags())
			if err != nil {
				return err
			}
			opts.OnEpoch = refreshReport(o.resultsDir)
			opts.Overwrite = overwrite
			run, err := transfer.Run(cmd.Context(), r, opts)
			if run != nil {
				rebuildReport(o.resultsDir, runPage(o.resultsDir, run))
			}
			return err
		},
	}
	o.AddFlags(cmd.Flags(), def)
	o.addNameFlag(cmd.Flags())
	cmd.Flags().StringVar(&dataset, "dataset", "mnist", "mnist or fashion")
	cmd.Flags().BoolVar(&overwrite, "overwrite", false, "replace an existing pretrained/<dataset>-cnn.pt (without it, pretrain stops before training)")
	return cmd
}
