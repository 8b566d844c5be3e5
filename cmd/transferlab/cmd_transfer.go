package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"transferlab/transfer"
)

func newTransferCommand() *cobra.Command {
	def, _ := transfer.Finetune("mnist", "last")
	var o trainOptions
	var target string
	var perClass perClassFlag
	var seeds int
	cmd := &cobra.Command{
		Use:   "transfer",
		Short: "Q5: run all five transfer configurations and print the results table",
		RunE: func(cmd *cobra.Command, args []string) error {
			both := takeOrientationBoth(&o)
			opts, err := o.options(cmd.Flags())
			if err != nil {
				return err
			}
			if err := checkSeeds(seeds); err != nil {
				return err
			}
			opts.Target, opts.PerClass = target, perClass.n
			opts.OnEpoch = refreshReport(o.resultsDir)
			if both {
				return runBothOrientations(cmd, opts, seeds, o.resultsDir)
			}
			runs, err := transfer.RunTransfers(cmd.Context(), opts, seeds)
			if len(runs) > 0 {
				_ = transfer.WriteTable(os.Stdout, runs)
				if seeds > 1 {
					fmt.Println()
					_ = transfer.WriteSeedTable(os.Stdout, runs)
				}
				rebuildReport(o.resultsDir, filepath.Join(o.resultsDir, "transfer.html"))
			}
			return err
		},
	}
	o.AddFlags(cmd.Flags(), def)
	cmd.Flags().StringVar(&target, "target", def.Dataset, "emnist-letters, mnist, fashion, idx:DIR or folder:DIR")
	addPerClassFlag(cmd.Flags(), &perClass, def.PerClass)
	addSeedsFlag(cmd.Flags(), &seeds)
	cmd.Flags().Lookup("emnist-orientation").Usage = "EMNIST images: upright (as MNIST), raw (transposed, as the files store them), or both (each configuration in each, side by side)"
	return cmd
}
