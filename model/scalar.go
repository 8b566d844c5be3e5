package model

import "github.com/sugarme/gotch/ts"

// Float reads a one-element tensor. gotch's Float64Values leaves a
// converted copy for the garbage collector to free; this reads the value in
// place, so a training step leaves nothing behind.
func Float(t *ts.Tensor) (float64, error) { return t.Float64Value(make([]int64, t.Dim())) }

// Int reads a one-element integer tensor in place.
func Int(t *ts.Tensor) (int64, error) { return t.Int64Value(make([]int64, t.Dim())) }
