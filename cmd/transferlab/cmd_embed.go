package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"transferlab/charts"
	"transferlab/train"
	"transferlab/transfer"
)

// embedOptions are the flags of 'transferlab embed'.
type embedOptions struct {
	checkpoint, dataset, layer string
	n                          int
	seed                       int64
	device                     choiceFlag
	resultsDir                 string
	data                       datasetOptions
}

func (o *embedOptions) AddFlags(f *pflag.FlagSet) {
	f.StringVar(&o.checkpoint, "checkpoint", "", "the .pt file (with its sidecar, or a plain state_dict of the seed's CNN or FFN and --dataset)")
	f.StringVar(&o.dataset, "dataset", "", "the test images to draw (default: the checkpoint's own dataset)")
	f.StringVar(&o.layer, "layer", "", "the layer whose output is drawn: conv1..conv5, fc1, fc2 (CNN; default fc2) or fc1.. (FFN; default its last hidden layer)")
	f.IntVar(&o.n, "n", transfer.DefaultEmbedN, "test images to draw, a seeded sample")
	f.Int64Var(&o.seed, "seed", train.DefaultSeed, "the sample's seed")
	addDeviceFlag(f, &o.device)
	f.StringVar(&o.resultsDir, "results-dir", "results", "folder for the page")
	o.data.AddFlags(f)
}

func newEmbedCommand() *cobra.Command {
	var opts embedOptions
	cmd := &cobra.Command{
		Use:   "embed",
		Short: "Draw a checkpoint's feature space: one layer's activations on test images, by principal components",
		Long: `embed runs a seeded sample of --n test images of --dataset through the
checkpoint, takes the output of --layer (the CNN's conv1..conv5, fc1, fc2; the
FFN's hidden layers fc1..), projects it onto its first two principal
components and writes results/embed-<checkpoint>-<dataset>.html: a scatter
plot, one colour per class, the network's mistakes as triangles.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runEmbed(cmd.Context(), opts, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	opts.AddFlags(cmd.Flags())
	return cmd
}

func runEmbed(ctx context.Context, o embedOptions, stdout, stderr io.Writer) error {
	if o.checkpoint == "" {
		return usageError{fmt.Errorf("--checkpoint is required, for example --checkpoint pretrained/mnist-cnn.pt")}
	}
	if o.n < 3 {
		return usageError{fmt.Errorf("--n %d: give 3 or more", o.n)}
	}
	base, err := deviceOptions(o.device, stderr)
	if err != nil {
		return err
	}
	d, err := o.data.options(stderr)
	if err != nil {
		return err
	}
	path, err := writeEmbedding(ctx, transfer.EmbedOptions{Checkpoint: o.checkpoint, Dataset: o.dataset, Layer: o.layer,
		N: o.n, Seed: o.seed, ResultsDir: o.resultsDir, Data: d, Options: base})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", path)
	return nil
}

// writeEmbedding computes the embedding eo asks for and writes its page.
func writeEmbedding(ctx context.Context, eo transfer.EmbedOptions) (string, error) {
	e, err := transfer.Embed(ctx, eo)
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
