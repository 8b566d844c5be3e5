package transfer

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sugarme/gotch/ts"

	"transferlab/data"
	"transferlab/internal/names"
	"transferlab/internal/pca"
	"transferlab/internal/torchenv"
	"transferlab/metrics"
	"transferlab/model"
	"transferlab/train"
)

// EmbedOptions say whose feature space to draw: a checkpoint's
// activations at one layer on a sample of a dataset's test images.
type EmbedOptions struct {
	Checkpoint string
	Dataset    string // default: the checkpoint's own
	// Layer is the CNN stage (conv1..conv5, fc1, fc2) or the FFN hidden
	// layer (fc1..) whose output is drawn; default fc2 for the CNN (the
	// feature the transfer head reads) and the last hidden layer for the
	// FFN.
	Layer      string
	N          int   // test images, a seeded sample; default DefaultEmbedN
	Seed       int64 // the sample's seed
	ResultsDir string
	Data       data.Options
	Options    train.Options // device
}

// DefaultEmbedN is the sample embed draws unless told otherwise: enough
// for every class of EMNIST letters to show as a cloud (about 77 each),
// few enough for the page to stay responsive.
const DefaultEmbedN = 2000

// Embedding is a sample of test images placed by the first two principal
// components of a layer's activations.
type Embedding struct {
	Checkpoint, Dataset, Layer string
	Dim                        int      // numbers per image at the layer
	Classes                    []string // the dataset's classes: one colour each
	// Predicted: the network's classes are the dataset's, so each point
	// carries the network's prediction and mistakes can be marked. It is
	// false for a network of other classes (a pretrained source drawn on a
	// transfer target, "before finetuning").
	Predicted bool
	Explained [2]float64 // share of the total variance on each axis
	Points    []EmbedPoint
	// DefaultLayer: Layer is the network's default (fc2 for the CNN).
	DefaultLayer bool
}

// EmbedPoint is one test image: its index in the test split, its class,
// the network's prediction (-1 when not Predicted) and its place.
type EmbedPoint struct {
	Index, Label, Pred int
	X, Y               float64
}

// PageName is the embedding's page: embed-<checkpoint>-<dataset>.html,
// the checkpoint named as its evaluations' folder is (a run's folder for
// its model.pt, else the file's name and a hash of its path), and
// -<layer> before .html for a layer other than the default, so that the
// layers of one checkpoint do not replace each other's pages.
func (e *Embedding) PageName(resultsDir string) string {
	name := "embed-" + strings.TrimPrefix(train.CheckpointRunName(resultsDir, e.Checkpoint), "eval-") + "-" + names.Slug(e.Dataset)
	if !e.DefaultLayer {
		name += "-" + names.Slug(e.Layer)
	}
	return name + ".html"
}

// Embed computes the embedding o describes.
func Embed(ctx context.Context, o EmbedOptions) (e *Embedding, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = torchenv.PanicError(p)
		}
	}()
	sc, err := train.SidecarOrInferred(o.Checkpoint, o.Dataset)
	if err != nil {
		return nil, err
	}
	if o, err = o.withDefaults(sc); err != nil {
		return nil, err
	}
	var def string // the network's default layer
	if _, _, err := embedLayer(sc.Arch, &def); err != nil {
		return nil, err
	}
	stage, dim, err := embedLayer(sc.Arch, &o.Layer)
	if err != nil {
		return nil, err
	}
	sample, idx, err := embedTestSample(ctx, o)
	if err != nil {
		return nil, err
	}
	e = &Embedding{Checkpoint: o.Checkpoint, Dataset: o.Dataset, Layer: o.Layer, Dim: dim,
		Classes: sample.Classes, Predicted: sameClasses(sc, sample.Classes), DefaultLayer: o.Layer == def}
	if e.Predicted && sc.Classes != nil {
		e.Classes = sc.Classes // the checkpoint's names, as eval shows them
	}
	acts, preds, err := sampleActivations(ctx, o, sc.Arch, sample, stage, dim)
	if err != nil {
		return nil, err
	}
	if err := e.place(acts, preds, idx, sample.Labels); err != nil {
		return nil, err
	}
	return e, nil
}

