package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"transferlab/data"
	"transferlab/metrics"
	"transferlab/transfer"
)

// transferOptions are the flags of 'transferlab transfer'.
type transferOptions struct {
	trainOptions
	target   string
	perClass perClassFlag
	seeds    int
	noEmbed  bool
}

func (o *transferOptions) AddFlags(f *pflag.FlagSet) {
	def, _ := transfer.Finetune("mnist", "last")
	o.trainOptions.AddFlags(f, def)
	o.addPretrainedDirFlag(f)
	o.addTargetFlags(f)
	o.addTuningFlags(f)
	f.StringVar(&o.target, "target", def.Dataset, "emnist-letters, mnist, fashion, idx:DIR or folder:DIR")
	addPerClassFlag(f, &o.perClass, def.PerClass)
	addSeedsFlag(f, &o.seeds)
	addNoEmbedFlag(f, &o.noEmbed)
	// Here --emnist-orientation also takes both.
	o.data.orientation.choices = []string{data.OrientationUpright, data.OrientationRaw, orientationBoth}
	f.Lookup("emnist-orientation").Usage = "EMNIST images: upright (as MNIST), raw (transposed, as the files store them), or both (each configuration in each, side by side)"
}

func newTransferCommand() *cobra.Command {
	var opts transferOptions
	cmd := &cobra.Command{
		Use:   "transfer",
		Short: "Q5: run all five transfer configurations and print the results table",
		RunE: func(cmd *cobra.Command, args []string) error {
			return targetUnavailable(runTransfer(cmd.Context(), opts, cmd.OutOrStdout(), cmd.ErrOrStderr()))
		},
	}
	opts.AddFlags(cmd.Flags())
	return cmd
}

func runTransfer(ctx context.Context, o transferOptions, stdout, stderr io.Writer) error {
	both := o.data.orientation.value == orientationBoth
	if both {
		// The data options take one orientation; runBothOrientations sets
		// each run's own.
		o.data.orientation.value = data.OrientationUpright
	}
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
	opts.Target, opts.PerClass = o.target, o.perClass.n
	opts.OnEpoch = refreshReport(o.resultsDir, stderr)
	draw := func(runs []*metrics.Run) {
		if !o.noEmbed {
			drawTransferFeatures(ctx, o.resultsDir, runs, transfer.EmbedOptions{Seed: opts.Seed, Data: opts.Data, Options: opts}, stderr)
		}
	}
	if both {
		return runBothOrientations(ctx, opts, o.seeds, o.resultsDir, draw, stdout, stderr)
	}
	runs, err := transfer.RunTransfers(ctx, opts, o.seeds)
	if len(runs) > 0 {
		_ = transfer.WriteTable(stdout, runs)
		if o.seeds > 1 {
			fmt.Fprintln(stdout)
			_ = transfer.WriteSeedTable(stdout, runs)
		}
		draw(runs)
		rebuildReport(o.resultsDir, filepath.Join(o.resultsDir, "transfer.html"), stderr)
	}
	return err
}
