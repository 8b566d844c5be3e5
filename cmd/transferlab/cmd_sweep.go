package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

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

func newSweepDepthCommand() *cobra.Command {
	def, _ := transfer.Finetune("mnist", "last")
	var o trainOptions
	var sources []string
	var target string
	var seeds int
	var perClass perClassFlag
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
			if err := checkSeeds(seeds); err != nil {
				return err
			}
			for _, s := range sources {
				if s != "mnist" && s != "fashion" {
					return usageError{fmt.Errorf("unknown --from %q: choose mnist or fashion (give --from twice for both)", s)}
				}
			}
			opts, err := o.options(cmd.Flags())
			if err != nil {
				return err
			}
			opts.Target, opts.PerClass = target, perClass.n
			opts.OnEpoch = refreshReport(o.resultsDir)
			runs, err := transfer.SweepDepth(cmd.Context(), opts, sources, seeds)
			if len(runs) > 0 {
				_ = transfer.WriteSeedTable(os.Stdout, runs)
				rebuildReport(o.resultsDir, "")
				page, perr := charts.WriteDepthSweep(o.resultsDir, depthSweep(target, runs))
				if perr != nil {
					fmt.Fprintf(os.Stderr, "transferlab: warning: sweep page not written: %v\n", perr)
				} else {
					fmt.Fprintf(os.Stderr, "sweep: %s\n", page)
				}
			}
			return err
		},
	}
	o.AddFlags(cmd.Flags(), def)
	f := cmd.Flags()
	f.StringSliceVar(&sources, "from", transfer.SweepSources, "pretrained sources to sweep: mnist, fashion, or both")
	f.StringVar(&target, "target", def.Dataset, "emnist-letters, mnist, fashion, idx:DIR or folder:DIR")
	addSeedsFlag(f, &seeds)
	addPerClassFlag(f, &perClass, def.PerClass)
	return cmd
}

// depthSweep is the chart's view of a sweep's runs.
func depthSweep(target string, runs []*metrics.Run) charts.DepthSweep {
	s := charts.DepthSweep{Target: target, Layers: transfer.SweepAxis(), Runs: runs}
	for _, p := range transfer.SeedDepthPoints() {
		s.Seed = append(s.Seed, charts.SeedPoint{Source: p.Source, Layer: p.Layer, TestAcc: p.TestAcc})
	}
	return s
}
