package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"transferlab/transfer"
)

func newEvalCommand() *cobra.Command {
	var o trainOptions
	var checkpoint, dataset, split, device string
	var seed int64
	cmd := &cobra.Command{
		Use:   "eval",
		Short: "Evaluate a saved .pt checkpoint: loss, accuracy, per-class accuracy, confusion matrix",
		RunE: func(cmd *cobra.Command, args []string) error {
			if checkpoint == "" {
				return usageError{fmt.Errorf("--checkpoint is required, for example --checkpoint pretrained/mnist-cnn.pt")}
			}
			if split != "train" && split != "test" {
				return usageError{fmt.Errorf("unknown --split %q: choose train or test", split)}
			}
			dev, err := parseDevice(device)
			if err != nil {
				return err
			}
			d, err := o.dataOptions()
			if err != nil {
				return err
			}
			// A folder:DIR checkpoint records how its folder was prepared
			// and split; flags the user did not set leave that as recorded.
			for flag, v := range map[string]*string{"invert": &d.Invert, "fit": &d.Fit} {
				if !cmd.Flags().Changed(flag) {
					*v = ""
				}
			}
			if !cmd.Flags().Changed("test-fraction") {
				d.TestFraction = 0
			}
			d.Seed = seed
			opts := transfer.EvalOptions{Checkpoint: checkpoint, Dataset: dataset, Split: split, ResultsDir: o.resultsDir, Data: d,
				Options: transfer.Options{Device: dev, Log: transfer.NewConsoleLogger(os.Stderr)}}
			ev, path, err := transfer.EvalCheckpoint(cmd.Context(), opts)
			if err != nil {
				return err
			}
			if err := transfer.WriteEval(os.Stdout, ev); err != nil {
				return err
			}
			fmt.Fprintf(os.Stdout, "wrote %s\n", path)
			rebuildReport(o.resultsDir, strings.TrimSuffix(path, ".json")+".html")
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&checkpoint, "checkpoint", "", "the .pt file: a transferlab checkpoint (with its .json sidecar), or a plain PyTorch state_dict of the seed's CNN or FFN (then --dataset names its classes)")
	f.StringVar(&dataset, "dataset", "", "dataset to evaluate on (default: the checkpoint's own)")
	f.StringVar(&split, "split", "test", "train or test")
	f.StringVar(&device, "device", "cpu", "cpu or cuda")
	f.Int64Var(&seed, "seed", 42, "folder:DIR without test/, for a checkpoint without a sidecar: the seed of the holdout (training's --seed; a sidecar records its own)")
	f.StringVar(&o.resultsDir, "results-dir", "results", "folder for the evaluation file")
	o.addDataFlags(f)
	return cmd
}
