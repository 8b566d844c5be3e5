package train

import (
	"context"
	"fmt"

	"github.com/sugarme/gotch/ts"

	"transferlab/model"
)

// NoGradChunks is the one forward pass without gradients over a split's
// images: evaluation, the feature cache, predict and embed all run their
// network through it. x (and y, when not nil) are resident where the
// network is (a run's data goes to its device when it is loaded), so each
// chunk is a view of them on that device and fn's outputs are there too.
// fn sees chunks of up to chunk images, starting at image lo; what it
// records in s is freed after its chunk. ctx is checked before each chunk
// (Ctrl-C stops the pass after the current one with ctx's error).
func NoGradChunks(ctx context.Context, x, y *ts.Tensor, chunk int, fn func(s *model.Scope, xb, yb *ts.Tensor, lo int) error) error {
	if chunk < 1 {
		return fmt.Errorf("forward pass: chunks of %d images", chunk)
	}
	n := int(x.MustSize()[0])
	// Gradients come back on even when a libtorch error unwinds through
	// here as a panic (ts.NoGrad would leave them off for the rest of the
	// process). On, not "as they were": gotch's GradSetEnabled misreads
	// the previous state (it reads a C int as a Go int), and no caller
	// runs a pass with gradients off.
	ts.MustGradSetEnabled(false)
	defer ts.MustGradSetEnabled(true)
	for lo := 0; lo < n; lo += chunk {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := forwardChunk(x, y, lo, min(chunk, n-lo), fn); err != nil {
			return err
		}
	}
	return nil
}

// forwardChunk hands fn images lo..lo+size of x (and y) and frees what
// fn recorded, whatever it returns.
func forwardChunk(x, y *ts.Tensor, lo, size int, fn func(s *model.Scope, xb, yb *ts.Tensor, lo int) error) error {
	s := model.NewScope()
	defer s.Drop()
	xb := s.T(x.MustNarrow(0, int64(lo), int64(size), false))
	var yb *ts.Tensor
	if y != nil {
		yb = s.T(y.MustNarrow(0, int64(lo), int64(size), false))
	}
	return fn(s, xb, yb, lo)
}
