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
// evaluation batches under no-grad and returns their output as one tensor.
func cachedFeatures(ctx context.Context, cnn *model.CNN, from int, x *ts.Tensor, bf16 bool) (*ts.Tensor, error) {
	n := int(x.MustSize()[0])
	if n == 0 {
		return nil, fmt.Errorf("no images to compute features of")
	}
	var parts []*ts.Tensor
	defer func() {
		for _, p := range parts {
			p.MustDrop()
		}
	}()
	var err error
	ts.NoGrad(func() {
		for lo := 0; lo < n && err == nil; lo += EvalBatch {
			if err = ctx.Err(); err != nil {
				break
			}
			xb := x.MustNarrow(0, int64(lo), int64(min(EvalBatch, n-lo)), false)
			if bf16 {
				var f *ts.Tensor
				aerr := torchenv.Autocast(func() { f, err = cnn.Stages(xb, 0, from) })
				if err = errors.Join(err, aerr); err == nil {
					parts = append(parts, f.MustTotype(gotch.Float, true))
				}
			} else {
				var f *ts.Tensor
				if f, err = cnn.Stages(xb, 0, from); err == nil {
					parts = append(parts, f)
				}
			}
			xb.MustDrop()
		}
	})
	if err != nil {
		return nil, err
	}
	return ts.Cat(parts, 0)
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
