package model

import "github.com/sugarme/gotch/ts"

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
