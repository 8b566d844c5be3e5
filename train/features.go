package train

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"transferlab/internal/torchenv"
	"transferlab/model"
)

// Exact feature caching for a frozen prefix ("last", from:LAYER): with
// every parameter below the first trainable layer frozen (no dropout, and
// a backbone's batch norms there in inference mode), that prefix maps an
// image to the same activations in every epoch. So they are computed once per split and the layers above
// train on them: the same batches, the same Adam updates and the same
// metrics as the naive loop (within float rounding), at a fraction of the
// cost.

// stagedNet is a network that runs in stages: the seed CNN and the
// backbones.
type stagedNet interface {
	model.Net
	// Stages runs stages from..to-1 in inference mode.
	Stages(x *ts.Tensor, from, to int) (*ts.Tensor, error)
	// From is the network of the stages from up.
	From(from int) (model.Net, error)
}

// cachedFeatures runs the frozen layers below layer from over x in
// evaluation batches under no-grad and returns their output as one
// tensor, where x is (the run's device). obs (nil: none) sees the images
// done after each batch, unscored.
func cachedFeatures(ctx context.Context, cnn stagedNet, from int, x *ts.Tensor, bf16 bool, obs EpochObserver) (*ts.Tensor, error) {
	n := int(x.MustSize()[0])
	if n == 0 {
		return nil, fmt.Errorf("no images to compute features of")
	}
	if obs != nil {
		defer obs.Done()
	}
	start := time.Now()
	var parts []*ts.Tensor
	defer func() {
		for _, p := range parts {
			p.MustDrop()
		}
	}()
	err := NoGradChunks(ctx, x, nil, EvalBatch, func(s *model.Scope, xb, _ *ts.Tensor, lo int) error {
		f, err := frozenStages(cnn, from, xb, bf16)
		if err != nil {
			return err
		}
		parts = append(parts, f)
		if obs != nil {
			done := lo + int(xb.MustSize()[0])
			obs.Batch(done, n, unscored, unscored, float64(done)/time.Since(start).Seconds())
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ts.Cat(parts, 0)
}

// frozenStages is the output of cnn's layers below from on xb, in fp32;
// with bf16 they run under autocast, as in training.
func frozenStages(cnn stagedNet, from int, xb *ts.Tensor, bf16 bool) (*ts.Tensor, error) {
	if !bf16 {
		return cnn.Stages(xb, 0, from)
	}
	var f *ts.Tensor
	var err error
	if aerr := torchenv.Autocast(xb.MustDevice(), func() { f, err = cnn.Stages(xb, 0, from) }); aerr != nil || err != nil {
		return nil, errors.Join(err, aerr)
	}
	return f.MustTotype(gotch.Float, true), nil
}

// useCachedFeatures swaps the splits' images for the output of the frozen
// layers below layer from and returns the network of the layers above to
// train. The images are freed: the loop never needs them again. Each
// split's pass shows its progress on log.
func useCachedFeatures(ctx context.Context, cnn stagedNet, layers []string, from int, sp *splits, bf16 bool, log Logger) (model.Net, error) {
	suffix, err := cnn.From(from)
	if err != nil {
		return nil, fmt.Errorf("feature cache: %w", err)
	}
	layer := layers[from]
	swap := func(x **ts.Tensor, split string) error {
		n := int((*x).MustSize()[0])
		obs := log.Task(fmt.Sprintf("frozen layers below %s, %s images", layer, split), n)
		f, err := cachedFeatures(ctx, cnn, from, *x, bf16, obs)
		if err != nil {
			return err
		}
		(*x).MustDrop()
		*x = f
		return nil
	}
	log.Printf("caching the output of the frozen layers below %s once, for the training, held-out and test images; the epochs train the layers above on it", layer)
	if err := swap(&sp.trainX, "training"); err != nil {
		return nil, err
	}
	if sp.evalName == "val" {
		if err := swap(&sp.evalX, "validation"); err != nil {
			return nil, err
		}
	}
	if err := swap(&sp.testX, "test"); err != nil {
		return nil, err
	}
	if sp.evalName != "val" {
		sp.evalX = sp.testX
	}
	return suffix, nil
}
