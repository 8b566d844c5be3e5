package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"transferlab/charts"
	"transferlab/metrics"
	"transferlab/train"
	"transferlab/transfer"
)

// embedOptions are the flags of 'transferlab embed'.
type embedOptions struct {
	// flags is the set AddFlags registered on: the data flags the user
	// left unset keep the checkpoint's record.
	flags                           *pflag.FlagSet
	checkpoint, run, dataset, layer string
	pretrainedDir                   string
	n                               int
	seed                            int64
	device                          deviceFlag
	resultsDir                      string
	data                            datasetOptions
}

func (o *embedOptions) AddFlags(f *pflag.FlagSet) {
	o.flags = f
	f.StringVar(&o.checkpoint, "checkpoint", "", "the .pt file (with its sidecar, or a plain state_dict of the seed's CNN or FFN and --dataset)")
	f.StringVar(&o.run, "run", "", "instead of --checkpoint: a fine-tuning run's folder name under --results-dir; draws its source network before fine-tuning and the fine-tuned network after, at fc2 on the target's test images, for the transfer page")
	f.StringVar(&o.dataset, "dataset", "", "the test images to draw (default: the checkpoint's own dataset)")
	f.StringVar(&o.layer, "layer", "", "the layer whose output is drawn: conv1..conv5, fc1, fc2 (CNN; default fc2) or fc1.. (FFN; default its last hidden layer)")
	f.IntVar(&o.n, "n", transfer.DefaultEmbedN, "test images to draw, a seeded sample")
	f.Int64Var(&o.seed, "seed", train.DefaultSeed, "the sample's seed")
	addDeviceFlag(f, &o.device)
	f.StringVar(&o.resultsDir, "results-dir", "results", "folder for the page")
	f.StringVar(&o.pretrainedDir, "pretrained-dir", "pretrained", "--run: where a run that did not record its source file finds its pretrained network")
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
plot, one colour per class, the network's mistakes as triangles.

embed --run RUN draws a fine-tuning run's feature space before fine-tuning (its
source network) and after (the run's model.pt), both at fc2 on the target's
test images; results/transfer.html links the two pages. transfer and
reproduce draw them for every fine-tuning run they finish.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runEmbed(cmd.Context(), opts, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	opts.AddFlags(cmd.Flags())
	return cmd
}

func runEmbed(ctx context.Context, o embedOptions, stdout, stderr io.Writer) error {
	if (o.checkpoint == "") == (o.run == "") {
		return usageError{fmt.Errorf("give --checkpoint FILE (for example pretrained/mnist-cnn.pt) or --run NAME (a fine-tuning run), one of the two")}
	}
	if o.run != "" && (o.dataset != "" || o.layer != "") {
		return usageError{fmt.Errorf("--run draws the run's own target at fc2: leave out --dataset and --layer")}
	}
	if o.n < 3 {
		return usageError{fmt.Errorf("--n %d: give 3 or more", o.n)}
	}
	base, d, err := checkpointOptions(o.device, o.data, o.flags, stderr)
	if err != nil {
		return err
	}
	base.PretrainedDir = o.pretrainedDir
	eo := transfer.EmbedOptions{Checkpoint: o.checkpoint, Dataset: o.dataset, Layer: o.layer,
		N: o.n, Seed: o.seed, ResultsDir: o.resultsDir, Data: d, Options: base}
	if o.run != "" {
		return embedRun(ctx, o.resultsDir, o.run, eo, stdout, stderr)
	}
	path, err := writeEmbedding(ctx, eo)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", path)
	return nil
}

// embedRun is embed --run: the run's two pages, then the transfer page
// that links them.
func embedRun(ctx context.Context, resultsDir, name string, eo transfer.EmbedOptions, stdout, stderr io.Writer) error {
	if err := train.CheckRunName(name); err != nil {
		return usageError{fmt.Errorf("--run %q: %w", name, err)}
	}
	run, err := metrics.ReadRun(filepath.Join(resultsDir, name, metrics.FileName))
	if err != nil {
		return fmt.Errorf("--run %s: %w", name, err)
	}
	run.Name = name
	paths, err := writeTransferEmbeddings(ctx, resultsDir, run, eo)
	for _, p := range paths {
		fmt.Fprintf(stdout, "wrote %s\n", p)
	}
	if len(paths) > 0 {
		rebuildReport(resultsDir, filepath.Join(resultsDir, charts.TransferPageName), stderr)
	}
	return err
}

// drawTransferFeatures writes the before and after pages of every finished
// fine-tuning run among runs. The runs are done whatever happens here, so
// a page that cannot be drawn is a warning, not a failure.
func drawTransferFeatures(ctx context.Context, resultsDir string, runs []*metrics.Run, eo transfer.EmbedOptions, stderr io.Writer) {
	for _, r := range runs {
		if r == nil || r.Kind != "finetune" || r.Status != "done" || ctx.Err() != nil {
			continue
		}
		if _, err := writeTransferEmbeddings(ctx, resultsDir, r, eo); err != nil {
			fmt.Fprintf(stderr, "transferlab: warning: %s: feature space not drawn: %v\n", r.Name, err)
		}
	}
}

// writeTransferEmbeddings computes a fine-tuning run's feature spaces
// before and after fine-tuning and writes their pages under the names the
// transfer page links (charts.TransferEmbedPages).
func writeTransferEmbeddings(ctx context.Context, resultsDir string, run *metrics.Run, eo transfer.EmbedOptions) ([]string, error) {
	before, after, err := transfer.TransferEmbeddings(ctx, resultsDir, run, eo)
	if after == nil {
		return nil, err
	}
	beforePage, afterPage := charts.TransferEmbedPages(run.Name, run.Config.Dataset)
	var paths []string
	for _, e := range []struct {
		page string
		emb  *transfer.Embedding
	}{{afterPage, after}, {beforePage, before}} {
		if e.emb == nil {
			continue
		}
		p, err := charts.WriteEmbedding(resultsDir, e.page, chartsEmbedding(e.emb))
		if err != nil {
			return paths, err
		}
		paths = append(paths, p)
	}
	return paths, err // before's, where only before failed
}

// writeEmbedding computes the embedding eo asks for and writes its page.
func writeEmbedding(ctx context.Context, eo transfer.EmbedOptions) (string, error) {
	e, err := transfer.Embed(ctx, eo)
	if err != nil {
		return "", err
	}
	return charts.WriteEmbedding(eo.ResultsDir, e.PageName(eo.ResultsDir), chartsEmbedding(e))
}

// chartsEmbedding is e as the page draws it.
func chartsEmbedding(e *transfer.Embedding) charts.Embedding {
	ce := charts.Embedding{Checkpoint: e.Checkpoint, Dataset: e.Dataset, Layer: e.Layer, Dim: e.Dim,
		Classes: e.Classes, Predicted: e.Predicted, Explained: e.Explained}
	for _, p := range e.Points {
		ce.Points = append(ce.Points, charts.EmbedPoint(p))
	}
	return ce
}

// addNoEmbedFlag adds --no-embed to a command that draws its fine-tuning
// runs' feature spaces.
func addNoEmbedFlag(f *pflag.FlagSet, noEmbed *bool) {
	f.BoolVar(noEmbed, "no-embed", false, "do not draw each fine-tuning run's feature space before and after fine-tuning (embed --run) for the transfer page")
}
