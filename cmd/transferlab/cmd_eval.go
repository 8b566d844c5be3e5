package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"transferlab/data"
	"transferlab/train"
	"transferlab/transfer"
)

// evalOptions are the flags of 'transferlab eval'.
type evalOptions struct {
	// flags is the set AddFlags registered on: once parsed, it says which
	// data flags the user set (the others keep the checkpoint's record).
	flags               *pflag.FlagSet
	checkpoint, dataset string
	split               choiceFlag
	device              deviceFlag
	seed                int64
	resultsDir          string
	data                datasetOptions
}

func (o *evalOptions) AddFlags(f *pflag.FlagSet) {
	o.flags = f
	f.StringVar(&o.checkpoint, "checkpoint", "", "the .pt file: a transferlab checkpoint (with its .json sidecar), or a plain PyTorch state_dict of the seed's CNN or FFN (then --dataset names its classes)")
	f.StringVar(&o.dataset, "dataset", "", "dataset to evaluate on (default: the checkpoint's own)")
	o.split = newChoice(data.SplitTest, data.SplitTrain, data.SplitTest)
	f.Var(&o.split, "split", "the split to evaluate on")
	addDeviceFlag(f, &o.device)
	f.Int64Var(&o.seed, "seed", 42, "folder:DIR without test/, for a checkpoint without a sidecar: the seed of the holdout (training's --seed; a sidecar records its own)")
	f.StringVar(&o.resultsDir, "results-dir", "results", "folder for the evaluation file")
	o.data.AddFlags(f)
}

func newEvalCommand() *cobra.Command {
	var opts evalOptions
	cmd := &cobra.Command{
		Use:   "eval",
		Short: "Evaluate a saved .pt checkpoint: loss, accuracy, per-class accuracy, confusion matrix",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runEval(cmd.Context(), opts, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	opts.AddFlags(cmd.Flags())
	return cmd
}

func runEval(ctx context.Context, o evalOptions, stdout, stderr io.Writer) error {
	if o.checkpoint == "" {
		return usageError{fmt.Errorf("--checkpoint is required, for example --checkpoint pretrained/mnist-cnn.pt")}
	}
	base, d, err := checkpointOptions(o.device, o.data, o.flags, stderr)
	if err != nil {
		return err
	}
	d.Seed = o.seed
	ev, path, err := train.EvalCheckpoint(ctx, train.EvalOptions{Checkpoint: o.checkpoint, Dataset: o.dataset,
		Split: o.split.value, ResultsDir: o.resultsDir, Data: d, Options: base})
	if err != nil {
		return err
	}
	if err := transfer.WriteEval(stdout, ev); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", path)
	rebuildReport(o.resultsDir, strings.TrimSuffix(path, ".json")+".html", stderr)
	return nil
}
