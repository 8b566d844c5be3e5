package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"transferlab/metrics"
	"transferlab/train"
	"transferlab/transfer"
)

// reproduceOptions are the flags of 'transferlab reproduce'.
type reproduceOptions struct {
	trainOptions
	quick, retrain bool
	noEmbed        bool
	seeds          int
	target         string
}

func (o *reproduceOptions) AddFlags(f *pflag.FlagSet) {
	// Unset flags keep each recipe's own (the seed's) value.
	o.trainOptions.AddFlags(f, train.Recipe{})
	o.addPretrainedDirFlag(f)
	o.addTargetFlags(f)
	f.Lookup("epochs").Usage = "override every recipe's epochs (default: each recipe's own)"
	f.Lookup("batch-size").Hidden = true
	f.Lookup("lr").Hidden = true
	f.BoolVar(&o.quick, "quick", false, "small subsets, one epoch: a smoke test of a few minutes")
	f.BoolVar(&o.retrain, "retrain", false, "pretrain even when pretrained/ holds a matching checkpoint")
	addNoEmbedFlag(f, &o.noEmbed)
	addSeedsFlag(f, &o.seeds)
	f.Lookup("seeds").Usage = fmt.Sprintf("run each of the five transfers with seeds --seed, --seed+1, ... (1 to %d; Q4 and the pretrainings run once); with 2 or more a table gives mean ± sd and the 95%% interval", metrics.MaxSeeds)
	f.StringVar(&o.target, "target", "", "transfer target when EMNIST letters cannot be had (not in the data folder and not downloadable): mnist, fashion, idx:DIR or folder:DIR (default: skip the transfers)")
}

func newReproduceCommand() *cobra.Command {
	var opts reproduceOptions
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
			return runReproduce(cmd.Context(), opts, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	opts.AddFlags(cmd.Flags())
	return cmd
}

func runReproduce(ctx context.Context, o reproduceOptions, stdout, stderr io.Writer) error {
	opts, err := o.options(stderr)
	if err != nil {
		return err
	}
	if err := checkSeeds(o.seed, o.seeds); err != nil {
		return err
	}
	if err := checkTarget(o.target); err != nil {
		return err
	}
	opts.OnEpoch = refreshReport(o.resultsDir, stderr)
	stages, err := transfer.Reproduce(ctx, transfer.ReproduceOptions{Options: opts, Quick: o.quick, Retrain: o.retrain, Target: o.target, Seeds: o.seeds})
	var runs []*metrics.Run
	for _, s := range stages {
		runs = append(runs, s.Run)
	}
	if len(runs) > 0 {
		_ = transfer.WriteTable(stdout, runs)
	}
	if o.seeds > 1 && len(runs) > 0 {
		_ = transfer.WriteSeedTable(stdout, runs)
	}
	if !o.noEmbed {
		drawTransferFeatures(ctx, o.resultsDir, runs, reproduceEmbedOptions(opts, o.quick), stderr)
	}
	rebuildReport(o.resultsDir, "", stderr)
	return err
}

// reproduceEmbedOptions are the feature spaces reproduce draws: the
// default sample, or a smaller one for --quick.
func reproduceEmbedOptions(opts train.Options, quick bool) transfer.EmbedOptions {
	eo := transfer.EmbedOptions{Seed: opts.Seed, Data: opts.Data, Options: opts}
	if quick {
		eo.N = 500
	}
	return eo
}