// withDefaults fills in what o leaves unset (the checkpoint's own dataset,
// DefaultEmbedN images) and checks the sample's size.
func (o EmbedOptions) withDefaults(sc *model.Sidecar) (EmbedOptions, error) {
	o.Dataset = cmp.Or(o.Dataset, sc.Dataset)
	if o.N == 0 {
		o.N = DefaultEmbedN
	}
	if o.N < 3 {
		return o, fmt.Errorf("embed: %d images: give 3 or more", o.N)
	}
	o.Options = o.Options.WithDefaults()
	o.Data = train.RecordedData(o.Data, sc.Config, o.Dataset)
	o.Data.Colour = model.IsBackbone(sc.Arch.Model) // a backbone's photos at 224
	return o, nil
}

// embedTestSample loads the seeded sample of o.N test images (embedSample)
// and returns it with each image's index in the test split.
func embedTestSample(ctx context.Context, o EmbedOptions) (*data.Split, []int, error) {
	test, err := data.Load(ctx, o.Dataset, data.SplitTest, o.Data)
	if err != nil {
		return nil, nil, err
	}
	idx := embedSample(test.Len(), o.N, o.Seed)
	sample, err := test.Subset(idx)
	if err != nil {
		return nil, nil, err
	}
	return sample, idx, nil
}

// sampleActivations loads the checkpoint's network and runs it over the
// sample: the first stage layers' output (dim numbers per image) and the
// predicted classes (activations).
func sampleActivations(ctx context.Context, o EmbedOptions, arch model.Arch, sample *data.Split, stage, dim int) ([]float64, []int, error) {
	vs, net, err := train.LoadNetwork(o.Checkpoint, arch, o.Options)
	if err != nil {
		return nil, nil, err
	}
	defer vs.Destroy()
	o.Options.Log.Printf("embedding %s at %s (%d numbers) on %d %s test images", o.Checkpoint, o.Layer, dim, sample.Len(), o.Dataset)
	x, y, err := sample.Tensors(o.Options.Device)
	if err != nil {
		return nil, nil, err
	}
	defer x.MustDrop()
	defer y.MustDrop()
	return activations(ctx, net, stage, x, sample.Len(), dim)
}

// place projects the activations (one row of e.Dim per image) onto their
// first two principal components and sets e's points: the images at idx
// of the test split, with their labels and the network's predictions.
func (e *Embedding) place(acts []float64, preds, idx []int, labels []int64) error {
	res, err := pca.Fit(acts, len(idx), e.Dim, 2)
	if err != nil {
		return fmt.Errorf("%s at %s: %w", e.Checkpoint, e.Layer, err)
	}
	e.Explained = [2]float64{res.Explained(0), res.Explained(1)}
	for i, ti := range idx {
		p := EmbedPoint{Index: ti, Label: int(labels[i]), Pred: -1, X: res.Points[2*i], Y: res.Points[2*i+1]}
		if e.Predicted {
			p.Pred = preds[i]
		}
		e.Points = append(e.Points, p)
	}
	return nil
}

