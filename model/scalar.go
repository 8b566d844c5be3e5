package model

import (
	"fmt"

	"github.com/sugarme/gotch/ts"
)

// Float reads a one-element tensor. gotch's Float64Values leaves a
// converted copy for the garbage collector to free; this reads the value in
// place, so a training step leaves nothing behind.
func Float(t *ts.Tensor) (float64, error) { return t.Float64Value(make([]int64, t.Dim())) }

// Int reads a one-element integer tensor in place.
func Int(t *ts.Tensor) (int64, error) { return t.Int64Value(make([]int64, t.Dim())) }

// CrossEntropy is the mean cross-entropy of logits (N x classes) against
// class indices, as torch.nn.functional.cross_entropy. gotch's
// CrossEntropyForLogits does the same but leaks its weight tensor on every
// call.
func CrossEntropy(logits, targets *ts.Tensor) (*ts.Tensor, error) {
	logSm, err := logits.LogSoftmax(-1, logits.DType(), false)
	if err != nil {
		return nil, err
	}
	noWeight := ts.NewTensor() // undefined: every class weighs 1
	defer noWeight.MustDrop()
	return logSm.NllLoss(targets, noWeight, 1, -100, true) // 1: the mean; -100: no ignored class
}

// CrossEntropySmoothed is the mean cross-entropy with label smoothing
// eps, as torch.nn.CrossEntropyLoss(label_smoothing=eps): each target is
// 1-eps on its class plus eps spread evenly over all C classes, so the
// loss is (1-eps)*NLL + eps*mean over classes of -log p. eps 0 is
// CrossEntropy itself (the same calls).
func CrossEntropySmoothed(logits, targets *ts.Tensor, eps float64) (*ts.Tensor, error) {
	if eps == 0 {
		return CrossEntropy(logits, targets)
	}
	if !(eps > 0 && eps < 1) {
		return nil, fmt.Errorf("label smoothing %v: give a value in [0, 1)", eps)
	}
	s := NewScope()
	defer s.Drop()
	logSm, err := logits.LogSoftmax(-1, logits.DType(), false)
	if err != nil {
		return nil, err
	}
	s.T(logSm)
	noWeight := s.T(ts.NewTensor()) // undefined: every class weighs 1
	nll, err := logSm.NllLoss(targets, noWeight, 1, -100, false)
	if err != nil {
		return nil, err
	}
	s.T(nll)
	// -mean over classes of log p, then the mean over the batch.
	uniform, err := logSm.MeanDim([]int64{-1}, false, logSm.DType(), false)
	if err != nil {
		return nil, err
	}
	s.T(uniform)
	smooth, err := uniform.Mean(uniform.DType(), false)
	if err != nil {
		return nil, err
	}
	s.T(smooth)
	keep, spread := ts.FloatScalar(1-eps), ts.FloatScalar(-eps)
	defer keep.MustDrop()
	defer spread.MustDrop()
	a := s.T(nll.MustMulScalar(keep, false))
	b := s.T(smooth.MustMulScalar(spread, false))
	return a.Add(b, false)
}
