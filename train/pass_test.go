package train

import (
	"context"
	"errors"
	"runtime"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"transferlab/model"
)

// gradEnabled reports whether libtorch records gradients on this thread:
// whether an operation on a tensor that requires them does.
func gradEnabled() bool {
	a := ts.MustOnes([]int64{1}, gotch.Float, gotch.CPU).MustSetRequiresGrad(true, true)
	defer a.MustDrop()
	b := a.MustMulScalar(ts.FloatScalar(2), false)
	defer b.MustDrop()
	return b.MustRequiresGrad()
}

// The pass hands every image once, in order, in chunks of the size asked
// (the last smaller), with the labels beside them, gradients off and on
// the images' device; afterwards gradients are on again.
func TestNoGradChunksCoversTheSplitInOrder(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	x := ts.MustArange(ts.IntScalar(10), gotch.Float, gotch.CPU)
	y := ts.MustArange(ts.IntScalar(10), gotch.Int64, gotch.CPU)
	defer x.MustDrop()
	defer y.MustDrop()
	var seen []float64
	var los, sizes []int
	err := NoGradChunks(context.Background(), x, y, 4, func(s *model.Scope, xb, yb *ts.Tensor, lo int) error {
		if gradEnabled() {
			t.Error("gradients on inside the pass")
		}
		if xb.MustDevice() != x.MustDevice() {
			t.Errorf("chunk on %v, images on %v", xb.MustDevice(), x.MustDevice())
		}
		if got, want := yb.Int64Values(), int64(lo); got[0] != want {
			t.Errorf("labels of chunk at %d start at %d", lo, got[0])
		}
		seen = append(seen, xb.Float64Values()...)
		los, sizes = append(los, lo), append(sizes, int(xb.MustSize()[0]))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 10 || seen[0] != 0 || seen[9] != 9 || len(los) != 3 || los[2] != 8 || sizes[2] != 2 {
		t.Errorf("images %v in chunks at %v of %v", seen, los, sizes)
	}
	if !gradEnabled() {
		t.Error("gradients still off after the pass")
	}
}

// A libtorch error inside the pass unwinds as a panic (the gotch
// adaptation's Must* helpers) to the run's boundary; the grad mode must
// not stay off behind it, or every later training step would learn
// nothing. ts.NoGrad, which the passes used, left it off.
func TestNoGradChunksRestoresGradModeAfterALibtorchError(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	x := ts.MustOnes([]int64{6, 3}, gotch.Float, gotch.CPU)
	defer x.MustDrop()
	func() {
		defer func() { _ = recover() }()
		_ = NoGradChunks(context.Background(), x, nil, 2, func(s *model.Scope, xb, _ *ts.Tensor, _ int) error {
			s.T(xb.MustMatmul(xb, false)) // 2x3 @ 2x3: a libtorch shape error
			return nil
		})
		t.Error("the shape error did not unwind")
	}()
	if !gradEnabled() {
		t.Error("gradients off after a libtorch error in the pass")
	}
	// An error returned, and a cancelled context, stop it too.
	stop := errors.New("stop")
	calls := 0
	if err := NoGradChunks(context.Background(), x, nil, 2, func(*model.Scope, *ts.Tensor, *ts.Tensor, int) error { calls++; return stop }); !errors.Is(err, stop) || calls != 1 {
		t.Errorf("error %v after %d chunks, want stop after 1", err, calls)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := NoGradChunks(ctx, x, nil, 2, func(*model.Scope, *ts.Tensor, *ts.Tensor, int) error { calls++; return nil }); !errors.Is(err, context.Canceled) || calls != 1 {
		t.Errorf("cancelled pass: %v after %d more chunks", err, calls-1)
	}
	if !gradEnabled() {
		t.Error("gradients off after the pass stopped")
	}
}