// embedLayer resolves *layer (filling in the default) to the number of
// layers to run and the numbers per image there.
func embedLayer(a model.Arch, layer *string) (stages, dim int, err error) {
	if a.Model == "ffn" {
		if len(a.Hidden) == 0 {
			return 0, 0, fmt.Errorf("embed: the network has no hidden layer")
		}
		var valid []string
		for i := range a.Hidden {
			valid = append(valid, fmt.Sprintf("fc%d", i+1))
		}
		if *layer == "" {
			*layer = valid[len(valid)-1]
		}
		i := slices.Index(valid, *layer)
		if i < 0 {
			return 0, 0, fmt.Errorf("unknown layer %q of this FFN: choose %s", *layer, strings.Join(valid, ", "))
		}
		return i + 1, a.Hidden[i], nil
	}
	if model.IsBackbone(a.Model) {
		// torchvision's ResNet name for the pool that makes the feature
		// the head reads (MobileNetV2 pools in its forward, unnamed: the
		// same name serves).
		if *layer == "" {
			*layer = backboneEmbedLayer
		}
		if *layer != backboneEmbedLayer {
			return 0, 0, fmt.Errorf("unknown layer %q of %s: choose %s (the pooled feature the head reads)", *layer, a.Model, backboneEmbedLayer)
		}
		return 1, int(model.BackboneFeatureWidth(a.Model)), nil
	}
	valid := model.CNNLayers()
	valid = valid[:len(valid)-1] // the head's output is the logits, not a feature
	if *layer == "" {
		*layer = valid[len(valid)-1]
	}
	i := slices.Index(valid, *layer)
	if i < 0 {
		return 0, 0, fmt.Errorf("unknown layer %q of the CNN: choose %s", *layer, strings.Join(valid, ", "))
	}
	return i + 1, cnnStageDims[i], nil
}

// backboneEmbedLayer is the one layer of a backbone embed draws.
const backboneEmbedLayer = "avgpool"

// cnnStageDims are the flattened outputs of the CNN's stages conv1..fc2
// (after their ReLU and pooling): 10x14x14, 150x7x7, 300x7x7, ...
var cnnStageDims = []int{10 * 14 * 14, 150 * 7 * 7, 300 * 7 * 7, 300 * 7 * 7, 150 * 7 * 7, 120, 84}

// embedSample is a seeded sample of n of total indices, in file order: a
// prefix would hold few classes where a test file is sorted by class
// (EMNIST's). All of them when n >= total.
func embedSample(total, n int, seed int64) []int {
	if n >= total {
		n = total
	}
	r := rand.New(rand.NewPCG(uint64(seed), 0x656d626564)) // "embed"
	idx := r.Perm(total)[:n]
	slices.Sort(idx)
	return idx
}

// activations runs net over x (n images) under no-grad in batches and
// returns the first stages layers' output, flattened (n x dim, row-major),
// and the network's predicted class per image, from the same forward
// pass.
func activations(ctx context.Context, net model.Net, stages int, x *ts.Tensor, n, dim int) ([]float64, []int, error) {
	acts := make([]float64, 0, n*dim)
	preds := make([]int, 0, n)
	err := train.NoGradChunks(ctx, x, nil, train.EvalBatch, func(s *model.Scope, xb, _ *ts.Tensor, _ int) error {
		h, logits, err := forwardSplit(s, net, stages, xb)
		if err != nil {
			return err
		}
		vals := s.T(h.MustFlatten(1, -1, false)).Float64Values()
		best := s.T(logits.MustArgmax([]int64{-1}, false, false)).Int64Values()
		if size := int(xb.MustSize()[0]); len(vals) != size*dim || len(best) != size {
			return fmt.Errorf("the network gave %d numbers and %d predictions for %d images of %d numbers", len(vals), len(best), size, dim)
		}
		acts = append(acts, vals...)
		for _, b := range best {
			preds = append(preds, int(b))
		}
		return nil
	})
	return acts, preds, err
}

