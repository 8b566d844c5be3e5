package main

import (
	"os"

	"github.com/spf13/cobra"

	"transferlab/transfer"
)

func newTransferCommand() *cobra.Command {
	def, _ := transfer.Finetune("mnist", "last")
	var o trainOptions
	var target string
	var perClass int
	cmd := &cobra.Command{
		Use:   "transfer",
		Short: "Q5: run all five transfer configurations and print the results table",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := o.options()
			if err != nil {
				return err
			}
			opts.Target, opts.PerClass = target, perClass
			opts.OnEpoch = refreshReport(o.resultsDir)
			runs, err := transfer.RunTransfers(cmd.Context(), opts)
			if len(runs) > 0 {
				_ = transfer.WriteTable(os.Stdout, runs)
			}
			return err
		},
	}
	o.AddFlags(cmd.Flags(), def)
	cmd.Flags().StringVar(&target, "target", def.Dataset, "emnist-letters, mnist, fashion or idx:DIR")
	cmd.Flags().IntVar(&perClass, "per-class", def.PerClass, "training images per class (the first N in file order)")
	return cmd
}
