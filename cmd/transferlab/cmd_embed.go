package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"transferlab/charts"
	"transferlab/transfer"
)

func newEmbedCommand() *cobra.Command {
	var o trainOptions
	var eo transfer.EmbedOptions
	var device string
	cmd := &cobra.Command{
		Use:   "embed",
		Short: "Draw a checkpoint's feature space: one layer's activations on test images, by principal components",
		Long: `embed runs a seeded sample of --n test images of --dataset through the
checkpoint, takes the output of --layer (the CNN's conv1..conv5, fc1, fc2; the
FFN's hidden layers fc1..), projects it onto its first two principal
components and writes results/embed-<checkpoint>-<dataset>.html: a scatter
plot, one colour per class, the network's mistakes as triangles.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if eo.Checkpoint == "" {
				return usageError{fmt.Errorf("--checkpoint is required, for example --checkpoint pretrained/mnist-cnn.pt")}
			}
			if eo.N < 3 {
				return usageError{fmt.Errorf("--n %d: give 3 or more", eo.N)}
			}
			dev, err := parseDevice(device)
			if err != nil {
				return err
			}
			if eo.Data, err = o.dataOptions(); err != nil {
				return err
			}
			eo.ResultsDir = o.resultsDir
			eo.Options = transfer.Options{Device: dev, Log: transfer.NewConsoleLogger(os.Stderr)}
			path, err := writeEmbedding(cmd, eo)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\n", path)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&eo.Checkpoint, "checkpoint", "", "the .pt file (with its sidecar, or a plain state_dict of the seed's CNN or FFN and --dataset)")
	f.StringVar(&eo.Dataset, "dataset", "", "the test images to draw (default: the checkpoint's own dataset)")
	f.StringVar(&eo.Layer, "layer", "", "the layer whose output is drawn: conv1..conv5, fc1, fc2 (CNN; default fc2) or fc1.. (FFN; default its last hidden layer)")
	f.IntVar(&eo.N, "n", transfer.DefaultEmbedN, "test images to draw, a seeded sample")
	f.Int64Var(&eo.Seed, "seed", transfer.DefaultSeed, "the sample's seed")
	f.StringVar(&device, "device", "cpu", "cpu or cuda")
	f.StringVar(&o.resultsDir, "results-dir", "results", "folder for the page")
	o.addDataFlags(f)
	return cmd
}

// writeEmbedding computes the embedding eo asks for and writes its page.
func writeEmbedding(cmd *cobra.Command, eo transfer.EmbedOptions) (string, error) {
	e, err := transfer.Embed(cmd.Context(), eo)
	if err != nil {
		return "", err
	}
	ce := charts.Embedding{Checkpoint: e.Checkpoint, Dataset: e.Dataset, Layer: e.Layer, Dim: e.Dim,
		Classes: e.Classes, Predicted: e.Predicted, Explained: e.Explained}
	for _, p := range e.Points {
		ce.Points = append(ce.Points, charts.EmbedPoint(p))
	}
	return charts.WriteEmbedding(eo.ResultsDir, e.PageName(eo.ResultsDir), ce)
}
