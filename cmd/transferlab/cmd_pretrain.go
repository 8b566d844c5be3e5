package main

import (
	"context"
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"transferlab/train"
	"transferlab/transfer"
)

// pretrainOptions are the flags of 'transferlab pretrain'.
type pretrainOptions struct {
	trainOptions
	dataset   choiceFlag
	overwrite bool
}

func (o *pretrainOptions) AddFlags(f *pflag.FlagSet) {
	def, _ := transfer.Pretrain("mnist")
	o.trainOptions.AddFlags(f, def)
	o.addPretrainedDirFlag(f)
	o.addNameFlag(f)
	o.dataset = newChoice("mnist", "mnist", "fashion")
	f.Var(&o.dataset, "dataset", "the dataset to pretrain on")
	f.BoolVar(&o.overwrite, "overwrite", false, "replace an existing pretrained/<dataset>-cnn.pt (without it, pretrain stops before training)")
}

func newPretrainCommand() *cobra.Command {
	var opts pretrainOptions
	cmd := &cobra.Command{
		Use:   "pretrain",
		Short: "Q5: pretrain the CNN on MNIST or Fashion-MNIST into pretrained/<dataset>-cnn.pt",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPretrain(cmd.Context(), opts, cmd.ErrOrStderr())
		},
	}
	opts.AddFlags(cmd.Flags())
	return cmd
}

func runPretrain(ctx context.Context, o pretrainOptions, stderr io.Writer) error {
	r, err := transfer.Pretrain(o.dataset.value)
	if err != nil {
		return usageError{err}
	}
	opts, err := o.options(stderr)
	if err != nil {
		return err
	}
	opts.OnEpoch = refreshReport(o.resultsDir, stderr)
	opts.Overwrite = o.overwrite
	run, err := train.Run(ctx, r, opts)
	if run != nil {
		rebuildReport(o.resultsDir, runPage(o.resultsDir, run), stderr)
	}
	return err
}
