package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"transferlab/charts"
	"transferlab/metrics"
	"transferlab/transfer"
)

func newSweepCommand() *cobra.Command {
	sweep := &cobra.Command{
		Use:   "sweep",
		Short: "Studies over many runs: sweep depth",
	}
	sweep.AddCommand(newSweepDepthCommand())
	return sweep
}

// sweepDepthOptions are the flags of 'transferlab sweep depth'.
type sweepDepthOptions struct {
	trainOptions
	sources  choiceListFlag
	target   string
	seeds    int
	perClass perClassFlag
}

func (o *sweepDepthOptions) AddFlags(f *pflag.FlagSet) {
	def, _ := transfer.Finetune("mnist", "last")
	o.trainOptions.AddFlags(f, def)
	o.addPretrainedDirFlag(f)
	o.addTargetFlags(f)
	o.addTuningFlags(f)
	o.sources = newChoiceList(transfer.SweepSources, transfer.SweepSources...)
	f.Var(&o.sources, "from", "pretrained sources to sweep (give --from twice, or mnist,fashion, for both)")
	f.StringVar(&o.target, "target", def.Dataset, "emnist-letters, mnist, fashion, idx:DIR or folder:DIR")
	addSeedsFlag(f, &o.seeds)
	addPerClassFlag(f, &o.perClass, def.PerClass)
}

func newSweepDepthCommand() *cobra.Command {
	var opts sweepDepthOptions
	cmd := &cobra.Command{
		Use:   "depth",
		Short: "Fine-tune from every depth (from:fc3 ... from:conv1) for each source, and from scratch; plot test accuracy against the first trained layer",
		Long: `sweep depth fine-tunes the network pretrained on each --from source with
--layers from:fc3 (the head only), from:fc2, ... from:conv1 (every layer), and
trains none/all (from scratch) once as the reference, all with the seed's
transfer recipe unless the training flags change it. It writes
results/sweep-depth-<target>.html and prints a table; with --seeds N every
configuration runs N times (seeds --seed, --seed+1, ...) and reports the
mean, the standard deviation and the 95% interval.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return targetUnavailable(runSweepDepth(cmd.Context(), opts, cmd.OutOrStdout(), cmd.ErrOrStderr()))
		},
	}
	opts.AddFlags(cmd.Flags())
	return cmd
}

func runSweepDepth(ctx context.Context, o sweepDepthOptions, stdout, stderr io.Writer) error {
	if err := checkSeeds(o.seed, o.seeds); err != nil {
		return err
	}
	if err := checkTarget(o.target); err != nil {
		return err
	}
	opts, err := o.options(stderr)
	if err != nil {
		return err
	}
	opts.Target, opts.PerClass = o.target, o.perClass.n
	opts.OnEpoch = refreshReport(o.resultsDir, stderr)
	runs, err := transfer.SweepDepth(ctx, opts, o.sources.values, o.seeds)
	if len(runs) > 0 {
		_ = transfer.WriteSeedTable(stdout, runs)
		rebuildReport(o.resultsDir, "", stderr)
		page, perr := charts.WriteDepthSweep(o.resultsDir, depthSweep(o.target, runs))
		if perr != nil {
			fmt.Fprintf(stderr, "transferlab: warning: sweep page not written: %v\n", perr)
		} else {
			fmt.Fprintf(stderr, "sweep: %s\n", page)
		}
	}
	return err
}

// depthSweep is the chart's view of a sweep's runs.
func depthSweep(target string, runs []*metrics.Run) charts.DepthSweep {
	s := charts.DepthSweep{Target: target, Layers: transfer.SweepAxis(), Runs: runs}
	for _, p := range transfer.SeedDepthPoints() {
		s.Seed = append(s.Seed, charts.SeedPoint{Source: p.Source, Layer: p.Layer, TestAcc: p.TestAcc})
	}
	return s
}
