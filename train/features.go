package train

import (
	"context"
	"errors"
	"fmt"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"transferlab/internal/torchenv"
	"transferlab/model"
)

// Exact feature caching for a frozen prefix ("last", from:LAYER): with
// every parameter below the first trainable layer frozen (and no dropout
// or batch norm), that prefix maps an image to the same activations in
// every epoch. So they are computed once per split and the layers above
// train on them: the same batches, the same Adam updates and the same
// metrics as the naive loop (within float rounding), at a fraction of the
// cost.

// cachedFeatures runs the frozen layers below layer from over x in
// evaluation batches under no-grad and returns their output as one
// tensor, where x is (the run's device).
func cachedFeatures(ctx context.Context, cnn *model.CNN, from int, x *ts.Tensor, bf16 bool) (*ts.Tensor, error) {
	if x.MustSize()[0] == 0 {
		return nil, fmt.Errorf("no images to compute features of")
	}
	var parts []*ts.Tensor
	defer func() {
		for _, p := range parts {
			p.MustDrop()
		}
	}()
	err := NoGradChunks(ctx, x, nil, EvalBatch, func(s *model.Scope, xb, _ *ts.Tensor, _ int) error {
		f, err := frozenStages(cnn, from, xb, bf16)
		if err == nil {
			parts = append(parts, f)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return ts.Cat(parts, 0)
}

// frozenStages is the output of cnn's layers below from on xb, in fp32;
// with bf16 they run under autocast, as in training.
func frozenStages(cnn *model.CNN, from int, xb *ts.Tensor, bf16 bool) (*ts.Tensor, error) {
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
// train. The images are freed: the loop never needs them again.
func useCachedFeatures(ctx context.Context, cnn *model.CNN, from int, sp *splits, bf16 bool) (model.Net, error) {
	suffix, err := cnn.From(from)
	if err != nil {
		return nil, fmt.Errorf("feature cache: %w", err)
	}
	swap := func(x **ts.Tensor) error {
		f, err := cachedFeatures(ctx, cnn, from, *x, bf16)
		if err != nil {
			return err
		}
		(*x).MustDrop()
		*x = f
		return nil
	}
	if err := swap(&sp.trainX); err != nil {
		return nil, err
	}
	if sp.evalName == "val" {
		if err := swap(&sp.evalX); err != nil {
			return nil, err
		}
	}
	if err := swap(&sp.testX); err != nil {
		return nil, err
	}
	if sp.evalName != "val" {
		sp.evalX = sp.testX
	}
	return suffix, nil
}
