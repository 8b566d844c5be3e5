package main

import (
	"os"

	"github.com/spf13/cobra"

	"transferlab/metrics"
	"transferlab/transfer"
)

func newReproduceCommand() *cobra.Command {
	var o trainOptions
	var quick, retrain bool
	var seeds int
	var target string
	cmd := &cobra.Command{
		Use:   "reproduce",
		Short: "Run the whole homework: Q4, both pretrainings, the five transfers, and the reports",
		Long: `reproduce runs Q4, the MNIST and Fashion-MNIST pretrainings and the five
transfer configurations with the seed's hyperparameters, then writes
results/index.html, results/transfer.html and results/results.md with every
number beside the seed's. A pretraining whose checkpoint in pretrained/
matches the recipe is reused unless --retrain. The transfers use EMNIST
letters when it is present; otherwise they run on --target, or are skipped.
--quick runs everything on small subsets in a few minutes.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := o.options(cmd.Flags())
			if err != nil {
				return err
			}
			if err := checkSeeds(seeds); err != nil {
				return err
			}
			opts.OnEpoch = refreshReport(o.resultsDir)
			stages, err := transfer.Reproduce(cmd.Context(), transfer.ReproduceOptions{Options: opts, Quick: quick, Retrain: retrain, Target: target, Seeds: seeds})
			var runs []*metrics.Run
			for _, s := range stages {
				runs = append(runs, s.Run)
			}
			if len(runs) > 0 {
				_ = transfer.WriteTable(os.Stdout, runs)
			}
			if seeds > 1 && len(runs) > 0 {
				_ = transfer.WriteSeedTable(os.Stdout, runs)
			}
			rebuildReport(o.resultsDir, "")
			return err
		},
	}
	// Unset flags keep each recipe's own (the seed's) value.
	o.AddFlags(cmd.Flags(), transfer.Recipe{})
	cmd.Flags().Lookup("epochs").Usage = "override every recipe's epochs (default: each recipe's own)"
	cmd.Flags().Lookup("batch-size").Hidden = true
	cmd.Flags().Lookup("lr").Hidden = true
	f := cmd.Flags()
	f.BoolVar(&quick, "quick", false, "small subsets, one epoch: a smoke test of a few minutes")
	f.BoolVar(&retrain, "retrain", false, "pretrain even when pretrained/ holds a matching checkpoint")
	addSeedsFlag(f, &seeds)
	f.Lookup("seeds").Usage = "run each of the five transfers with seeds --seed, --seed+1, ... (1 to 30; Q4 and the pretrainings run once); with 2 or more a table gives mean ± sd and the 95% interval"
	f.StringVar(&target, "target", "", "transfer target when EMNIST letters cannot be had (not in the data folder and not downloadable): mnist, fashion, idx:DIR or folder:DIR (default: skip the transfers)")
	return cmd
}