// forwardSplit runs net's first stages layers on x (h) and the rest on h
// (logits); both are recorded in s.
func forwardSplit(s *model.Scope, net model.Net, stages int, x *ts.Tensor) (h, logits *ts.Tensor, err error) {
	switch n := net.(type) {
	case *model.CNN:
		if h, err = n.Stages(x, 0, stages); err != nil {
			return nil, nil, err
		}
		s.T(h)
		logits, err = n.Stages(h, stages, len(model.CNNLayers()))
		if err != nil {
			return nil, nil, err
		}
		return h, s.T(logits), nil
	case model.Backbone:
		h = s.T(n.Features(x))
		return h, s.T(n.Head(h)), nil
	case *model.FFN:
		h = s.T(x.MustFlatten(1, -1, false))
		for i, l := range n.Layers {
			out := s.T(l.Forward(h))
			if i == len(n.Layers)-1 {
				return nil, nil, fmt.Errorf("embed: the FFN has no hidden layer %d", stages)
			}
			h = s.T(out.MustRelu(false))
			if i+1 == stages {
				logits = h
				for _, rest := range n.Layers[i+1:] {
					logits = s.T(rest.Forward(logits))
					if rest != n.Layers[len(n.Layers)-1] {
						logits = s.T(logits.MustRelu(false))
					}
				}
				return h, logits, nil
			}
		}
	}
	return nil, nil, fmt.Errorf("embed: no layers to run in a %T", net)
}

// sameClasses says whether the checkpoint's head predicts the dataset's
// classes: as many, and the same names where its sidecar names them. An
// MNIST network's ten digits on Fashion-MNIST's ten garments are not.
func sameClasses(sc *model.Sidecar, classes []string) bool {
	return len(classes) == sc.Arch.Classes && (sc.Classes == nil || slices.Equal(sc.Classes, classes))
}

// TransferEmbeddings are the two feature spaces the transfer page links
// for a finished fine-tuning run: its source network before fine-tuning
// and the fine-tuned network after, each at fc2 on the same seeded sample
// of the target's test images, read as the run read them. before is nil
// for a run trained from scratch. o gives the sample's size and seed, the
// data folder and the device; the checkpoints and the dataset are the
// run's. Where only before fails, after is returned with the error.
func TransferEmbeddings(ctx context.Context, resultsDir string, run *metrics.Run, o EmbedOptions) (before, after *Embedding, err error) {
	if run.Kind != "finetune" || run.Status != "done" {
		return nil, nil, fmt.Errorf("run %s: a finished fine-tuning run has feature spaces before and after (this one is a %s run, %s)", run.Name, run.Kind, run.Status)
	}
	o.Dataset, o.Layer = run.Config.Dataset, ""
	o.Data.TestFraction, o.Data.Invert, o.Data.Fit, o.Data.EMNISTOrientation = 0, "", "", ""
	o.Data = train.RecordedData(o.Data, run.Config, o.Dataset)
	o.Checkpoint = filepath.Join(resultsDir, run.Name, "model.pt")
	if after, err = Embed(ctx, o); err != nil {
		return nil, nil, err
	}
	src, err := runSource(run, o.Options.WithDefaults().PretrainedDir)
	if src == "" || err != nil {
		return nil, after, err
	}
	o.Checkpoint = src
	if before, err = Embed(ctx, o); err != nil {
		return nil, after, fmt.Errorf("the source network of %s: %w", run.Name, err)
	}
	return before, after, nil
}

// runSource is the file run's source weights came from, "" for a run from
// scratch. A run from before transferlab recorded it names a pretrained
// dataset, found in pretrainedDir. It is an error when the file is no
// longer the network the run started from (retrained since).
func runSource(run *metrics.Run, pretrainedDir string) (string, error) {
	cfg := run.Config
	src := cfg.SourceCheckpoint
	if src == "" {
		src = train.SourceCheckpoint(train.Recipe{Kind: run.Kind, Source: cfg.Source}, pretrainedDir)
	}
	if src == "" || cfg.SourceSHA256 == "" {
		return src, nil
	}
	sum, err := model.FileSHA256(src)
	if err != nil {
		return "", fmt.Errorf("the source network of %s: %w", run.Name, err)
	}
	if sum != cfg.SourceSHA256 {
		return "", fmt.Errorf("the source network of %s, %s, has changed since the run started from it (SHA-256 %.12s..., was %.12s...): its feature space before fine-tuning is gone", run.Name, src, sum, cfg.SourceSHA256)
	}
	return src, nil
}
