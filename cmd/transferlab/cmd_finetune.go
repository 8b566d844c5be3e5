package main

import (
	"os"

	"github.com/spf13/cobra"

	"transferlab/transfer"
)

func newFinetuneCommand() *cobra.Command {
	def, _ := transfer.Finetune("mnist", "last")
	var o trainOptions
	var from, layers, target string
	var perClass perClassFlag
	var seeds int
	cmd := &cobra.Command{
		Use:   "finetune",
		Short: "Q5: transfer a pretrained CNN to a new target with a fresh head",
		Long: `finetune replaces the CNN's 84-to-10 head by a fresh 84-to-classes layer and
trains on the target's first --per-class training images of each class.
--layers last freezes every other parameter; --layers all trains them all;
--layers from:LAYER trains LAYER and every layer above it and freezes the
rest (from:fc3 is last, from:conv1 is all; LAYER one of conv1..conv5, fc1..fc3).
--from none trains from scratch; mnist and fashion load pretrained/<name>-cnn.pt.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := transfer.Finetune(from, layers)
			if err != nil {
				return usageError{err}
			}
			opts, err := o.options(cmd.Flags())
			if err != nil {
				return err
			}
			if err := checkSeeds(seeds); err != nil {
				return err
			}
			opts.Target, opts.PerClass = target, perClass.n
			opts.OnEpoch = refreshReport(o.resultsDir)
			if seeds > 1 {
				runs, err := transfer.RunSeeds(cmd.Context(), r, opts, "", seeds)
				if len(runs) > 0 {
					_ = transfer.WriteSeedTable(os.Stdout, runs)
					rebuildReport(o.resultsDir, "")
				}
				return err
			}
			run, err := transfer.Run(cmd.Context(), r, opts)
			if run != nil {
				rebuildReport(o.resultsDir, runPage(o.resultsDir, run))
			}
			return err
		},
	}
	o.AddFlags(cmd.Flags(), def)
	o.addNameFlag(cmd.Flags())
	f := cmd.Flags()
	f.StringVar(&from, "from", "mnist", "none, mnist, fashion or a checkpoint PATH")
	f.StringVar(&layers, "layers", "last", "last (train only the new head), all, or from:LAYER (train LAYER and above: conv1..conv5, fc1..fc3)")
	f.StringVar(&target, "target", def.Dataset, "emnist-letters, mnist, fashion, idx:DIR or folder:DIR")
	addPerClassFlag(f, &perClass, def.PerClass)
	addSeedsFlag(f, &seeds)
	return cmd
}
