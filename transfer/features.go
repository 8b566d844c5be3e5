package transfer

import (
	"context"
	"fmt"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"transferlab/internal/torchenv"
	"transferlab/model"
)

// Exact feature caching for "last": with every parameter but the head
// frozen (and no dropout or batch norm), the backbone maps an image to the
// same fc2 activations in every epoch. So they are computed once per split
// and the head trains on them: the same batches, the same Adam updates and
// the same metrics as the naive loop (within float rounding), at a
// fraction of the cost.

// headOnly is the network the loop trains when features are cached: the
// CNN's head applied to cached features.
type headOnly struct{ cnn *model.CNN }

func (h headOnly) ForwardT(features *ts.Tensor, train bool) *ts.Tensor { return h.cnn.Head(features) }

// cachedFeatures runs the frozen backbone over x in evaluation batches
// under no-grad and returns the N x 84 features as one tensor.
func cachedFeatures(ctx context.Context, cnn *model.CNN, x *ts.Tensor, bf16 bool) (*ts.Tensor, error) {
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
				if err = torchenv.Autocast(func() { f = cnn.Features(xb) }); err == nil {
					parts = append(parts, f.MustTotype(gotch.Float, true))
				}
			} else {
				parts = append(parts, cnn.Features(xb))
			}
			xb.MustDrop()
		}
	})
	if err != nil {
		return nil, err
	}
	return ts.Cat(parts, 0)
}

// useCachedFeatures swaps the splits' images for their features and
// returns the head-only network to train. The images are freed: the loop
// never needs them again.
func useCachedFeatures(ctx context.Context, cnn *model.CNN, sp *splits, bf16 bool) (model.Net, error) {
	swap := func(x **ts.Tensor) error {
		f, err := cachedFeatures(ctx, cnn, *x, bf16)
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
	return headOnly{cnn}, nil
}
